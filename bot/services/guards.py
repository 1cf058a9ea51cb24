"""Request guards shared by every replica through the database (issue #16 items 4, 6, 7).

- :class:`ReplayGuard`: a signed Slack request is accepted once. Slack signs
  ``v0:{timestamp}:{body}`` and Bolt accepts a timestamp up to 5 minutes old
  (https://api.slack.com/authentication/verifying-requests-from-slack), so an eavesdropped
  request could be sent again within that window. Slack itself never sends an interactivity
  payload or a slash command twice; its Events API retries carry ``X-Slack-Retry-Num`` and are
  deduplicated by ``event_id`` instead (bot/slack/middleware.py).
- :class:`RateLimiter`: counts attempts per bucket in a sliding window.

Both read time from the injected clock; :func:`purge` drops rows nobody needs any more (the
maintenance job calls it).
"""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.db.security_models import RateEvent, ReplayDigest

# Slack's signature window, plus the clock skew it tolerates on both sides.
REPLAY_WINDOW = timedelta(minutes=10)
# The longest rate-limit window in use, with room.
RATE_RETENTION = timedelta(hours=2)


def request_digest(timestamp: str, body: bytes) -> str:
    """base64url SHA-256 of what Slack signs (43 characters)."""
    raw = hashlib.sha256(b"v0:" + timestamp.encode() + b":" + body).digest()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class ReplayGuard:
    def __init__(self, *, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def first_time(self, digest: str) -> bool:
        """Remember ``digest``; False when it was seen within :data:`REPLAY_WINDOW`."""
        now = self._clock.now()
        async with self._sessions() as session:
            try:
                async with session.begin():
                    old = await session.get(ReplayDigest, digest, with_for_update=True)
                    if old is not None:
                        if old.seen_at > now - REPLAY_WINDOW:
                            return False
                        old.seen_at = now  # an expired row the purge has not reached yet
                    else:
                        session.add(ReplayDigest(digest=digest, seen_at=now))
            except IntegrityError:
                return False  # another replica inserted it just now
        return True


class RateLimiter:
    def __init__(self, *, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def attempts(self, bucket: str, *, window: timedelta) -> int:
        """Attempts counted in ``bucket`` within the last ``window``."""
        since = self._clock.now() - window
        async with self._sessions() as session:
            count = await session.scalar(
                select(func.count()).where(RateEvent.bucket == bucket, RateEvent.at > since)
            )
        return int(count or 0)

    async def hit(self, *buckets: str, limit: int, window: timedelta) -> bool:
        """Count one attempt in every bucket, unless one of them already holds ``limit`` attempts
        within ``window``: then count nothing and return False. Replicas racing may let a
        bucket pass its limit by one or two: a brake, not an exact meter."""
        now = self._clock.now()
        since = now - window
        async with self._sessions() as session, session.begin():
            for bucket in buckets:
                count = await session.scalar(
                    select(func.count()).where(RateEvent.bucket == bucket, RateEvent.at > since)
                )
                if int(count or 0) >= limit:
                    return False
            session.add_all(RateEvent(bucket=bucket, at=now) for bucket in buckets)
        return True

    async def last(self, bucket: str) -> RateEvent | None:
        async with self._sessions() as session:
            return await session.scalar(
                select(RateEvent)
                .where(RateEvent.bucket == bucket)
                .order_by(RateEvent.at.desc())
                .limit(1)
            )


async def purge(session: AsyncSession, clock: Clock) -> int:
    """Delete replay digests and rate events older than anyone asks about; returns rows removed."""
    now = clock.now()
    digests = await session.execute(
        delete(ReplayDigest).where(ReplayDigest.seen_at <= now - REPLAY_WINDOW)
    )
    events = await session.execute(delete(RateEvent).where(RateEvent.at <= now - RATE_RETENTION))
    return (digests.rowcount or 0) + (events.rowcount or 0)  # type: ignore[attr-defined]
