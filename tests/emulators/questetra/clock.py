"""The emulator's notion of time: real time plus an offset that tests can push forward."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class Clock:
    """``now()`` is real UTC time shifted by everything passed to ``advance()``.

    Time keeps flowing by default (so a person trying the bot sees sensible timestamps);
    ``frozen=True`` stops it between ``advance()`` calls for tests that compare exact values.
    """

    def __init__(self, start: datetime | None = None, *, frozen: bool = False) -> None:
        self._lock = threading.Lock()
        self._frozen = frozen
        self._offset = timedelta(0)
        self._frozen_at = _utc(start) if start is not None else datetime.now(UTC)
        if start is not None:
            self._offset = _utc(start) - datetime.now(UTC)

    def now(self) -> datetime:
        """Aware UTC datetime."""
        with self._lock:
            if self._frozen:
                return self._frozen_at
            return datetime.now(UTC) + self._offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += timedelta(seconds=seconds)
            self._frozen_at += timedelta(seconds=seconds)

    def set(self, when: datetime) -> None:
        """Jump to ``when`` (time keeps flowing from there unless frozen)."""
        with self._lock:
            self._frozen_at = _utc(when)
            self._offset = _utc(when) - datetime.now(UTC)

    def reset(self) -> None:
        """Back to real time (and unfrozen)."""
        with self._lock:
            self._frozen = False
            self._offset = timedelta(0)
            self._frozen_at = datetime.now(UTC)


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("Clock needs an aware datetime")
    return value.astimezone(UTC)
