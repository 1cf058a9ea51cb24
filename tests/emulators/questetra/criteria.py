"""The ``criteria`` JSON of ``/API/OR/ProcessInstance/list`` and ``/API/OR/Workitem/list`` (R4180).

Supported keys: processModelInfoId (-1 = all), processInstanceState [..], processInstanceId
(Workitem only), processInstanceTitle [..] (a title matches when it contains any of them),
processInstanceStartDateFrom/To, processInstanceEndDateFrom/To ("2001-01-01",
"2001-02-03 04:30", "#now", "#today", "#today.addDays(2)"), processInstanceInitQuserId (id or
"#me"), processInstanceInitQgroupId, nodeNumber, state [..], allocatedQuserId (id or "#me")
(those three Workitem only), fields [{"number": n, ...}] to ask for data items, and
sortProperty / sortDirection ([CRIT-JSON]: "processInstanceStartDatetime", "DESC"). Unknown keys
and Workitem-only keys in a process search are ignored, as a lenient server would; an unknown
sort property or direction is refused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from .model import ProcessInstance, QUser, Workitem

# Sort properties of a process search ([CRIT-JSON] shows the first; the rest follow the
# ProcessInstance field names) → the value sorted on.
SORT_KEYS: dict[str, Callable[[ProcessInstance], object]] = {
    "processInstanceStartDatetime": lambda p: p.started_at,
    "processInstanceId": lambda p: p.id,
    "processInstanceSequenceNumber": lambda p: p.sequence_number,
    "processInstanceTitle": lambda p: p.title,
    "processInstanceEndDatetime": lambda p: (p.ended_at is not None, p.ended_at or p.started_at),
}
DEFAULT_SORT = "processInstanceStartDatetime"
_RELATIVE = re.compile(r"#(now|today)(?:\.addDays\((-?\d+)\))?")


class CriteriaError(ValueError):
    def __init__(self, key: str, value: object) -> None:
        super().__init__(key)
        self.key = key
        self.value = value


@dataclass(frozen=True)
class Criteria:
    app_id: int | None = None
    process_states: frozenset[str] | None = None
    process_id: int | None = None
    titles: tuple[str, ...] = ()
    started_from: datetime | None = None
    started_before: datetime | None = None  # exclusive bound
    ended_from: datetime | None = None
    ended_before: datetime | None = None
    init_user: int | None = None
    init_group: int | None = None
    node_number: int | None = None
    task_states: frozenset[str] | None = None
    allocated_user: int | None = None
    fields: frozenset[int] | None = None  # data items to include (None: "data": null)
    sort_property: str | None = None
    sort_direction: str | None = None  # "ASC" or "DESC"

    def matches_process(self, process: ProcessInstance) -> bool:
        checks = (
            self.app_id is None or process.app_id == self.app_id,
            self.process_states is None or process.state in self.process_states,
            not self.titles or any(t in process.title for t in self.titles),
            _within(process.started_at, self.started_from, self.started_before),
            self.init_user is None or process.starter_id == self.init_user,
            self.init_group is None or process.starter_group_id == self.init_group,
        )
        if self.ended_from is not None or self.ended_before is not None:
            # End-date bounds never match running processes.
            ended = process.ended_at is not None and _within(
                process.ended_at, self.ended_from, self.ended_before
            )
            return all(checks) and ended
        return all(checks)

    def matches_workitem(self, item: Workitem, process: ProcessInstance) -> bool:
        return (
            self.matches_process(process)
            and (self.process_id is None or process.id == self.process_id)
            and (self.node_number is None or item.node_number == self.node_number)
            and (self.task_states is None or item.state in self.task_states)
            and (self.allocated_user is None or item.allocated_user_id == self.allocated_user)
        )


def parse(raw: str | None, *, me: QUser, now: datetime, tz: tzinfo, workitems: bool) -> Criteria:
    if raw is None or raw.strip() == "":
        return Criteria()
    try:
        data = json.loads(raw)
    except ValueError:
        raise CriteriaError("criteria", raw) from None
    if not isinstance(data, dict):
        raise CriteriaError("criteria", raw)
    app_id = _int(data, "processModelInfoId")
    return Criteria(
        app_id=None if app_id == -1 else app_id,
        process_states=_strings(data, "processInstanceState"),
        process_id=_int(data, "processInstanceId") if workitems else None,
        titles=tuple(sorted(_strings(data, "processInstanceTitle") or ())),
        started_from=_when(data, "processInstanceStartDateFrom", now, tz, upper=False),
        started_before=_when(data, "processInstanceStartDateTo", now, tz, upper=True),
        ended_from=_when(data, "processInstanceEndDateFrom", now, tz, upper=False),
        ended_before=_when(data, "processInstanceEndDateTo", now, tz, upper=True),
        init_user=_user(data, "processInstanceInitQuserId", me),
        init_group=_int(data, "processInstanceInitQgroupId"),
        node_number=_int(data, "nodeNumber") if workitems else None,
        task_states=_strings(data, "state") if workitems else None,
        allocated_user=_user(data, "allocatedQuserId", me) if workitems else None,
        fields=_fields(data),
        sort_property=_choice(data, "sortProperty", tuple(SORT_KEYS)),
        sort_direction=_choice(data, "sortDirection", ("ASC", "DESC")),
    )


def _choice(data: dict[str, object], key: str, allowed: tuple[str, ...]) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or value not in allowed:
        raise CriteriaError(key, value)
    return value


def _int(data: dict[str, object], key: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool):
        raise CriteriaError(key, value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    raise CriteriaError(key, value)


def _user(data: dict[str, object], key: str, me: QUser) -> int | None:
    if data.get(key) == "#me":
        return me.id
    return _int(data, key)


def _strings(data: dict[str, object], key: str) -> frozenset[str] | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CriteriaError(key, value)
    return frozenset(value)


def _when(
    data: dict[str, object], key: str, now: datetime, tz: tzinfo, *, upper: bool
) -> datetime | None:
    """A bound as an aware datetime; ``upper`` bounds are exclusive (end of the day/minute)."""
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise CriteriaError(key, value)
    text = value.strip()
    relative = _RELATIVE.fullmatch(text)
    try:
        if relative:
            days = timedelta(days=int(relative.group(2) or 0))
            local = now.astimezone(tz)
            if relative.group(1) == "now":
                return local + days + (timedelta(seconds=1) if upper else timedelta(0))
            day = local.date() + days
            return _day_bound(day, tz, upper)
        if len(text) == 10:
            return _day_bound(date.fromisoformat(text), tz, upper)
        moment = datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=tz)
        return moment + timedelta(minutes=1) if upper else moment
    except ValueError:
        raise CriteriaError(key, value) from None


def _day_bound(day: date, tz: tzinfo, upper: bool) -> datetime:
    start = datetime.combine(day, time(0), tzinfo=tz)
    return start + timedelta(days=1) if upper else start


def _within(moment: datetime, lower: datetime | None, upper: datetime | None) -> bool:
    return (lower is None or moment >= lower) and (upper is None or moment < upper)


def _fields(data: dict[str, object]) -> frozenset[int] | None:
    value = data.get("fields")
    if value is None:
        return None
    if not isinstance(value, list):
        raise CriteriaError("fields", value)
    numbers: set[int] = set()
    for entry in value:
        number = entry.get("number") if isinstance(entry, dict) else entry
        if isinstance(number, bool) or not isinstance(number, int | str):
            raise CriteriaError("fields", value)
        try:
            numbers.add(int(number))
        except ValueError:
            raise CriteriaError("fields", value) from None
    return frozenset(numbers)
