"""Data item values: parsing what clients send, and the shapes the JSON API answers with.

Stored (canonical) values per Field.type:
  STRING, STRING_TEXTAREA, DISCUSSION -> str          DECIMAL -> Decimal
  SELECT, SELECT_MULTI -> list[str] (choice ids)       DATE -> date    DATETIME -> aware datetime
  QUSER -> int (user id)    QGROUP -> int (group id)   FILE -> list[FileValue]
  LIST (table) -> list[list[str]] (rows of cells)
``None`` means "not entered".

JSON ``value`` shapes (ProcessData.value; INFERRED where Questetra documents none), by default:
  STRING, DISCUSSION -> "text"                          DECIMAL -> number (1234.5, 12)
  SELECT, SELECT_MULTI -> [{"value": choiceId, "display": label}, ...]
  DATE -> "2024-05-01" ("2024-05", "05-01" or "2024" for the other date sub-types)
  DATETIME -> "2024-05-01T10:00:00+0900"               QUSER -> {"id", "name", "email"}
  QGROUP -> {"id", "name"}    FILE -> [{"id", "name", "contentType", "length"}, ...]
  LIST -> "<list><row><col>cell</col>…</row>…</list>"  not entered -> null
The ``values`` switch picks another plausible encoding per type (value_shapes.py).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Protocol

from .model import Field, FileValue, QGroup, QUser
from .switches import VALUE_SHAPES
from .value_shapes import encode

DEFAULT_SHAPES = {kind: shapes[0] for kind, shapes in VALUE_SHAPES.items()}

DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S%z"  # 2024-05-01T10:00:00+0900
_DECIMAL = re.compile(r"-?\d+(\.\d+)?")
_DATE_PATTERNS = {
    "DATE_YMD": (re.compile(r"(\d{4})-(\d{2})-(\d{2})"), "YYYY-MM-DD"),
    "DATE_YM": (re.compile(r"(\d{4})-(\d{2})"), "YYYY-MM"),
    "DATE_MD": (re.compile(r"(\d{2})-(\d{2})"), "MM-DD"),
    "DATE_Y": (re.compile(r"(\d{4})"), "YYYY"),
}
_DATETIME = re.compile(r"(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})")
_LEAP_YEAR = 2000  # month-day dates are stored in a leap year so 02-29 stays valid


class DataError(ValueError):
    """A value Questetra would refuse; ``str()`` is the message its form would show."""


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    filename: str
    content_type: str
    length: int


class Directory(Protocol):
    """What value parsing needs to know about the tenant."""

    timezone: tzinfo

    def user_by_email(self, email: str) -> QUser | None: ...
    def user_by_id(self, user_id: int) -> QUser | None: ...
    def group_by_name(self, name: str) -> QGroup | None: ...
    def group_by_id(self, group_id: int) -> QGroup | None: ...
    def new_file_id(self) -> int: ...


def format_datetime(value: datetime | None, tz: tzinfo) -> str | None:
    return value.astimezone(tz).strftime(DATETIME_FORMAT) if value is not None else None


def parse_inputs(fld: Field, values: Sequence[str | Upload], d: Directory) -> object:
    """Parse the values sent for one ``q_{name}`` parameter (repeats included)."""
    if fld.type == "FILE":
        uploads = [v for v in values if isinstance(v, Upload)]
        if len(uploads) != len(values):
            raise DataError("Attach files as multipart/form-data parts.")
        files = [FileValue(d.new_file_id(), u.filename, u.content_type, u.length) for u in uploads]
        return files or None
    texts = [v for v in values if isinstance(v, str)]
    if len(texts) != len(values):
        raise DataError("This data item does not accept files.")
    if fld.type == "SELECT_MULTI":
        return _parse_choices(fld, [t for t in texts if t != ""])
    if len(texts) > 1:
        raise DataError("Only one value is allowed for this data item.")
    text = texts[0] if texts else ""
    if text == "":
        return None
    return _parse_one(fld, text, d)


def _parse_one(fld: Field, text: str, d: Directory) -> object:
    if fld.type in ("STRING", "STRING_TEXTAREA", "DISCUSSION"):
        return text
    if fld.type == "DECIMAL":
        if not _DECIMAL.fullmatch(text):
            raise DataError(f'Enter a number (digits and an optional "." only): "{text}"')
        return Decimal(text)
    if fld.type == "SELECT":
        return _parse_choices(fld, [text])
    if fld.type == "DATE":
        return _parse_date(fld.api_sub_type or "DATE_YMD", text)
    if fld.type == "DATETIME":
        return _parse_datetime(text, d.timezone)
    if fld.type == "QUSER":
        user = d.user_by_email(text)
        if user is None:
            raise DataError(f'No user has the e-mail address "{text}"')
        return user.id
    if fld.type == "QGROUP":
        group = d.group_by_name(text)
        if group is None:
            raise DataError(f'No organization is named "{text}"')
        return group.id
    if fld.type == "LIST":
        return _parse_table(text)
    raise DataError(f"Unsupported data type {fld.type}")  # pragma: no cover - types are checked


def _parse_choices(fld: Field, ids: list[str]) -> list[str] | None:
    choices = fld.choices or {}
    unknown = [i for i in ids if i not in choices]
    if unknown:
        raise DataError(f'Not a choice of this item: "{unknown[0]}"')
    return list(dict.fromkeys(ids)) or None


def _parse_date(sub_type: str, text: str) -> date:
    pattern, shape = _DATE_PATTERNS[sub_type]
    match = pattern.fullmatch(text)
    try:
        if match is None:
            raise ValueError(text)
        parts = [int(p) for p in match.groups()]
        if sub_type == "DATE_YMD":
            return date(parts[0], parts[1], parts[2])
        if sub_type == "DATE_YM":
            return date(parts[0], parts[1], 1)
        if sub_type == "DATE_MD":
            return date(_LEAP_YEAR, parts[0], parts[1])
        return date(parts[0], 1, 1)
    except ValueError:
        raise DataError(f'Enter a date as {shape}: "{text}"') from None


def _parse_datetime(text: str, tz: tzinfo) -> datetime:
    match = _DATETIME.fullmatch(text)
    try:
        if match is None:
            raise ValueError(text)
        y, mo, dd, h, mi = (int(p) for p in match.groups())
        return datetime(y, mo, dd, h, mi, tzinfo=tz)
    except ValueError:
        raise DataError(f'Enter a date-time as YYYY-MM-DD hh:mm: "{text}"') from None


def _parse_table(text: str) -> list[list[str]]:
    try:
        # The emulator only listens on loopback for tests: stdlib XML parsing is acceptable here.
        root = ET.fromstring(text)  # noqa: S314
    except ET.ParseError:
        raise DataError("Enter a table as <list><row><col>…</col></row></list>") from None
    if root.tag != "list" or any(row.tag != "row" for row in root):
        raise DataError("Enter a table as <list><row><col>…</col></row></list>")
    return [[col.text or "" for col in row if col.tag == "col"] for row in root]


def coerce_python(fld: Field, value: object, d: Directory) -> object:
    """Accept friendly Python values for ``add_task(data=...)`` and return the stored form."""
    if value is None:
        return None
    if isinstance(value, str) and fld.type != "FILE":
        return parse_inputs(fld, [value], d)
    if fld.type in ("SELECT", "SELECT_MULTI") and isinstance(value, list | tuple):
        if fld.type == "SELECT" and len(value) > 1:
            raise DataError("Only one value is allowed for this data item.")
        return _parse_choices(fld, [str(v) for v in value])
    if (
        fld.type == "DECIMAL"
        and isinstance(value, int | float | Decimal)
        and not isinstance(value, bool)
    ):
        try:
            return Decimal(str(value))
        except InvalidOperation:
            raise DataError(f"not a number: {value!r}") from None
    if fld.type == "DATE" and isinstance(value, date):
        return value.date() if isinstance(value, datetime) else value
    if fld.type == "DATETIME" and isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=d.timezone)
    if fld.type == "QUSER" and isinstance(value, QUser | int):
        return _known(value if isinstance(value, int) else value.id, d.user_by_id, "user")
    if fld.type == "QGROUP" and isinstance(value, QGroup | int):
        return _known(value if isinstance(value, int) else value.id, d.group_by_id, "group")
    if fld.type == "FILE" and isinstance(value, list | tuple | str):
        return [_file(item, d) for item in ([value] if isinstance(value, str) else value)]
    if fld.type == "LIST" and isinstance(value, list | tuple):
        return [[str(cell) for cell in row] for row in value]
    raise DataError(f"{fld.type} field {fld.name!r} cannot hold {value!r}")


def _known(ident: int, lookup: Callable[[int], object | None], what: str) -> int:
    if lookup(ident) is None:
        raise DataError(f"no {what} with id {ident}")
    return ident


def _file(item: object, d: Directory) -> FileValue:
    if isinstance(item, FileValue):
        return item
    if isinstance(item, str):
        return FileValue(d.new_file_id(), item, "application/octet-stream", 0)
    if isinstance(item, dict):
        return FileValue(
            d.new_file_id(),
            str(item["name"]),
            str(item.get("contentType", "application/octet-stream")),
            int(item.get("length", 0)),
        )
    raise DataError(f"not a file: {item!r}")


def render_value(
    fld: Field, stored: object, d: Directory, shapes: Mapping[str, str] | None = None
) -> object:
    """The JSON ``value`` of a ProcessData entry, in the encodings ``shapes`` chose per data
    type (switches.Switches.values; None: the defaults)."""
    if stored is None:
        return None
    return encode(fld.data_type, _canonical(fld, stored, d), shapes or DEFAULT_SHAPES)


def _canonical(fld: Field, stored: object, d: Directory) -> object:
    if fld.type == "DECIMAL" and isinstance(stored, Decimal):
        return stored
    if fld.type in ("SELECT", "SELECT_MULTI") and isinstance(stored, list):
        labels = fld.choices or {}
        return [{"value": c, "display": labels.get(c, c)} for c in stored]
    if fld.type == "DATE" and isinstance(stored, date):
        return format_date(fld, stored)
    if fld.type == "DATETIME" and isinstance(stored, datetime):
        return format_datetime(stored, d.timezone)
    if fld.type == "QUSER" and isinstance(stored, int):
        user = d.user_by_id(stored)
        return {"id": user.id, "name": user.name, "email": user.email} if user else None
    if fld.type == "QGROUP" and isinstance(stored, int):
        group = d.group_by_id(stored)
        return {"id": group.id, "name": group.name} if group else None
    if fld.type == "FILE" and isinstance(stored, list):
        return [
            {"id": f.id, "name": f.name, "contentType": f.content_type, "length": f.length}
            for f in stored
        ]
    return stored


def format_date(fld: Field, value: date) -> str:
    sub_type = fld.api_sub_type
    if sub_type == "DATE_YM":
        return value.strftime("%Y-%m")
    if sub_type == "DATE_MD":
        return value.strftime("%m-%d")
    if sub_type == "DATE_Y":
        return value.strftime("%Y")
    return value.isoformat()


def display_value(fld: Field, stored: object, d: Directory) -> str:
    """Plain text for the emulator's HTML pages (from the stored value, whatever the switch)."""
    rendered = _canonical(fld, stored, d) if stored is not None else None
    if rendered is None:
        return ""
    if fld.type == "LIST" and isinstance(rendered, list):
        return " / ".join(" | ".join(map(str, row)) for row in rendered)
    if isinstance(rendered, list):
        return ", ".join(
            str(i.get("display", i.get("name"))) for i in rendered if isinstance(i, dict)
        )
    if isinstance(rendered, dict):
        return str(rendered.get("name", ""))
    return str(rendered)
