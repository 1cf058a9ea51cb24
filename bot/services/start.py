"""Starting processes through Message Start Events, and the admins' registry of those events.

Events come from two places: the operator's ``START_EVENTS_FILE`` (validated at start-up, read
again on use so an edit needs no restart) and the ``start_events`` table (registered by admins in
Slack, API keys sealed). A file event wins over a stored one with the same name.

One start = one audit row. A modal submitted twice starts one process: the first submission
claims ``start:{view id}``; a failed start releases the claim so the user can fix and resubmit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any, Literal

import structlog
import yaml
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.crypto import KeyRing
from bot.db import repo
from bot.db.models import ProcessedSlackEvent, StartEventDefinition, UserLink
from bot.domain.start_events import (
    FieldProblem,
    FileEntry,
    MappedErrors,
    P,
    Problem,
    RawValue,
    StartEventSpec,
    Submission,
    check_key,
    closest_names,
    definition_of,
    map_questetra_errors,
    msg,
    parse_definition,
    parse_file,
    prepare_submission,
)
from bot.errors import (
    BadInput,
    BridgeError,
    ConfigurationError,
    FeatureDisabled,
    NotLinked,
    PermissionDenied,
)
from bot.i18n import Ref, t
from bot.questetra.start_events import (
    StartEventClient,
    StartEventRejected,
    StartEventTimedOut,
)
from bot.questetra.urls import process_url

log = structlog.stdlib.get_logger(__name__)

Source = Literal["file", "admin"]
AUDIT_START = "start_process"


def key_owner(team_id: str, name: str) -> str:
    """The identity sealed with a stored event's key: it opens for this row's name only."""
    return f"{team_id}/start_event/{name}"


# ---------------------------------------------------------------------------------------------
# The operator's file


def load_events_file(path: Path, *, base_url: str, environ: Mapping[str, str]) -> list[FileEntry]:
    """Read and check ``START_EVENTS_FILE``; :class:`ConfigurationError` lists every problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(
            f"START_EVENTS_FILE {path}: cannot be read ({exc.strerror or type(exc).__name__})"
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        reason = getattr(exc, "problem", None) or "syntax error"
        raise ConfigurationError(
            f"START_EVENTS_FILE {path}: not valid YAML{where}: {reason}"
        ) from None
    entries, problems = parse_file(data, base_url=base_url, environ=environ)
    if problems:
        lines = "\n".join(f"  - {line}" for line in describe_problems(problems, "en"))
        raise ConfigurationError(
            f"START_EVENTS_FILE {path} has {len(problems)} problem(s):\n{lines}"
        )
    return entries


def describe_problems(problems: Sequence[Problem], locale: str | None) -> list[str]:
    """``where: what is wrong`` per problem, in the reader's language."""
    lines = []
    for problem in problems:
        params = dict(problem.message.params)
        if "reason_key" in params:  # a nested message (e.g. a default that fails a rule)
            params["reason"] = t(
                locale, params.pop("reason_key"), **params.pop("reason_params", {})
            )
        text = t(locale, problem.message.key, **params)
        lines.append(f"{problem.where}: {text}" if problem.where else text)
    return lines


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class ResolvedEvent:
    """An event ready to start. The key stays inside (hidden from repr) until the POST."""

    spec: StartEventSpec
    source: Source
    team_id: str
    file_key: str | None = field(default=None, repr=False)
    sealed_key: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Started:
    process_id: int | None
    url: str | None
    title: str


@dataclass(frozen=True)
class Rejected:
    """Questetra refused the data: errors per form field, and the rest."""

    errors: MappedErrors


@dataclass(frozen=True)
class Duplicate:
    """This form was already submitted (a double click): nothing more to do."""


StartResult = Started | Rejected | Duplicate


@dataclass(frozen=True)
class AdminRow:
    """One event as an admin's list shows it."""

    name: str
    source: Source
    spec: StartEventSpec | None  # None: the stored definition no longer passes the rules
    problems: list[Problem] = field(default_factory=list)
    shadowed: bool = False  # a stored event hidden by a file event of the same name
    updated_by: str | None = None
    updated_at: datetime | None = None


class StartService:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        keyring: KeyRing,
        clock: Clock,
        client: StartEventClient,
        base_url: str,
        events_file: Path | None,
        environ: Mapping[str, str],
    ) -> None:
        self._sessions = sessions
        self._keyring = keyring
        self._clock = clock
        self._client = client
        self._base_url = base_url
        self._file = events_file
        self._environ = environ

    def __repr__(self) -> str:
        return f"StartService(events_file={self._file!s})"

    # ------------------------------------------------------------------ catalog

    async def _file_entries(self) -> list[FileEntry]:
        if self._file is None:
            return []
        try:
            return await asyncio.to_thread(
                load_events_file, self._file, base_url=self._base_url, environ=self._environ
            )
        except ConfigurationError as exc:
            # Valid at start-up, broken since: say so plainly instead of half-working.
            log.error("start.events_file_invalid", error=str(exc))  # noqa: TRY400 - no traceback to add
            raise FeatureDisabled("start.error.file_invalid") from None

    async def _stored(self, team_id: str) -> list[StartEventDefinition]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(StartEventDefinition)
                .where(StartEventDefinition.team_id == team_id)
                .order_by(StartEventDefinition.name)
            )
            return list(rows)

    async def _catalog(self, team_id: str) -> list[ResolvedEvent]:
        """Every usable event of the workspace: the file's first, then the stored ones."""
        events = [
            ResolvedEvent(e.spec, "file", team_id, file_key=e.key)
            for e in await self._file_entries()
        ]
        names = {e.spec.name for e in events}
        for row in await self._stored(team_id):
            spec, problems = parse_definition(row.definition, base_url=self._base_url)
            if spec is None or spec.name in names:
                if problems:
                    log.warning("start.stored_event_invalid", team_id=team_id, name=row.name)
                continue
            events.append(ResolvedEvent(spec, "admin", team_id, sealed_key=row.key_enc))
        return events

    async def available(self, *, team_id: str, channel_id: str | None) -> list[StartEventSpec]:
        """The events a user may start from this channel."""
        return [e.spec for e in await self._catalog(team_id) if e.spec.allowed_in(channel_id)]

    async def resolve(
        self, *, team_id: str, user_id: str, name: str, channel_id: str | None
    ) -> ResolvedEvent:
        """The event called ``name`` (any case), if this channel may use it."""
        wanted = name.strip().lower()
        catalog = await self._catalog(team_id)
        found = next((e for e in catalog if e.spec.name == wanted), None)
        if found is None:
            usable = [e.spec.name for e in catalog if e.spec.allowed_in(channel_id)]
            close = closest_names(wanted, usable)
            if close:
                raise BadInput("start.error.unknown_event_did_you_mean", name=name, close=close[0])
            raise BadInput("start.error.unknown_event", name=name)
        if not found.spec.allowed_in(channel_id):
            await self._audit(
                team_id, user_id, found.spec, "denied", {"reason": "channel", "channel": channel_id}
            )
            channels = [Ref(c) for c in found.spec.channels]  # shown as channel mentions
            raise PermissionDenied("start.error.channel", name=found.spec.name, channels=channels)
        return found

    async def requester_email(
        self, event: ResolvedEvent, *, team_id: str, user_id: str
    ) -> str | None:
        """The starter's linked Questetra e-mail when the event fills a requester field."""
        if not event.spec.requester_field:
            return None
        emails = await self.linked_emails(team_id=team_id, slack_user_ids=[user_id])
        if user_id not in emails:
            raise NotLinked("start.error.link_required", name=event.spec.name)
        return emails[user_id]

    async def linked_emails(self, *, team_id: str, slack_user_ids: Sequence[str]) -> dict[str, str]:
        """Questetra e-mails of linked Slack users (what a people picker resolves to first)."""
        if not slack_user_ids:
            return {}
        async with self._sessions() as session:
            rows = await session.execute(
                select(UserLink.slack_user_id, UserLink.questetra_email).where(
                    UserLink.team_id == team_id, UserLink.slack_user_id.in_(slack_user_ids)
                )
            )
            return {user: email for user, email in rows}

    # ------------------------------------------------------------------ starting

    @staticmethod
    def prepare(
        event: ResolvedEvent,
        *,
        title: str | None,
        values: Mapping[str, RawValue],
        tz: tzinfo,
        requester_email: str | None,
    ) -> Submission | list[FieldProblem]:
        return prepare_submission(
            event.spec, title=title, values=values, tz=tz, requester_email=requester_email
        )

    async def start(
        self,
        event: ResolvedEvent,
        submission: Submission,
        *,
        user_id: str,
        channel_id: str | None,
        once_key: str,
    ) -> StartResult:
        """POST to the event once per ``once_key`` (the modal's view id) and record the outcome.

        Raises StartEventRefused / QuestetraDown / StartEventTimedOut when Questetra did not
        answer usefully (each one a UserFacingError).
        """
        team_id, spec = event.team_id, event.spec
        claim = f"start:{once_key}"[:64]
        async with self._sessions() as session, session.begin():
            fresh = await repo.claim_event(
                session, event_id=claim, team_id=team_id, now=self._clock.now()
            )
        if not fresh:
            log.info("start.duplicate_submission", team_id=team_id, start_event=spec.name)
            return Duplicate()
        where = {"channel": channel_id, "app_id": spec.app_id, "node_number": spec.node_number}
        try:
            process_id = await self._client.start(
                app_id=spec.app_id,
                node_number=spec.node_number,
                key=self._key(event),
                title=submission.title,
                params=submission.params,
            )
        except StartEventRejected as exc:
            await self._release(claim)
            keys = [e.key for e in exc.errors]
            await self._audit(team_id, user_id, spec, "error", {**where, "rejected": keys})
            log.info("start.rejected", team_id=team_id, start_event=spec.name, keys=keys)
            return Rejected(map_questetra_errors(spec, [(e.key, e.detail) for e in exc.errors]))
        except StartEventTimedOut:
            # Unknown outcome: keep the claim, so resubmitting this form cannot start a second one.
            await self._audit(team_id, user_id, spec, "error", {**where, "error": "timeout"})
            raise
        except BridgeError as exc:
            await self._release(claim)
            await self._audit(
                team_id, user_id, spec, "error", {**where, "error": type(exc).__name__}
            )
            log.warning("start.failed", team_id=team_id, start_event=spec.name, error=str(exc))
            raise
        except BaseException:
            await self._release(claim)
            raise
        await self._audit(team_id, user_id, spec, "ok", {**where, "process_id": process_id})
        log.info("start.started", team_id=team_id, start_event=spec.name, process_id=process_id)
        url = process_url(self._base_url, process_id) if process_id is not None else None
        return Started(process_id, url, submission.title)

    def _key(self, event: ResolvedEvent) -> str:
        if event.file_key is not None:
            return event.file_key
        if event.sealed_key is None:  # pragma: no cover - every resolved event has a key
            raise ConfigurationError(f"start event {event.spec.name} has no API key")
        opened = self._keyring.open(
            event.sealed_key, owner=key_owner(event.team_id, event.spec.name)
        )
        return str(opened["key"])

    async def _release(self, claim: str) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(
                delete(ProcessedSlackEvent).where(ProcessedSlackEvent.event_id == claim)
            )

    async def _audit(
        self,
        team_id: str,
        user_id: str,
        spec: StartEventSpec,
        outcome: str,
        detail: dict[str, Any],
    ) -> None:
        async with self._sessions() as session, session.begin():
            await repo.add_audit(
                session,
                at=self._clock.now(),
                team_id=team_id,
                actor=user_id,
                action=AUDIT_START,
                target=spec.name,
                outcome=outcome,
                detail=detail,
            )

    # ------------------------------------------------------------------ the admins' registry

    async def admin_rows(self, *, team_id: str) -> list[AdminRow]:
        file_rows = [AdminRow(e.spec.name, "file", e.spec) for e in await self._file_entries()]
        file_names = {r.name for r in file_rows}
        rows = list(file_rows)
        for stored in await self._stored(team_id):
            spec, problems = parse_definition(stored.definition, base_url=self._base_url)
            rows.append(
                AdminRow(
                    stored.name,
                    "admin",
                    spec,
                    problems,
                    shadowed=stored.name in file_names,
                    updated_by=stored.updated_by,
                    updated_at=stored.updated_at,
                )
            )
        return rows

    async def stored_definition(self, *, team_id: str, name: str) -> dict[str, Any]:
        """An admin-registered event's definition, for the edit form (file events are read-only)."""
        wanted = name.strip().lower()
        if any(e.spec.name == wanted for e in await self._file_entries()):
            raise BadInput("admin.start_events.error.file_readonly", name=wanted)
        async with self._sessions() as session:
            row = await self._row(session, team_id, wanted)
            if row is None:
                raise BadInput("admin.start_events.error.unknown", name=name)
            return dict(row.definition)

    async def save(
        self,
        *,
        team_id: str,
        actor: str,
        raw: Mapping[str, Any],
        key: str | None,
        editing: str | None,
    ) -> list[Problem]:
        """Add (``editing`` None) or change an admin-registered event; [] when saved.

        Problems carry paths (``("fields", 0, "type")``) so the form can point at the input.
        """
        spec, problems = parse_definition(raw, base_url=self._base_url)
        if key is not None and not check_key(key):
            problems.append(Problem(("key",), "key", msg(P + "bad_key")))
        if editing is None and key is None:
            problems.append(Problem(("key",), "key", msg(P + "key_missing")))
        name = spec.name if spec is not None else None
        if (
            name is not None
            and editing is None
            and any(e.spec.name == name for e in await self._file_entries())
        ):
            problems.append(Problem(("name",), "name", msg(P + "name_in_file", name=name)))
        if problems or spec is None:
            return problems
        definition = definition_of(spec)
        now = self._clock.now()
        sealed = (
            self._keyring.seal({"key": key}, owner=key_owner(team_id, spec.name))
            if key is not None
            else None
        )
        try:
            async with self._sessions() as session, session.begin():
                if editing is None:
                    session.add(
                        StartEventDefinition(
                            team_id=team_id,
                            name=spec.name,
                            definition=definition,
                            key_enc=sealed,
                            created_by=actor,
                            created_at=now,
                            updated_by=actor,
                            updated_at=now,
                        )
                    )
                    await session.flush()
                else:
                    row = await self._row(session, team_id, editing)
                    if row is None:
                        raise BadInput("admin.start_events.error.unknown", name=editing)
                    if spec.name != row.name:  # the key is sealed to the name: it stays
                        return [Problem(("name",), "name", msg(P + "name_fixed", name=row.name))]
                    row.definition = definition
                    if sealed is not None:
                        row.key_enc = sealed
                    row.updated_by, row.updated_at = actor, now
                await repo.add_audit(
                    session,
                    at=now,
                    team_id=team_id,
                    actor=actor,
                    action="start_event.add" if editing is None else "start_event.edit",
                    target=spec.name,
                    detail={
                        "app_id": spec.app_id,
                        "node_number": spec.node_number,
                        "key_changed": sealed is not None,
                    },
                )
        except IntegrityError:
            return [Problem(("name",), "name", msg(P + "duplicate_name", name=spec.name))]
        log.info("start.event_saved", team_id=team_id, start_event=spec.name, by=actor)
        return []

    async def remove(self, *, team_id: str, actor: str, name: str) -> bool:
        wanted = name.strip().lower()
        if any(e.spec.name == wanted for e in await self._file_entries()):
            raise BadInput("admin.start_events.error.file_readonly", name=wanted)
        async with self._sessions() as session, session.begin():
            row = await self._row(session, team_id, wanted)
            if row is None:
                return False
            await session.delete(row)
            await repo.add_audit(
                session,
                at=self._clock.now(),
                team_id=team_id,
                actor=actor,
                action="start_event.remove",
                target=wanted,
            )
        log.info("start.event_removed", team_id=team_id, start_event=wanted, by=actor)
        return True

    @staticmethod
    async def _row(session: AsyncSession, team_id: str, name: str) -> StartEventDefinition | None:
        return await session.scalar(
            select(StartEventDefinition).where(
                StartEventDefinition.team_id == team_id, StartEventDefinition.name == name
            )
        )
