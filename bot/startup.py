"""What ``serve`` does before it listens: reach and migrate the database (or stop with one line),
look for problems it can survive (one warning each), and say what to register where."""

from __future__ import annotations

import asyncio
from typing import Any

import structlog

from bot.checks import TIMEOUT, CheckResult, startup_warnings
from bot.config import Settings
from bot.db.engine import create_engine
from bot.db.migrate import current_heads, upgrade
from bot.diagnose import cause, database_target, sqlite_file_problem

__all__ = ["StartupError", "prepare", "report_problems", "summary"]

log = structlog.stdlib.get_logger("bot")


class StartupError(Exception):
    """``serve`` cannot run: the message is one line saying what is wrong and what to do."""


async def prepare(settings: Settings, *, migrate: bool) -> list[CheckResult]:
    """Reach the database (and migrate it unless told not to); a database behind this version's
    migrations under ``--no-migrate`` comes back as a problem to log.

    Raises :class:`StartupError` when the database cannot be reached or migrated.
    """
    where = database_target(settings.async_database_url)
    if problem := sqlite_file_problem(settings.async_database_url):
        raise StartupError(
            f"cannot connect to {where} ({problem}): check DATABASE_URL "
            "(is the server running, is the file's folder there?)"
        )
    engine = create_engine(settings.async_database_url)
    try:
        try:
            async with asyncio.timeout(TIMEOUT), engine.connect() as connection:
                await connection.exec_driver_sql("SELECT 1")
        except Exception as exc:  # noqa: BLE001 - any failure here is said in one line
            raise StartupError(
                f"cannot connect to {where} ({cause(exc)}): check DATABASE_URL "
                "(is the server running, is the file's folder there?)"
            ) from None
        behind: list[CheckResult] = []
        if migrate:
            try:
                await upgrade(engine)
            except Exception as exc:  # noqa: BLE001
                raise StartupError(
                    f"cannot migrate {where} ({cause(exc)}): run `python -m bot migrate` to see "
                    "the whole error"
                ) from None
        else:
            applied, heads = await current_heads(engine)
            if applied != heads:
                behind.append(
                    CheckResult(
                        "database",
                        False,
                        f"{where} is not at this version's migrations and --no-migrate is set: "
                        "run `python -m bot migrate` (/readyz answers 503 until then)",
                    )
                )
        return behind
    finally:
        await engine.dispose()


async def report_problems(settings: Settings) -> None:
    """Log one warning per problem ``serve`` can survive (stored secrets the keys cannot open,
    Slack refusing the token, Questetra unreachable). Runs once the server listens, so a slow
    or unreachable dependency never delays the start."""
    engine = create_engine(settings.async_database_url)
    try:
        problems = await startup_warnings(settings, engine)
        for problem in problems:
            log.warning("startup.problem", check=problem.name, detail=problem.detail)
        log.info("startup.checked", problems=len(problems))
    finally:
        await engine.dispose()


def summary(settings: Settings) -> dict[str, Any]:
    """The start-up line's fields: mode, and the exact URLs to register in Slack and Questetra."""
    public = settings.bot_public_url
    mode = "Socket Mode" if settings.socket_mode else "HTTP"
    workspaces = (
        'several workspaces ("Add to Slack")' if settings.multi_workspace else "one workspace"
    )
    fields: dict[str, Any] = {"mode": f"{mode}, {workspaces}", "public_url": public}
    if not settings.socket_mode:
        # Slash command, Event Subscriptions, Interactivity and Select Menus' options load URL.
        fields["slack_request_url"] = f"{public}/slack/events"
    if settings.multi_workspace:
        fields["slack_redirect_url"] = f"{public}/slack/oauth_redirect"
        fields["install_url"] = f"{public}/slack/install"
    if settings.oauth_enabled:
        fields["questetra_redirect_uri"] = settings.oauth_redirect_uri
    # The outbound proxy (bot/proxy.py), credentials left out; named only when one is set.
    questetra = settings.proxies.shown(settings.questetra_base_url)
    slack = settings.proxies.shown(settings.slack_api_url)
    if questetra or slack:
        fields["proxy"] = f"Questetra {questetra or 'direct'}, Slack {slack or 'direct'}"
    return fields
