"""Linking when Slack hides the e-mail (issue #15 item 8): no users:read.email, a guest or an
account without an address. The person is told that Slack's e-mail could not be read and that an
admin can map the account (never "sign in to Questetra as yourself"); a mapping then links."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.db.models import AuditEntry, UserLink
from tests.integration.test_basic_auth import submit
from tests.linking_support import (
    CLIENT_ID,
    CLIENT_SECRET,
    REDIRECT_URI,
    basic_auth_tenant,
    connect_url,
    consent,
)

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
def env(env):
    return {**env, "QUESTETRA_BASIC_AUTH": "true"}


@pytest.fixture(autouse=True)
def tenant(questetra, slack):
    basic_auth_tenant(questetra)
    questetra.add_user("guest@partner.example", "Gus", api_password="gus-api-pass")
    questetra.add_client(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI)
    slack.add_user("U_GUEST", email=None, name="gus", locale="ja-JP")
    slack.add_user("U_ADMIN", email="admin@example.com", name="admin", is_admin=True)
    return questetra


async def links(engine) -> list[UserLink]:
    async with engine.connect() as connection:
        return list((await connection.execute(select(UserLink))).all())


async def audit(engine) -> list[tuple]:
    async with engine.connect() as connection:
        query = select(AuditEntry.action, AuditEntry.outcome, AuditEntry.detail)
        return list((await connection.execute(query)).all())


async def consent_as(bot, signer, slack, questetra, user_id: str, email: str):
    questetra.sign_in(email)
    return await bot.get(await consent(bot, await connect_url(bot, signer, slack, user_id=user_id)))


def assert_says_email_hidden(page: str, email: str) -> None:
    assert "could not be read" in page and "/questetra admin map @you" in page
    assert "メールアドレスを読み取れませんでした" in page
    assert email in page
    assert "Sign in to Questetra as yourself" not in page


async def test_without_users_read_email_the_page_says_so_and_an_admin_can_map(
    bot, signer, slack, questetra, engine
) -> None:
    slack.email_scope = False
    page = await consent_as(bot, signer, slack, questetra, "U_EN", "alice@example.com")
    assert page.status_code == 400
    assert_says_email_hidden(page.text, "alice@example.com")
    assert await links(engine) == []
    assert [(a, o, d["reason"]) for a, o, d in await audit(engine)] == [
        ("link", "denied", "email_hidden")
    ]
    # An admin maps the account: the same consent now links.
    url = slack.new_response_url()
    body, headers = signer.slash_command(
        "admin map <@U_EN|alice> alice@example.com", user_id="U_ADMIN", response_url=url
    )
    assert (await bot.post("/slack/events", content=body, headers=headers)).status_code == 200
    await slack.wait_for_response(url)
    page = await consent_as(bot, signer, slack, questetra, "U_EN", "alice@example.com")
    assert page.status_code == 200, page.text
    assert [link.questetra_email for link in await links(engine)] == ["alice@example.com"]


async def test_a_member_without_an_e_mail(bot, signer, slack, questetra, engine) -> None:
    page = await consent_as(bot, signer, slack, questetra, "U_GUEST", "guest@partner.example")
    assert page.status_code == 400
    assert_says_email_hidden(page.text, "guest@partner.example")
    assert await links(engine) == []


async def test_a_different_e_mail_is_still_a_mismatch(bot, signer, slack, questetra) -> None:
    page = await consent_as(bot, signer, slack, questetra, "U_EN", "guest@partner.example")
    assert page.status_code == 400
    assert "does not have your Slack e-mail address" in page.text
    assert "could not be read" not in page.text


async def test_basic_auth_modal_says_so_in_english_and_japanese(bot, signer, slack, engine) -> None:
    slack.email_scope = False
    answer = (await submit(bot, signer, "alice@example.com", "alice-api-pass")).json()
    assert answer["response_action"] == "errors"
    assert answer["errors"]["email"].startswith("Slack did not give me your e-mail address")
    assert "/questetra admin map" in answer["errors"]["email"]
    answer = (
        await submit(bot, signer, "guest@partner.example", "gus-api-pass", user_id="U_GUEST")
    ).json()
    assert answer["errors"]["email"].startswith("Slack からあなたのメールアドレスを取得できない")
    assert await links(engine) == []
