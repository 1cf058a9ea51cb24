"""Command line: ``python -m bot serve|migrate|check|keygen|rotate-keys|audit|demo``. The only reader of the environment."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

from cryptography.fernet import Fernet

from bot.config import Settings, SettingsError, load_settings
from bot.errors import ConfigurationError


def _settings() -> Settings:
    try:
        return load_settings(os.environ, env_file=".env")
    except SettingsError as exc:
        print("The bot cannot start; fix these settings (environment or .env):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        raise SystemExit(2) from None


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from bot.app import create_app
    from bot.logging import configure_logging

    settings = _settings()
    configure_logging(settings.log_level, settings.log_format)
    try:
        app = create_app(settings, migrate_on_start=not args.no_migrate, environ=os.environ)
    except ConfigurationError as exc:
        print(f"The bot cannot start: {exc}", file=sys.stderr)
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

    asyncio.run(run())
    print("Database is at the latest migration.")
    return 0


def cmd_check(_: argparse.Namespace) -> int:
    from bot.checks import run_checks

    settings = _settings()
    results = asyncio.run(run_checks(settings, os.environ))
    for name, ok, detail in results:
        print(f"{'OK  ' if ok else 'FAIL'} {name}: {detail}")
    failed = [name for name, ok, _ in results if not ok]
    print("All checks passed." if not failed else f"{len(failed)} check(s) failed.")
    return 0 if not failed else 1


def cmd_rotate_keys(_: argparse.Namespace) -> int:
    from bot.crypto import KeyRing
    from bot.db.engine import create_engine, create_session_factory
    from bot.services.keys import rotate_keys

    settings = _settings()

    async def run() -> int:
        engine = create_engine(settings.async_database_url)
        try:
            return await rotate_keys(
                create_session_factory(engine), KeyRing(settings.bot_encryption_keys)
            )
        finally:
            await engine.dispose()

    changed = asyncio.run(run())
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

    async def run() -> str:
        engine = create_engine(settings.async_database_url)
        try:
            rows = await entries(create_session_factory(engine), since=since, team_id=args.team)
        finally:
            await engine.dispose()
        if args.format == "csv":
            return to_csv(rows)
        return "\n".join(
            f"{r.at:%Y-%m-%d %H:%M:%S} {r.team_id or '-'} {r.actor} {r.action} {r.target or ''} "
            f"{r.outcome}"
            for r in rows
        )

    sys.stdout.write(asyncio.run(run()))
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
