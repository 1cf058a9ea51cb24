"""Multi-workspace mode: "Add to Slack" through Bolt's OAuth flow, tokens sealed in our DB."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.db.models import Workspace
from tests.conftest import bot_app
from tests.support import eventually


@pytest.fixture
async def multi(env, engine, clock, slack):
    values = {k: v for k, v in env.items() if k != "SLACK_BOT_TOKEN"}
    values.update(
        SLACK_CLIENT_ID=slack.client_id,
        SLACK_CLIENT_SECRET=slack.client_secret,
        SLACK_ALLOWED_TEAM_IDS=slack.team_id,
    )
    settings = Settings.model_validate(values)
    assert settings.multi_workspace
    application = bot_app(settings, engine, clock)
    async with (
        application.router.lifespan_context(application),
        httpx2.AsyncClient(
            # https: Bolt marks its OAuth state cookie Secure.
            transport=httpx2.ASGITransport(app=application),
            base_url="https://bot.test",
        ) as client,
    ):
        yield application, client


async def install(client, slack) -> httpx2.Response:
    page = await client.get("/slack/install")
    assert page.status_code == 200
    authorize = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', page.text)
    assert authorize is not None, page.text
    query = parse_qs(urlsplit(authorize.group(1).replace("&amp;", "&")).query)
    assert query["client_id"] == [slack.client_id]
    assert "commands" in query["scope"][0]
    code = slack.issue_oauth_code()
    return await client.get(
        "/slack/oauth_redirect", params={"code": code, "state": query["state"][0]}
    )


async def test_install_then_commands_use_the_stored_token(multi, slack, signer, engine) -> None:
    _, client = multi
    callback = await install(client, slack)
    assert callback.status_code == 200, (
        callback.text[:500],
        [(c.method, c.response) for c in slack.calls],
    )
    # The bridge's own bilingual page, not Bolt's English one.
    assert "Slack に追加しました" in callback.text and "Installed in Slack" in callback.text
    assert "slack://app?team=T0001" in callback.text
    async with engine.connect() as connection:
        row = (await connection.execute(select(Workspace.team_id, Workspace.bot_token_enc))).one()
    assert row.team_id == "T0001"
    issued = [t for t in slack._tokens if t.startswith("xoxb-T0001-")]
    assert issued
    assert issued[0].encode() not in row.bot_token_enc  # sealed, not stored as is
    url = slack.new_response_url()
    body, headers = signer.slash_command("help", user_id="U_JA", response_url=url)
    assert (await client.post("/slack/events", content=body, headers=headers)).status_code == 200
    (reply,) = await slack.wait_for_response(url)
    assert reply["blocks"][0]["text"]["text"] == "Slack で Questetra"
    assert {c.token for c in slack.calls_to("users.info")} == {issued[0]}


async def test_install_with_a_forged_state_is_refused(multi, slack, engine) -> None:
    _, client = multi
    await client.get("/slack/install")
    response = await client.get(
        "/slack/oauth_redirect", params={"code": slack.issue_oauth_code(), "state": "forged"}
    )
    assert response.status_code >= 400
    assert "追加できませんでした" in response.text and "Start again from" in response.text
    async with engine.connect() as connection:
        assert (await connection.execute(select(Workspace))).all() == []


async def test_uninstalled_workspace_is_forgotten(multi, slack, signer, engine) -> None:
    _, client = multi
    await install(client, slack)
    body, headers = signer.event({"type": "app_uninstalled"}, event_id="EvBYE2")
    assert (await client.post("/slack/events", content=body, headers=headers)).status_code == 200

    async def gone() -> bool:
        async with engine.connect() as connection:
            return not (await connection.execute(select(Workspace))).all()

    await eventually(gone)


async def test_workspace_clients_share_the_apps_session(multi, slack) -> None:
    application, client = multi
    assert (await install(client, slack)).status_code == 200
    clients = application.state.deps.slack_clients
    workspace = await clients.for_team("T0001")
    assert workspace is not clients.default  # its own token, from the installation
    assert clients.session is not None
    assert workspace.session is clients.session
    await clients.close_session()
    assert workspace.session is None  # after shutdown: a session per call again, never a closed one
