"""What the bridge expects of Questetra's answers, written down as data.

One contract, three judges: the contract fixtures (``tests/fixtures/questetra/``, samples
assembled from the public sources), the emulator's own answers (tests), and a real tenant
(``python -m bot probe``). :func:`check` compares an answer with a :class:`Spec` and names every
difference by path and JSON type, never by value, so its output can be shown to anyone.

A field is *required* when the bot cannot work without it (the parser raises); every other field
is optional, and a mismatch there only costs what its ``effect`` says.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.questetra.tasks import parse_datetime

_DIGITS = re.compile(r"\d")
_DATE_LIKE = re.compile(r"^\d{4}-\d{2}")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]{0,40}$")


@dataclass(frozen=True)
class Spec:
    """A JSON shape. ``kind``: string, integer, number, boolean, datetime (a string the bot
    reads as an aware date-time), any, object, array, map (an object keyed by anything)."""

    kind: str
    nullable: bool = False
    fields: Mapping[str, Field] = field(default_factory=dict)
    item: Spec | None = None  # array items, map values

    def describe(self) -> str:
        text = {
            "datetime": "date-time string (yyyy-MM-ddTHH:mm:ss±hhmm)",
            "object": "object",
            "array": f"array of {self.item.describe() if self.item else 'anything'}",
            "map": "object keyed by number",
        }.get(self.kind, self.kind)
        return f"{text} or null" if self.nullable else text


@dataclass(frozen=True)
class Field:
    spec: Spec
    required: bool = False
    effect: str = "probe.effect.ignored"  # an i18n key (bot/i18n/probe.py): what a mismatch costs


@dataclass(frozen=True)
class Mismatch:
    """One difference: where, what the bot expects, what came (a JSON type, never a value)."""

    path: str
    expected: str
    found: str
    effect: str


def string(nullable: bool = False) -> Spec:
    return Spec("string", nullable)


def integer(nullable: bool = False) -> Spec:
    return Spec("integer", nullable)


def datetime_(nullable: bool = True) -> Spec:
    return Spec("datetime", nullable)


def obj(**fields: Field) -> Spec:
    return Spec("object", fields=fields)


def req(spec: Spec, effect: str) -> Field:
    return Field(spec, True, effect)


def opt(spec: Spec, effect: str = "probe.effect.ignored") -> Field:
    return Field(spec, False, effect)


# ------------------------------------------------------------------ the endpoints the bot reads

QUSER = obj(
    quser=req(
        obj(
            id=req(integer(), "probe.effect.no_link"),
            name=req(string(), "probe.effect.no_link"),
            email=req(string(), "probe.effect.no_link"),
        ),
        "probe.effect.no_link",
    )
)

WORKITEM = obj(
    id=req(integer(), "probe.effect.list_unreadable"),
    processInstanceId=req(integer(), "probe.effect.list_unreadable"),
    nodeName=opt(string(True), "probe.effect.task_name"),
    state=opt(string(True)),
    processInstanceSequenceNumber=opt(integer(True), "probe.effect.process_number"),
    processInstanceTitle=opt(string(True), "probe.effect.title"),
    processModelInfoId=opt(integer(True)),
    processModelInfoName=opt(string(True), "probe.effect.app_name"),
    processInstanceInitQuserName=opt(string(True), "probe.effect.starter"),
    offerDatetime=opt(datetime_(), "probe.effect.dates"),
    allocateDatetime=opt(datetime_(), "probe.effect.dates"),
    timeLimitDatetime=opt(datetime_(), "probe.effect.deadline"),
)

WORKITEM_LIST = obj(
    count=opt(integer(), "probe.effect.paging"),
    workitems=req(Spec("array", item=WORKITEM), "probe.effect.list_unreadable"),
)

DATUM = obj(
    dataType=opt(string(True), "probe.effect.value_type"),
    subType=opt(string(True)),
    name=opt(string(True), "probe.effect.data_label"),
    processDataDefinitionNumber=opt(integer(True)),
    viewOrder=opt(integer(True), "probe.effect.data_order"),
    value=opt(Spec("any", True)),
)

PROCESS = obj(
    processInstanceId=req(integer(), "probe.effect.details_unreadable"),
    processInstanceSequenceNumber=opt(integer(True), "probe.effect.process_number"),
    processInstanceTitle=opt(string(True), "probe.effect.title"),
    processInstanceState=opt(string(True)),
    processModelInfoName=opt(string(True), "probe.effect.app_name"),
    processInstanceInitQuserName=opt(string(True), "probe.effect.starter"),
    processInstanceStartDatetime=opt(datetime_(), "probe.effect.dates"),
    activeTokenNodeName=opt(Spec("array", True, item=string()), "probe.effect.active_nodes"),
    data=opt(Spec("map", True, item=DATUM), "probe.effect.no_data"),
)

PROCESS_VIEW = obj(processInstance=req(PROCESS, "probe.effect.details_unreadable"))

PROCESS_SUMMARY = obj(
    processInstanceId=req(integer(), "probe.effect.subscriptions"),
    processInstanceSequenceNumber=opt(integer(True), "probe.effect.process_number"),
    processInstanceTitle=opt(string(True), "probe.effect.title"),
    processModelInfoId=opt(integer(True)),
    processModelInfoName=opt(string(True), "probe.effect.app_name"),
    processInstanceInitQuserName=opt(string(True), "probe.effect.starter"),
    processInstanceStartDatetime=opt(datetime_(), "probe.effect.dates"),
)

PROCESS_LIST = obj(
    count=opt(integer(), "probe.effect.ignored"),
    processInstances=req(Spec("array", item=PROCESS_SUMMARY), "probe.effect.subscriptions"),
)

STARTABLE = obj(
    count=opt(integer()),
    startableActivities=req(
        Spec(
            "array",
            item=obj(
                processModelInfoId=req(integer(), "probe.effect.subscribe_by_name"),
                processModelInfoName=opt(string(True), "probe.effect.subscribe_by_name"),
            ),
        ),
        "probe.effect.subscribe_by_name",
    ),
)

ERROR = obj(
    errorCode=opt(string(True), "probe.effect.error_text"),
    type=opt(string(True), "probe.effect.error_text"),
    input=opt(string(True)),
)

ERRORS = obj(errors=req(Spec("array", item=ERROR), "probe.effect.error_text"))

ACCEPT_RESULTS = obj(
    results=req(
        Spec(
            "array",
            item=obj(
                success=req(Spec("boolean"), "probe.effect.accept"),
                workitemId=req(integer(), "probe.effect.accept"),
                workitem=opt(Spec("object", True)),
                error=opt(Spec("object", True, fields=ERROR.fields), "probe.effect.error_text"),
            ),
        ),
        "probe.effect.accept",
    )
)

TOKEN = obj(
    access_token=req(string(), "probe.effect.no_link"),
    token_type=opt(string(True)),
    expires_in=opt(integer(True), "probe.effect.expiry"),
    refresh_token=opt(string(True), "probe.effect.refresh"),
    scope=opt(string(True)),
)

TOKEN_ERROR = obj(
    error=opt(string(True), "probe.effect.token_error"),
    error_description=opt(string(True)),
)


# ------------------------------------------------------------------ checking


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def check(
    spec: Spec, value: Any, path: str = "$", effect: str = "probe.effect.ignored"
) -> list[Mismatch]:
    """Every difference between ``value`` and ``spec`` (empty: it matches)."""
    if value is None:
        return [] if spec.nullable or spec.kind == "any" else [_miss(path, spec, value, effect)]
    kind = spec.kind
    if kind == "any":
        return []
    if kind == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind == "number":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif kind == "boolean":
        ok = isinstance(value, bool)
    elif kind == "string":
        ok = isinstance(value, str)
    elif kind == "datetime":
        ok = isinstance(value, str) and parse_datetime(value) is not None
    elif kind == "array":
        if not isinstance(value, list):
            return [_miss(path, spec, value, effect)]
        found: list[Mismatch] = []
        for index, item in enumerate(value):
            found += check(spec.item or Spec("any"), item, f"{path}[{index}]", effect)
        return _dedupe(found)
    elif kind in ("object", "map"):
        if not isinstance(value, dict):
            return [_miss(path, spec, value, effect)]
        if kind == "map":
            found = []
            for key, item in value.items():
                found += check(spec.item or Spec("any"), item, f"{path}.*", effect)
                del key
            return _dedupe(found)
        found = []
        for name, member in spec.fields.items():
            where = f"{path}.{name}"
            if name not in value:
                if member.required:
                    found.append(Mismatch(where, member.spec.describe(), "missing", member.effect))
                continue
            found += check(member.spec, value[name], where, member.effect)
        return found
    else:  # pragma: no cover - every kind is listed above
        raise ValueError(kind)
    return [] if ok else [_miss(path, spec, value, effect)]


def _miss(path: str, spec: Spec, value: Any, effect: str) -> Mismatch:
    found = json_type(value)
    if spec.kind == "datetime" and isinstance(value, str):
        found = f"string {date_pattern(value)}"
    return Mismatch(path, spec.describe(), found, effect)


def _dedupe(found: list[Mismatch]) -> list[Mismatch]:
    """``$.workitems[0].x`` and ``$.workitems[7].x`` are one finding: ``$.workitems[].x``."""
    seen: dict[tuple[str, str, str], Mismatch] = {}
    for m in found:
        path = re.sub(r"\[\d+\]", "[]", m.path)
        seen.setdefault((path, m.expected, m.found), Mismatch(path, m.expected, m.found, m.effect))
    return list(seen.values())


def date_pattern(text: str) -> str:
    """A date-like string with its digits hidden (``9999-99-99T99:99:99+9999``); other text
    becomes ``(text)``. Shows a format, never a value."""
    if _DATE_LIKE.match(text) and len(text) <= 40:
        return _DIGITS.sub("9", text)
    return "(text)"


def outline(value: Any, path: str = "$", depth: int = 0) -> list[tuple[str, str]]:
    """``(path, JSON type)`` of every member, for a report: names of members and their types,
    date formats as patterns; object keys that are not plain names (data item numbers, or
    anything that could be data) are shown as ``*``; never a value."""
    here = json_type(value)
    if isinstance(value, str) and _DATE_LIKE.match(value):
        here = f"string {date_pattern(value)}"
    rows = [(path, here)]
    if depth >= 6:
        return rows
    merged: dict[str, set[str]] = {}
    if isinstance(value, list):
        for item in value[:50]:
            for sub, kind in outline(item, f"{path}[]", depth + 1):
                merged.setdefault(sub, set()).add(kind)
    elif isinstance(value, dict):
        for key, item in value.items():
            name = key if _IDENT.match(key) and not key.isdigit() else "*"
            for sub, kind in outline(item, f"{path}.{name}", depth + 1):
                merged.setdefault(sub, set()).add(kind)
    # One line per member: every type seen there, e.g. "string 9999-99-99|null".
    rows += [(sub, "|".join(sorted(kinds))) for sub, kinds in merged.items()]
    return rows
