"""The admin panel: who may use it, what it shows, and each switch end to end."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.db.models import AuditEntry, UserLink, Workspace
from tests.linking_support import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, link_user

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
def env(env):
    return {**env, "QUESTETRA_BASIC_AUTH": "true", "ADMIN_SLACK_USER_IDS": "U_CFG"}


@pytest.fixture(autouse=True)
def tenant(questetra, slack):
    slack.add_user(
        "U_ADMIN", email="admin@example.com", name="admin", locale="en-US", is_admin=True
    )
    slack.add_user("U_CFG", email="cfg@example.com", name="cfg", locale="ja-JP")
    questetra.basic_auth_enabled = True
    questetra.add_user("alice@example.com", "Alice Adams", api_password="alice-pw")
    questetra.add_user("taro@example.jp", "Taro", api_password="taro-pw")
    questetra.add_client(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI)
    questetra.add_app(7, "Expense claim")
    return questetra


async def run(bot, signer, slack, text, user_id="U_ADMIN") -> dict:
    url = slack.new_response_url()
    body, headers = signer.slash_command(text, user_id=user_id, response_url=url)
    assert (await bot.post("/slack/events", content=body, headers=headers)).status_code == 200
    reply = (await slack.wait_for_response(url))[-1]
    return reply | {"_url": url}


def texts(blocks) -> str:
    return "\n".join(b["text"]["text"] for b in blocks if isinstance(b.get("text"), dict))


def buttons(blocks) -> dict[str, dict]:
    found = {}
    for block in blocks:
        for element in [*block.get("elements", []), block.get("accessory") or {}]:
            if element.get("type") == "button":
                found.setdefault(element["action_id"], element)
    return found


async def basic_link(bot, signer, user_id, email, password) -> None:
    payload = signer.view_submission(
        "basic_link",
        {"email": {"email": email}, "api_password": {"api_password": password}},
        user_id=user_id,
    )
    body, headers = signer.interactivity(payload)
    assert (await bot.post("/slack/events", content=body, headers=headers)).status_code == 200


async def click(bot, signer, slack, button, url, user_id="U_ADMIN") -> dict:
    payload = signer.block_actions(
        button["action_id"], button.get("value"), user_id=user_id, response_url=url
    )
    body, headers = signer.interactivity(payload)
    assert (await bot.post("/slack/events", content=body, headers=headers)).status_code == 200
    return (await slack.wait_for_response(url, count=2))[-1]


@pytest.mark.parametrize("user_id", ["U_EN", "U_JA"])
async def test_non_admins_are_refused_politely(bot, signer, slack, user_id) -> None:
    reply = await run(bot, signer, slack, "admin", user_id=user_id)
    assert "Panel" not in reply["text"]
    assert reply["text"].startswith(("You are not", "この操作")) or "admin" in reply["text"].lower()
    assert "linked users" not in texts(reply["blocks"]).lower()


async def test_admin_and_configured_admin_see_the_overview(bot, signer, slack, questetra) -> None:
    await link_user(bot, signer, slack, questetra, user_id="U_EN", email="alice@example.com")
    reply = await run(bot, signer, slack, "admin")
    text = texts(reply["blocks"])
    assert "Linked users: *1* by OAuth, *0* by API password" in text
    assert "<@U_EN> · alice@example.com · OAuth" in text
    assert "accepted" in text
    configured = await run(bot, signer, slack, "admin", user_id="U_CFG")
    assert "連携ユーザー: OAuth *1* 人" in texts(configured["blocks"])


async def test_revoke_tells_the_user_and_is_audited(bot, signer, slack, questetra, engine) -> None:
    await link_user(bot, signer, slack, questetra, user_id="U_EN", email="alice@example.com")
    panel = await run(bot, signer, slack, "admin")
    revoke = buttons(panel["blocks"])["panel_revoke"]
    assert revoke["value"] == "U_EN"
    assert "confirm" in revoke
    updated = await click(bot, signer, slack, revoke, panel["_url"])
    assert "Removed <@U_EN>'s link." in texts(updated["blocks"])
    dm = (
        slack.messages("DU_EN")[-1]
        if slack.messages("DU_EN")
        else slack.calls_to("chat.postMessage")[-1].params
    )
    assert "An admin removed your Questetra link" in dm["text"]
    async with engine.connect() as connection:
        assert (await connection.execute(select(UserLink))).all() == []
        actions = (await connection.execute(select(AuditEntry.action, AuditEntry.actor))).all()
    assert ("revoke", "U_ADMIN") in actions


async def test_basic_off_drops_basic_links_and_tells_each_user(
    bot, signer, slack, questetra, engine
) -> None:
    await basic_link(bot, signer, "U_EN", "alice@example.com", "alice-pw")
    await basic_link(bot, signer, "U_JA", "taro@example.jp", "taro-pw")
    await slack.wait_for("chat.postMessage", count=2)
    reply = await run(bot, signer, slack, "admin basic off")
    assert "API-password (Basic) linking: *not allowed*" in texts(reply["blocks"])
    async with engine.connect() as connection:
        assert (await connection.execute(select(UserLink))).all() == []
        assert (await connection.execute(select(Workspace.basic_auth_enabled))).scalar() is False
    texts_sent = [c.params["text"] for c in slack.calls_to("chat.postMessage")]
    assert any("no longer allows linking with an API password" in x for x in texts_sent)
    assert any("API パスワードによる連携を禁止" in x for x in texts_sent)
    # and linking with a password is refused now
    url = slack.new_response_url()
    body, headers = signer.slash_command("connect basic", user_id="U_EN", response_url=url)
    await bot.post("/slack/events", content=body, headers=headers)
    assert "not enabled" in (await slack.wait_for_response(url))[-1]["text"]


async def test_pause_stops_commands_and_polls_and_shows_on_home(
    bot, signer, slack, questetra, app, clock, engine
) -> None:
    await link_user(bot, signer, slack, questetra, user_id="U_EN", email="alice@example.com")
    reply = await run(bot, signer, slack, "admin pause")
    assert "*Paused*" in texts(reply["blocks"])
    tasks = await run(bot, signer, slack, "tasks", user_id="U_EN")
    assert "paused the bridge" in tasks["text"]
    calls_before = len(questetra.requests)
    clock.advance(120)
    assert await app.state.poller.run_once() == 0
    assert len(questetra.requests) == calls_before
    body, headers = signer.event(signer.app_home_opened("U_EN"), event_id="EvPAUSE")
    await bot.post("/slack/events", content=body, headers=headers)
    (home,) = await slack.wait_for("views.publish")
    assert "An admin has paused the bridge" in texts(home.params["view"]["blocks"])
    resumed = await run(bot, signer, slack, "admin resume")
    assert "Running" in texts(resumed["blocks"])
    assert "Nothing is waiting" in texts(
        (await run(bot, signer, slack, "tasks", user_id="U_EN"))["blocks"]
    )


async def test_email_mapping_allows_a_different_address(
    bot, signer, slack, questetra, engine
) -> None:
    questetra.add_user("a.adams@corp.example", "Alice (corp)")
    from tests.linking_support import connect_url, consent

    reply = await run(bot, signer, slack, "admin map <@U_EN|alice> a.adams@corp.example")
    assert (
        "may now link the Questetra account a.adams@corp.example"
        in reply["blocks"][1]["text"]["text"]
    )
    questetra.sign_in("a.adams@corp.example")
    page = await bot.get(await consent(bot, await connect_url(bot, signer, slack, user_id="U_EN")))
    assert page.status_code == 200
    async with engine.connect() as connection:
        assert (
            await connection.execute(select(UserLink.questetra_email))
        ).scalar() == "a.adams@corp.example"


async def test_audit_command_lists_latest_entries(bot, signer, slack, questetra) -> None:
    await link_user(bot, signer, slack, questetra, user_id="U_EN", email="alice@example.com")
    await run(bot, signer, slack, "admin pause")
    reply = await run(bot, signer, slack, "admin audit")
    text = texts(reply["blocks"])
    assert "*Audit log* (latest 2)" in text
    assert "pause" in text and "link" in text
    mine = await run(bot, signer, slack, "admin audit <@U_EN>")
    assert "pause" not in texts(mine["blocks"])


async def test_client_refused_state_is_shown_until_it_recovers(
    bot, signer, slack, questetra, app, clock
) -> None:
    await link_user(bot, signer, slack, questetra, user_id="U_EN", email="alice@example.com")
    questetra.set_client_active(CLIENT_ID, False)
    clock.advance(13 * 3600)
    await run(bot, signer, slack, "tasks", user_id="U_EN")
    shown = texts((await run(bot, signer, slack, "admin"))["blocks"])
    assert "Questetra refused the bridge's OAuth client" in shown
    questetra.set_client_active(CLIENT_ID, True)
    await run(bot, signer, slack, "tasks", user_id="U_EN")
    assert "accepted" in texts((await run(bot, signer, slack, "admin"))["blocks"])


async def test_bad_admin_arguments_get_the_usage(bot, signer, slack) -> None:
    reply = await run(bot, signer, slack, "admin revoke")
    assert "admin revoke @user" in reply["text"]
    # A word that is no mention: what to do (pick the person from Slack's list).
    reply = await run(bot, signer, slack, "admin revoke nobody")
    assert "pick the person from Slack's list" in reply["text"]
