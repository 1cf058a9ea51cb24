"""Task use cases: the user's two lists, accepting an offered task once, process details."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from enum import StrEnum

import httpx2
import structlog
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.db import repo
from bot.db.models import ProcessedSlackEvent
from bot.domain.tasks import ProcessView, Task, newest_first
from bot.questetra.errors import QuestetraBadRequest
from bot.questetra.tasks import TaskApi
from bot.services.credentials import CredentialService

log = structlog.stdlib.get_logger(__name__)


@dataclass(frozen=True)
class TaskLists:
    allocated: list[Task]
    offered: list[Task]

    def find(self, workitem_id: int) -> Task | None:
        return next((t for t in [*self.allocated, *self.offered] if t.id == workitem_id), None)


class AcceptOutcome(StrEnum):
    """What became of an Accept click. After a refusal the outcome comes from the user's lists
    as they are now, never from Questetra's error codes, which are unpublished (D2)."""

    ACCEPTED = "accepted"
    ALREADY_MINE = "already_mine"  # in My Tasks now: a second click, or accepted elsewhere
    STILL_OFFERED = "still_offered"  # refused, yet still offered to the user: they may retry
    GONE = "gone"  # in neither list: done, cancelled, or taken by someone else
    IN_PROGRESS = "in_progress"  # the first click is still being handled


class TaskService:
    def __init__(
        self,
        *,
        credentials: CredentialService,
        api: TaskApi,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
    ) -> None:
        self._credentials = credentials
        self._api = api
        self._sessions = sessions
        self._clock = clock

    async def lists(self, *, team_id: str, slack_user_id: str) -> TaskLists:
        async def both(auth: httpx2.Auth) -> TaskLists:
            allocated, offered = await asyncio.gather(
                self._api.list_tasks(auth, "allocated"), self._api.list_tasks(auth, "offered")
            )
            return TaskLists(newest_first(allocated), newest_first(offered))

        return await self._credentials.run_as(
            team_id=team_id, slack_user_id=slack_user_id, call=both
        )

    async def process(self, *, team_id: str, slack_user_id: str, process_id: int) -> ProcessView:
        async def view(auth: httpx2.Auth) -> ProcessView:
            return await self._api.process(auth, process_id)

        return await self._credentials.run_as(
            team_id=team_id, slack_user_id=slack_user_id, call=view
        )

    async def accept(self, *, team_id: str, slack_user_id: str, workitem_id: int) -> AcceptOutcome:
        """Accept once: a double click (or two replicas handling two clicks) calls Questetra once."""
        key = f"accept:{team_id}:{slack_user_id}:{workitem_id}"
        async with self._sessions() as session, session.begin():
            fresh = await repo.claim_event(
                session, event_id=key, team_id=team_id, now=self._clock.now()
            )
        if not fresh:
            return AcceptOutcome.IN_PROGRESS
        try:
            outcome = await self._accept(team_id, slack_user_id, workitem_id)
        except Exception:
            # Nothing happened in Questetra as far as we know: let the user click again.
            async with self._sessions() as session, session.begin():
                await session.execute(
                    delete(ProcessedSlackEvent).where(ProcessedSlackEvent.event_id == key)
                )
            raise
        async with self._sessions() as session, session.begin():
            await repo.add_audit(
                session,
                at=self._clock.now(),
                team_id=team_id,
                actor=slack_user_id,
                action="accept",
                target=str(workitem_id),
                outcome="ok"
                if outcome in (AcceptOutcome.ACCEPTED, AcceptOutcome.ALREADY_MINE)
                else "error",
                detail={"result": outcome.value},
            )
        return outcome

    async def _accept(self, team_id: str, slack_user_id: str, workitem_id: int) -> AcceptOutcome:
        async def call(auth: httpx2.Auth) -> AcceptOutcome:
            try:
                result = await self._api.accept(auth, workitem_id)
            except QuestetraBadRequest as exc:
                # A refusal may come as a 400 rather than per item (F3, undocumented).
                codes = [str(p.get("errorCode") or p.get("type") or "") for p in exc.problems]
                log.info("task.accept_refused", workitem_id=workitem_id, codes=codes)
            else:
                if result.success:
                    return AcceptOutcome.ACCEPTED
                log.info("task.accept_refused", workitem_id=workitem_id, codes=[result.error_code])
            return await self._after_refusal(auth, workitem_id)

        return await self._credentials.run_as(
            team_id=team_id, slack_user_id=slack_user_id, call=call
        )

    async def _after_refusal(self, auth: httpx2.Auth, workitem_id: int) -> AcceptOutcome:
        """Where the task is now, read from the user's two lists."""
        allocated, offered = await asyncio.gather(
            self._api.list_tasks(auth, "allocated"), self._api.list_tasks(auth, "offered")
        )
        if any(t.id == workitem_id for t in allocated):
            return AcceptOutcome.ALREADY_MINE
        if any(t.id == workitem_id for t in offered):
            return AcceptOutcome.STILL_OFFERED
        return AcceptOutcome.GONE
