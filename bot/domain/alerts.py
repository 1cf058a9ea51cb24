"""Pure rules of new-task alerts: diffing lists, quiet hours, backoff, who is told what."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, tzinfo
from typing import Any

from bot.domain.tasks import ListKind, Task
from bot.domain.typed import time_range

POLL_BACKOFF_CAP = timedelta(minutes=15)
SEND_BACKOFF_CAP = timedelta(minutes=10)


@dataclass(frozen=True)
class Prefs:
    """A user's alert preferences (quiet hours as "HH:MM" in their Slack time zone)."""

    enabled: bool = True
    offered: bool = True
    quiet_start: str | None = None
    quiet_end: str | None = None


@dataclass(frozen=True)
class Snapshot:
    allocated: frozenset[int]
    offered: frozenset[int]

    @classmethod
    def of(cls, allocated: Iterable[Task], offered: Iterable[Task]) -> Snapshot:
        return cls(frozenset(t.id for t in allocated), frozenset(t.id for t in offered))

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Snapshot | None:
        if not isinstance(data, dict):
            return None
        return cls(frozenset(data.get("allocated", ())), frozenset(data.get("offered", ())))

    def to_json(self) -> dict[str, list[int]]:
        return {"allocated": sorted(self.allocated), "offered": sorted(self.offered)}

    @property
    def all(self) -> frozenset[int]:
        return self.allocated | self.offered


@dataclass(frozen=True)
class Diff:
    new: list[Task] = field(default_factory=list)  # appeared in either list: alert
    accepted: list[Task] = field(default_factory=list)  # offered → allocated: update the alert
    gone: frozenset[int] = frozenset()  # left both lists: close the alert


# Clocks of Questetra and the bridge may differ by this much: a task listed this long before the
# link was made still counts as arriving after it (announced rather than absorbed).
LINK_CLOCK_SKEW = timedelta(minutes=2)


def diff(
    previous: Snapshot | None,
    allocated: list[Task],
    offered: list[Task],
    *,
    linked_at: datetime | None = None,
) -> Diff:
    """What changed since ``previous``. No previous snapshot means this is the baseline: tasks
    that were already there when the user linked are not announced (no flood), but a task that
    reached the lists after ``linked_at`` (less :data:`LINK_CLOCK_SKEW`: Questetra's clock is not
    ours) is new — it arrived between the link and the first poll."""
    if previous is None:
        if linked_at is None:
            return Diff()
        since = linked_at - LINK_CLOCK_SKEW
        fresh = [
            t
            for t in [*allocated, *offered]
            if (at := t.listed_at) is not None and at.tzinfo is not None and at >= since
        ]
        return Diff(new=list({t.id: t for t in fresh}.values()))
    current = Snapshot.of(allocated, offered)
    new = [t for t in [*allocated, *offered] if t.id not in previous.all]
    accepted = [t for t in allocated if t.id in previous.offered]
    return Diff(new=new, accepted=accepted, gone=previous.all - current.all)


def parse_quiet_hours(text: str) -> tuple[str, str] | None:
    """``"19:00-08:00"`` (or ``２２：３０－０６：１５``, ``22:30〜6:15`` …, read by
    :func:`bot.domain.typed.time_range`) → ``("19:00", "08:00")``; None when it does not parse."""
    parsed = time_range(text)
    if parsed is None:
        return None
    (h1, m1), (h2, m2) = parsed
    if (h1, m1) == (h2, m2):
        return None
    return f"{h1:02}:{m1:02}", f"{h2:02}:{m2:02}"


def _time(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def quiet_until(now: datetime, tz: tzinfo, start: str | None, end: str | None) -> datetime | None:
    """When the quiet hours that contain ``now`` end, or None when ``now`` is not in them.
    Ranges may cross midnight (19:00-08:00)."""
    if not start or not end:
        return None
    local = now.astimezone(tz)
    begin, finish = _time(start), _time(end)
    current = local.time().replace(second=0, microsecond=0, tzinfo=None)
    # A range that crosses midnight (19:00-08:00) is "after begin or before finish".
    crosses_midnight = finish < begin
    inside = (
        (current >= begin or current < finish) if crosses_midnight else begin <= current < finish
    )
    if not inside:
        return None
    end_at = local.replace(hour=finish.hour, minute=finish.minute, second=0, microsecond=0)
    if end_at <= local:
        end_at += timedelta(days=1)
    return end_at


def should_alert(task: Task, *, enabled: bool, offered: bool) -> bool:
    return enabled and (task.kind == "allocated" or offered)


def backoff(failures: int, base: timedelta, cap: timedelta) -> timedelta:
    """Exponential backoff: base, 2×base, 4×base … capped."""
    if failures <= 0:
        return base
    grown: timedelta = base * (2 ** min(failures, 16))
    return min(grown, cap)


def task_to_json(task: Task) -> dict[str, Any]:
    def when(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": task.id,
        "name": task.name,
        "state": task.state,
        "kind": task.kind,
        "process_id": task.process_id,
        "process_seq": task.process_seq,
        "process_title": task.process_title,
        "app_id": task.app_id,
        "app_name": task.app_name,
        "starter_name": task.starter_name,
        "offered_at": when(task.offered_at),
        "allocated_at": when(task.allocated_at),
        "deadline": when(task.deadline),
    }


def task_from_json(data: dict[str, Any]) -> Task:
    def when(value: Any) -> datetime | None:
        return datetime.fromisoformat(value) if isinstance(value, str) else None

    kind: ListKind = "allocated" if data.get("kind") == "allocated" else "offered"
    return Task(
        id=int(data["id"]),
        name=str(data.get("name", "")),
        state=str(data.get("state", "")),
        kind=kind,
        process_id=int(data.get("process_id", 0)),
        process_seq=data.get("process_seq"),
        process_title=str(data.get("process_title", "")),
        app_id=data.get("app_id"),
        app_name=str(data.get("app_name", "")),
        starter_name=data.get("starter_name"),
        offered_at=when(data.get("offered_at")),
        allocated_at=when(data.get("allocated_at")),
        deadline=when(data.get("deadline")),
    )
