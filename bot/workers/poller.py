"""The poller: every linked user's two lists, every POLL_INTERVAL_SECONDS, on any number of
replicas without a leader.

Due links are claimed in small batches with a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL;
SQLite runs the same statement without it), polled concurrently with a bound, then released with
the next poll time (jittered). Leases are short and renewed while the polls run
(bot/workers/leases.py). A failing user backs off alone; a Questetra outage opens a circuit
breaker that slows everyone down and closes again by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import structlog
from sqlalchemy import Table, and_, bindparam, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.db import repo
from bot.db.models import UserLink, Workspace
from bot.domain.alerts import POLL_BACKOFF_CAP, backoff
from bot.errors import NeedsRelink, NotLinked, QuestetraUnavailable, UserFacingError
from bot.metrics import Metrics
from bot.services.alerts import AlertService, Polled
from bot.services.credentials import CREDENTIAL_COLUMNS, StoredCredential
from bot.workers.loop import Worker

log = structlog.stdlib.get_logger(__name__)

LEASE = timedelta(seconds=15)


@dataclass(frozen=True)
class Claimed:
    credential: StoredCredential
    failures: int

    @property
    def link_id(self) -> int:
        return self.credential.link_id


@dataclass(frozen=True)
class Fetched:
    item: Claimed
    outcome: str  # "ok", or why the lists could not be read (a metrics label)
    polled: Polled | None = None


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
        self._group = concurrency
        self._lease = lease
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security
        self.breaker = CircuitBreaker(clock)
        self.on_changes: Callable[[], None] = lambda: None
        self.held: set[int] = set()  # links claimed this round, not released yet (renewed)

    async def run_once(self) -> int:
        """Poll every due link; the number polled.

        Links are claimed a batch at a time and their lists read concurrently (bounded). The next
        batch is claimed as soon as fewer polls are left than may run at once, so Questetra is
        never left idle while the database is asked. What the polls found is recorded, and the
        leases released, one transaction per group of ``concurrency`` finished polls: a slow
        user holds back only the polls that finish after it, and the database sees a few
        statements per group instead of a few per user. A group is recorded in the background
        while the polls go on (one transaction at a time; polls that finish meanwhile join the
        next group), so Questetra is not left idle while the database writes either.
        """
        polled = 0
        running: set[asyncio.Future[Fetched]] = set()
        finished: list[Fetched] = []
        settling: asyncio.Future[None] | None = None
        more = True
        try:
            while True:
                while more and len(running) < self._group and self._may_claim():
                    try:
                        claimed = await self.claim()
                    except Exception:
                        if not running and settling is None:
                            raise  # the worker loop logs the round and naps
                        # Finish (and record) what is running rather than drop it.
                        log.exception("poller.claim_failed")
                        claimed = []
                        more = False
                    else:
                        more = len(claimed) == self._batch
                    polled += len(claimed)
                    running |= {asyncio.ensure_future(self._fetch(item)) for item in claimed}
                if not running and settling is None and not finished:
                    break
                waiting: set[asyncio.Future[Any]] = set(running)
                if settling is not None:
                    waiting.add(settling)
                if waiting:
                    done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
                    if settling is not None and settling in done:
                        settling.result()  # _settle handles its failures; anything else is a bug
                        settling = None
                    fetched = [future for future in done if future in running]
                    running.difference_update(fetched)
                    finished += [future.result() for future in fetched]
                if finished and settling is None and (len(finished) >= self._group or not running):
                    settling = asyncio.ensure_future(self._settle(finished))
                    finished = []
        finally:
            # Cancelled (shutdown) or a failed settle: no orphans.
            for future in running:
                future.cancel()
            if settling is not None and not settling.done():
                settling.cancel()
            # A round ends with all its links released, or abandoned (shutdown, a failed
            # settle): their leases must run out, not be renewed.
            self.held.clear()
        return polled

    def _may_claim(self) -> bool:
        return not self._stopping and not self.breaker.is_open()

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
                    # The credential comes with the lease: no query per user to load it.
                    .returning(*CREDENTIAL_COLUMNS, UserLink.poll_failures)
                    .execution_options(synchronize_session=False)
                )
            ).all()
        self.held.update(row.id for row in rows)
        return [Claimed(StoredCredential.from_row(row), row.poll_failures) for row in rows]

    async def renew_leases(self) -> int:
        """Extend the leases of the links still being polled (bot/workers/leases.py)."""
        if not self.held:
            return 0
        async with self._sessions() as session, session.begin():
            return await repo.renew_leases(
                session,
                UserLink,
                list(self.held),
                owner=self._owner,
                until=self._clock.now() + self._lease,
            )

    async def _fetch(self, item: Claimed) -> Fetched:
        async with self._limit:
            try:
                polled = await self._alerts.fetch(item.credential)
            except QuestetraUnavailable:
                self.breaker.failure()
                return Fetched(item, "unavailable")
            except (NeedsRelink, NotLinked):
                return Fetched(item, "needs_relink")  # the link is marked; no longer claimed
            except UserFacingError as exc:
                log.warning("poller.poll_refused", link_id=item.link_id, key=exc.key)
                return Fetched(item, "error")
            except Exception:
                log.exception("poller.poll_failed", link_id=item.link_id)
                return Fetched(item, "error")
            self.breaker.success()
            return Fetched(item, "ok", polled)

    async def _settle(self, done: list[Fetched]) -> None:
        """Record a group's lists and release its leases, in one transaction. When that fails
        (the database went away), the group is released as failed if possible; otherwise its
        leases run out and the links are polled again: alerts are keyed, nothing is doubled."""
        polls = [f.polled for f in done if f.polled is not None]
        try:
            async with self._sessions() as session, session.begin():
                results = await self._alerts.record_in(session, polls)
                await self._release(session, done)
        except Exception:
            log.exception("poller.record_failed", links=len(done))
            failed = [Fetched(f.item, "error") for f in done]
            with contextlib.suppress(Exception):
                async with self._sessions() as session, session.begin():
                    await self._release(session, failed)
            done = failed
            results = {}
        # Released, or left to run out (a failed release): no longer ours to renew either way.
        self.held.difference_update(f.item.link_id for f in done)
        for fetched in done:
            if self._metrics is not None:
                self._metrics.polls.labels(fetched.outcome).inc()
        if any(result.changed for result in results.values()):
            self.on_changes()  # the sender delivers now, not at its next tick

    async def _release(self, session: AsyncSession, done: list[Fetched]) -> None:
        now = self._clock.now()
        ok, failed = [], []
        for fetched in done:
            if fetched.outcome == "ok":
                # Up to 10 % earlier spreads users that linked at the same moment, and a poll
                # never comes later than the interval (the alert latency goal: interval + 1 s).
                delay = self._interval * self._rng.uniform(0.9, 1.0)
                ok.append({"link": fetched.item.link_id, "next": now + delay})
            else:
                failures = fetched.item.failures + 1
                delay = backoff(failures, self._interval, max(POLL_BACKOFF_CAP, self._interval))
                failed.append(
                    {"link": fetched.item.link_id, "next": now + delay, "failures": failures}
                )
        # Core, not the ORM: an ORM UPDATE with a parameter list would be a bulk UPDATE by key.
        links = cast(Table, UserLink.__table__)
        mine = and_(links.c.id == bindparam("link"), links.c.lease_owner == self._owner)
        free: dict[str, Any] = {
            "lease_owner": None,
            "lease_until": None,
            "next_poll_at": bindparam("next"),
        }
        if ok:  # executemany: one round trip for the group
            await session.execute(
                update(links).where(mine).values(**free, poll_failures=0, last_used_at=now), ok
            )
        if failed:
            await session.execute(
                update(links).where(mine).values(**free, poll_failures=bindparam("failures")),
                failed,
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
