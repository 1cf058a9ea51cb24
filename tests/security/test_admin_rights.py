"""Issue #16 item 3: admin rights fail closed — a cached is_admin never authorizes a change when
users.info fails, and a user who is not a member of the workspace itself is never an admin."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.db.models import UserLink, Workspace
from tests.integration.test_admin_panel import buttons, run
from tests.linking_support import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, link_user

pytestmark = pytest.mark.usefixtures("app")
REFUSED = "Only Slack workspace admins"
UNVERIFIED = "Slack did not confirm your admin rights just now, so nothing was changed"


@pytest.fixture(autouse=True)
def tenant(questetra, slack):
    slack.add_user("U_ADMIN", email="admin@example.com", name="admin", is_admin=True)
    questetra.add_user("alice@example.com", "Alice Adams")
    questetra.add_client(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI)
    return questetra


async def _paused(engine) -> bool | None:
    async with engine.connect() as connection:
        row = (await connection.execute(select(Workspace.paused))).first()
    return None if row is None else bool(row[0])


async def test_a_cached_admin_flag_does_not_authorize_when_users_info_fails(
    bot, signer, slack, questetra, engine
) -> None:
    await link_user(bot, signer, slack, questetra, user_id="U_EN", email="alice@example.com")
    panel = await run(bot, signer, slack, "admin")  # admin, read now: cached from here on
    assert "panel_revoke" in buttons(panel["blocks"])
    slack.fail("users.info", "ratelimited", count=50)
    reply = await run(bot, signer, slack, "admin revoke <@U_EN>")
    assert UNVERIFIED in reply["text"]
    reply = await run(bot, signer, slack, "admin pause")
    assert UNVERIFIED in reply["text"]
    revoke = buttons(panel["blocks"])["panel_revoke"]
    payload = signer.block_actions(
        revoke["action_id"], revoke["value"], user_id="U_ADMIN", response_url=panel["_url"]
    )
    body, headers = signer.interactivity(payload)
    assert (await bot.post("/slack/events", content=body, headers=headers)).status_code == 200
    await slack.wait_for_response(panel["_url"], count=2)
    async with engine.connect() as connection:
        assert len((await connection.execute(select(UserLink))).all()) == 1
    assert not await _paused(engine)


@pytest.mark.parametrize("marks", [{"team_id": "T0EXT"}, {"is_stranger": True}])
async def test_an_admin_of_another_organisation_is_not_an_admin_here(
    bot, signer, slack, engine, marks
) -> None:
    slack.add_user("U_GUEST", email="boss@other.example", is_admin=True, is_owner=True, **marks)
    reply = await run(bot, signer, slack, "admin pause", user_id="U_GUEST")
    assert REFUSED in reply["text"]
    assert not await _paused(engine)
