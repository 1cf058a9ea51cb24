"""``python -m bot demo [--port 3000] [--no-browser] [--data DIR]``.

One process: the Questetra emulator and the fake Slack Web API on free loopback ports (threads
with their own event loops), and the bot with the page on ``127.0.0.1:PORT``. Generated keys,
SQLite in a temporary folder (or ``--data DIR``, kept between runs with the emulators' state),
a 10-second poll and every feature on. Ctrl-C (SIGINT) or SIGTERM stops it all and removes the
temporary folder.

The emulators live in the project's checkout (``tests/emulators``), not in the wheel: the demo
finds them beside the ``bot`` package (an editable install, as the README's) and otherwise
stops with one line saying so.
"""

from __future__ import annotations

import errno
import os
import shutil
import socket
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

# Settings that mean "a real deployment is configured here": the demo refuses to run beside
# them, so nobody takes the demo's output for their workspace's (or the other way round).
# SLACK_API_URL is left out (its default is real Slack and .env.example spells it out).
REAL_SETTINGS = (
    "SLACK_SIGNING_SECRET",
    "SLACK_BOT_TOKEN",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "SLACK_APP_TOKEN",
    "QUESTETRA_BASE_URL",
    "QUESTETRA_CLIENT_ID",
    "QUESTETRA_CLIENT_SECRET",
)


class DemoError(Exception):
    """Why the demo cannot start: one line for the terminal."""


def real_settings(environ: Mapping[str, str], env_file: Path) -> list[str]:
    """The real Slack / Questetra settings present in the environment or ``.env``; a copy of
    ``.env.example`` (placeholders only) has none."""

    from bot.config import is_placeholder

    def real(name: str, value: str | None) -> bool:
        # .env.example's values are placeholders (bot.config is the one judge of those).
        value = (value or "").strip()
        return bool(value) and not is_placeholder(value)

    found = [name for name in REAL_SETTINGS if real(name, environ.get(name))]
    if env_file.is_file():
        from dotenv import dotenv_values

        values = dotenv_values(env_file)
        found += [
            f"{name} (in {env_file})"
            for name in REAL_SETTINGS
            if real(name, values.get(name)) and name not in found
        ]
    return found


def checkout_root(package: Path | None = None) -> Path:
    """The checkout holding ``tests/emulators`` beside the ``bot`` package (``package``, this
    one by default), put on ``sys.path``; DemoError without one (an installed wheel)."""
    root = (package or Path(__file__).resolve().parents[1]).parent
    if not (root / "tests" / "emulators" / "questetra" / "__init__.py").is_file():
        raise DemoError(
            "python -m bot demo needs the project's checkout (its tests/emulators): "
            "clone the repository and install it with `pip install -e .` as the README says"
        )
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    return root


def bind(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1 only; DemoError when the port is taken."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise DemoError(
                f"port {port} on 127.0.0.1 is in use: stop what uses it or pick another "
                f"with --port {port + 1}"
            ) from None
        raise DemoError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror}") from None
    sock.listen(128)
    return sock


def gui_browser_likely() -> bool:
    """Open a browser only where one would show up as a window, never a text browser in the
    terminal the demo prints to."""
    return sys.platform in ("darwin", "win32") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )


def prepare(port: int) -> socket.socket:
    """Every check before anything starts: no real settings, the checkout, a free port."""
    found = real_settings(dict(os.environ), Path(".env"))
    if found:
        raise DemoError(
            "the demo runs on its own emulators and refuses to start beside real settings "
            f"({', '.join(found)}): unset them, or run it from a folder without that .env"
        )
    checkout_root()
    return bind(port)


def run(port: int, *, open_browser: bool, data: Path | None) -> int:
    """The ``demo`` command; returns the exit code."""
    try:
        sock = prepare(port)
    except DemoError as exc:
        print(f"python -m bot demo: {exc}", file=sys.stderr)
        return 2
    temporary = data is None
    folder = Path(tempfile.mkdtemp(prefix="questetra-bridge-demo-")) if data is None else data
    try:
        folder.mkdir(parents=True, exist_ok=True)
        from bot.demo.runner import serve

        return serve(
            sock, folder, open_browser=open_browser and gui_browser_likely(), keep=not temporary
        )
    except DemoError as exc:
        print(f"python -m bot demo: {exc}", file=sys.stderr)
        return 2
    finally:
        sock.close()
        if temporary:
            shutil.rmtree(folder, ignore_errors=True)
