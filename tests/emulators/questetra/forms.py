"""Task forms: ``GET /API/PE/Workitem/Form/viewXml`` and ``POST /API/PE/Workitem/Form/save``.

The XML element names are INFERRED from the Swagger models (WorkitemForm, WorkitemFormFormdata,
WorkitemFormUserselects, WorkitemFormResult) in kebab-case:

  <workitem-form><title/>…<task-name/>
    <form-data><id/><number/><accessibility/><data-type/><name/><var-name/>…<value/></form-data>…
    <user-selects><user-select><flow-id>0</flow-id><name>Submit</name></user-select>…</user-selects>
  </workitem-form>

  <result success="true|false"><errors><error><key/><detail/></error></errors>
    <process-data-validation-errors><error><key>q_x</key><detail/></error>
    </process-data-validation-errors></result>

``<value>`` uses the same text formats as the ``q_`` parameters (dates "2011-10-27", date-times
"2011-10-27 12:34", users by e-mail, organizations by name, choice ids one per line).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, datetime
from decimal import Decimal

from starlette.responses import Response
from starlette.routing import Route

from .apibase import ApiError, endpoint, int_param, required_int
from .auth import Principal
from .model import Field, FileValue, Workitem
from .params import Params
from .serialize import is_mine
from .start_events import XML_HEADER
from .state import EmulatorState
from .values import DataError, format_date, parse_inputs

# WorkitemFormFormdata.dataType / formType codes.
_DATA_TYPE_CODES = {
    "STRING": 0, "STRING_TEXTAREA": 0, "DATE": 5, "QUSER": 8, "DISCUSSION": 9, "DATETIME": 10,
    "SELECT": 11, "SELECT_MULTI": 11, "DECIMAL": 12, "LIST": 13, "FILE": 14, "QGROUP": 16,
}  # fmt: skip
_FORM_TYPES = {"STRING_TEXTAREA": 1, "DISCUSSION": 1, "SELECT": 2, "SELECT_MULTI": 3}
_DATE_SUB_TYPES = {"DATE_YMD": 0, "DATE_YM": 1, "DATE_MD": 2, "DATE_Y": 3}
_FORM_PARAMS = {"workitemId", "title", "flow", "saveOnly", "qgroupId"}


def routes(state: EmulatorState) -> list[Route]:
    return [
        Route("/API/PE/Workitem/Form/viewXml", endpoint(state, view_xml), methods=["GET"]),
        Route("/API/PE/Workitem/Form/save", endpoint(state, save, write=True), methods=["POST"]),
    ]


def _xml(root: ET.Element) -> Response:
    body = XML_HEADER + ET.tostring(root, encoding="unicode")
    return Response(body, media_type="text/xml;charset=UTF-8")


def _add(parent: ET.Element, tag: str, value: object) -> ET.Element:
    element = ET.SubElement(parent, tag)
    if value is not None:
        element.text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return element


def _my_task(state: EmulatorState, me: Principal, params: Params) -> Workitem:
    workitem_id = required_int(params, "workitemId")
    item = state.db.workitems.get(workitem_id)
    if item is None:
        raise ApiError("WORKITEM_NOT_FOUND", "workitemId", workitem_id)
    if not is_mine(item, me.user):
        raise ApiError("FORBIDDEN", "workitemId", workitem_id, 403)
    return item


def _editable(item: Workitem, fld: Field) -> bool:
    return item.editable_fields is None or fld.name in item.editable_fields


def view_xml(state: EmulatorState, me: Principal, params: Params) -> Response:
    item = _my_task(state, me, params)
    process = state.db.processes[item.process_instance_id]
    app = state.db.apps[process.app_id]
    root = ET.Element("workitem-form")
    for tag, value in (
        ("title", process.title),
        ("title-accessibility", 3),
        ("process-model-info-id", app.id),
        ("node-number", item.node_number),
        ("process-instance-id", process.id),
        ("workitem-id", item.id),
        ("swimlane-type", 0),
        ("task-name", item.node_name),
    ):
        _add(root, tag, value)
    for fld in app.fields:
        if fld.visible:
            _form_data(state, root, fld, process.data.get(fld.number), _editable(item, fld))
    selects = ET.SubElement(root, "user-selects")
    for flow_id, name in enumerate(item.flows):
        choice = ET.SubElement(selects, "user-select")
        _add(choice, "flow-id", flow_id)
        _add(choice, "name", name)
    return _xml(root)


def _form_data(
    state: EmulatorState, root: ET.Element, fld: Field, stored: object, editable: bool
) -> None:
    element = ET.SubElement(root, "form-data")
    for tag, value in (
        ("id", fld.number),
        ("number", fld.number),
        ("accessibility", 3 if editable else 1),
        ("data-type", _DATA_TYPE_CODES[fld.type]),
        ("name", fld.label),
        ("var-name", fld.name),
        ("view-order", fld.number),
        ("form-type", _FORM_TYPES.get(fld.type, 0)),
        ("sub-type", _DATE_SUB_TYPES.get(fld.api_sub_type or "")),
        ("required", fld.required),
    ):
        _add(element, tag, value)
    if fld.choices:
        items = ET.SubElement(element, "items")
        selected = stored if isinstance(stored, list) else []
        for choice_id, label in fld.choices.items():
            entry = ET.SubElement(items, "item")
            _add(entry, "value", choice_id)
            _add(entry, "display", label)
            _add(entry, "selected", choice_id in selected)
    _add(element, "value", _input_text(state, fld, stored))


def _input_text(state: EmulatorState, fld: Field, stored: object) -> str:
    """A stored value written the way a ``q_`` parameter would carry it."""
    if stored is None:
        return ""
    if isinstance(stored, Decimal):
        return format(stored, "f")
    if isinstance(stored, datetime):
        return stored.astimezone(state.timezone).strftime("%Y-%m-%d %H:%M")
    if isinstance(stored, date):
        return format_date(fld, stored)
    if fld.type == "QUSER" and isinstance(stored, int):
        user = state.db.users.get(stored)
        return user.email if user else ""
    if fld.type == "QGROUP" and isinstance(stored, int):
        group = state.db.groups.get(stored)
        return group.name if group else ""
    if fld.type == "LIST" and isinstance(stored, list):
        table = ET.Element("list")
        for row in stored:
            row_element = ET.SubElement(table, "row")
            for cell in row:
                _add(row_element, "col", cell)
        return ET.tostring(table, encoding="unicode")
    if isinstance(stored, list):
        return "\n".join(v.name if isinstance(v, FileValue) else str(v) for v in stored)
    return str(stored)


def save(state: EmulatorState, me: Principal, params: Params) -> Response:
    item = _my_task(state, me, params)
    process = state.db.processes[item.process_instance_id]
    app = state.db.apps[process.app_id]
    save_only = (params.get("saveOnly") or "").lower() in ("true", "1")
    errors: list[tuple[str, str]] = []
    invalid: list[tuple[str, str]] = []
    if item.state != "ALLOCATED" or item.allocated_user_id != me.user.id:
        errors.append(("WORKITEM_NOT_ALLOCATED", str(item.id)))
    flow = _flow(item, params, save_only, errors)
    editable = {f.param: f for f in app.fields if _editable(item, f)}
    invalid += [
        (name, "Not an editable data item of this task.")
        for name in params.names()
        if name not in _FORM_PARAMS and name not in editable
    ]
    changes: dict[int, object] = {}
    for param, fld in editable.items():
        if params.values(param):
            try:
                changes[fld.number] = parse_inputs(fld, params.values(param), state)
            except DataError as exc:
                invalid.append((param, str(exc)))
    if not save_only:
        merged = {**process.data, **changes}
        invalid += [
            (p, "Required data is missing.")
            for p, f in editable.items()
            if f.required and merged.get(f.number) is None and p not in dict(invalid)
        ]
    if errors or invalid:
        return _result(errors, invalid)
    process.data.update(changes)
    if params.get("title"):
        process.title = params.get("title") or process.title
    if not save_only and flow is not None:
        item.state = "ENDED"
        item.ended_at = state.clock.now()
        item.chosen_flow = item.flows[flow]
    return _result([], [])


def _flow(
    item: Workitem, params: Params, save_only: bool, errors: list[tuple[str, str]]
) -> int | None:
    try:
        flow = int_param(params, "flow")
    except ApiError:
        errors.append(("flow", params.get("flow") or ""))
        return None
    if flow is None and not save_only:
        if len(item.flows) == 1:
            return 0
        errors.append(("flow", "A submit button (flow) is required."))
        return None
    if flow is not None and not 0 <= flow < len(item.flows):
        errors.append(("flow", str(flow)))
        return None
    return flow


def _result(errors: list[tuple[str, str]], invalid: list[tuple[str, str]]) -> Response:
    root = ET.Element("result", success="false" if errors or invalid else "true")
    for tag, entries in (("errors", errors), ("process-data-validation-errors", invalid)):
        if entries:
            group = ET.SubElement(root, tag)
            for key, detail in entries:
                error = ET.SubElement(group, "error")
                _add(error, "key", key)
                _add(error, "detail", detail)
    return _xml(root)
