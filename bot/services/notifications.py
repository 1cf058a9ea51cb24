"""Alert settings, channel subscriptions and workflow webhooks (no Slack types)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import httpx2
import structlog
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.db import repo
from bot.db.alert_models import AlertSettings, Subscription, Webhook
from bot.db.models import UserLink
from bot.domain.alerts import POLL_BACKOFF_CAP, Prefs, backoff
from bot.domain.emails import canonical_email, same_mailbox
from bot.domain.tasks import ProcessSummary
from bot.domain.typed import is_ascii_decimal
from bot.errors import BadInput
from bot.questetra.errors import QuestetraBadRequest, QuestetraForbidden
from bot.questetra.tasks import ProcessApi
from bot.services.alerts import insert_ignore
from bot.services.credentials import CredentialService

log = structlog.stdlib.get_logger(__name__)
# Processes started this long ago or earlier are never "new" to a subscription poll.
RECENT_WINDOW = timedelta(days=2)


# ---------------------------------------------------------------------- alert settings


class AlertPrefs:
    def __init__(self, *, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def get(self, *, team_id: str, slack_user_id: str) -> Prefs:
        async with self._sessions() as session:
            row = await session.get(AlertSettings, (team_id, slack_user_id))
        if row is None:
            return Prefs()
        return Prefs(row.enabled, row.offered, row.quiet_start, row.quiet_end)

    async def update(self, *, team_id: str, slack_user_id: str, **changes: object) -> Prefs:
        async with self._sessions() as session, session.begin():
            row = await session.get(AlertSettings, (team_id, slack_user_id), with_for_update=True)
            if row is None:
                row = AlertSettings(
                    team_id=team_id, slack_user_id=slack_user_id, enabled=True, offered=True
                )
                session.add(row)
            for name, value in changes.items():
                setattr(row, name, value)
            row.updated_at = self._clock.now()
            return Prefs(row.enabled, row.offered, row.quiet_start, row.quiet_end)


# ---------------------------------------------------------------------- subscriptions


class SubscribeOutcome(StrEnum):
    CREATED = "created"
    EXISTS = "exists"


@dataclass(frozen=True)
class SubscriptionView:
    app_id: int
    app_name: str
    subscriber_id: str
    enabled: bool
    disabled_reason: str | None


class Subscriptions:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        credentials: CredentialService,
        processes: ProcessApi,
        interval: timedelta,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._credentials = credentials
        self._processes = processes
        self._interval = interval

    async def _resolve(self, team_id: str, user_id: str, app_ref: str) -> tuple[int, str]:
        """An app id or name the user can see → (id, name); BadInput otherwise."""

        async def find(auth: httpx2.Auth) -> tuple[int, str] | None:
            apps = await self._processes.startable_apps(auth)
            if is_ascii_decimal(app_ref):
                app_id = int(app_ref)
                try:
                    recent = await self._processes.recent_processes(auth, app_id, limit=1)
                except (QuestetraBadRequest, QuestetraForbidden):
                    return None
                if app_id not in apps and not recent:
                    return None  # neither startable nor any visible process: not "seen"
                name = apps.get(app_id) or recent[0].app_name or f"#{app_id}"
                return app_id, name
            wanted = app_ref.casefold()
            for app_id, name in apps.items():
                if name.casefold() == wanted:
                    return app_id, name
            return None

        found = await self._credentials.run_as(team_id=team_id, slack_user_id=user_id, call=find)
        if found is None:
            raise BadInput("subscription.unknown_app", app=app_ref)
        return found

    async def subscribe(
        self, *, team_id: str, channel_id: str, user_id: str, app_ref: str
    ) -> tuple[SubscribeOutcome, int, str]:
        app_id, app_name = await self._resolve(team_id, user_id, app_ref)
        now = self._clock.now()
        async with self._sessions() as session, session.begin():
            existing = await session.scalar(
                select(Subscription).where(
                    Subscription.team_id == team_id,
                    Subscription.channel_id == channel_id,
                    Subscription.app_id == app_id,
                )
            )
            if existing is not None and existing.enabled:
                return SubscribeOutcome.EXISTS, app_id, existing.app_name
            if existing is not None:  # re-enable a stopped one, as the new subscriber
                existing.enabled, existing.disabled_reason = True, None
                existing.subscriber_id, existing.next_poll_at = user_id, now
                existing.last_process_id, existing.poll_failures = None, 0
            else:
                session.add(
                    Subscription(
                        team_id=team_id,
                        channel_id=channel_id,
                        subscriber_id=user_id,
                        app_id=app_id,
                        app_name=app_name,
                        created_at=now,
                        next_poll_at=now,
                    )
                )
            await repo.add_audit(
                session,
                at=now,
                team_id=team_id,
                actor=user_id,
                action="subscribe",
                target=f"{channel_id}:{app_id}",
            )
        return SubscribeOutcome.CREATED, app_id, app_name

    async def unsubscribe(
        self, *, team_id: str, channel_id: str, user_id: str, app_ref: str
    ) -> str | None:
        """Remove the channel's subscription to ``app_ref`` (id or name); its name, or None."""
        async with self._sessions() as session, session.begin():
            rows = (
                await session.scalars(
                    select(Subscription).where(
                        Subscription.team_id == team_id, Subscription.channel_id == channel_id
                    )
                )
            ).all()
            for row in rows:
                if str(row.app_id) == app_ref or row.app_name.casefold() == app_ref.casefold():
                    await session.delete(row)
                    await repo.add_audit(
                        session,
                        at=self._clock.now(),
                        team_id=team_id,
                        actor=user_id,
                        action="unsubscribe",
                        target=f"{channel_id}:{row.app_id}",
                    )
                    return row.app_name
        return None

    async def of_channel(self, *, team_id: str, channel_id: str) -> list[SubscriptionView]:
        async with self._sessions() as session:
            rows = (
                await session.scalars(
                    select(Subscription)
                    .where(Subscription.team_id == team_id, Subscription.channel_id == channel_id)
                    .order_by(Subscription.app_name)
                )
            ).all()
        return [
            SubscriptionView(r.app_id, r.app_name, r.subscriber_id, r.enabled, r.disabled_reason)
            for r in rows
        ]

    async def disable(self, subscription_id: int, reason: str) -> Subscription | None:
        async with self._sessions() as session, session.begin():
            row = await session.get(Subscription, subscription_id, with_for_update=True)
            if row is None or not row.enabled:
                return None
            row.enabled, row.disabled_reason = False, reason
            await session.flush()
            session.expunge(row)  # the caller reads it after the session is gone
            return row

    async def poll(self, subscription: Subscription) -> int:
        """New processes since the last poll → outbox rows; the first poll takes the baseline."""

        # A day-level lower bound, wide enough for any tenant time zone: only recent processes
        # can be new, whatever order the tenant answers in (H1).
        since = (self._clock.now() - RECENT_WINDOW).date()

        async def recent(auth: httpx2.Auth) -> list[ProcessSummary]:
            return await self._processes.recent_processes(auth, subscription.app_id, since=since)

        found = await self._credentials.run_as(
            team_id=subscription.team_id, slack_user_id=subscription.subscriber_id, call=recent
        )
        now = self._clock.now()
        newest = max((p.id for p in found), default=subscription.last_process_id or 0)
        queued = 0
        async with self._sessions() as session, session.begin():
            if subscription.last_process_id is not None:
                for process in sorted(found, key=lambda p: p.id):
                    if process.id <= subscription.last_process_id:
                        continue
                    queued += await insert_ignore(
                        session,
                        {
                            "dedupe_key": f"process:{subscription.id}:{process.id}",
                            "kind": "process_post",
                            "team_id": subscription.team_id,
                            "slack_user_id": subscription.subscriber_id,
                            "channel_id": subscription.channel_id,
                            "subscription_id": subscription.id,
                            "payload": {
                                "id": process.id,
                                "seq": process.seq,
                                "title": process.title,
                                "app_name": process.app_name or subscription.app_name,
                                "starter": process.starter_name,
                            },
                            "state": "pending",
                            "needs_update": False,
                            "attempts": 0,
                            "next_attempt_at": now,
                            "created_at": now,
                            "updated_at": now,
                        },
                    )
            await session.execute(
                update(Subscription)
                .where(Subscription.id == subscription.id)
                .values(last_process_id=newest, poll_failures=0)
            )
        return queued

    async def claim_due(
        self, owner: str, batch: int = 20, lease: timedelta = timedelta(seconds=15)
    ) -> list[Subscription]:
        now = self._clock.now()
        due = (
            select(Subscription.id)
            .where(
                Subscription.enabled.is_(True),
                Subscription.next_poll_at <= now,
                (Subscription.lease_until.is_(None)) | (Subscription.lease_until < now),
            )
            .order_by(Subscription.next_poll_at)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
        async with self._sessions() as session, session.begin():
            ids = (
                await session.scalars(
                    update(Subscription)
                    .where(Subscription.id.in_(due.scalar_subquery()))
                    .values(lease_owner=owner, lease_until=now + lease)
                    .returning(Subscription.id)
                    .execution_options(synchronize_session=False)
                )
            ).all()
            rows = (
                (await session.scalars(select(Subscription).where(Subscription.id.in_(ids)))).all()
                if ids
                else []
            )
            session.expunge_all()
        return list(rows)

    async def renew_leases(self, owner: str, ids: Collection[int], lease: timedelta) -> int:
        """Extend the leases of subscriptions still being polled (bot/workers/leases.py)."""
        if not ids:
            return 0
        async with self._sessions() as session, session.begin():
            return await repo.renew_leases(
                session, Subscription, list(ids), owner=owner, until=self._clock.now() + lease
            )

    async def release(self, subscription: Subscription, *, ok: bool) -> None:
        failures = 0 if ok else subscription.poll_failures + 1
        delay = (
            self._interval
            if ok
            else backoff(failures, self._interval, max(POLL_BACKOFF_CAP, self._interval))
        )
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(Subscription)
                .where(Subscription.id == subscription.id)
                .values(
                    lease_owner=None,
                    lease_until=None,
                    poll_failures=failures,
                    next_poll_at=self._clock.now() + delay,
                )
            )


# ---------------------------------------------------------------------- webhooks


@dataclass(frozen=True)
class WebhookTarget:
    webhook_id: int
    team_id: str
    channel_id: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Webhooks:
    def __init__(
        self, *, sessions: async_sessionmaker[AsyncSession], clock: Clock, public_url: str
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._public_url = public_url

    async def create(self, *, team_id: str, channel_id: str, user_id: str) -> str:
        token = secrets.token_urlsafe(32)
        now = self._clock.now()
        async with self._sessions() as session, session.begin():
            session.add(
                Webhook(
                    token_hash=_hash(token),
                    team_id=team_id,
                    channel_id=channel_id,
                    created_by=user_id,
                    created_at=now,
                )
            )
            await repo.add_audit(
                session,
                at=now,
                team_id=team_id,
                actor=user_id,
                action="webhook_create",
                target=channel_id,
            )
        return f"{self._public_url}/hooks/{token}"

    async def revoke(self, *, team_id: str, channel_id: str, user_id: str) -> int:
        now = self._clock.now()
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(Webhook)
                .where(
                    Webhook.team_id == team_id,
                    Webhook.channel_id == channel_id,
                    Webhook.revoked_at.is_(None),
                )
                .values(revoked_at=now)
            )
            count = result.rowcount or 0  # type: ignore[attr-defined]
            await repo.add_audit(
                session,
                at=now,
                team_id=team_id,
                actor=user_id,
                action="webhook_revoke",
                target=channel_id,
                detail={"count": count},
            )
        return count

    async def info(self, *, team_id: str, channel_id: str) -> tuple[int, datetime | None]:
        async with self._sessions() as session:
            row = (
                await session.execute(
                    select(func.count(), func.max(Webhook.last_used_at)).where(
                        Webhook.team_id == team_id,
                        Webhook.channel_id == channel_id,
                        Webhook.revoked_at.is_(None),
                    )
                )
            ).one()
        return int(row[0]), row[1]

    async def resolve(self, token: str) -> WebhookTarget | None:
        """The channel behind a token, counting the use; None for unknown or revoked tokens."""
        async with self._sessions() as session, session.begin():
            row = await session.scalar(
                select(Webhook).where(
                    Webhook.token_hash == _hash(token), Webhook.revoked_at.is_(None)
                )
            )
            if row is None:
                return None
            row.last_used_at = self._clock.now()
            row.uses += 1
            return WebhookTarget(row.id, row.team_id, row.channel_id)

    async def links_for_email(self, team_id: str, email: str) -> list[int]:
        """Active links of ``team_id`` whose Questetra e-mail is ``email`` (same_mailbox: the
        database's lower() may fold Unicode, so its candidates are checked again here)."""
        wanted = canonical_email(email)
        if wanted is None:
            return []
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(UserLink.id, UserLink.questetra_email).where(
                        UserLink.team_id == team_id,
                        UserLink.status == "active",
                        func.lower(UserLink.questetra_email) == wanted,
                    )
                )
            ).all()
        return [row.id for row in rows if same_mailbox(row.questetra_email, wanted)]
