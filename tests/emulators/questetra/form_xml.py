"""The XML of ``GET /API/PE/Workitem/Form/viewXml``, shaped like the public sources show it.

Sources (questetra-fidelity.md §2.11, §4.2): the [PG-task] sample (root
``<workitem-form xmlns:ns2="process-data-definition-detail">``, ``<form-data number=".." id="..">``,
``ns2:decimal-detail``, an empty ``<user-selects />``); [XMLFORM] (element list, choice items as
``process-data-definition-detail:item`` with ``:value`` and ``:display``); [SWG] WorkitemForm*
(``var-name`` = the field name, e.g. ``q_decimal``; ``executing-roles/executing-role`` with
``qgroup-id``/``qgroup-name``; ``user-selects/user-select`` with ``flow-id``/``name``); [TITANIUM]
``form/*.js`` (the ``<value>`` per type: choices as items, date-time as ``date`` + ``time``, a user
as ``quser``, files as ``qfile``, a table as an XML string). The namespaced tags are written with
their literal ``ns2:`` prefix, as Questetra's JAXB output has them.

Functions here expect ``state.lock`` to be held.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, datetime
from decimal import Decimal

from .form_settings import ValueShape
from .model import Field, FileValue, QUser, Workitem
from .state import EmulatorState
from .values import format_date

NAMESPACE = "process-data-definition-detail"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'

# WorkitemFormFormdata.dataType / formType / subType codes ([XMLFORM]).
DATA_TYPE_CODES = {
    "STRING": 0, "STRING_TEXTAREA": 0, "DATE": 5, "QUSER": 8, "DISCUSSION": 9, "DATETIME": 10,
    "SELECT": 11, "SELECT_MULTI": 11, "DECIMAL": 12, "LIST": 13, "FILE": 14, "QGROUP": 16,
}  # fmt: skip
FORM_TYPES = {"STRING_TEXTAREA": 1, "DISCUSSION": 1, "SELECT": 2, "SELECT_MULTI": 3}
DATE_SUB_TYPES = {"DATE_YMD": 0, "DATE_YM": 1, "DATE_MD": 2, "DATE_Y": 3}
READ_ONLY, WRITABLE, HIDDEN = 1, 3, 0


def add(parent: ET.Element, tag: str, value: object) -> ET.Element:
    element = ET.SubElement(parent, tag)
    if value is not None:
        element.text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return element


def accessibility(item: Workitem, fld: Field) -> int:
    if fld.name in item.hidden_fields:
        return HIDDEN
    if item.editable_fields is None or fld.name in item.editable_fields:
        return WRITABLE
    return READ_ONLY


def required(item: Workitem, fld: Field) -> bool:
    if item.required_fields is not None:
        return fld.name in item.required_fields
    return fld.required


def roles_of(state: EmulatorState, item: Workitem, user: QUser) -> list[int]:
    """The positions the operator may act as: the task's roles, else their primary group."""
    return list(item.executing_roles) or [user.group.id]


def form_xml(state: EmulatorState, item: Workitem, user: QUser) -> str:
    process = state.db.processes[item.process_instance_id]
    app = state.db.apps[process.app_id]
    shape = state.form.value_shape
    root = ET.Element("workitem-form", {"xmlns:ns2": NAMESPACE})
    add(root, "title", process.title)
    add(root, "title-accessibility", WRITABLE if item.title_editable else READ_ONLY)
    add(root, "title-description", "")
    add(root, "title-columns", 1)
    for order, fld in enumerate(app.fields, start=1):
        if fld.visible:
            _form_data(state, root, item, fld, process.data.get(fld.number), order, shape)
    add(root, "node-number", item.node_number)
    add(root, "process-instance-id", process.id)
    add(root, "process-model-info-id", app.id)
    roles = roles_of(state, item, user)
    add(root, "qgroup-id", roles[0])
    executing = ET.SubElement(root, "executing-roles")
    for group_id in roles:
        role = ET.SubElement(executing, "executing-role")
        add(role, "qgroup-id", group_id)
        group = state.db.groups.get(group_id)
        add(role, "qgroup-name", group.name if group else "")
    add(root, "swimlane-type", 1 if item.swimlane_type == "TEAM" else 0)
    add(root, "task-name", item.node_name)
    selects = ET.SubElement(root, "user-selects")
    for flow_id, name in zip(item.flow_ids, item.flows, strict=True):
        choice = ET.SubElement(selects, "user-select")
        add(choice, "flow-id", flow_id)
        add(choice, "name", name)
    add(root, "workitem-id", item.id)
    return XML_DECLARATION + ET.tostring(root, encoding="unicode")


def _form_data(
    state: EmulatorState,
    root: ET.Element,
    item: Workitem,
    fld: Field,
    stored: object,
    order: int,
    shape: ValueShape,
) -> None:
    access = accessibility(item, fld)
    element = ET.SubElement(root, "form-data", {"number": str(fld.number), "id": str(_id(fld))})
    add(element, "accessibility", access)
    add(element, "data-type", DATA_TYPE_CODES[fld.type])
    add(element, "form-type", FORM_TYPES.get(fld.type, 0))
    if fld.type == "DATE":
        add(element, "sub-type", DATE_SUB_TYPES[fld.api_sub_type or "DATE_YMD"])
    add(element, "name", fld.label)
    add(element, "var-name", fld.param)
    add(element, "data-instance-id", item.process_instance_id * 1000 + fld.number)
    add(element, "process-instance-id", item.process_instance_id)
    add(element, "view-order", order)
    if fld.type == "DECIMAL":
        detail = ET.SubElement(element, "ns2:decimal-detail")
        add(detail, "ns2:required", required(item, fld))
        add(detail, "ns2:decimal-separator", ".")
        add(detail, "ns2:grouping-separator", ",")
        add(detail, "ns2:scale", fld.scale if fld.scale is not None else 10)
    add(element, "description", "")
    add(element, "columns", 1)
    add(element, "required", required(item, fld))
    if fld.choices:
        items = ET.SubElement(element, "items")
        prefix = "" if shape == "unprefixed" else "ns2:"
        for choice_id, label in fld.choices.items():
            entry = ET.SubElement(items, f"{prefix}item")
            add(entry, f"{prefix}value", choice_id)
            add(entry, f"{prefix}display", label)
    if access != HIDDEN and stored is not None:
        _value(state, element, fld, stored, shape)


def _id(fld: Field) -> int:
    """A definition id distinct from the number, as real tenants have (56213 for number 4)."""
    return 56_000 + fld.number * 7


def _value(
    state: EmulatorState, parent: ET.Element, fld: Field, stored: object, shape: ValueShape
) -> None:
    value = ET.SubElement(parent, "value")
    if shape == "text":
        value.text = text_value(state, fld, stored)
        return
    prefix = "" if shape == "unprefixed" else "ns2:"
    if fld.type in ("SELECT", "SELECT_MULTI") and isinstance(stored, list):
        labels = fld.choices or {}
        for choice_id in stored:
            entry = ET.SubElement(value, f"{prefix}item")
            add(entry, f"{prefix}value", choice_id)
            add(entry, f"{prefix}display", labels.get(choice_id, choice_id))
    elif fld.type == "DATETIME" and isinstance(stored, datetime):
        local = stored.astimezone(state.timezone)
        add(value, "date", local.strftime("%Y-%m-%d"))
        add(value, "time", local.strftime("%H:%M"))
    elif fld.type == "QUSER" and isinstance(stored, int):
        user = state.db.users.get(stored)
        if user is not None:
            quser = ET.SubElement(value, "quser")
            add(quser, "id", user.id)
            add(quser, "name", user.name)
            add(quser, "email", user.email)
    elif fld.type == "QGROUP" and isinstance(stored, int):
        group = state.db.groups.get(stored)
        if group is not None:
            qgroup = ET.SubElement(value, "qgroup")
            add(qgroup, "id", group.id)
            add(qgroup, "name", group.name)
    elif fld.type == "FILE" and isinstance(stored, list):
        for file in stored:
            if isinstance(file, FileValue):
                qfile = ET.SubElement(value, "qfile")
                add(qfile, "id", file.id)
                add(qfile, "name", file.name)
                add(qfile, "content-type", file.content_type)
                add(qfile, "length", file.length)
    elif fld.type == "LIST" and isinstance(stored, list):
        table = table_xml(stored)
        value.text = table if shape == "unprefixed" else XML_DECLARATION + table
    else:
        value.text = text_value(state, fld, stored)


def table_xml(rows: list[list[str]]) -> str:
    table = ET.Element("list")
    for row in rows:
        row_element = ET.SubElement(table, "row")
        for cell in row:
            add(row_element, "col", cell)
    return ET.tostring(table, encoding="unicode")


def text_value(state: EmulatorState, fld: Field, stored: object) -> str:
    """A stored value written the way its ``q_`` parameter would carry it."""
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
        return table_xml(stored)
    if isinstance(stored, list):
        return "\n".join(v.name if isinstance(v, FileValue) else str(v) for v in stored)
    return str(stored)
