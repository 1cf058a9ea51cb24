"""Tables of new-task alerts and channel notifications: snapshots, the outbox, settings,
subscriptions and workflow webhooks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base
from bot.db.models import SlackId


class TaskSnapshot(Base):
    """What the poller last saw of a link's two lists (the baseline for the next diff)."""

    __tablename__ = "task_snapshots"

    link_id: Mapped[int] = mapped_column(
        ForeignKey("user_links.id", ondelete="CASCADE"), primary_key=True
    )
    # {"allocated": [ids], "offered": [ids]}
    tasks: Mapped[dict[str, Any]] = mapped_column(JSON)
    taken_at: Mapped[datetime]


class OutboxMessage(Base):
    """A Slack message to deliver (and later update), exactly once per ``dedupe_key``.

    Task alerts use ``task:{link_id}:{workitem_id}``; subscription posts
    ``process:{subscription_id}:{process_id}``; quiet-hours digests ``digest:{link_id}:{n}``.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("dedupe_key"),
        CheckConstraint("state IN ('pending', 'held', 'sent', 'failed', 'closed')", name="state"),
        Index(None, "state", "next_attempt_at"),
        Index(None, "link_id", "workitem_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))  # task_alert | process_post | digest
    team_id: Mapped[str] = mapped_column(SlackId)
    slack_user_id: Mapped[str | None] = mapped_column(SlackId)  # DMs: whom to open the IM with
    channel_id: Mapped[str | None] = mapped_column(SlackId)
    link_id: Mapped[int | None] = mapped_column(ForeignKey("user_links.id", ondelete="CASCADE"))
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE")
    )
    workitem_id: Mapped[int | None]
    # What to render: the task card fields, or the process summary.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(10), server_default="pending")
    # Set when the posted message must change (accepted, done, taken by someone else).
    outcome: Mapped[str | None] = mapped_column(String(20))
    needs_update: Mapped[bool] = mapped_column(server_default=false())
    message_ts: Mapped[str | None] = mapped_column(String(32))
    attempts: Mapped[int] = mapped_column(server_default="0")
    next_attempt_at: Mapped[datetime]
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"OutboxMessage(id={self.id!r}, key={self.dedupe_key!r}, state={self.state!r})"


class AlertSettings(Base):
    """A Slack user's alert preferences (kept across re-links)."""

    __tablename__ = "alert_settings"

    team_id: Mapped[str] = mapped_column(SlackId, primary_key=True)
    slack_user_id: Mapped[str] = mapped_column(SlackId, primary_key=True)
    enabled: Mapped[bool] = mapped_column(server_default=true())
    offered: Mapped[bool] = mapped_column(server_default=true())
    # "HH:MM" in the user's Slack time zone; both or neither.
    quiet_start: Mapped[str | None] = mapped_column(String(5))
    quiet_end: Mapped[str | None] = mapped_column(String(5))
    updated_at: Mapped[datetime]


class Subscription(Base):
    """New processes of one Questetra app, posted to one channel, polled as the subscriber."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        UniqueConstraint("team_id", "channel_id", "app_id"),
        Index(None, "next_poll_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(SlackId)
    channel_id: Mapped[str] = mapped_column(SlackId)
    subscriber_id: Mapped[str] = mapped_column(SlackId)
    app_id: Mapped[int]
    app_name: Mapped[str] = mapped_column(String(200))
    # The newest process id seen; None until the first poll takes the baseline.
    last_process_id: Mapped[int | None]
    enabled: Mapped[bool] = mapped_column(server_default=true())
    disabled_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    next_poll_at: Mapped[datetime]
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    poll_failures: Mapped[int] = mapped_column(server_default="0")


class Webhook(Base):
    """A secret URL a workflow posts to; only the token's hash is stored."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    team_id: Mapped[str] = mapped_column(SlackId)
    channel_id: Mapped[str] = mapped_column(SlackId)
    created_by: Mapped[str] = mapped_column(SlackId)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    uses: Mapped[int] = mapped_column(server_default="0")
