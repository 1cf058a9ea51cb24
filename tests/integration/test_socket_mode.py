"""Socket Mode: the same handlers, Slack traffic over a WebSocket the bot opens to a local peer."""

from __future__ import annotations

import pytest

from bot.config import Settings
from tests.conftest import bot_app


@pytest.fixture
async def socket_app(env, engine, clock, slack):
    settings = Settings.model_validate({**env, "SLACK_APP_TOKEN": slack.socket_mode.app_token})
    application = bot_app(settings, engine, clock)
    before = slack.socket_mode.opened
    async with application.router.lifespan_context(application):
        await slack.socket_mode.wait_connected(after=before)
        yield application


def slash(user_id: str, text: str, response_url: str) -> dict:
    return {
        "token": "x",
        "team_id": "T0001",
        "team_domain": "acme",
        "channel_id": "C0001",
        "channel_name": "general",
        "user_id": user_id,
        "user_name": "alice",
        "command": "/questetra",
        "text": text,
        "api_app_id": "A0001",
        "response_url": response_url,
        "trigger_id": "1.2.3",
    }


async def test_help_over_socket_mode_in_japanese(socket_app, slack) -> None:
    url = slack.new_response_url()
    envelope = slack.socket_mode.send("slash_commands", slash("U_JA", "help", url))
    ack = await slack.socket_mode.wait_for_ack(envelope)
    assert ack["envelope_id"] == envelope
    (reply,) = await slack.wait_for_response(url)
    assert reply["blocks"][0]["text"]["text"] == "Slack で Questetra"


async def test_event_retries_are_processed_once(socket_app, slack, signer) -> None:
    payload = {
        "token": "x",
        "team_id": "T0001",
        "api_app_id": "A0001",
        "type": "event_callback",
        "event_id": "EvSOCKET",
        "event_time": 1700000000,
        "event": signer.app_home_opened("U_EN"),
    }
    first = slack.socket_mode.send("events_api", payload)
    second = slack.socket_mode.send("events_api", payload, retry_attempt=1)
    await slack.socket_mode.wait_for_ack(first)
    await slack.socket_mode.wait_for_ack(second)
    await slack.wait_for("views.publish")
    other = slack.socket_mode.send(
        "events_api", {**payload, "event_id": "EvOTHER", "event": signer.app_home_opened("U_JA")}
    )
    await slack.socket_mode.wait_for_ack(other)
    await slack.wait_for("views.publish", count=2)
    assert sorted(c.params["user_id"] for c in slack.calls_to("views.publish")) == ["U_EN", "U_JA"]


async def test_http_routes_still_served(socket_app) -> None:
    import httpx2

    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=socket_app), base_url="http://bot.test"
    ) as client:
        assert (await client.get("/healthz")).status_code == 200


async def test_start_up_goes_on_when_socket_mode_cannot_connect(env, engine, clock, slack) -> None:
    """Slack unreachable (or the app token refused): slack_sdk retries the connect for ever.
    Start-up must not wait on it for ever: the server listens (health, the OAuth callback) and
    shutting down still works; the connect keeps trying in the background."""
    import asyncio
    import dataclasses

    import httpx2

    from tests.conftest import FAST

    settings = Settings.model_validate({**env, "SLACK_APP_TOKEN": slack.socket_mode.app_token})
    slack.fail("apps.connections.open", "invalid_auth", count=1000)
    application = bot_app(
        settings, engine, clock, tuning=dataclasses.replace(FAST, socket_mode_wait=0.2)
    )
    before = slack.socket_mode.opened
    # Bounds that only a hang reaches (the bug: start-up and shutdown never returned).
    async with asyncio.timeout(60):
        async with application.router.lifespan_context(application):
            await slack.wait_for("apps.connections.open")
            async with httpx2.AsyncClient(
                transport=httpx2.ASGITransport(app=application), base_url="http://bot.test"
            ) as client:
                assert (await client.get("/healthz")).status_code == 200
    # Never connected (not "none open now": an earlier test's closed connection may still be
    # on its way out on the emulator's side).
    assert slack.socket_mode.opened == before
