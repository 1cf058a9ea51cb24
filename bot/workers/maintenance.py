"""Hourly housekeeping: expired consent states, old event ids, key rotation, refresh warnings.

With several replicas on PostgreSQL only one runs it at a time (an advisory lock); the others
skip that round.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import structlog
from sqlalchemy import and_, delete, or_, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.crypto import KeyRing
from bot.db.models import OAuthState, ProcessedSlackEvent, UserLink
from bot.domain.linking import REFRESH_TOKEN_LIFETIME
from bot.services import guards
from bot.services.keys import rotate_keys
from bot.services.ports import LinkEvents

log = structlog.stdlib.get_logger(__name__)

ADVISORY_LOCK_ID = 0x51_5354_4252  # "QSTBR": any constant shared by all replicas
EVENT_ID_RETENTION = timedelta(days=1)
WARN_BEFORE_REFRESH_EXPIRY = timedelta(days=3)


@dataclass(frozen=True)
class MaintenanceReport:
    states_removed: int
    event_ids_removed: int
    keys_rotated: int
    refresh_warnings: int


class Maintenance:
    def __init__(
        self,
        *,
        engine: AsyncEngine,
        sessions: async_sessionmaker[AsyncSession],
        keyring: KeyRing,
        clock: Clock,
        events: LinkEvents,
        interval: timedelta = timedelta(hours=1),
    ) -> None:
        self._engine = engine
        self._sessions = sessions
        self._keyring = keyring
        self._clock = clock
        self._events = events
        self._interval = interval
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    async def run_forever(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._interval.total_seconds())
            if self._stopping.is_set():
                return
            try:
                async with self._exclusive() as mine:
                    if mine:
                        report = await self.run_once()
                        log.info("maintenance.done", **report.__dict__)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("maintenance.failed")

    @contextlib.asynccontextmanager
    async def _exclusive(self) -> AsyncIterator[bool]:
        if self._engine.dialect.name != "postgresql":
            yield True
            return
        async with self._engine.connect() as connection:
            got = bool(
                await connection.scalar(
                    text("SELECT pg_try_advisory_lock(:id)"), {"id": ADVISORY_LOCK_ID}
                )
            )
            try:
                yield got
            finally:
                if got:
                    await connection.execute(
                        text("SELECT pg_advisory_unlock(:id)"), {"id": ADVISORY_LOCK_ID}
                    )
                await connection.commit()

    async def run_once(self) -> MaintenanceReport:
        now = self._clock.now()
        async with self._sessions() as session, session.begin():
            states = await session.execute(delete(OAuthState).where(OAuthState.expires_at <= now))
            events = await session.execute(
                delete(ProcessedSlackEvent).where(
                    ProcessedSlackEvent.received_at <= now - EVENT_ID_RETENTION
                )
            )
            await guards.purge(session, self._clock)
        rotated = await rotate_keys(self._sessions, self._keyring)
        warned = await self._warn_expiring_refresh_tokens()
        return MaintenanceReport(
            states_removed=states.rowcount or 0,  # type: ignore[attr-defined]
            event_ids_removed=events.rowcount or 0,  # type: ignore[attr-defined]
            keys_rotated=rotated,
            refresh_warnings=warned,
        )

    async def _warn_expiring_refresh_tokens(self) -> int:
        now = self._clock.now()
        issued_before = now - (REFRESH_TOKEN_LIFETIME - WARN_BEFORE_REFRESH_EXPIRY)
        async with self._sessions() as session, session.begin():
            links = (
                await session.scalars(
                    select(UserLink).where(
                        UserLink.method == "oauth",
                        UserLink.status == "active",
                        UserLink.refresh_issued_at <= issued_before,
                        or_(
                            UserLink.refresh_warned_at.is_(None),
                            and_(UserLink.refresh_warned_at < UserLink.refresh_issued_at),
                        ),
                    )
                )
            ).all()
            targets = [(link.team_id, link.slack_user_id) for link in links]
            for link in links:
                link.refresh_warned_at = now
        for team_id, user_id in targets:
            await self._events.refresh_expiring(team_id, user_id)
        return len(targets)
