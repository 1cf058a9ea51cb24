"""What happens to links over time and when Slack says goodbye: maintenance, keys, purges."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from bot.app import create_app
from bot.config import Settings
from bot.crypto import KeyRing
from bot.db.models import AuditEntry, OAuthState, ProcessedSlackEvent, UserLink, Workspace
from tests.linking_support import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, connect_url, consent
from tests.support import eventually

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture(autouse=True)
def tenant(questetra):
    questetra.add_user("alice@example.com", "Alice Adams")
    questetra.add_user("taro@example.jp", "Taro")
    questetra.add_client(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI)
    return questetra


async def link(bot, signer, slack, questetra, user_id: str, email: str) -> None:
    questetra.sign_in(email)
    await bot.get(await consent(bot, await connect_url(bot, signer, slack, user_id=user_id)))


async def _is(value, expected) -> bool:
    return await value == expected


async def count(engine, model) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(model)))


async def test_app_uninstalled_purges_the_workspace(bot, signer, slack, questetra, engine) -> None:
    await link(bot, signer, slack, questetra, "U_EN", "alice@example.com")
    await connect_url(bot, signer, slack, user_id="U_JA")  # a pending consent state
    async with engine.begin() as connection:
        await connection.execute(Workspace.__table__.insert().values(team_id="T0001"))
    body, headers = signer.event({"type": "app_uninstalled"}, event_id="EvBYE")
    assert (await bot.post("/slack/events", content=body, headers=headers)).status_code == 200
    await eventually(lambda: _is(count(engine, UserLink), 0))
    assert await count(engine, OAuthState) == 0
    assert await count(engine, Workspace) == 0
    async with engine.connect() as connection:
        actions = (await connection.execute(select(AuditEntry.action))).scalars().all()
    assert "app_uninstalled" in actions


@pytest.mark.parametrize(
    ("tokens", "purged"), [({"bot": ["U0BOT"]}, True), ({"oauth": ["U_EN"]}, False)]
)
async def test_tokens_revoked(bot, signer, slack, questetra, engine, tokens, purged) -> None:
    await link(bot, signer, slack, questetra, "U_EN", "alice@example.com")
    body, headers = signer.event({"type": "tokens_revoked", "tokens": tokens}, event_id="EvREV")
    assert (await bot.post("/slack/events", content=body, headers=headers)).status_code == 200
    # A later event, fully handled, fences the first one (handlers run right after the ack).
    body, headers = signer.event(signer.app_home_opened("U_JA"), event_id="EvFENCE")
    await bot.post("/slack/events", content=body, headers=headers)
    await slack.wait_for("views.publish", count=2)
    await eventually(lambda: _is(count(engine, AuditEntry), 2 if purged else 1))
    assert (await count(engine, UserLink) == 0) is purged


async def test_deactivated_slack_user_loses_the_link(bot, signer, slack, questetra, engine) -> None:
    await link(bot, signer, slack, questetra, "U_EN", "alice@example.com")
    await link(bot, signer, slack, questetra, "U_JA", "taro@example.jp")
    event = {"type": "user_change", "user": {"id": "U_EN", "deleted": True, "profile": {}}}
    body, headers = signer.event(event, event_id="EvGONE")
    assert (await bot.post("/slack/events", content=body, headers=headers)).status_code == 200
    await eventually(lambda: _is(count(engine, UserLink), 1))
    async with engine.connect() as connection:
        remaining = (await connection.execute(select(UserLink.slack_user_id))).scalars().all()
    assert remaining == ["U_JA"]


async def test_maintenance_cleans_expired_states_and_old_event_ids(
    app, bot, signer, slack, clock, engine
) -> None:
    await connect_url(bot, signer, slack)
    body, headers = signer.event(signer.app_home_opened("U_EN"), event_id="EvOLD")
    await bot.post("/slack/events", content=body, headers=headers)
    assert await count(engine, OAuthState) == 1
    assert await count(engine, ProcessedSlackEvent) == 1
    clock.advance(timedelta(days=2).total_seconds())
    report = await app.state.maintenance.run_once()
    assert (report.states_removed, report.event_ids_removed) == (1, 1)
    assert await count(engine, OAuthState) == 0


async def test_refresh_token_expiry_warning_once(app, bot, signer, slack, questetra, clock) -> None:
    await link(bot, signer, slack, questetra, "U_JA", "taro@example.jp")
    slack.reset(keep_users=True)
    clock.advance(timedelta(days=26).total_seconds())
    assert (await app.state.maintenance.run_once()).refresh_warnings == 0
    clock.advance(timedelta(days=1, minutes=1).total_seconds())
    assert (await app.state.maintenance.run_once()).refresh_warnings == 1
    assert (await app.state.maintenance.run_once()).refresh_warnings == 0
    (dm,) = slack.calls_to("chat.postMessage")
    assert dm.params["channel"] == "U_JA"
    assert "30 日" in dm.params["text"]
    assert [e["action_id"] for b in dm.params["blocks"] for e in b.get("elements", [])] == [
        "relink"
    ]


async def test_key_rotation_old_ciphertexts_readable_then_old_key_removable(
    bot, signer, slack, questetra, engine, env, clock
) -> None:
    await link(bot, signer, slack, questetra, "U_EN", "alice@example.com")
    await connect_url(bot, signer, slack, user_id="U_JA")
    old = env["BOT_ENCRYPTION_KEYS"]
    new = Fernet.generate_key().decode()
    rotated_settings = Settings.model_validate({**env, "BOT_ENCRYPTION_KEYS": f"{new},{old}"})
    replica = create_app(
        rotated_settings, engine=engine, clock=clock, migrate_on_start=False, background_jobs=False
    )
    async with replica.router.lifespan_context(replica):
        deps = replica.state.deps
        # old ciphertext still opens with the new ring
        assert (await deps.credentials.auth_for(team_id="T0001", slack_user_id="U_EN")) is not None
        report = await replica.state.maintenance.run_once()
        assert report.keys_rotated == 2  # the link and the pending consent state
        assert (await replica.state.maintenance.run_once()).keys_rotated == 0
    new_only = KeyRing([new])
    async with engine.connect() as connection:
        (sealed,) = (await connection.execute(select(UserLink.credential_enc))).scalars().all()
    assert "access_token" in new_only.open(sealed, owner="T0001/U_EN")
