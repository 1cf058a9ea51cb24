"""Linking in tests: the browser leg of the Questetra consent (redirects followed by hand), and a
tenant that allows API-password links."""

from __future__ import annotations

import re
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx2

from tests.emulators.slack import FakeSlack, SlackSigner

CLIENT_ID = "bridge-client"
CLIENT_SECRET = "bridge-client-secret-123"
REDIRECT_URI = "http://bot.test/questetra/oauth/callback"


async def connect_url(
    bot: httpx2.AsyncClient, signer: SlackSigner, slack: FakeSlack, user_id: str = "U_EN"
) -> str:
    """Run `/questetra connect` and return the one-time URL of its button."""
    url = slack.new_response_url()
    body, headers = signer.slash_command("connect", user_id=user_id, response_url=url)
    assert (await bot.post("/slack/events", content=body, headers=headers)).status_code == 200
    (reply,) = await slack.wait_for_response(url)
    buttons = [
        e for b in reply["blocks"] for e in b.get("elements", []) if e.get("type") == "button"
    ]
    assert len(buttons) == 1, reply
    return str(buttons[0]["url"])


async def consent(bot: httpx2.AsyncClient, start_url: str, *, decision: str = "approve") -> str:
    """Open the start URL, answer Questetra's consent page; return the callback URL."""
    start = await bot.get(start_url)
    assert start.status_code == 302, start.text
    authorize = start.headers["location"]
    async with httpx2.AsyncClient() as browser:
        page = await browser.get(authorize)
        assert page.status_code == 200, page.text
        hidden = {
            unescape(name): unescape(value)
            for name, value in re.findall(
                r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text
            )
        }
        action = re.search(r'<form method="post" action="([^"]+)"', page.text)
        assert action is not None
        answer = await browser.post(
            urljoin(authorize, unescape(action.group(1))), data={**hidden, "decision": decision}
        )
    assert answer.status_code in (302, 303), answer.text
    return answer.headers["location"]


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


async def link_user(
    bot: httpx2.AsyncClient,
    signer: SlackSigner,
    slack: FakeSlack,
    questetra: Any,
    *,
    user_id: str,
    email: str,
) -> None:
    """Link a Slack user through the real consent flow, then forget the calls it made."""
    questetra.sign_in(email)
    page = await bot.get(await consent(bot, await connect_url(bot, signer, slack, user_id=user_id)))
    assert page.status_code == 200, page.text
    await slack.wait_for("views.publish")
    slack.reset(keep_users=True)


def basic_auth_tenant(questetra: Any) -> Any:
    """A tenant that allows API-password (Basic) links, with Alice Adams
    (``alice@example.com``, API password ``alice-api-pass``); the emulator state, for more."""
    questetra.basic_auth_enabled = True
    questetra.add_user("alice@example.com", "Alice Adams", api_password="alice-api-pass")
    return questetra
