"""Command line: ``python -m bot serve|migrate|check|probe|keygen|rotate-keys|audit|demo``.

The only reader of the environment. Every way a command can fail on its settings or its
database ends in one line (or one list) saying what to fix, and exit code 2.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Coroutine, Sequence
from typing import Any, TypeVar

from cryptography.fernet import Fernet

from bot.config import Settings, SettingsError, foreign_variables, load_settings, read_env_file
from bot.errors import ConfigurationError

T = TypeVar("T")

# Read from the working directory by every command; the environment wins over it.
ENV_FILE = ".env"


_HEADINGS = {
    "serve": "The bridge cannot start: fix these settings (environment or .env):",
    "check": "Settings to fix (environment or .env), before the other checks can run:",
}


def _settings(command: str = "") -> Settings:
    """Read the settings, or print every problem in one list and exit 2.

    Then the ``SLACK_*`` variables leave this process's environment: Bolt and slack_sdk read
    several of them by themselves (SLACK_BOT_TOKEN, SLACK_CLIENT_ID, SLACK_SCOPES,
    SLACK_REDIRECT_URI…) and would act on values the settings never approved. The bridge passes
    every value to them explicitly instead.
    """
    try:
        settings = load_settings(os.environ, env_file=ENV_FILE)
    except SettingsError as exc:
        heading = _HEADINGS.get(command, "Fix these settings (environment or .env):")
        print(heading, file=sys.stderr)
        # A misspelt name (SLACK_BOT_TOKN) is often why a setting reads as missing: said here too.
        for problem in [*exc.problems, *_foreign(dict(os.environ))]:
            print(f"  - {problem}", file=sys.stderr)
        raise SystemExit(2) from None
    for name in [n for n in os.environ if n.startswith("SLACK_")]:
        del os.environ[name]
    return settings


def _foreign(environ: dict[str, str]) -> list[str]:
    """Names in the environment or in ``.env`` that look like settings but are none."""
    return [
        f"{name} is not a setting of this bridge and is ignored (a typo? see .env.example)"
        for name in foreign_variables({**read_env_file(ENV_FILE), **environ})
    ]


def cmd_serve(args: argparse.Namespace) -> int:
    import structlog
    import uvicorn

    from bot.app import create_app
    from bot.logging import configure_logging
    from bot.startup import StartupError, prepare, report_problems

    environ = dict(os.environ)
    settings = _settings("serve")
    configure_logging(settings.log_level, settings.log_format, sql=settings.log_sql)
    log = structlog.stdlib.get_logger("bot")
    for note in _foreign(environ):
        log.warning("settings.ignored", detail=note)
    try:
        warnings = asyncio.run(prepare(settings, migrate=not args.no_migrate))
    except StartupError as exc:
        print(f"The bridge cannot start: {exc}", file=sys.stderr)
        return 2
    for problem in warnings:
        log.warning("startup.problem", check=problem.name, detail=problem.detail)
    try:
        app = create_app(
            settings,
            migrate_on_start=False,
            environ=environ,
            on_start=lambda: report_problems(settings),
        )
    except ConfigurationError as exc:
        print(f"The bridge cannot start: {exc}", file=sys.stderr)
        return 2
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        timeout_graceful_shutdown=8,
    )
    return 0


def _on_database(settings: Settings, work: Coroutine[Any, Any, T]) -> T:
    """Run ``work`` against the database; a failure to reach it is one line and exit 2."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.diagnose import cause, database_target, sqlite_file_problem
    from bot.errors import CredentialError

    where = database_target(settings.async_database_url)
    if problem := sqlite_file_problem(settings.async_database_url):
        work.close()
        print(f"Cannot use {where} ({problem}): check DATABASE_URL", file=sys.stderr)
        raise SystemExit(2)
    try:
        return asyncio.run(work)
    except (OSError, TimeoutError, SQLAlchemyError) as exc:
        print(f"Cannot use {where} ({cause(exc)}): check DATABASE_URL", file=sys.stderr)
    except CredentialError:
        print(
            "A stored secret does not open with BOT_ENCRYPTION_KEYS: add back the key that "
            "sealed it (after the new one), then run this again",
            file=sys.stderr,
        )
    raise SystemExit(2)


def _require_bridge_database(settings: Settings) -> None:
    """For the commands that read what ``serve`` stored (audit, rotate-keys, probe): a database
    that is not the bridge's (a typo in DATABASE_URL, never migrated) is one line and exit 2,
    not an SQL error or a traceback, and no empty SQLite file is left behind."""
    from pathlib import Path

    from bot.db.engine import create_engine
    from bot.db.migrate import current_heads
    from bot.diagnose import database_target

    url = settings.async_database_url
    where = database_target(url)
    file = url.database if url.get_backend_name() == "sqlite" else None
    if file not in (None, "", ":memory:") and not Path(str(file)).exists():
        print(
            f"Cannot use {where} (no such file): check DATABASE_URL "
            "(`python -m bot migrate` or `serve` creates it)",
            file=sys.stderr,
        )
        raise SystemExit(2)

    async def applied() -> set[str]:
        engine = create_engine(url)
        try:
            return (await current_heads(engine))[0]
        finally:
            await engine.dispose()

    if not _on_database(settings, applied()):
        print(
            f"Cannot use {where} (none of the bridge's tables are there): check DATABASE_URL, "
            "or run `python -m bot migrate` first",
            file=sys.stderr,
        )
        raise SystemExit(2)


def cmd_migrate(_: argparse.Namespace) -> int:
    from bot.db.engine import create_engine
    from bot.db.migrate import upgrade

    settings = _settings()

    async def run() -> None:
        engine = create_engine(settings.async_database_url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    _on_database(settings, run())
    print("Database is at the latest migration.")
    return 0


def cmd_check(_: argparse.Namespace) -> int:
    from bot.checks import run_checks

    environ = dict(os.environ)
    settings = _settings("check")
    print("OK   settings: valid")
    for note in _foreign(environ):
        print(f"NOTE {note}")
    results = asyncio.run(run_checks(settings, environ))
    for name, ok, detail in results:
        print(f"{'OK  ' if ok else 'FAIL'} {name}: {detail}")
    failed = [name for name, ok, _ in results if not ok]
    print("All checks passed." if not failed else f"{len(failed)} check(s) failed.")
    return 0 if not failed else 1


def cmd_probe(args: argparse.Namespace) -> int:
    """Report how the tenant's answers compare with what the bridge expects (shapes only)."""
    from getpass import getpass

    from bot.questetra.probe_report import render
    from bot.services.probe import (
        LinkChoice,
        ProbeSetupError,
        probe_with_link,
        probe_with_password,
    )

    settings = _settings()
    locale = args.lang or _language_of_environment()
    try:
        if args.basic:
            # Asked for here, never taken from the command line (shell history, process lists).
            email = input("Questetra e-mail: ").strip()
            api_password = getpass("API password (not the sign-in password): ")
            report = asyncio.run(
                probe_with_password(
                    settings, email=email, api_password=api_password, checks=args.checks
                )
            )
        else:
            _require_bridge_database(settings)
            choice = LinkChoice(team_id=args.team, slack_user_id=args.slack_user)
            report = asyncio.run(probe_with_link(settings, choice, checks=args.checks))
    except ProbeSetupError as exc:
        print(f"The probe cannot run: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(render(report, locale))
    return 0 if report.clean else 1


def _language_of_environment() -> str:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            return "ja" if value.lower().startswith("ja") else "en"
    return "en"


def cmd_rotate_keys(_: argparse.Namespace) -> int:
    from bot.crypto import KeyRing
    from bot.db.engine import create_engine, create_session_factory
    from bot.services.keys import rotate_keys

    settings = _settings()
    _require_bridge_database(settings)

    async def run() -> int:
        engine = create_engine(settings.async_database_url)
        try:
            return await rotate_keys(
                create_session_factory(engine), KeyRing(settings.bot_encryption_keys)
            )
        finally:
            await engine.dispose()

    changed = _on_database(settings, run())
    print(
        f"Re-encrypted {changed} stored secret(s) under the newest key. Older keys can be "
        "removed from BOT_ENCRYPTION_KEYS once every replica runs with the new list."
    )
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from bot.db.engine import create_engine, create_session_factory
    from bot.services.audit import entries, parse_span, to_csv

    settings = _settings()
    try:
        since = datetime.now(UTC) - parse_span(args.since)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    _require_bridge_database(settings)

    async def run() -> str:
        engine = create_engine(settings.async_database_url)
        try:
            rows = await entries(create_session_factory(engine), since=since, team_id=args.team)
        finally:
            await engine.dispose()
        if args.format == "csv":
            return to_csv(rows)
        return "".join(
            f"{r.at:%Y-%m-%d %H:%M:%S} {r.team_id or '-'} {r.actor} {r.action} {r.target or ''} "
            f"{r.outcome}\n"
            for r in rows
        )

    output = _on_database(settings, run())
    sys.stdout.write(output)
    if args.format == "text" and not output:
        # Said on stderr: an export piped to a file stays empty.
        print(f"No audit entries since {since:%Y-%m-%d %H:%M} UTC.", file=sys.stderr)
    return 0


def cmd_keygen(_: argparse.Namespace) -> int:
    print(Fernet.generate_key().decode())
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.demo.cli import run

    return run(
        args.port,
        open_browser=not args.no_browser,
        data=Path(args.data).resolve() if args.data else None,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Questetra ⇄ Slack bridge")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP server and the background workers")
    serve.add_argument("--no-migrate", action="store_true", help="do not migrate on start")
    serve.set_defaults(func=cmd_serve)
    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)
    sub.add_parser(
        "check", help="validate settings and reach the database, Slack and Questetra once"
    ).set_defaults(func=cmd_check)
    probe = sub.add_parser(
        "probe",
        help="run once on a real tenant: a report of its API shapes (never values) and how "
        "they differ from what the bot expects",
    )
    probe.add_argument(
        "--checks",
        action="store_true",
        help="also run the harmless one-off checks (refusals of made-up ids; changes nothing)",
    )
    probe.add_argument(
        "--basic",
        action="store_true",
        help="ask for a Questetra e-mail and API password instead of using a linked user",
    )
    probe.add_argument(
        "--slack-user",
        help="the linked Slack user id to probe as (default: the link used most recently)",
    )
    probe.add_argument("--team", help="the Slack team id of --slack-user")
    probe.add_argument("--lang", choices=("en", "ja"), help="report language (default: LANG)")
    probe.set_defaults(func=cmd_probe)
    sub.add_parser("keygen", help="print a new key for BOT_ENCRYPTION_KEYS").set_defaults(
        func=cmd_keygen
    )
    sub.add_parser(
        "rotate-keys", help="re-encrypt stored secrets under the newest BOT_ENCRYPTION_KEYS key"
    ).set_defaults(func=cmd_rotate_keys)
    demo = sub.add_parser(
        "demo",
        help="try the bridge in a browser: emulators, the bot and a Slack-like page (127.0.0.1)",
    )
    demo.add_argument("--port", type=int, default=3000, help="the page's port (default 3000)")
    demo.add_argument("--no-browser", action="store_true", help="do not open a browser")
    demo.add_argument(
        "--data",
        metavar="DIR",
        help="keep the demo's state in DIR between runs (default: a "
        "temporary folder, removed on exit)",
    )
    demo.set_defaults(func=cmd_demo)
    audit = sub.add_parser("audit", help="print or export the audit log")
    audit.add_argument("--since", default="7d", help="how far back: 30m, 12h, 7d, 2w (default 7d)")
    audit.add_argument("--format", choices=("text", "csv"), default="text")
    audit.add_argument("--team", help="only this Slack team id")
    audit.set_defaults(func=cmd_audit)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
