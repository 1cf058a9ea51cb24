"""Small test collaborators shared by the suites."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


class ManualClock:
    """A clock the test moves by hand (injected into create_app instead of patching datetime)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 27, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)


def shown(mrkdwn: str) -> str:
    """What Slack displays for escaped mrkdwn: its three entities decoded (formatting kept)."""
    return mrkdwn.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 5.0) -> None:
    """Wait until ``check()`` is true: work after a Slack ack runs in the background."""
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


def block_nodes(node: object) -> Iterator[dict[str, Any]]:
    """Every object in a Block Kit payload (blocks, elements, text objects…), depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from block_nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from block_nodes(value)


def subprocess_env() -> dict[str, str]:
    """The environment for a real ``python -m bot`` process started by a test: none of the
    developer's settings, but the same interpreter, the project on ``PYTHONPATH`` and, when the
    suite runs under ``faketime``, the same shifted wall clock (the product reads the wall clock)."""
    keep = {
        k: v
        for k, v in os.environ.items()
        if k in ("PATH", "HOME", "LANG", "PYTHONPATH", "VIRTUAL_ENV", "LD_PRELOAD")
        or k.startswith("FAKETIME")
    }
    keep["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), keep.get("PYTHONPATH")]))
    return keep


def free_port() -> int:
    """A TCP port free on loopback now, for a process the test starts (``PORT``, ``--port``).

    Picked below the kernel's ephemeral range (``/proc/sys/net/ipv4/ip_local_port_range``):
    the port is free only until the process binds it, a second or so later, and in that window
    every outgoing connection on the machine (and every server bound to port 0) draws from the
    ephemeral range, where a parallel test run makes thousands. Outside it, only another pick
    like this one could take it.
    """
    import random
    import socket

    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768  # Linux's default start; other systems: the same range is unlikely taken
    below = range(10000, max(low, 10000))
    for port in random.sample(below, k=min(50, len(below))):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:  # everything below the range taken: any free port
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_cli(
    args: list[str], env: dict[str, str], cwd: Path, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """``python -m bot <args>`` as a real process; output captured as text."""
    return subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "bot", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def cli_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """A whole, valid environment for a real ``python -m bot`` process (subprocess_env plus): a
    signing secret, a bot token, Questetra where nothing listens (``127.0.0.1:9``) with Basic
    auth allowed, a fresh encryption key, SQLite ``bot.db`` in ``tmp_path``. ``settings``
    replace or add variables by name (``SLACK_API_URL=…``)."""
    from cryptography.fernet import Fernet

    return {
        **subprocess_env(),
        "SLACK_SIGNING_SECRET": "0123456789abcdef",
        "SLACK_BOT_TOKEN": "xoxb-1",
        "QUESTETRA_BASE_URL": "http://127.0.0.1:9/",
        "QUESTETRA_BASIC_AUTH": "true",
        "BOT_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        **settings,
    }


class Served:
    """``python -m bot serve`` running in the background, answering on ``url``. Its output
    (stdout and stderr together) is read as it comes: ``wait_for`` waits for a line,
    ``stop()`` ends the process and returns everything it printed."""

    def __init__(self, env: dict[str, str], cwd: Path, *, args: tuple[str, ...] = ()) -> None:
        import threading

        import httpx2

        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.lines: list[str] = []
        self.process = subprocess.Popen(  # noqa: S603 - our own CLI
            [sys.executable, "-m", "bot", "serve", *args],
            env={**env, "HOST": "127.0.0.1", "PORT": str(port)},
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx2.get(f"{self.url}/healthz", timeout=1)
                return
            except httpx2.TransportError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(self.stop()) from None
                time.sleep(0.2)

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, text: str, *, count: int = 1, within: float = 60) -> None:
        """Wait until ``count`` lines contain ``text``."""
        deadline = time.monotonic() + within
        while sum(text in line for line in list(self.lines)) < count:
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise AssertionError("\n".join(self.lines))
            time.sleep(0.1)

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self._reader.join(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()
        return "\n".join(self.lines)
