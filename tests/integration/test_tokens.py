"""Using and refreshing OAuth tokens: expiry, rotation, single flight, invalid_grant/client, 401."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from sqlalchemy import select

from bot.app import create_app
from bot.db.models import AuditEntry, UserLink
from bot.errors import NeedsRelink, QuestetraUnavailable
from tests.linking_support import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, connect_url, consent

pytestmark = pytest.mark.usefixtures("app")

HOURS = 3600


@pytest.fixture
def env(env):
    return {**env, "ADMIN_SLACK_USER_IDS": "U_ADMIN"}


@pytest.fixture(autouse=True)
def tenant(questetra, slack):
    slack.add_user(
        "U_ADMIN", email="admin@example.com", name="admin", locale="en-US", is_admin=True
    )
    questetra.add_user("alice@example.com", "Alice Adams")
    questetra.add_client(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI)
    questetra.sign_in("alice@example.com")
    return questetra


@pytest.fixture
async def linked(bot, signer, slack, questetra) -> None:
    await bot.get(await consent(bot, await connect_url(bot, signer, slack)))
    await slack.wait_for("chat.postMessage")
    slack.reset(keep_users=True)


def whoami(app):
    deps = app.state.deps

    async def run() -> str:
        quser = await deps.credentials.run_as(
            team_id="T0001", slack_user_id="U_EN", call=deps.questetra.self_user
        )
        return quser.email

    return run


def refresh_calls(questetra) -> list:
    return [r for r in questetra.token_requests if r.grant_type == "refresh_token"]


async def test_fresh_token_is_used_without_refresh(app, linked, questetra) -> None:
    assert await whoami(app)() == "alice@example.com"
    assert refresh_calls(questetra) == []


@pytest.mark.parametrize("rotate", [False, True])
async def test_expired_token_is_refreshed_once(
    app, linked, questetra, clock, engine, rotate
) -> None:
    questetra.rotate_refresh_tokens = rotate
    clock.advance(13 * HOURS)
    assert await whoami(app)() == "alice@example.com"
    assert await whoami(app)() == "alice@example.com"
    assert len(refresh_calls(questetra)) == 1
    # a second expiry works too (with rotation: only if the new refresh token was stored)
    clock.advance(13 * HOURS)
    assert await whoami(app)() == "alice@example.com"
    assert len(refresh_calls(questetra)) == 2


async def test_concurrent_callers_share_one_refresh(app, linked, questetra, clock) -> None:
    questetra.rotate_refresh_tokens = True
    clock.advance(13 * HOURS)
    results = await asyncio.gather(*(whoami(app)() for _ in range(20)))
    assert set(results) == {"alice@example.com"}
    assert len(refresh_calls(questetra)) == 1


async def test_concurrent_refresh_across_processes_on_postgresql(
    app, linked, questetra, clock, settings, engine
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("cross-process single flight relies on PostgreSQL row locks")
    from bot.db.engine import create_engine

    questetra.rotate_refresh_tokens = True
    clock.advance(13 * HOURS)
    # Four independent app instances (own engine, own in-process locks) = four replicas.
    async with contextlib.AsyncExitStack() as stack:
        replicas = []
        for _ in range(4):
            eng = create_engine(engine.url)
            stack.push_async_callback(eng.dispose)
            replica = create_app(settings, engine=eng, clock=clock, migrate_on_start=False)
            await stack.enter_async_context(replica.router.lifespan_context(replica))
            replicas.append(replica)
        results = await asyncio.gather(*(whoami(r)() for r in replicas for _ in range(3)))
    assert set(results) == {"alice@example.com"}
    assert len(refresh_calls(questetra)) == 1


async def test_invalid_grant_marks_relink_and_dms_once(
    app, linked, questetra, clock, slack, engine
) -> None:
    questetra.revoke_tokens("alice@example.com")
    clock.advance(13 * HOURS)
    for _ in range(3):
        with pytest.raises(NeedsRelink):
            await whoami(app)()
    (dm,) = await slack.wait_for("chat.postMessage")
    assert dm.params["channel"] == "U_EN"
    assert [e["action_id"] for b in dm.params["blocks"] for e in b.get("elements", [])] == [
        "relink"
    ]
    async with engine.connect() as connection:
        (link,) = (await connection.execute(select(UserLink))).all()
    assert link.status == "needs_relink"
    assert "invalid_grant" in link.last_error
    async with engine.connect() as connection:
        audit = (
            await connection.execute(
                select(AuditEntry.action, AuditEntry.outcome, AuditEntry.detail)
            )
        ).all()
    assert ("auth_failure", "error", {"reason": "invalid_grant", "method": "oauth"}) in audit
    assert len(refresh_calls(questetra)) == 1  # no more calls once marked


async def test_revoked_access_token_mid_session_asks_to_relink(
    app, linked, questetra, slack
) -> None:
    questetra.revoke_tokens("alice@example.com")
    with pytest.raises(NeedsRelink):
        await whoami(app)()
    (dm,) = await slack.wait_for("chat.postMessage")
    assert "Link it again" in dm.params["text"]


async def test_invalid_client_tells_admins_once_and_keeps_links(
    app, linked, questetra, clock, slack, engine
) -> None:
    questetra.set_client_active(CLIENT_ID, False)
    clock.advance(13 * HOURS)
    for _ in range(3):
        with pytest.raises(QuestetraUnavailable):
            await whoami(app)()
    (dm,) = await slack.wait_for("chat.postMessage")
    assert dm.params["channel"] == "U_ADMIN"
    assert "System Settings &gt; API Clients" in dm.params["text"]
    await asyncio.sleep(0.1)
    assert len(slack.calls_to("chat.postMessage")) == 1
    async with engine.connect() as connection:
        (link,) = (await connection.execute(select(UserLink))).all()
    assert link.status == "active"
    # the client comes back: the same link works again
    questetra.set_client_active(CLIENT_ID, True)
    assert await whoami(app)() == "alice@example.com"


async def test_questetra_down_during_refresh_changes_nothing(
    app, linked, questetra, clock, engine
) -> None:
    clock.advance(13 * HOURS)
    questetra.faults.reset_next(1, path_prefix="/oauth2/token")
    with pytest.raises(QuestetraUnavailable):
        await whoami(app)()
    async with engine.connect() as connection:
        (link,) = (await connection.execute(select(UserLink))).all()
    assert link.status == "active"
    assert await whoami(app)() == "alice@example.com"
