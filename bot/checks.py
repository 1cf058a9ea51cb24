"""``python -m bot check``: reach every dependency once and say plainly what is wrong."""

from __future__ import annotations

from collections.abc import Mapping

import httpx2
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import text

from bot.config import Settings
from bot.db.engine import create_engine
from bot.db.migrate import current_heads
from bot.errors import ConfigurationError
from bot.questetra.client import build_http_client, probe
from bot.services.start import load_events_file
from bot.slack.clients import slack_error

CheckResult = tuple[str, bool, str]


async def check_database(settings: Settings) -> CheckResult:
    engine = create_engine(settings.async_database_url)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        applied, heads = await current_heads(engine)
    except Exception as exc:  # noqa: BLE001 - report any failure in plain words
        return ("database", False, f"cannot connect ({type(exc).__name__}): check DATABASE_URL")
    finally:
        await engine.dispose()
    if applied != heads:
        return (
            "database",
            False,
            "reachable, but migrations are pending: run `python -m bot migrate`",
        )
    return ("database", True, "reachable, migrations at head")


async def check_slack(
    settings: Settings, transport: httpx2.AsyncBaseTransport | None = None
) -> CheckResult:
    if settings.slack_bot_token is None:
        return ("slack", True, "multi-workspace mode: tokens come from installations")
    client = AsyncWebClient(
        token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url
    )
    try:
        response = await client.auth_test()
    except SlackApiError as exc:
        return (
            "slack",
            False,
            f"auth.test refused the bot token ({slack_error(exc)}): check SLACK_BOT_TOKEN",
        )
    except Exception as exc:  # noqa: BLE001 - network errors of any kind
        return ("slack", False, f"cannot reach {settings.slack_api_url} ({type(exc).__name__})")
    return (
        "slack",
        True,
        f"bot token works for workspace {response.get('team')} ({response.get('team_id')})",
    )


async def check_questetra(
    settings: Settings, transport: httpx2.AsyncBaseTransport | None = None
) -> CheckResult:
    async with build_http_client(settings.questetra_base_url, transport=transport) as http:
        result = await probe(http)
    return ("questetra", result.ok, f"{settings.questetra_base_url}: {result.detail}")


def check_start_events(settings: Settings, environ: Mapping[str, str]) -> CheckResult:
    if settings.start_events_file is None:
        return ("start events", True, "START_EVENTS_FILE not set (admins add events in Slack)")
    try:
        entries = load_events_file(
            settings.start_events_file, base_url=settings.questetra_base_url, environ=environ
        )
    except ConfigurationError as exc:
        return ("start events", False, str(exc))
    return ("start events", True, f"{settings.start_events_file}: {len(entries)} event(s), valid")


async def run_checks(settings: Settings, environ: Mapping[str, str]) -> list[CheckResult]:
    return [
        await check_database(settings),
        await check_slack(settings),
        await check_questetra(settings),
        check_start_events(settings, environ),
    ]
