"""Small test collaborators shared by the suites."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class ManualClock:
    """A clock the test moves by hand (injected into create_app instead of patching datetime)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 27, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
