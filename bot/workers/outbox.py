"""The outbox sender: delivers queued Slack messages exactly once and updates them later.

Rows are claimed with a short lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), renewed while
the round runs (bot/workers/leases.py). Posts are paced per
channel (Slack allows about one message a second in a channel), 429s wait for ``Retry-After``,
transient errors back off, permanent ones mark the row failed with the reason (never dropped
silently). Every alert carries message metadata with its outbox id: after a crash between
"posted" and "recorded", the next attempt finds the message in the channel instead of posting
it twice.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import structlog
from slack_sdk.errors import SlackApiError
from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.db import repo
from bot.db.alert_models import AlertSettings, OutboxMessage
from bot.domain.alerts import SEND_BACKOFF_CAP, backoff, quiet_until, task_from_json
from bot.metrics import Metrics
from bot.questetra.urls import QuestetraLinks
from bot.slack.alert_blocks import alert_message, digest_message, process_post
from bot.slack.clients import SlackClients, slack_error
from bot.slack.profiles import ProfileCache
from bot.workers.loop import Worker, run_items

log = structlog.stdlib.get_logger(__name__)

LEASE = timedelta(seconds=15)
METADATA_EVENT = "questetra_alert"
DEFAULT_TZ = "Asia/Tokyo"
# Slack errors worth another try; any other error is permanent for that message.
TRANSIENT = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
GONE_CHANNEL = frozenset(
    {
        "channel_not_found",
        "is_archived",
        "not_in_channel",
        "account_inactive",
        "user_not_found",
        "cannot_dm_bot",
        "user_disabled",
        "missing_scope",
    }
)

ChannelGone = Callable[[OutboxMessage, str], Awaitable[None]]
# Adds to a task alert's payload right before it is first posted (its task's form: the
# buttons, unless told not to read it); returns the keys to add, or None.
PrepareAlert = Callable[[OutboxMessage, bool], Awaitable[dict[str, Any] | None]]
FORMS_UP_TO = 16  # task alerts in one round whose forms are read; past that, none are


class OutboxSender(Worker):
    name = "outbox"

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        clients: SlackClients,
        profiles: ProfileCache,
        links: QuestetraLinks,
        owner: str,
        metrics: Metrics | None = None,
        on_channel_gone: ChannelGone | None = None,
        prepare_alert: PrepareAlert | None = None,
        pace: float = 1.0,
        lease: timedelta = LEASE,
        batch: int = 50,
        concurrency: int = 8,
        tick: float = 1.0,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._clients = clients
        self._profiles = profiles
        self._links = links
        self._owner = owner
        self._metrics = metrics
        self._on_channel_gone = on_channel_gone
        self._prepare_alert = prepare_alert
        self._forms_up_to = FORMS_UP_TO
        self._burst = False
        self._pace = pace
        self._lease = lease
        self._batch = batch
        super().__init__(tick=tick)
        self._limit = asyncio.Semaphore(concurrency)
        self._next_slot: dict[str, float] = {}
        self._im: dict[str, str] = {}
        self.held: set[int] = set()  # rows claimed this round and not finished (renewed)

    async def run_once(self) -> int:
        rows = await self.claim()
        # A burst of alerts goes out without reading each task's form first (bounded work).
        self._burst = sum(1 for r in rows if r.kind == "task_alert") > self._forms_up_to
        by_channel: dict[str, list[OutboxMessage]] = defaultdict(list)
        for row in rows:
            by_channel[row.channel_id or f"user:{row.slack_user_id}"].append(row)
        self.held.update(row.id for row in rows)
        try:
            await run_items(self.name, (self._channel(items) for items in by_channel.values()))
        finally:
            self.held.clear()  # what is left (a crash, shutdown) must run out, not be renewed
        return len(rows)

    async def renew_leases(self) -> int:
        """Extend the leases of the rows of this round not finished yet."""
        if not self.held:
            return 0
        async with self._sessions() as session, session.begin():
            return await repo.renew_leases(
                session,
                OutboxMessage,
                list(self.held),
                owner=self._owner,
                until=self._clock.now() + self._lease,
            )

    async def claim(self) -> list[OutboxMessage]:
        now = self._clock.now()
        due = (
            select(OutboxMessage.id)
            .where(
                OutboxMessage.next_attempt_at <= now,
                or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now),
                or_(
                    OutboxMessage.state.in_(("pending", "held")),
                    and_(OutboxMessage.state == "sent", OutboxMessage.needs_update.is_(True)),
                ),
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(self._batch)
            .with_for_update(skip_locked=True)
        )
        async with self._sessions() as session, session.begin():
            ids = (
                await session.scalars(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_(due.scalar_subquery()))
                    # Counting the attempt at claim time: if this process dies after posting,
                    # the next claimer sees attempts > 1 and looks for the message first.
                    .values(
                        lease_owner=self._owner,
                        lease_until=now + self._lease,
                        attempts=OutboxMessage.attempts + 1,
                    )
                    .returning(OutboxMessage.id)
                    .execution_options(synchronize_session=False)
                )
            ).all()
            if not ids:
                return []
            rows = (
                await session.scalars(
                    select(OutboxMessage)
                    .where(OutboxMessage.id.in_(ids))
                    .order_by(OutboxMessage.id)
                )
            ).all()
            session.expunge_all()
        return list(rows)

    async def _channel(self, rows: list[OutboxMessage]) -> None:
        async with self._limit:
            for row in rows:
                try:
                    # Waiting for a slot may have outlived the lease: another replica may own
                    # the row now, and posting it here too would be a duplicate.
                    if not await self._renew(row):
                        continue
                    await self._one(row)
                except Exception:
                    log.exception("outbox.delivery_crashed", outbox_id=row.id)
                    await self._retry(row, "crash")
                finally:
                    self.held.discard(row.id)

    async def _renew(self, row: OutboxMessage) -> bool:
        now = self._clock.now()
        async with self._sessions() as session, session.begin():
            renewed = await session.scalar(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id, OutboxMessage.lease_owner == self._owner)
                .values(lease_until=now + self._lease)
                .returning(OutboxMessage.id)
                .execution_options(synchronize_session=False)
            )
        if renewed is None:
            log.info("outbox.lease_lost", outbox_id=row.id)
        return renewed is not None

    async def _one(self, row: OutboxMessage) -> None:
        if row.state == "held":
            await self._digest(row)
        elif row.state == "sent":
            await self._update(row)
        else:
            await self._post(row)

    # ---------------------------------------------------------------- rendering

    async def _locale_tz(self, row: OutboxMessage) -> tuple[str | None, ZoneInfo]:
        if row.slack_user_id is None:
            return None, ZoneInfo(DEFAULT_TZ)
        client = await self._clients.for_team(row.team_id)
        profile = await self._profiles.get(client, row.team_id, row.slack_user_id)
        try:
            tz = ZoneInfo(profile.tz or DEFAULT_TZ)
        except (ZoneInfoNotFoundError, ValueError):
            tz = ZoneInfo(DEFAULT_TZ)
        return profile.locale, tz

    async def _render(self, row: OutboxMessage) -> tuple[str, list[dict[str, Any]]]:
        locale, tz = await self._locale_tz(row)
        if row.kind == "process_post":
            return process_post(locale, self._links.base_url, row.payload)
        task = task_from_json(row.payload)
        return alert_message(
            locale, self._links, task, self._clock.now(), row.outcome, row.payload, tz=tz
        )

    # ---------------------------------------------------------------- posting

    async def _post(self, row: OutboxMessage) -> None:
        if row.kind == "task_alert" and await self._hold_for_quiet_hours(row):
            return
        # Started now, so it overlaps opening the DM (its task's form: Questetra, not Slack).
        preparing = (
            asyncio.ensure_future(self._prepare_alert(row, not self._burst))
            if row.kind == "task_alert" and self._prepare_alert is not None
            else None
        )
        try:
            channel = row.channel_id or await self._open_im(row)
            if row.attempts > 1 and channel.startswith("D"):
                # An earlier attempt may have posted and died before recording it. Only a DM is
                # searched (im:history): reading channels would need channels:history and
                # groups:history, which the bridge does not ask for, so a channel post may
                # repeat once after such a crash (README, "Alerts, delivered once").
                found = await self._find_posted(row.team_id, channel, row.id)
                if found is not None:
                    await self._mark_sent(row, channel, found, reconciled=True)
                    return
            if preparing is not None:
                added = await preparing
                if added:
                    row.payload = {**row.payload, **added}
            text, blocks = await self._render(row)
            await self._wait_for_slot(channel)
            client = await self._clients.for_team(row.team_id)
            response = await client.chat_postMessage(
                channel=channel,
                text=text,
                blocks=blocks,
                metadata={
                    "event_type": METADATA_EVENT,
                    "event_payload": {"outbox_id": row.id, "workitem_id": row.workitem_id or 0},
                },
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as exc:
            await self._slack_failure(row, exc)
            return
        except (TimeoutError, OSError) as exc:
            await self._retry(row, type(exc).__name__)
            return
        finally:
            if preparing is not None and not preparing.done():
                preparing.cancel()
        await self._mark_sent(row, channel, str(response["ts"]))

    async def _open_im(self, row: OutboxMessage) -> str:
        user = row.slack_user_id or ""
        key = f"{row.team_id}/{user}"
        if key not in self._im:
            client = await self._clients.for_team(row.team_id)
            opened = await client.conversations_open(users=user)
            self._im[key] = str(opened["channel"]["id"])
        return self._im[key]

    async def _find_posted(self, team_id: str, channel: str, outbox_id: int) -> str | None:
        client = await self._clients.for_team(team_id)
        history = await client.conversations_history(
            channel=channel, limit=50, include_all_metadata=True
        )
        for message in history.get("messages") or []:
            meta = message.get("metadata") or {}
            if (
                meta.get("event_type") == METADATA_EVENT
                and (meta.get("event_payload") or {}).get("outbox_id") == outbox_id
            ):
                return str(message["ts"])
        return None

    async def _wait_for_slot(self, channel: str) -> None:
        now = time.monotonic()
        slot = self._next_slot.get(channel, now)
        if slot > now:
            await asyncio.sleep(slot - now)
        self._next_slot[channel] = max(slot, now) + self._pace

    async def _mark_sent(
        self, row: OutboxMessage, channel: str, ts: str, *, reconciled: bool = False
    ) -> None:
        now = self._clock.now()
        async with self._sessions() as session, session.begin():
            current = await session.get(OutboxMessage, row.id, with_for_update=True)
            if current is None:
                return
            current.state = "sent"
            if "form" in row.payload and "form" not in current.payload:
                current.payload = {**current.payload, "form": row.payload["form"]}
            current.channel_id = channel
            current.message_ts = ts
            current.sent_at = now
            current.updated_at = now
            current.lease_owner = None
            current.lease_until = None
            current.last_error = None
            # An outcome that arrived while we were posting still needs the message changed.
            current.needs_update = current.outcome != row.outcome
            current.next_attempt_at = now
        self._count(row.kind, "reconciled" if reconciled else "sent")

    async def _hold_for_quiet_hours(self, row: OutboxMessage) -> bool:
        async with self._sessions() as session:
            prefs = await session.get(AlertSettings, (row.team_id, row.slack_user_id or ""))
        if prefs is None or not prefs.quiet_start:
            return False
        _, tz = await self._locale_tz(row)
        until = quiet_until(self._clock.now(), tz, prefs.quiet_start, prefs.quiet_end)
        if until is None:
            return False
        await self._set(row, state="held", next_attempt_at=until)
        self._count(row.kind, "held")
        return True

    async def _digest(self, row: OutboxMessage) -> None:
        """Quiet hours are over: one message with every task held for this user."""
        async with self._sessions() as session:
            held = (
                await session.scalars(
                    select(OutboxMessage)
                    .where(
                        OutboxMessage.link_id == row.link_id,
                        OutboxMessage.state == "held",
                        or_(
                            OutboxMessage.lease_owner.is_(None),
                            OutboxMessage.lease_owner == self._owner,
                        ),
                    )
                    .order_by(OutboxMessage.id)
                )
            ).all()
        held_ids = [h.id for h in held]
        if row.id not in held_ids:
            return  # a sibling row of the same user already sent the digest with this one in it
        tasks = [task_from_json(h.payload) for h in held]
        try:
            channel = row.channel_id or await self._open_im(row)
            locale, tz = await self._locale_tz(row)
            text, blocks = digest_message(locale, self._links, tasks, self._clock.now(), tz=tz)
            await self._wait_for_slot(channel)
            client = await self._clients.for_team(row.team_id)
            response = await client.chat_postMessage(channel=channel, text=text, blocks=blocks)
        except SlackApiError as exc:
            await self._slack_failure(row, exc)
            return
        now = self._clock.now()
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(held_ids))
                .values(
                    state="closed",
                    outcome="digested",
                    channel_id=channel,
                    message_ts=str(response["ts"]),
                    sent_at=now,
                    updated_at=now,
                    lease_owner=None,
                    lease_until=None,
                )
                .execution_options(synchronize_session=False)
            )
        self._count("digest", "sent")

    async def _update(self, row: OutboxMessage) -> None:
        try:
            text, blocks = await self._render(row)
            await self._wait_for_slot(row.channel_id or "")
            client = await self._clients.for_team(row.team_id)
            await client.chat_update(
                channel=row.channel_id or "", ts=row.message_ts or "", text=text, blocks=blocks
            )
        except SlackApiError as exc:
            error = slack_error(exc)
            if error in TRANSIENT or exc.response.status_code >= 500:
                await self._retry(row, error)
                return
            log.warning("outbox.update_failed", outbox_id=row.id, error=error)
        await self._set(row, needs_update=False)
        self._count(row.kind, "updated")

    # ---------------------------------------------------------------- failures

    async def _slack_failure(self, row: OutboxMessage, exc: SlackApiError) -> None:
        error = slack_error(exc)
        status = exc.response.status_code
        if status == 429 or error == "ratelimited":
            retry_after = float(exc.response.headers.get("Retry-After", 1) or 1)
            await self._set(
                row,
                last_error=error,
                next_attempt_at=self._clock.now() + timedelta(seconds=retry_after),
            )
            self._count(row.kind, "rate_limited")
            return
        if error in TRANSIENT or status >= 500:
            await self._retry(row, error)
            return
        log.warning("outbox.failed", outbox_id=row.id, error=error)
        await self._set(row, state="failed", last_error=error)
        self._count(row.kind, "failed")
        if error in GONE_CHANNEL and self._on_channel_gone is not None:
            await self._on_channel_gone(row, error)

    async def _retry(self, row: OutboxMessage, error: str) -> None:
        delay = backoff(row.attempts - 1, timedelta(seconds=2), SEND_BACKOFF_CAP)
        await self._set(
            row,
            last_error=error[:200],
            next_attempt_at=self._clock.now() + delay,
        )
        self._count(row.kind, "retried")

    async def _set(self, row: OutboxMessage, **values: Any) -> None:
        values.setdefault("lease_owner", None)
        values.setdefault("lease_until", None)
        values["updated_at"] = self._clock.now()
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id)
                .values(**values)
                .execution_options(synchronize_session=False)
            )

    def _count(self, kind: str, result: str) -> None:
        if self._metrics is not None:
            self._metrics.alerts.labels(kind, result).inc()

    async def release_all(self) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.lease_owner == self._owner)
                .values(lease_owner=None, lease_until=None)
                .execution_options(synchronize_session=False)
            )
