"""Issue #16 item 6: a signed request sent again within Slack's 5-minute window changes nothing
twice; the digests live in the database (replicas share them) and are purged."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from bot.db.models import AuditEntry, UserLink, Workspace
from bot.db.security_models import ReplayDigest
from tests.conftest import bot_app, settle
from tests.integration.test_admin_panel import buttons, run
from tests.linking_support import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, link_user

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture(autouse=True)
def tenant(questetra, slack):
    slack.add_user("U_ADMIN", email="admin@example.com", name="admin", is_admin=True)
    questetra.add_user("alice@example.com", "Alice Adams")
    questetra.add_client(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI)
    return questetra


async def _paused(engine) -> bool:
    async with engine.connect() as connection:
        return bool((await connection.execute(select(Workspace.paused))).scalar())


async def _post(bot, signed) -> None:
    body, headers = signed
    assert (await bot.post("/slack/events", content=body, headers=headers)).status_code == 200
    await settle()  # the work Bolt does after its ack


def _command(signer, slack, text: str):
    return signer.slash_command(text, user_id="U_ADMIN", response_url=slack.new_response_url())


async def test_a_replayed_command_does_not_undo_a_later_one(bot, signer, slack, engine) -> None:
    pause = _command(signer, slack, "admin pause")
    await _post(bot, pause)
    assert await _paused(engine)
    resume = _command(signer, slack, "admin resume")
    await _post(bot, resume)
    assert not await _paused(engine)
    await _post(bot, pause)  # the eavesdropped "pause", sent again
    assert not await _paused(engine)
    async with engine.connect() as connection:
        actions = (await connection.execute(select(AuditEntry.action))).scalars().all()
    assert sorted(a for a in actions if a in ("pause", "resume")) == ["pause", "resume"]


async def test_a_replayed_button_click_acts_once(bot, signer, slack, questetra, engine) -> None:
    await link_user(bot, signer, slack, questetra, user_id="U_EN", email="alice@example.com")
    panel = await run(bot, signer, slack, "admin")
    revoke = buttons(panel["blocks"])["panel_revoke"]
    click = signer.interactivity(
        signer.block_actions(
            revoke["action_id"], revoke["value"], user_id="U_ADMIN", response_url=panel["_url"]
        )
    )
    await _post(bot, click)
    await slack.wait_for_response(panel["_url"], count=2)
    # The user links again; the old click, replayed, must not remove the new link.
    await link_user(bot, signer, slack, questetra, user_id="U_EN", email="alice@example.com")
    await _post(bot, click)
    async with engine.connect() as connection:
        assert len((await connection.execute(select(UserLink))).all()) == 1
        revokes = (
            await connection.execute(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "revoke")
            )
        ).scalar()
    assert revokes == 1


async def test_a_new_signature_of_the_same_text_is_a_new_request(bot, signer, slack) -> None:
    """A person who types the same command again sends a new timestamp: it runs."""
    urls = []
    for age in (30, 0):
        url = slack.new_response_url()
        urls.append(url)
        body = signer.slash_command("help", response_url=url, timestamp=int(time.time()) - age)
        await _post(bot, body)
    for url in urls:
        assert await slack.wait_for_response(url)


@pytest.mark.parametrize(
    "kind",
    ["form_choose_3", "form_process", "form_accept_process", "task_accept", "form_submit"],
)
async def test_every_task_form_request_is_guarded(bot, app, signer, slack, kind) -> None:
    if kind == "form_submit":
        payload = signer.view_submission(kind, {}, user_id="U_EN")
    else:
        payload = signer.block_actions(
            kind, "20001", user_id="U_EN", response_url=slack.new_response_url()
        )
    signed = signer.interactivity(payload)
    refused = app.state.deps.metrics.refused.labels("replay")
    await _post(bot, signed)
    assert refused._value.get() == 0
    await _post(bot, signed)
    assert refused._value.get() == 1


async def test_digests_are_shared_and_purged(
    bot, signer, slack, engine, settings, clock, app
) -> None:
    pause = _command(signer, slack, "admin pause")
    await _post(bot, pause)
    resume = _command(signer, slack, "admin resume")
    await _post(bot, resume)
    # Another replica on the same database refuses the copy too.
    import httpx2

    other = bot_app(settings, engine, clock)
    async with (
        other.router.lifespan_context(other),
        httpx2.AsyncClient(
            transport=httpx2.ASGITransport(app=other), base_url="http://bot.test"
        ) as peer,
    ):
        await _post(peer, pause)
    assert not await _paused(engine)
    async with engine.connect() as connection:
        assert (
            await connection.execute(select(func.count()).select_from(ReplayDigest))
        ).scalar() == 2
    clock.advance(11 * 60)
    await app.state.maintenance.run_once()
    async with engine.connect() as connection:
        assert (
            await connection.execute(select(func.count()).select_from(ReplayDigest))
        ).scalar() == 0
