"""The poller: every linked user's two lists, every POLL_INTERVAL_SECONDS, on any number of
replicas without a leader.

Due links are claimed in small batches with a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL;
SQLite runs the same statement without it), polled concurrently with a bound, then released with
the next poll time (jittered). A failing user backs off alone; a Questetra outage opens a circuit
breaker that slows everyone down and closes again by itself.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.db.models import UserLink, Workspace
from bot.domain.alerts import POLL_BACKOFF_CAP, backoff
from bot.errors import NeedsRelink, NotLinked, QuestetraUnavailable, UserFacingError
from bot.metrics import Metrics
from bot.services.alerts import AlertService
from bot.workers.loop import Worker, run_items

log = structlog.stdlib.get_logger(__name__)

LEASE = timedelta(minutes=2)


@dataclass(frozen=True)
class Claimed:
    link_id: int
    team_id: str
    slack_user_id: str
    failures: int


class CircuitBreaker:
    """Opens after ``threshold`` Questetra outages in a row; stays open for a growing cool-down."""

    def __init__(
        self,
        clock: Clock,
        *,
        threshold: int = 5,
        base: timedelta = timedelta(seconds=30),
        cap: timedelta = timedelta(minutes=5),
    ) -> None:
        self._clock = clock
        self._threshold = threshold
        self._base = base
        self._cap = cap
        self._failures = 0
        self._trips = 0
        self.open_until: datetime | None = None

    def is_open(self) -> bool:
        return self.open_until is not None and self._clock.now() < self.open_until

    def success(self) -> None:
        self._failures = 0
        self._trips = 0
        self.open_until = None

    def failure(self) -> None:
        self._failures += 1
        if self._failures >= self._threshold:
            self.open_until = self._clock.now() + backoff(self._trips, self._base, self._cap)
            self._trips += 1
            self._failures = 0
            log.warning("poller.circuit_open", until=self.open_until.isoformat())


class Poller(Worker):
    name = "poller"

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        alerts: AlertService,
        interval: timedelta,
        owner: str,
        metrics: Metrics | None = None,
        batch: int = 50,
        concurrency: int = 16,
        tick: float = 1.0,
        lease: timedelta = LEASE,
        rng: random.Random | None = None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._alerts = alerts
        self._interval = interval
        self._owner = owner
        self._metrics = metrics
        self._batch = batch
        super().__init__(tick=tick)
        self._limit = asyncio.Semaphore(concurrency)
        self._lease = lease
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security
        self.breaker = CircuitBreaker(clock)
        self.on_changes: Callable[[], None] = lambda: None

    async def run_once(self) -> int:
        """Claim one batch of due links and poll them; the number polled."""
        if self.breaker.is_open():
            return 0
        claimed = await self.claim()
        await run_items(self.name, (self._poll(item) for item in claimed))
        return len(claimed)

    async def claim(self) -> list[Claimed]:
        now = self._clock.now()
        paused = exists().where(Workspace.team_id == UserLink.team_id, Workspace.paused.is_(True))
        due = (
            select(UserLink.id)
            .where(
                UserLink.status == "active",
                UserLink.next_poll_at <= now,
                or_(UserLink.lease_until.is_(None), UserLink.lease_until < now),
                ~paused,
            )
            .order_by(UserLink.next_poll_at)
            .limit(self._batch)
            .with_for_update(skip_locked=True)
        )
        async with self._sessions() as session, session.begin():
            rows = (
                await session.execute(
                    update(UserLink)
                    .where(UserLink.id.in_(due.scalar_subquery()))
                    .values(lease_owner=self._owner, lease_until=now + self._lease)
                    .returning(
                        UserLink.id,
                        UserLink.team_id,
                        UserLink.slack_user_id,
                        UserLink.poll_failures,
                    )
                    .execution_options(synchronize_session=False)
                )
            ).all()
        return [Claimed(r[0], r[1], r[2], r[3]) for r in rows]

    async def _poll(self, item: Claimed) -> None:
        async with self._limit:
            outcome = "ok"
            try:
                result = await self._alerts.poll_link(
                    item.link_id, item.team_id, item.slack_user_id
                )
                if result.queued or result.accepted or result.gone:
                    self.on_changes()  # the sender delivers now, not at its next tick
            except QuestetraUnavailable:
                outcome = "unavailable"
                self.breaker.failure()
            except (NeedsRelink, NotLinked):
                outcome = "needs_relink"  # the link is marked; it is no longer claimed
            except UserFacingError as exc:
                outcome = "error"
                log.warning("poller.poll_refused", link_id=item.link_id, key=exc.key)
            except Exception:
                outcome = "error"
                log.exception("poller.poll_failed", link_id=item.link_id)
            else:
                self.breaker.success()
            if self._metrics is not None:
                self._metrics.polls.labels(outcome).inc()
            await self._release(item, ok=outcome == "ok")

    async def _release(self, item: Claimed, *, ok: bool) -> None:
        now = self._clock.now()
        if ok:
            # Up to 10 % earlier spreads users that linked at the same moment, and a poll never
            # comes later than the interval (the alert latency goal is interval + 1 s).
            delay = self._interval * self._rng.uniform(0.9, 1.0)
            values = {"poll_failures": 0, "last_used_at": now}
        else:
            delay = backoff(
                item.failures + 1, self._interval, max(POLL_BACKOFF_CAP, self._interval)
            )
            values = {"poll_failures": item.failures + 1}
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(UserLink)
                .where(and_(UserLink.id == item.link_id, UserLink.lease_owner == self._owner))
                .values(next_poll_at=now + delay, lease_owner=None, lease_until=None, **values)
                .execution_options(synchronize_session=False)
            )

    async def release_all(self) -> None:
        """On shutdown: hand our leases back so another replica picks the links up at once."""
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(UserLink)
                .where(UserLink.lease_owner == self._owner)
                .values(lease_owner=None, lease_until=None)
                .execution_options(synchronize_session=False)
            )
