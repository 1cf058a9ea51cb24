"""Tables. Secrets live only in ``*_enc`` columns, sealed by :mod:`bot.crypto`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base

SlackId = String(32)


class Workspace(Base):
    """A Slack workspace the bot serves, with its per-workspace switches."""

    __tablename__ = "workspaces"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(SlackId, unique=True)
    enterprise_id: Mapped[str | None] = mapped_column(SlackId)
    team_name: Mapped[str | None] = mapped_column(String(200))
    bot_user_id: Mapped[str | None] = mapped_column(SlackId)
    bot_scopes: Mapped[str | None] = mapped_column(String(1000))
    # Only for multi-workspace installs; single-workspace mode reads SLACK_BOT_TOKEN instead.
    bot_token_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    # None follows QUESTETRA_BASIC_AUTH; an admin's choice in Slack overrides it.
    basic_auth_enabled: Mapped[bool | None]
    paused: Mapped[bool] = mapped_column(server_default=false())
    installed_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())

    def __repr__(self) -> str:
        return f"Workspace(team_id={self.team_id!r}, paused={self.paused!r})"


class UserLink(Base):
    """One Slack user's link to one Questetra account."""

    __tablename__ = "user_links"
    __table_args__ = (
        UniqueConstraint("team_id", "slack_user_id"),
        CheckConstraint("method IN ('oauth', 'basic')", name="method"),
        CheckConstraint("status IN ('active', 'needs_relink')", name="status"),
        Index(None, "next_poll_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(SlackId)
    slack_user_id: Mapped[str] = mapped_column(SlackId)
    method: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), server_default="active")
    questetra_user_id: Mapped[int]
    questetra_email: Mapped[str] = mapped_column(String(320))
    questetra_name: Mapped[str] = mapped_column(String(200))
    # Sealed JSON: OAuth access/refresh tokens, or the API password.
    credential_enc: Mapped[bytes] = mapped_column(LargeBinary)
    access_expires_at: Mapped[datetime | None]
    refresh_issued_at: Mapped[datetime | None]
    # When we last warned that the refresh token is about to run out (once per token).
    refresh_warned_at: Mapped[datetime | None]
    linked_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
    last_used_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    last_error_at: Mapped[datetime | None]
    # Polling: the database is the coordination engine (design.md §3).
    next_poll_at: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    poll_failures: Mapped[int] = mapped_column(server_default="0")

    def __repr__(self) -> str:
        # Never the credential: reprs end up in logs and tracebacks.
        return (
            f"UserLink(team_id={self.team_id!r}, slack_user_id={self.slack_user_id!r}, "
            f"method={self.method!r}, status={self.status!r})"
        )


class OAuthState(Base):
    """A pending Questetra consent: single use, short-lived, bound to one Slack user."""

    __tablename__ = "oauth_states"
    __table_args__ = (Index(None, "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of the state: a database leak does not hand out usable states.
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    team_id: Mapped[str] = mapped_column(SlackId)
    slack_user_id: Mapped[str] = mapped_column(SlackId)
    code_verifier_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"OAuthState(team_id={self.team_id!r}, slack_user_id={self.slack_user_id!r})"


class ProcessedSlackEvent(Base):
    """Events API ids already handled: Slack retries deliveries, we act once."""

    __tablename__ = "processed_slack_events"
    __table_args__ = (Index(None, "received_at"),)

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str | None] = mapped_column(SlackId)
    received_at: Mapped[datetime]


class AuditEntry(Base):
    """Who did what through the bridge, and how it ended."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index(None, "at"),
        Index(None, "team_id", "actor"),
        CheckConstraint("outcome IN ('ok', 'error', 'denied')", name="outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    team_id: Mapped[str | None] = mapped_column(SlackId)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class EmailMapping(Base):
    """An admin's word that a Slack user may link a Questetra account with another e-mail."""

    __tablename__ = "email_mappings"

    team_id: Mapped[str] = mapped_column(SlackId, primary_key=True)
    slack_user_id: Mapped[str] = mapped_column(SlackId, primary_key=True)
    questetra_email: Mapped[str] = mapped_column(String(320))
    created_by: Mapped[str] = mapped_column(SlackId)
    created_at: Mapped[datetime]


class SlackOAuthState(Base):
    """States of Slack's "Add to Slack" flow (multi-workspace mode). The shape is the one
    slack_sdk's AsyncSQLAlchemyOAuthStateStore reads and writes; our migrations own the table."""

    __tablename__ = "slack_oauth_states"

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(200))
    expire_at: Mapped[datetime] = mapped_column(DateTime)  # naive UTC, as slack_sdk writes it


class BridgeFlag(Base):
    """Small shared state every replica must agree on (e.g. the Questetra client was disabled)."""

    __tablename__ = "bridge_flags"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime]


class StartEventDefinition(Base):
    """A start event an admin registered from Slack (START_EVENTS_FILE ones stay in the file)."""

    __tablename__ = "start_events"
    __table_args__ = (UniqueConstraint("team_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(SlackId)
    # What users type after `/questetra start`; fixed for the row's life (the key is sealed to it).
    name: Mapped[str] = mapped_column(String(40))
    # The definition in START_EVENTS_FILE's format, without the key (bot.domain.start_events).
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Sealed {"key": …}: the event's API key.
    key_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_by: Mapped[str] = mapped_column(SlackId)
    created_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(SlackId)
    updated_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"StartEventDefinition(team_id={self.team_id!r}, name={self.name!r})"
