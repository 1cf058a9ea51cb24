"""Task forms on the wire: ``GET API/PE/Workitem/Form/viewXml`` and ``POST …/Form/save``.

Specified from public sources only (questetra-fidelity.md §4, fixtures with their sources in
``tests/fixtures/questetra/forms/``). The parser matches **local names** (namespace prefixes vary;
[TITANIUM] strips them), reads every ``<value>`` shape seen or plausible (§4.5.4), and never fails
on an element it does not know. ``save`` reads the answer of **any** status whose body is a
``<result>`` (200, 400 and 500 have all been seen or documented, §4.5.2).

Failures, mapped for the caller::

    viewXml / save 401          → FormNotAllowed (this task is not the user's to process, or the
                                  credential is bad: the caller checks Quser/self, C4)
    save 403 (not a <result>)   → QuestetraForbidden (read scope, edition without POST, INFERRED)
    nothing sent                → QuestetraDown
    sent, no answer             → QuestetraNoAnswer (a save's outcome is unknown: never retried)
    unreadable answer           → QuestetraProtocolError
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from html import unescape

import httpx2

from bot.domain.forms import (
    Choice,
    CurrentValue,
    DataType,
    FormItem,
    Role,
    SaveResult,
    TaskForm,
    UserSelect,
)
from bot.questetra.api import QuestetraApi, _errors_of
from bot.questetra.errors import (
    QuestetraBadRequest,
    QuestetraDown,
    QuestetraError,
    QuestetraForbidden,
    QuestetraProtocolError,
)

VIEW_PATH = "API/PE/Workitem/Form/viewXml"
SAVE_PATH = "API/PE/Workitem/Form/save"
MAX_BODY = 2 * 1024 * 1024  # a form with many items and a big table; anything past is refused
MAX_ERRORS = 100
_PREFIX = re.compile(r"(</?)[A-Za-z_][\w.-]*:")
_XMLNS = re.compile(r'\sxmlns(:[\w.-]+)?="[^"]*"')
_TAG = re.compile(r"<[^>]+>")


class FormNotAllowed(QuestetraError):
    """401 on a form call: Questetra does not let this user process this task (or the
    credential itself is refused; only ``Quser/self`` tells which)."""

    def __str__(self) -> str:
        return "Questetra refused the task form (401)"


# ------------------------------------------------------------------------------------ parsing


def parse_xml(body: bytes) -> ET.Element | None:
    """A small, DTD-free XML document, namespaces resolved or stripped; None if unreadable."""
    if len(body) > MAX_BODY or b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        return None  # nothing to expand, nothing to fetch
    try:
        # Our own tenant's answer, size-capped and DTD-free (checked above).
        return ET.fromstring(body)  # noqa: S314
    except ET.ParseError:
        pass
    # A prefix used without its declaration ("unbound prefix"): read it by local names anyway.
    text = body.decode("utf-8", "replace")
    try:
        return ET.fromstring(_XMLNS.sub("", _PREFIX.sub(r"\1", text)))  # noqa: S314
    except ET.ParseError:
        return None


def local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child(element: ET.Element | None, name: str) -> ET.Element | None:
    if element is None:
        return None
    return next((c for c in element if local(c.tag) == name), None)


def _children(element: ET.Element | None, name: str) -> list[ET.Element]:
    return [] if element is None else [c for c in element if local(c.tag) == name]


def _text(element: ET.Element | None, name: str) -> str | None:
    found = _child(element, name)
    if found is None or found.text is None:
        return None
    return found.text.strip()


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None and text.strip() else None
    except ValueError:
        return None


def _bool(text: str | None) -> bool:
    return (text or "").strip().lower() == "true"


def _decimal(text: str | None) -> Decimal | None:
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


def plain_text(html: str | None) -> str:
    """Questetra's descriptions are HTML: the words only, blank runs collapsed."""
    if not html:
        return ""
    return " ".join(unescape(_TAG.sub(" ", html)).split())


def parse_form(body: bytes) -> TaskForm:
    """The ``<workitem-form>`` of viewXml. Raises QuestetraProtocolError if it is not one."""
    root = parse_xml(body)
    if root is None or local(root.tag) != "workitem-form":
        raise QuestetraProtocolError(f"{VIEW_PATH}: not a workitem-form")
    items = [_item(e) for e in _children(root, "form-data")]
    items.sort(key=lambda i: (i[0], i[1].number if i[1].number is not None else 0))
    buttons = [
        UserSelect(flow_id, _text(e, "name") or flow_id)
        for e in _children(_child(root, "user-selects"), "user-select")
        if (flow_id := _text(e, "flow-id"))
    ]
    roles = [
        Role(qgroup_id, _text(e, "qgroup-name") or qgroup_id)
        for e in _children(_child(root, "executing-roles"), "executing-role")
        if (qgroup_id := _text(e, "qgroup-id"))
    ]
    return TaskForm(
        workitem_id=_int(_text(root, "workitem-id")),
        task_name=_text(root, "task-name") or "",
        title=_text(root, "title") if _child(root, "title") is not None else None,
        title_writable=(_int(_text(root, "title-accessibility")) or 0) >= 2,
        items=tuple(item for _, item in items),
        buttons=tuple(dict.fromkeys(buttons)),
        roles=tuple(dict.fromkeys(roles)),
        current_role=_text(root, "qgroup-id") or None,
        process_instance_id=_int(_text(root, "process-instance-id")),
    )


def _item(element: ET.Element) -> tuple[int, FormItem]:
    data_type = _int(_text(element, "data-type"))
    data_type = data_type if data_type is not None else -1
    number = (
        _int(element.get("number")) if element.get("number") else _int(_text(element, "number"))
    )
    decimal = _child(element, "decimal-detail")
    columns = tuple(
        _text(d, "name") or ""
        for d in _children(_child(_child(element, "list-detail"), "sub-data-defs"), "sub-data-def")
    )
    choices = tuple(_choices(_child(element, "items")))
    required = _bool(_text(element, "required")) or _bool(_text(decimal, "required"))
    item = FormItem(
        number=number,
        name=_text(element, "name") or _text(element, "var-name") or f"#{number}",
        var_name=_text(element, "var-name") or None,
        data_type=data_type,
        access=_int(_text(element, "accessibility")) or 0,
        required=required,
        form_type=_int(_text(element, "form-type")),
        sub_type=_int(_text(element, "sub-type")),
        description=plain_text(_text(element, "description")),
        choices=choices,
        scale=_int(_text(decimal, "scale")),
        minimum=_decimal(_text(decimal, "minimum")),
        maximum=_decimal(_text(decimal, "maximum")),
        columns=columns,
        value=_value(_child(element, "value"), data_type, choices),
    )
    order = _int(_text(element, "view-order"))
    return (order if order is not None else 1 << 30), item


def _choices(parent: ET.Element | None) -> Iterable[Choice]:
    for entry in _children(parent, "item"):
        choice_id = _text(entry, "value")
        if choice_id is not None:
            yield Choice(choice_id, _text(entry, "display") or choice_id)


def _value(element: ET.Element | None, data_type: int, choices: Sequence[Choice]) -> CurrentValue:
    if element is None:
        return CurrentValue()
    text = (element.text or "").strip() or None
    if data_type == DataType.SELECT:
        items = list(_choices(element))
        if not items and text:  # the text variant: choice ids, one per line
            known = {c.id: c for c in choices}
            items = [known.get(i, Choice(i, i)) for i in text.split()]
        ids = tuple(dict.fromkeys(c.id for c in items))
        return CurrentValue(selected=ids, display=", ".join(c.label for c in items) or None)
    if data_type == DataType.DATETIME:
        day, clock = _text(element, "date"), _text(element, "time")
        if day and clock:
            text = f"{day} {clock[:5]}"
        return CurrentValue(text=text, display=text)
    if data_type == DataType.USER:
        quser = _child(element, "quser")
        if quser is not None:
            email, name = _text(quser, "email"), _text(quser, "name")
            shown = f"{name} <{email}>" if name and email else (name or email)
            return CurrentValue(text=email or None, display=shown)
        return CurrentValue(text=text, display=text)
    if data_type == DataType.ORGANIZATION:
        qgroup = _child(element, "qgroup")
        name = _text(qgroup, "name") if qgroup is not None else text
        return CurrentValue(text=name or None, display=name or None)
    if data_type == DataType.FILE:
        files = tuple(
            (_text(f, "id") or "", _text(f, "name") or "") for f in _children(element, "qfile")
        )
        if not files and text:
            files = tuple(("", name) for name in text.splitlines() if name.strip())
        shown = ", ".join(name for _, name in files) or None
        return CurrentValue(files=files, display=shown)
    if data_type == DataType.TABLE:
        return _table(element, text)
    return CurrentValue(text=text, display=text)


def _table(element: ET.Element, text: str | None) -> CurrentValue:
    """A table value: an XML string (TITANIUM; maybe with ``<?xml …?>``) or embedded elements."""
    table = _child(element, "list")
    if table is None and text:
        table = parse_xml(text.encode())
    if table is None or local(table.tag) != "list":
        return CurrentValue(text=text, display=text)
    rows = tuple(
        tuple((c.text or "").strip() for c in row if local(c.tag) == "col")
        for row in table
        if local(row.tag) in ("row", "summary")
    )
    # Re-sent verbatim without the declaration (the Message Start Event value format).
    raw = text.split("?>", 1)[-1].strip() if text else ET.tostring(table, encoding="unicode")
    return CurrentValue(text=raw or None, rows=rows, display=None)


def parse_result(body: bytes) -> SaveResult | None:
    """The ``<result>`` of Form/save, or None when the body is not one."""
    root = parse_xml(body)
    if root is None or local(root.tag) != "result":
        return None
    field_errors: dict[str, list[str]] = {}
    for error in _children(_child(root, "process-data-validation-errors"), "error")[:MAX_ERRORS]:
        key = _text(error, "key") or ""
        field_errors.setdefault(key, []).append(_text(error, "detail") or "")
    errors = [
        (_text(e, "key") or "", _text(e, "detail") or "")
        for e in _children(_child(root, "errors"), "error")[:MAX_ERRORS]
    ]
    success = _bool(root.get("success")) and not field_errors and not errors
    return SaveResult(success, field_errors, errors)


# ------------------------------------------------------------------------------------ calls


class FormApi:
    def __init__(self, api: QuestetraApi, *, save_timeout: float | None = None) -> None:
        self._api = api
        self._save_timeout = save_timeout

    async def view(self, auth: httpx2.Auth, workitem_id: int) -> TaskForm:
        response = await self._api.send(
            "GET", VIEW_PATH, auth=auth, params={"workitemId": workitem_id}
        )
        status = response.status_code
        if status == 401:
            raise FormNotAllowed()
        if status == 200:
            return parse_form(response.content)
        raise _failure(VIEW_PATH, response)

    async def save(
        self, auth: httpx2.Auth, workitem_id: int, params: Sequence[tuple[str, str]]
    ) -> SaveResult:
        """POST the form once (never retried here). ``params``: everything but ``workitemId``,
        in order, repeated names kept."""
        body = [("workitemId", str(workitem_id)), *params]
        response = await self._api.send(
            "POST", SAVE_PATH, auth=auth, data=body, read_timeout=self._save_timeout
        )
        result = parse_result(response.content)
        if result is not None:
            return result  # authoritative whatever the status (200, 400, 500)
        if response.status_code == 401:
            raise FormNotAllowed()
        if response.status_code == 200:
            raise QuestetraProtocolError(f"{SAVE_PATH}: answer is not a <result>")
        raise _failure(SAVE_PATH, response)


def _failure(path: str, response: httpx2.Response) -> QuestetraError:
    status = response.status_code
    if status == 403:
        return QuestetraForbidden()
    if status == 400:
        problems = _errors_of(response)
        if problems is not None:
            return QuestetraBadRequest(problems)
        return QuestetraProtocolError(f"{path}: HTTP 400 without an error list")
    if status >= 500:
        return QuestetraDown(f"{path}: HTTP {status}")
    return QuestetraProtocolError(f"{path}: HTTP {status}")
