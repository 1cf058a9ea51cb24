"""Detecting new tasks for one link and queueing alerts in the outbox (idempotently)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx2
import structlog
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.db.alert_models import AlertSettings, OutboxMessage, TaskSnapshot
from bot.db.models import UserLink
from bot.domain.alerts import Snapshot, diff, should_alert, task_to_json
from bot.domain.tasks import Task, newest_first
from bot.questetra.tasks import TaskApi
from bot.services.credentials import CredentialService, StoredCredential

log = structlog.stdlib.get_logger(__name__)

PROCESSED = "processed"  # the outcome of an alert whose task was processed from Slack
KEPT_KEYS = ("form", "processed")  # payload parts a new task snapshot must not drop


@dataclass(frozen=True)
class PollResult:
    queued: int
    accepted: int
    gone: int

    @property
    def changed(self) -> bool:
        return bool(self.queued or self.accepted or self.gone)


@dataclass(frozen=True)
class Polled:
    """One link's two lists, as just read from Questetra."""

    link_id: int
    team_id: str
    slack_user_id: str
    allocated: list[Task]
    offered: list[Task]


def task_key(link_id: int, workitem_id: int) -> str:
    return f"task:{link_id}:{workitem_id}"


async def insert_ignore(session: AsyncSession, values: dict[str, Any]) -> bool:
    """INSERT … ON CONFLICT (dedupe_key) DO NOTHING; True when the row is new."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(OutboxMessage)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(OutboxMessage.id)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def settings_of(session: AsyncSession, team_id: str, slack_user_id: str) -> AlertSettings:
    found = await session.get(AlertSettings, (team_id, slack_user_id))
    if found is None:
        return AlertSettings(
            team_id=team_id, slack_user_id=slack_user_id, enabled=True, offered=True
        )
    return found


async def _alert_of(
    session: AsyncSession, team_id: str, slack_user_id: str, workitem_id: int
) -> OutboxMessage | None:
    """A person's alert about a task, locked for the change the caller makes."""
    return await session.scalar(
        select(OutboxMessage)
        .where(
            OutboxMessage.team_id == team_id,
            OutboxMessage.slack_user_id == slack_user_id,
            OutboxMessage.workitem_id == workitem_id,
            OutboxMessage.kind == "task_alert",
        )
        .with_for_update()
    )


class AlertService:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        credentials: CredentialService,
        api: TaskApi,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._credentials = credentials
        self._api = api

    async def fetch(self, credential: StoredCredential) -> Polled:
        async def both(auth: httpx2.Auth) -> tuple[list[Task], list[Task]]:
            allocated, offered = await asyncio.gather(
                self._api.list_tasks(auth, "allocated"), self._api.list_tasks(auth, "offered")
            )
            return newest_first(allocated), newest_first(offered)

        allocated, offered = await self._credentials.run_with(credential, both)
        return Polled(
            credential.link_id, credential.team_id, credential.slack_user_id, allocated, offered
        )

    async def record_in(self, session: AsyncSession, polls: list[Polled]) -> dict[int, PollResult]:
        """Compare each link's lists with its last snapshot and queue what changed, in the
        caller's transaction: a batch of polls costs a few statements, not a few per link."""
        if not polls:  # a group where every poll failed: only its leases to release
            return {}
        now = self._clock.now()
        ids = sorted(p.link_id for p in polls)  # one lock order for every replica
        # A user may have disconnected (or been told to re-link) while their lists were read:
        # their poll is dropped, and the rest of the group is recorded all the same.
        live: dict[int, datetime] = {
            link_id: linked_at
            for link_id, linked_at in await session.execute(
                select(UserLink.id, UserLink.linked_at)
                .where(UserLink.id.in_(ids), UserLink.status == "active")
                .order_by(UserLink.id)
                .with_for_update()
            )
        }
        polls = [p for p in polls if p.link_id in live]
        rows = {
            row.link_id: row
            for row in await session.scalars(
                select(TaskSnapshot)
                .where(TaskSnapshot.link_id.in_(ids))
                .order_by(TaskSnapshot.link_id)
                .with_for_update()
            )
        }
        results: dict[int, PollResult] = {}
        for poll in polls:
            row = rows.get(poll.link_id)
            results[poll.link_id] = await self._record_one(
                session, poll, row, now, live[poll.link_id]
            )
        return results

    async def _record_one(
        self,
        session: AsyncSession,
        poll: Polled,
        row: TaskSnapshot | None,
        now: datetime,
        linked_at: datetime | None,
    ) -> PollResult:
        link_id = poll.link_id
        previous = Snapshot.from_json(row.tasks if row is not None else None)
        changes = diff(previous, poll.allocated, poll.offered, linked_at=linked_at)
        queued = 0
        if changes.new:  # most polls find nothing new: no settings lookup for them
            prefs = await settings_of(session, poll.team_id, poll.slack_user_id)
            for task in changes.new:
                if should_alert(task, enabled=prefs.enabled, offered=prefs.offered):
                    queued += await insert_ignore(
                        session,
                        self._alert_row(link_id, poll.team_id, poll.slack_user_id, task, now),
                    )
        for task in changes.accepted:
            await self._set_outcome(session, link_id, task.id, "accepted", now, task_to_json(task))
        for workitem_id in changes.gone:
            await self._set_outcome(session, link_id, workitem_id, "gone", now, None)
        current = Snapshot.of(poll.allocated, poll.offered).to_json()
        if row is None:
            session.add(TaskSnapshot(link_id=link_id, tasks=current, taken_at=now))
        elif row.tasks != current:  # unchanged lists: no write
            row.tasks = current
            row.taken_at = now
        result = PollResult(queued, len(changes.accepted), len(changes.gone))
        if result.changed:
            log.info(
                "alerts.detected",
                link_id=link_id,
                queued=queued,
                accepted=result.accepted,
                gone=result.gone,
            )
        return result

    def _alert_row(
        self, link_id: int, team_id: str, slack_user_id: str, task: Task, now: datetime
    ) -> dict[str, Any]:
        return {
            "dedupe_key": task_key(link_id, task.id),
            "kind": "task_alert",
            "team_id": team_id,
            "slack_user_id": slack_user_id,
            "link_id": link_id,
            "workitem_id": task.id,
            "payload": task_to_json(task),
            "state": "pending",
            "needs_update": False,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "updated_at": now,
        }

    async def _set_outcome(
        self,
        session: AsyncSession,
        link_id: int,
        workitem_id: int,
        outcome: str,
        now: datetime,
        payload: dict[str, Any] | None,
    ) -> None:
        alert = await session.scalar(
            select(OutboxMessage)
            .where(OutboxMessage.dedupe_key == task_key(link_id, workitem_id))
            .with_for_update()
        )
        if alert is None or alert.outcome in (outcome, PROCESSED):
            return  # a task processed from Slack keeps its "Approved by you" card
        alert.outcome = outcome
        if payload is not None:
            kept = {k: alert.payload[k] for k in KEPT_KEYS if k in alert.payload}
            alert.payload = {**payload, **kept}
        alert.updated_at = now
        if alert.state in ("pending", "held") and outcome == "gone":
            alert.state = "closed"  # never announced: nothing to say any more
        elif alert.message_ts is not None:
            alert.needs_update = True
            alert.next_attempt_at = now

    async def settle_from_slack(
        self, team_id: str, slack_user_id: str, workitem_id: int, outcome: str
    ) -> dict[str, Any] | None:
        """The user acted on an alert and the caller updates its message right away: record the
        outcome so the sender does not update it again. Returns the alert's (new) payload."""
        async with self._sessions() as session, session.begin():
            alert = await _alert_of(session, team_id, slack_user_id, workitem_id)
            if alert is None:
                return None
            if outcome == "accepted":
                alert.payload = {**alert.payload, "kind": "allocated"}
            alert.outcome = outcome
            alert.needs_update = False
            alert.updated_at = self._clock.now()
            return dict(alert.payload)

    async def record_processed(
        self,
        team_id: str,
        slack_user_id: str,
        workitem_id: int,
        processed: dict[str, Any],
        *,
        update_message: bool,
    ) -> dict[str, Any] | None:
        """The person processed the task from Slack: its alert now says so ("Approved by you ·
        12:04", no buttons). ``update_message``: the sender edits the posted alert (the click
        came from elsewhere); otherwise the caller replaces it in place. Returns the payload."""
        async with self._sessions() as session, session.begin():
            alert = await _alert_of(session, team_id, slack_user_id, workitem_id)
            if alert is None:
                return None
            now = self._clock.now()
            alert.payload = {**alert.payload, "kind": "allocated", "processed": processed}
            alert.outcome = PROCESSED
            alert.updated_at = now
            if alert.state in ("pending", "held"):
                alert.state = "closed"  # never announced: nothing to say any more
            elif update_message and alert.message_ts is not None:
                alert.needs_update = True
                alert.next_attempt_at = now
            else:
                alert.needs_update = False
            return dict(alert.payload)

    async def mark_due(self, link_ids: list[int]) -> None:
        if not link_ids:
            return
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(UserLink)
                .where(UserLink.id.in_(link_ids))
                .values(next_poll_at=self._clock.now())
            )
