"""Issue #16 item 1: only the workspaces (and Enterprise orgs) in SLACK_ALLOWED_TEAM_IDS install
or use the bridge; a workspace admin vouches for e-mails only inside an allowed workspace."""

from __future__ import annotations

import asyncio

import httpx2
import pytest
from sqlalchemy import func, select

from bot.config import Settings, SettingsError, load_settings
from bot.db.models import OAuthState, Workspace
from tests.conftest import bot_app
from tests.integration.test_multi_workspace import install

REFUSED_EN = "This Slack workspace is not allowed to use this Questetra bridge"


async def _states(engine) -> int:
    async with engine.connect() as connection:
        return int(
            (await connection.execute(select(func.count()).select_from(OAuthState))).scalar()
        )


async def _client(application):
    return httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=application), base_url="https://bot.test"
    )


def _multi_settings(env, slack, allowed: str) -> Settings:
    values = {k: v for k, v in env.items() if k != "SLACK_BOT_TOKEN"}
    values.update(
        SLACK_CLIENT_ID=slack.client_id,
        SLACK_CLIENT_SECRET=slack.client_secret,
        SLACK_ALLOWED_TEAM_IDS=allowed,
    )
    return Settings.model_validate(values)


def test_multi_workspace_mode_refuses_to_start_without_the_list(env) -> None:
    values = {k: v for k, v in env.items() if k != "SLACK_BOT_TOKEN"}
    values.update(SLACK_CLIENT_ID="1111.2222", SLACK_CLIENT_SECRET="real-secret-1")
    with pytest.raises(SettingsError) as caught:
        load_settings(values)
    assert any(p.startswith("SLACK_ALLOWED_TEAM_IDS is required") for p in caught.value.problems)
    assert load_settings({**values, "SLACK_ALLOWED_TEAM_IDS": "any"}).any_team_allowed
    with pytest.raises(SettingsError):
        load_settings({**values, "SLACK_ALLOWED_TEAM_IDS": "T0001,any"})
    with pytest.raises(SettingsError):
        load_settings({**values, "SLACK_ALLOWED_TEAM_IDS": "acme"})


async def test_install_from_another_workspace_is_refused_and_its_token_revoked(
    env, engine, clock, slack
) -> None:
    application = bot_app(_multi_settings(env, slack, "T0999,E0999"), engine, clock)
    async with application.router.lifespan_context(application), await _client(application) as c:
        callback = await install(c, slack)
    assert callback.status_code >= 400
    assert "SLACK_ALLOWED_TEAM_IDS" in callback.text
    assert "許可されていない" in callback.text
    async with engine.connect() as connection:
        assert (await connection.execute(select(Workspace))).all() == []
    (revoke,) = slack.calls_to("auth.revoke")
    assert revoke.token is not None and revoke.token.startswith("xoxb-T0001-")
    assert revoke.token in slack._revoked


async def test_install_allowed_by_enterprise_id_is_stored(env, engine, clock, slack) -> None:
    application = bot_app(_multi_settings(env, slack, "T0001"), engine, clock)
    async with application.router.lifespan_context(application), await _client(application) as c:
        assert (await install(c, slack)).status_code == 200
    assert slack.calls_to("auth.revoke") == []


async def test_installed_workspace_removed_from_the_list_gets_no_answer(
    env, engine, clock, slack, signer
) -> None:
    first = bot_app(_multi_settings(env, slack, "T0001"), engine, clock)
    async with first.router.lifespan_context(first), await _client(first) as c:
        assert (await install(c, slack)).status_code == 200
    later = bot_app(_multi_settings(env, slack, "T0999"), engine, clock)
    async with later.router.lifespan_context(later), await _client(later) as c:
        body, headers = signer.slash_command("connect", user_id="U_EN")
        response = await c.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 200
    assert REFUSED_EN in response.text and "SLACK_ALLOWED_TEAM_IDS" in response.text
    assert await _states(engine) == 0  # no consent link was made


@pytest.mark.usefixtures("app")
async def test_single_workspace_refuses_requests_of_another_team(bot, signer, engine) -> None:
    body, headers = signer.slash_command("connect", user_id="U_EN", team_id="T0666")
    response = await bot.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 200
    assert REFUSED_EN in response.text
    assert await _states(engine) == 0
    # The bot token's own team is served as before.
    body, headers = signer.slash_command("connect", user_id="U_EN")
    own = await bot.post("/slack/events", content=body, headers=headers)
    assert own.status_code == 200 and REFUSED_EN not in own.text
    assert await _states(engine) == 1


@pytest.mark.usefixtures("app")
async def test_a_slack_connect_user_of_another_org_is_refused(bot, signer, slack) -> None:
    """A user whose own team is not allowed (Slack Connect) clicks a button in an allowed one."""
    payload = signer.block_actions("admin_revoke", "U_EN", user_id="U_EXT")
    payload["user"]["team_id"] = "T0EXT"
    body, headers = signer.interactivity(payload)
    response = await bot.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 200
    assert slack.calls_to("users.info") == []  # nothing was done for them


async def test_a_removed_workspace_can_still_uninstall(env, engine, clock, slack, signer) -> None:
    """Taking a workspace off the list must not keep its data forever: its uninstall purges."""
    first = bot_app(_multi_settings(env, slack, "T0001"), engine, clock)
    async with first.router.lifespan_context(first), await _client(first) as c:
        assert (await install(c, slack)).status_code == 200
    later = bot_app(_multi_settings(env, slack, "T0999"), engine, clock)
    async with later.router.lifespan_context(later), await _client(later) as c:
        body, headers = signer.event({"type": "app_uninstalled"}, event_id="EvBYE9")
        assert (await c.post("/slack/events", content=body, headers=headers)).status_code == 200
        for _ in range(100):
            async with engine.connect() as connection:
                if not (await connection.execute(select(Workspace))).all():
                    break
            await asyncio.sleep(0.05)
    async with engine.connect() as connection:
        assert (await connection.execute(select(Workspace))).all() == []


def test_check_says_when_the_bot_token_is_outside_the_allowed_teams(
    tmp_path, slack, questetra_url
) -> None:
    from tests.support import cli_env, run_cli

    env = cli_env(
        tmp_path,
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_API_URL=f"{slack.base_url}api/",
        QUESTETRA_BASE_URL=questetra_url,
        HOST="127.0.0.1",
        SLACK_ALLOWED_TEAM_IDS="T0999",
    )
    result = run_cli(["check"], env, tmp_path)
    assert result.returncode == 1
    assert (
        "FAIL slack: SLACK_BOT_TOKEN belongs to workspace Acme (T0001), which "
        "SLACK_ALLOWED_TEAM_IDS does not name" in result.stdout
    )
    assert "OK   exposure: /metrics on 127.0.0.1:3000, without a token" in result.stdout
    assert run_cli(["check"], {**env, "SLACK_ALLOWED_TEAM_IDS": "T0001"}, tmp_path).returncode == 0
