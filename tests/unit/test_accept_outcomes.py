"""After a refused Accept, the outcome comes from the user's lists as they are now (D2), never
from Questetra's error codes, which are unpublished: whatever the code says, and whether the
refusal comes per item or as a 400 (F3)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx2
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.engine import create_session_factory
from bot.db.models import AuditEntry
from bot.domain.tasks import AcceptResult, ListKind, Task
from bot.questetra.api import BearerAuth
from bot.questetra.errors import QuestetraBadRequest
from bot.services.tasks import AcceptOutcome, TaskService
from tests.support import ManualClock

T = TypeVar("T")
WID = 20001


def task(kind: ListKind) -> Task:
    return Task(WID, "Review", kind.upper(), kind, 1001, 1, "t", 7, "A", None, None, None, None)


class FakeApi:
    """Questetra as the lists show it; ``refusal`` is how batchAccept says no."""

    def __init__(self, where: ListKind | None, refusal: object) -> None:
        self.where = where
        self.refusal = refusal
        self.list_calls = 0

    async def accept(self, auth: httpx2.Auth, workitem_id: int) -> AcceptResult:
        if isinstance(self.refusal, Exception):
            raise self.refusal
        assert isinstance(self.refusal, str | None)
        return AcceptResult(workitem_id, False, self.refusal)

    async def list_tasks(self, auth: httpx2.Auth, kind: ListKind) -> list[Task]:
        self.list_calls += 1
        return [task(kind)] if kind == self.where else []


class FakeCredentials:
    async def run_as(
        self, *, team_id: str, slack_user_id: str, call: Callable[[httpx2.Auth], Awaitable[T]]
    ) -> T:
        return await call(BearerAuth("t"))


REFUSALS: list[object] = [
    None,
    "10001",
    "WORKITEM_NOT_FOUND",  # the emulator's old invention: it must not decide anything
    "WORKITEM_ALREADY_ENDED",
    QuestetraBadRequest([{"errorCode": "10004", "type": "IllegalState", "input": str(WID)}]),
]


@pytest.mark.parametrize("refusal", REFUSALS, ids=repr)
@pytest.mark.parametrize(
    ("where", "outcome"),
    [
        ("allocated", AcceptOutcome.ALREADY_MINE),
        ("offered", AcceptOutcome.STILL_OFFERED),
        (None, AcceptOutcome.GONE),
    ],
)
async def test_the_lists_decide(
    engine: AsyncEngine, where: ListKind | None, outcome: AcceptOutcome, refusal: Any
) -> None:
    api = FakeApi(where, refusal)
    service = TaskService(
        credentials=FakeCredentials(),  # type: ignore[arg-type]
        api=api,  # type: ignore[arg-type]
        sessions=create_session_factory(engine),
        clock=ManualClock(datetime(2026, 1, 1, tzinfo=UTC)),
    )
    result = await service.accept(team_id="T1", slack_user_id="U1", workitem_id=WID)
    assert result is outcome
    assert api.list_calls == 2
    async with engine.connect() as connection:
        (entry,) = (await connection.execute(select(AuditEntry.outcome, AuditEntry.detail))).all()
    expected = "ok" if outcome is AcceptOutcome.ALREADY_MINE else "error"
    assert (entry.outcome, entry.detail) == (expected, {"result": outcome.value})
