"""The emulator's notion of time: a source clock (the wall clock by default) plus an offset.

Tests make the emulator follow the bot's injected clock (``follow(clock)``), so the two agree on
"now" whatever the date on the machine; ``advance()`` then adds skew on the emulator's side only.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class TimeSource(Protocol):
    def now(self) -> datetime: ...


class _WallClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


WALL_CLOCK: TimeSource = _WallClock()


class Clock:
    """``now()`` is the source's time shifted by everything passed to ``advance()``.

    Time keeps flowing with the source by default (so a person trying the bot sees sensible
    timestamps); ``frozen=True`` stops it between ``advance()`` calls for tests that compare exact
    values.
    """

    def __init__(
        self,
        start: datetime | None = None,
        *,
        frozen: bool = False,
        source: TimeSource = WALL_CLOCK,
    ) -> None:
        self._lock = threading.Lock()
        self._frozen = frozen
        self._source = source
        self._offset = timedelta(0)
        self._frozen_at = _utc(start) if start is not None else source.now()
        if start is not None:
            self._offset = _utc(start) - source.now()

    def now(self) -> datetime:
        """Aware UTC datetime."""
        with self._lock:
            if self._frozen:
                return self._frozen_at
            return self._source.now() + self._offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += timedelta(seconds=seconds)
            self._frozen_at += timedelta(seconds=seconds)

    def set(self, when: datetime) -> None:
        """Jump to ``when`` (time keeps flowing from there unless frozen)."""
        with self._lock:
            self._frozen_at = _utc(when)
            self._offset = _utc(when) - self._source.now()

    def follow(self, source: TimeSource) -> None:
        """From now on, tell the time of ``source`` (no offset, not frozen)."""
        with self._lock:
            self._source = source
            self._frozen = False
            self._offset = timedelta(0)
            self._frozen_at = source.now()

    def reset(self) -> None:
        """Back to the source's time (and unfrozen); the source stays."""
        with self._lock:
            self._frozen = False
            self._offset = timedelta(0)
            self._frozen_at = self._source.now()


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("Clock needs an aware datetime")
    return value.astimezone(UTC)
