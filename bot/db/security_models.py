"""Tables of the request guards (issue #16): replayed Slack requests and rate-limited actions.

Both live in the database so that every replica sees the same history.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base


class ReplayDigest(Base):
    """A signed Slack request that changed something, remembered for Slack's 5-minute
    signature window so that the same request, sent again, changes nothing twice."""

    __tablename__ = "replay_digests"
    __table_args__ = (Index(None, "seen_at"),)

    # base64url SHA-256 of the request's signature base string (timestamp + body).
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[datetime]


class RateEvent(Base):
    """One counted attempt in a rate-limit bucket (``basic-user:T1/U1``, ``hook-channel:T1/C1``…)."""

    __tablename__ = "rate_events"
    __table_args__ = (Index(None, "bucket", "at"), Index(None, "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime]
