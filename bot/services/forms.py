"""Processing tasks: reading a task's form and saving it exactly once. No Slack types.

Exactly once (issue #14, questetra-fidelity.md §4.6): every save first claims its row in
``form_saves`` (a unique key: the task for a completion, the modal for a "save without
completing"), so a double click, a double submit or two replicas send one ``Form/save``; the POST
is never retried automatically. When it went out and no answer came, the row stays ``unknown``:
the next attempt first re-reads the person's lists; a task that left them is reported as most
likely processed and nothing is sent, a task still there is sent again only then.

A 401 from the form calls means "not allowed for this task" unless ``Quser/self`` fails too (C4):
only then is the person asked to re-link. Every save that reached a decision is audited: who,
which task, the choice, saveOnly or completed, and the outcome.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any

import httpx2
import structlog
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.db import repo
from bot.db.form_models import FormSaveRecord
from bot.db.models import BridgeFlag, UserLink
from bot.domain.form_values import Problem, Submission, prepare_save
from bot.domain.forms import SaveResult, TaskForm
from bot.errors import UserFacingError
from bot.questetra.api import QuestetraApi
from bot.questetra.errors import (
    QuestetraBadRequest,
    QuestetraForbidden,
    QuestetraNoAnswer,
    QuestetraProtocolError,
)
from bot.questetra.forms import FormApi, FormNotAllowed
from bot.questetra.tasks import TaskApi
from bot.services.credentials import CredentialService

log = structlog.stdlib.get_logger(__name__)

STALE_SENDING = timedelta(minutes=2)  # a claim older than this died with its replica
AUDIT_ACTION = "process_task"
ALERT_FORM_TIMEOUT = 2.0  # seconds a new-task alert waits for its task's form
WRITES_REFUSED_FOR = timedelta(hours=6)  # after a 403 on a save, buttons give way to a note
REFUSAL_CACHE = timedelta(seconds=60)  # how long a replica trusts what it last read of that


REFUSAL_PREFIX = "writes_refused:"


def _refusal_key(team_id: str, slack_user_id: str) -> str:
    return f"{REFUSAL_PREFIX}{team_id}:{slack_user_id}"[:64]


class TaskNotYours(UserFacingError):
    """Questetra does not let this person process this task (401 on the form, Quser/self fine)."""

    key = "forms.error.not_yours"


class WritesRefused(UserFacingError):
    """The link's token is read-only, or the edition has no POST access."""

    key = "forms.error.read_only"


class SaveOutcome(StrEnum):
    COMPLETED = "completed"
    SAVED = "saved"  # saved without completing
    INVALID = "invalid"  # local problems or Questetra's errors: nothing changed, fix and retry
    IN_PROGRESS = "in_progress"  # the same save is being sent right now
    ALREADY_DONE = "already_done"  # completed through the bridge before
    GONE = "gone"  # no longer in the person's lists (done elsewhere, taken, deleted)
    PROBABLY_DONE = "probably_done"  # an unanswered save, and the task has left the lists since
    NOT_ALLOWED = "not_allowed"  # 401 for a task still in their list: rights, not the link
    READ_ONLY = "read_only"  # the token or the edition cannot write
    UNKNOWN = "unknown"  # sent, no answer: checked before anything is sent again


@dataclass(frozen=True)
class SaveReport:
    outcome: SaveOutcome
    choice: str | None = None  # the button's name
    problems: list[Problem] = field(default_factory=list)  # found before sending
    result: SaveResult | None = None  # Questetra's answer, when it refused
    at: datetime | None = None


class _Unanswered(Exception):
    """The save POST went out and no answer came (its outcome is unknown)."""


class _Claim(StrEnum):
    FRESH = "fresh"
    BUSY = "busy"
    DONE = "done"
    UNKNOWN = "unknown"
    GONE = "gone"


class FormService:
    def __init__(
        self,
        *,
        credentials: CredentialService,
        api: QuestetraApi,
        forms: FormApi,
        tasks: TaskApi,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        oauth_read_only: bool = False,
        alert_forms: int = 4,
    ) -> None:
        self._credentials = credentials
        self._api = api
        self._forms = forms
        self._tasks = tasks
        self._sessions = sessions
        self._clock = clock
        self._oauth_read_only = oauth_read_only
        self._alert_slots = asyncio.Semaphore(alert_forms)
        self._refusals: set[str] = set()  # people whose saves Questetra refused lately
        self._refusals_until: datetime | None = None  # when to read them again

    # ---------------------------------------------------------------- reading

    async def form(self, *, team_id: str, slack_user_id: str, workitem_id: int) -> TaskForm:
        """The task's form as Questetra shows it to this person now."""

        async def view(auth: httpx2.Auth) -> TaskForm:
            return await self._view(auth, workitem_id)

        return await self._credentials.run_as(
            team_id=team_id, slack_user_id=slack_user_id, call=view
        )

    async def _view(self, auth: httpx2.Auth, workitem_id: int) -> TaskForm:
        try:
            return await self._forms.view(auth, workitem_id)
        except FormNotAllowed:
            await self._api.self_user(auth)  # a bad credential raises here (→ refresh, re-link)
            raise TaskNotYours() from None

    async def linked_emails(self, *, team_id: str, slack_user_ids: list[str]) -> dict[str, str]:
        """The Questetra e-mail of each of these Slack users who linked an account."""
        if not slack_user_ids:
            return {}
        async with self._sessions() as session:
            rows = await session.execute(
                select(UserLink.slack_user_id, UserLink.questetra_email).where(
                    UserLink.team_id == team_id, UserLink.slack_user_id.in_(slack_user_ids)
                )
            )
        return {row.slack_user_id: row.questetra_email for row in rows}

    async def can_write(self, *, team_id: str, slack_user_id: str) -> bool:
        """False when the link can only read: an OAuth link under QUESTETRA_SCOPE=read, or a
        person whose saves Questetra refused with 403 lately (read scope or an edition without
        POST access, INFERRED 403 §4.5.7): their cards explain instead of offering buttons."""
        if self._oauth_read_only:
            async with self._sessions() as session:
                method = await session.scalar(
                    select(UserLink.method).where(
                        UserLink.team_id == team_id, UserLink.slack_user_id == slack_user_id
                    )
                )
            if method != "basic":
                return False
        return not await self._refused(team_id, slack_user_id)

    async def _refused(self, team_id: str, slack_user_id: str) -> bool:
        """One query a minute per replica for every person's refusal (alerts ask per task)."""
        now = self._clock.now()
        if self._refusals_until is None or self._refusals_until <= now:
            async with self._sessions() as session:
                keys = await session.scalars(
                    select(BridgeFlag.key).where(
                        BridgeFlag.key.startswith(REFUSAL_PREFIX),
                        BridgeFlag.updated_at > now - WRITES_REFUSED_FOR,
                    )
                )
                self._refusals = set(keys)
            self._refusals_until = now + REFUSAL_CACHE
        return _refusal_key(team_id, slack_user_id) in self._refusals

    async def _remember_refusal(self, team_id: str, slack_user_id: str) -> None:
        key = _refusal_key(team_id, slack_user_id)
        now = self._clock.now()
        try:
            async with self._sessions() as session, session.begin():
                flag = await session.get(BridgeFlag, key, with_for_update=True)
                if flag is None:
                    session.add(BridgeFlag(key=key, value={"status": 403}, updated_at=now))
                else:
                    flag.updated_at = now
        except IntegrityError:
            pass  # another replica recorded it at the same moment
        self._refusals.add(key)

    async def alert_form(
        self, *, team_id: str, slack_user_id: str, workitem_id: int
    ) -> TaskForm | None:
        """The form for a new-task alert's buttons, or None: bounded (a few at a time, a short
        wait, no wait at all when every slot is busy) so alerts never queue behind forms."""
        if self._alert_slots.locked():
            return None
        async with self._alert_slots:
            try:
                async with asyncio.timeout(ALERT_FORM_TIMEOUT):
                    return await self._credentials.run_as(
                        team_id=team_id,
                        slack_user_id=slack_user_id,
                        call=lambda auth: self._forms.view(auth, workitem_id),
                    )
            except Exception as exc:  # noqa: BLE001 - the alert goes out without buttons
                log.info("forms.alert_form_unavailable", workitem_id=workitem_id, error=str(exc))
                return None

    # ---------------------------------------------------------------- saving

    async def save(
        self,
        *,
        team_id: str,
        slack_user_id: str,
        workitem_id: int,
        submission: Submission,
        tz: tzinfo,
        claim_key: str | None = None,
    ) -> SaveReport:
        """Save the task's form once. ``claim_key``: for a save without completing, the modal's
        key (one save per modal); completions are keyed by the task."""
        if not await self.can_write(team_id=team_id, slack_user_id=slack_user_id):
            return SaveReport(SaveOutcome.READ_ONLY)
        key = (
            f"form:{team_id}:{workitem_id}"
            if not submission.save_only
            else f"form-save:{team_id}:{claim_key or workitem_id}"
        )[:100]
        claim = await self._claim(key, team_id, slack_user_id, workitem_id, submission)
        if claim is _Claim.BUSY:
            return SaveReport(SaveOutcome.IN_PROGRESS)
        if claim is _Claim.DONE:
            return SaveReport(SaveOutcome.ALREADY_DONE)
        if claim is _Claim.GONE:
            return SaveReport(SaveOutcome.GONE)
        if claim is _Claim.UNKNOWN:
            resolved = await self._resolve(key, team_id, slack_user_id, workitem_id, submission)
            if resolved is not None:
                return resolved
        try:
            report = await self._credentials.run_as(
                team_id=team_id,
                slack_user_id=slack_user_id,
                call=lambda auth: self._send(auth, workitem_id, submission, tz),
            )
        except _Unanswered:
            await self._finish(key, "unknown")
            report = SaveReport(SaveOutcome.UNKNOWN)
        except Exception as exc:
            await self._finish(key, "refused")  # nothing was sent, or it was refused: retry ok
            if isinstance(exc, QuestetraBadRequest | QuestetraProtocolError):
                # Questetra answered, but not with a <result>: still a save that was refused.
                failed = SaveReport(SaveOutcome.INVALID, at=self._clock.now())
                await self._audit(
                    team_id, slack_user_id, workitem_id, submission, failed, type(exc).__name__
                )
            raise
        state = {
            SaveOutcome.COMPLETED: "done",
            SaveOutcome.SAVED: "done",
            SaveOutcome.GONE: "gone",
        }.get(report.outcome, "refused")
        if report.outcome is not SaveOutcome.UNKNOWN:
            await self._finish(key, state)
        if report.outcome is SaveOutcome.READ_ONLY:
            await self._remember_refusal(team_id, slack_user_id)
        report = SaveReport(
            report.outcome, report.choice, report.problems, report.result, self._clock.now()
        )
        if report.outcome is not SaveOutcome.INVALID or report.result is not None:
            await self._audit(team_id, slack_user_id, workitem_id, submission, report)
        return report

    async def _send(
        self, auth: httpx2.Auth, workitem_id: int, submission: Submission, tz: tzinfo
    ) -> SaveReport:
        try:
            form = await self._view(auth, workitem_id)  # fresh: current values and choices
        except TaskNotYours:
            return await self._not_allowed(auth, workitem_id)
        button = form.button(submission.flow_id) if submission.flow_id else None
        choice = button.name if button is not None else None
        prepared = prepare_save(form, submission, tz=tz)
        if prepared and isinstance(prepared[0], Problem):
            problems = [p for p in prepared if isinstance(p, Problem)]
            return SaveReport(SaveOutcome.INVALID, choice, problems)
        params = [p for p in prepared if isinstance(p, tuple)]
        try:
            result = await self._forms.save(auth, workitem_id, params)
        except QuestetraNoAnswer as exc:
            raise _Unanswered() from exc
        except FormNotAllowed:
            await self._api.self_user(auth)
            return await self._not_allowed(auth, workitem_id)
        except QuestetraForbidden:
            return SaveReport(SaveOutcome.READ_ONLY, choice)
        if not result.success:
            return SaveReport(SaveOutcome.INVALID, choice, result=result)
        done = SaveOutcome.SAVED if submission.save_only else SaveOutcome.COMPLETED
        return SaveReport(done, choice)

    async def _not_allowed(self, auth: httpx2.Auth, workitem_id: int) -> SaveReport:
        """401 with a working credential: still in the person's list means Questetra does not
        let them do it from here (rights, edition); otherwise the task is not theirs any more."""
        allocated = await self._tasks.list_tasks(auth, "allocated")
        if any(t.id == workitem_id for t in allocated):
            return SaveReport(SaveOutcome.NOT_ALLOWED)
        return SaveReport(SaveOutcome.GONE)

    async def _resolve(
        self,
        key: str,
        team_id: str,
        slack_user_id: str,
        workitem_id: int,
        submission: Submission,
    ) -> SaveReport | None:
        """An earlier save got no answer. Re-read the lists before anything is sent again:
        None means "still in My Tasks, the earlier save did not complete it: send"."""
        if submission.save_only:
            return SaveReport(SaveOutcome.UNKNOWN)  # the lists cannot tell: never re-sent

        async def listed(auth: httpx2.Auth) -> bool:
            allocated = await self._tasks.list_tasks(auth, "allocated")
            return any(t.id == workitem_id for t in allocated)

        still_mine = await self._credentials.run_as(
            team_id=team_id, slack_user_id=slack_user_id, call=listed
        )
        if not still_mine:
            await self._finish(key, "gone")
            report = SaveReport(SaveOutcome.PROBABLY_DONE, at=self._clock.now())
            await self._audit(team_id, slack_user_id, workitem_id, submission, report)
            return report
        async with self._sessions() as session, session.begin():
            taken = await session.scalar(
                update(FormSaveRecord)
                .where(FormSaveRecord.claim_key == key, FormSaveRecord.state == "unknown")
                .values(
                    state="sending",
                    started_at=self._clock.now(),
                    attempts=FormSaveRecord.attempts + 1,
                )
                .returning(FormSaveRecord.id)
            )
        return None if taken is not None else SaveReport(SaveOutcome.IN_PROGRESS)

    async def _claim(
        self,
        key: str,
        team_id: str,
        slack_user_id: str,
        workitem_id: int,
        submission: Submission,
    ) -> _Claim:
        now = self._clock.now()
        async with self._sessions() as session, session.begin():
            dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
            insert = pg_insert if dialect == "postgresql" else sqlite_insert
            created = await session.scalar(
                insert(FormSaveRecord)
                .values(
                    claim_key=key,
                    team_id=team_id,
                    slack_user_id=slack_user_id,
                    workitem_id=workitem_id,
                    save_only=submission.save_only,
                    state="sending",
                    attempts=1,
                    started_at=now,
                )
                .on_conflict_do_nothing(index_elements=["claim_key"])
                .returning(FormSaveRecord.id)
            )
            if created is not None:
                return _Claim.FRESH
            # Taken over atomically: refused (retry allowed), or "sending" left by a dead replica.
            retaken = await session.scalar(
                update(FormSaveRecord)
                .where(
                    FormSaveRecord.claim_key == key,
                    FormSaveRecord.state == "refused",
                )
                .values(state="sending", started_at=now, attempts=FormSaveRecord.attempts + 1)
                .returning(FormSaveRecord.id)
            )
            if retaken is not None:
                return _Claim.FRESH
            row = (
                await session.execute(
                    select(FormSaveRecord.state, FormSaveRecord.started_at).where(
                        FormSaveRecord.claim_key == key
                    )
                )
            ).one()
        if row.state == "sending" and row.started_at > now - STALE_SENDING:
            return _Claim.BUSY
        if row.state == "sending" or row.state == "unknown":
            await self._finish(key, "unknown", only_if="sending")
            return _Claim.UNKNOWN
        return _Claim.DONE if row.state == "done" else _Claim.GONE

    async def _finish(self, key: str, state: str, *, only_if: str | None = None) -> None:
        statement = update(FormSaveRecord).where(FormSaveRecord.claim_key == key)
        if only_if is not None:
            statement = statement.where(FormSaveRecord.state == only_if)
        async with self._sessions() as session, session.begin():
            await session.execute(statement.values(state=state, finished_at=self._clock.now()))

    async def _audit(
        self,
        team_id: str,
        slack_user_id: str,
        workitem_id: int,
        submission: Submission,
        report: SaveReport,
        error: str | None = None,
    ) -> None:
        ok = report.outcome in (SaveOutcome.COMPLETED, SaveOutcome.SAVED)
        detail: dict[str, Any] = {
            "choice": report.choice,
            "mode": "save_only" if submission.save_only else "complete",
            "result": report.outcome.value,
        }
        if report.result is not None:
            detail["errors"] = sorted(
                {*report.result.field_errors, *(k for k, _ in report.result.errors)}
            )[:20]
        if error is not None:
            detail["error"] = error
        async with self._sessions() as session, session.begin():
            await repo.add_audit(
                session,
                at=self._clock.now(),
                team_id=team_id,
                actor=slack_user_id,
                action=AUDIT_ACTION,
                target=str(workitem_id),
                outcome="ok"
                if ok
                else "denied"
                if report.outcome is SaveOutcome.READ_ONLY
                else "error",
                detail=detail,
            )
