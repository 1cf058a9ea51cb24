"""Small test collaborators shared by the suites."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

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
