"""Starts the demo's pieces in one process and stops them together (imported by ``cli.run``
once the checkout is on ``sys.path``)."""

from __future__ import annotations

import contextlib
import pickle
import signal
import threading
import webbrowser
from pathlib import Path
from typing import Any

import httpx2
import uvicorn

from bot.app import Tuning, create_app
from bot.config import Settings
from bot.demo.cli import DemoError
from bot.demo.front import Front
from bot.demo.server import DemoPage, build_demo_app
from bot.demo.world import (
    Keys,
    slack_workspace,
    start_event_environ,
    start_events_yaml,
)
from bot.errors import ConfigurationError
from bot.logging import configure_logging
from tests.emulators.questetra import EmulatorState
from tests.emulators.questetra import create_app as create_questetra_app
from tests.emulators.server import LoopbackServer
from tests.emulators.slack import FakeSlack, SlackSigner
from tests.emulators.slack import create_app as create_slack_app

POLL_SECONDS = 10  # the shortest interval the settings allow
STATE_FILE = "emulators.pickle"
# The fake Slack's conversation state worth keeping between runs (modals and response URLs
# die with the process, as they do in Slack after a while).
_SLACK_KEPT = ("_users", "_channels", "_messages", "_ephemeral", "_home_views", "_last_ts_us")


def save_state(path: Path, questetra: EmulatorState, slack: FakeSlack) -> None:
    with questetra.lock, slack.lock:
        kept = {
            "questetra": questetra.db,
            "slack": {name: getattr(slack, name) for name in _SLACK_KEPT},
        }
        path.write_bytes(pickle.dumps(kept))


def load_state(path: Path, questetra: EmulatorState, slack: FakeSlack, redirect_uri: str) -> None:
    try:
        # Written by this program into the person's own --data folder, never fetched.
        kept: dict[str, Any] = pickle.loads(path.read_bytes())  # noqa: S301
        db, conversation = kept["questetra"], kept["slack"]
    except (OSError, pickle.UnpicklingError, KeyError, TypeError, AttributeError, EOFError) as exc:
        raise DemoError(
            f"cannot read the demo's saved state {path} ({type(exc).__name__}; the emulators "
            "may have changed since): remove that folder or pass another --data"
        ) from None
    with questetra.lock, slack.lock:
        questetra.db = db
        for client in db.clients.values():
            client.redirect_uri = redirect_uri  # the port may differ from the last run
        for name, value in conversation.items():
            setattr(slack, name, value)


def settings_for(
    keys: Keys, *, public_url: str, slack_api: str, questetra: str, folder: Path
) -> Settings:
    """The bot's settings, every feature on; never read from the environment."""
    start_events = folder / "start-events.yml"
    start_events.write_text(start_events_yaml(), encoding="utf-8")
    return Settings.model_validate(
        {
            "SLACK_SIGNING_SECRET": keys.signing_secret,
            "SLACK_BOT_TOKEN": keys.bot_token,
            "SLACK_API_URL": slack_api,
            "QUESTETRA_BASE_URL": questetra,
            "QUESTETRA_CLIENT_ID": keys.client_id,
            "QUESTETRA_CLIENT_SECRET": keys.client_secret,
            "QUESTETRA_BASIC_AUTH": "true",
            "BOT_PUBLIC_URL": public_url,
            "BOT_ENCRYPTION_KEYS": keys.encryption_key,
            "DATABASE_URL": f"sqlite:///{folder / 'bot.db'}",
            "HOST": "127.0.0.1",
            "POLL_INTERVAL_SECONDS": str(POLL_SECONDS),
            "START_EVENTS_FILE": str(start_events),
            "LOG_LEVEL": "WARNING",
        }
    )


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def serve(sock: Any, folder: Path, *, open_browser: bool, keep: bool) -> int:
    """Run until Ctrl-C / SIGTERM; the caller closes ``sock`` and removes a temporary folder.
    ``keep``: save the emulators' state into ``folder`` on the way out (``--data``)."""
    port = sock.getsockname()[1]
    public_url = f"http://127.0.0.1:{port}"
    redirect_uri = f"{public_url}/questetra/oauth/callback"
    keys = Keys.load_or_create(folder / "keys.json")
    slack = slack_workspace(keys)
    questetra = EmulatorState()
    saved = folder / STATE_FILE
    if saved.is_file():
        load_state(saved, questetra, slack, redirect_uri)
    else:
        from bot.demo.world import seed_questetra

        seed_questetra(questetra, keys, redirect_uri)
    questetra_server = LoopbackServer(create_questetra_app(questetra)).start()
    slack_server = LoopbackServer(create_slack_app(slack)).start()
    slack.base_url = slack_server.url
    try:
        settings = settings_for(
            keys,
            public_url=public_url,
            slack_api=f"{slack_server.url}api/",
            questetra=questetra_server.url,
            folder=folder,
        )
        configure_logging(settings.log_level, settings.log_format, sql=settings.log_sql)
        try:
            bot_app = create_app(
                settings, environ=start_event_environ(keys), tuning=Tuning(worker_tick=0.25)
            )
        except ConfigurationError as exc:
            raise DemoError(f"the bot refused the demo's settings: {exc}") from None
        # The demo's own front talks to the bot on loopback: never through an outbound proxy.
        http = httpx2.AsyncClient(trust_env=False)
        front = Front(slack, SlackSigner(keys.signing_secret), f"{public_url}/slack/events", http)
        page = DemoPage(front, questetra, questetra_server.url, POLL_SECONDS)
        url = f"{public_url}/demo"
        where = "kept in" if keep else "in the temporary folder"

        def announce() -> None:
            print(
                f"\nQuestetra ⇄ Slack bridge demo: {url}\n"
                f"  three people (佐藤 花子 ja-JP, Alex Morgan en-US, Dana Kim, a Slack admin),\n"
                f"  the Questetra emulator at {questetra_server.url} and a fake Slack; "
                f"data {where} {folder}\n"
                "  Ctrl-C stops it.\n",
                flush=True,
            )
            if open_browser:
                threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()

        app = build_demo_app(bot_app, page, http=http, on_ready=announce)
        server = uvicorn.Server(
            uvicorn.Config(
                app,
                log_level="warning",
                access_log=False,
                lifespan="on",
                timeout_graceful_shutdown=5,
            )
        )
        # uvicorn shuts down gracefully on SIGINT / SIGTERM, then raises the signal again with
        # the handler it found: make both a KeyboardInterrupt here, so the finally cleans up.
        signal.signal(signal.SIGTERM, _interrupt)
        with contextlib.suppress(KeyboardInterrupt):
            server.run(sockets=[sock])
        return 0
    finally:
        slack_server.stop()
        questetra_server.stop()
        if keep:
            save_state(saved, questetra, slack)
        print("Demo stopped.", flush=True)
