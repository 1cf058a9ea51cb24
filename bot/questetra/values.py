"""Process data values (``ProcessInstance/view`` → ``data.*.value``) read into plain text.

Questetra documents the ``value`` shape of a string only ([SWG] example) and of dates ([LOOKER]);
for choices, users, organizations, files and tables the public sources show several plausible
encodings (questetra-fidelity.md G3/G4). Every one of them is read here:

    STRING, DATE, DATETIME    "text"
    DECIMAL                   1234.5 | "1234.50" | "1,234"
    SELECT                    [{"value","display"}] | {"item":[…]} | {"items":[…]} | "id" | ["id"]
    QUSER / QGROUP            {"id","name","email"} | {"quser":{…}} | {"qgroup":{…}} | "name"
    FILE                      [{"id","name",…}] | {"qfile":[…]} | {"files":[…]} | "name"
    LIST (table)              "<list><row><col>…</col></row>[<summary>…</summary>]</list>"
                              (also with an ``<?xml …?>`` declaration) | {"rows":[[…]]} | [[…]]

Anything else becomes readable text too ("key: value" pairs, never a JSON dump).
:func:`shape_of` names the encoding of a value (for ``python -m bot probe``), never its content.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from bot.domain.tasks import Readable, Table
from bot.questetra.answers import safe_xml

MAX_ITEMS = 200  # of a list or table read from one value
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,40}$")
MAX_DEPTH = 6  # of nested objects flattened into text
# Object wrappers seen or plausible around one value ([TITANIUM] form XML: quser, qgroup, qfile;
# [SWG] SelectItem lists; an "item" list as XML-to-JSON converters produce it).
WRAPPERS = ("quser", "qgroup", "qfile", "item", "items", "file", "files", "value", "values")
LABEL_KEYS = ("display", "name", "label", "title", "value", "email", "id")


def read_value(data_type: str, raw: Any) -> Readable:
    """A data item's value as text, a list of texts, or a table; ``None`` when empty."""
    if raw is None or raw == "" or raw == [] or raw == {}:
        return None
    if isinstance(raw, str):
        table = _xml_table(raw) if _looks_like_xml(raw) or data_type == "LIST" else None
        return table if table is not None else raw
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, int | float):
        return _number(raw)
    if isinstance(raw, Mapping):
        rows = raw.get("rows")
        if isinstance(rows, list):
            return _table_of(rows, raw.get("summary"))
        inner = _unwrap(raw)
        if inner is not raw:
            return read_value(data_type, inner)
        return _label(raw, 0)
    if isinstance(raw, list):
        if raw and all(isinstance(r, list) for r in raw):
            return _table_of(raw, None)
        items = tuple(text for item in raw[:MAX_ITEMS] if (text := _label(item, 0)))
        return items or None
    return str(raw)


def _number(value: float) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return str(value)


def _looks_like_xml(text: str) -> bool:
    head = text.lstrip()[:64]
    return head.startswith(("<list", "<?xml"))


def _xml_table(text: str) -> Table | None:
    root = safe_xml(text.strip().encode("utf-8"))
    if root is None or _local(root.tag) != "list":
        return None
    rows: list[tuple[str, ...]] = []
    summary: tuple[str, ...] | None = None
    for child in root:
        cells = tuple(" ".join((col.text or "").split()) for col in child)
        if _local(child.tag) == "summary":
            summary = cells
        elif len(rows) < MAX_ITEMS:
            rows.append(cells)
    return Table(tuple(rows), summary)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _table_of(rows: Sequence[Any], summary: Any) -> Table:
    def cells(row: Any) -> tuple[str, ...]:
        if isinstance(row, list):
            return tuple(_label(c, 1) for c in row)
        if isinstance(row, Mapping):
            return tuple(_label(c, 1) for c in row.values())
        return (_label(row, 1),)

    return Table(
        tuple(cells(r) for r in rows[:MAX_ITEMS]),
        cells(summary) if summary is not None else None,
    )


def _unwrap(obj: Mapping[str, Any]) -> Any:
    """``{"quser": {…}}`` → ``{…}``: an object whose only member is a known wrapper."""
    if len(obj) == 1:
        ((key, inner),) = obj.items()
        if isinstance(inner, list) or (key in WRAPPERS and isinstance(inner, Mapping)):
            return inner
    return obj


def _label(value: Any, depth: int) -> str:
    """One short readable text for any JSON value."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _number(value)
    if depth >= MAX_DEPTH:
        return "…"
    if isinstance(value, list):
        return ", ".join(t for item in value[:MAX_ITEMS] if (t := _label(item, depth + 1)))
    if isinstance(value, Mapping):
        inner = _unwrap(value)
        if inner is not value:
            return _label(inner, depth + 1)
        name = value.get("display") or value.get("name") or value.get("label")
        email = value.get("email")
        if isinstance(name, str | int | float) and name != "":
            text = _label(name, depth + 1)
            return f"{text} <{email}>" if isinstance(email, str) and email else text
        for key in LABEL_KEYS[3:]:
            if isinstance(value.get(key), str | int | float) and value[key] != "":
                return _label(value[key], depth + 1)
        return ", ".join(
            f"{k}: {t}" for k, v in list(value.items())[:MAX_ITEMS] if (t := _label(v, depth + 1))
        )
    return str(value)


# ------------------------------------------------------------------ shapes, for the probe


def shape_of(raw: Any, depth: int = 0) -> str:
    """The encoding of a value without its content: ``string``, ``xml-table``, ``number``,
    ``object{email,id,name}``, ``list[object{display,value}]``, ``object{quser:object{…}}`` …"""
    if raw is None:
        return "null"
    if isinstance(raw, bool):
        return "boolean"
    if isinstance(raw, int | float):
        return "number"
    if isinstance(raw, str):
        if _looks_like_xml(raw):
            return "xml-table" if _xml_table(raw) is not None else "xml-text"
        return "string"
    if depth >= 3:
        return "…"
    if isinstance(raw, list):
        kinds = sorted({shape_of(item, depth + 1) for item in raw[:20]})
        return f"list[{'|'.join(kinds)}]" if kinds else "list[]"
    if isinstance(raw, Mapping):
        members = ",".join(
            dict.fromkeys(
                _key(k)
                if not isinstance(v, Mapping | list)
                else f"{_key(k)}:{shape_of(v, depth + 1)}"
                for k, v in sorted(raw.items(), key=lambda kv: str(kv[0]))[:20]
            )
        )
        return f"object{{{members}}}"
    return type(raw).__name__


def _key(key: object) -> str:
    """A member name as is when it is a plain name; anything that could be data becomes ``*``."""
    text = str(key)
    return text if _NAME.match(text) else "*"


def recognized(raw: Any, depth: int = 0) -> bool:
    """Is this one of the encodings :func:`read_value` knows (module docstring)? Anything else
    is still shown, as flattened "key: value" text; the probe reports it as a mismatch."""
    if raw is None or isinstance(raw, str | bool | int | float):
        return True
    if depth >= MAX_DEPTH:
        return False
    if isinstance(raw, list):
        return all(recognized(item, depth + 1) for item in raw[:MAX_ITEMS])
    if isinstance(raw, Mapping):
        if isinstance(raw.get("rows"), list):
            return True
        inner = _unwrap(raw)
        if inner is not raw:
            return recognized(inner, depth + 1)
        return any(isinstance(raw.get(k), str | int | float) for k in LABEL_KEYS[:-1])
    return False
