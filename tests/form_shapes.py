"""The shapes of task-form XML the public sources show, checked the same way on the contract
fixtures (tests/fixtures/questetra/forms/) and on the emulator's answers.

Strict where the sources are clear ([PG-task] sample, [XMLFORM], [SWG]): ``form-data`` number and
id are attributes, choice items live in the ``process-data-definition-detail`` namespace (or in
none, as TITANIUM sees them), codes are the documented ones, buttons and roles have their two
children. ``<value>`` may take any of the shapes listed in the fixtures' README.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "questetra" / "forms"
NAMESPACE = "process-data-definition-detail"
DATA_TYPES = {0, 5, 8, 9, 10, 11, 12, 13, 14, 15, 16}
FORM_TYPES = {0, 1, 2, 3, 4, 5}
ACCESS = {0, 1, 3}
_INT = re.compile(r"-?\d+")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{4}-\d{2}|\d{2}-\d{2}|\d{4}")
_TIME = re.compile(r"\d{2}:\d{2}(:\d{2})?")


def _split(tag: str) -> tuple[str | None, str]:
    if tag.startswith("{"):
        uri, _, name = tag[1:].partition("}")
        return uri, name
    return None, tag


def _local(tag: str) -> str:
    return _split(tag)[1]


def _kids(element: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in element if _local(c.tag) == name]


def _one(element: ET.Element, name: str) -> ET.Element | None:
    found = _kids(element, name)
    assert len(found) <= 1, f"{name} appears {len(found)} times"
    return found[0] if found else None


def _text(element: ET.Element, name: str) -> str:
    found = _one(element, name)
    return (found.text or "").strip() if found is not None else ""


def _either(element: ET.Element | None) -> ET.Element:
    return element if element is not None else ET.Element("absent")


def check_form(body: bytes) -> ET.Element:
    """Assert ``body`` is a ``workitem-form`` of the documented shape; return its root."""
    root = ET.fromstring(body)  # noqa: S314 - fixtures and our own emulator
    assert _local(root.tag) == "workitem-form", root.tag
    for element in root.iter():
        uri, _ = _split(element.tag)
        assert uri in (None, NAMESPACE), f"unexpected namespace {uri}"
    access = _text(root, "title-accessibility")
    assert access == "" or int(access) in ACCESS, access
    for data in _kids(root, "form-data"):
        _check_form_data(data)
    # Not `_one(...) or …`: an element's truth value is its child count (deprecated in 3.12).
    for choice in _kids(_either(_one(root, "user-selects")), "user-select"):
        assert _INT.fullmatch(_text(choice, "flow-id")), "flow-id is a number"
        assert _text(choice, "name"), "a button has a name"
    for role in _kids(_either(_one(root, "executing-roles")), "executing-role"):
        assert _INT.fullmatch(_text(role, "qgroup-id")), "qgroup-id is a number"
        assert _one(role, "qgroup-name") is not None
    return root


def _check_form_data(data: ET.Element) -> None:
    assert _INT.fullmatch(data.get("number", "")), "form-data/@number"
    assert _INT.fullmatch(data.get("id", "")), "form-data/@id"
    assert _one(data, "number") is None and _one(data, "id") is None, "attributes, not children"
    assert int(_text(data, "accessibility")) in ACCESS
    data_type = int(_text(data, "data-type"))
    assert data_type in DATA_TYPES, data_type
    form_type = _text(data, "form-type")
    assert form_type == "" or int(form_type) in FORM_TYPES
    assert _text(data, "required") in ("", "true", "false")
    var_name = _one(data, "var-name")
    if var_name is not None:
        assert (var_name.text or "").strip(), "var-name is the field name"
    items = _one(data, "items")
    if items is not None:
        for item in items:
            assert _local(item.tag) == "item", item.tag
            _check_choice(item)
    value = _one(data, "value")
    if value is not None:
        _check_value(value, data_type)


def _check_choice(item: ET.Element) -> None:
    uri, _ = _split(item.tag)
    for child in item:
        assert _split(child.tag)[0] == uri, "an item's value and display share its namespace"
    assert _one(item, "value") is not None and _one(item, "display") is not None


def _check_value(value: ET.Element, data_type: int) -> None:
    children = list(value)
    text = (value.text or "").strip()
    names = {_local(c.tag) for c in children}
    if data_type == 11:
        assert names <= {"item"}, names
        for item in children:
            _check_choice(item)
    elif data_type == 10:
        if children:
            assert names == {"date", "time"}, names
            assert _DATE.fullmatch(_text(value, "date")) and _TIME.fullmatch(_text(value, "time"))
        else:
            assert _DATETIME.fullmatch(text), text
    elif data_type == 8:
        if children:
            assert names == {"quser"}, names
            assert "@" in _text(children[0], "email")
        else:
            assert "@" in text, text
    elif data_type == 16:
        assert names <= {"qgroup"}, names
    elif data_type == 14:
        assert names <= {"qfile"}, names
        for qfile in children:
            assert _text(qfile, "name")
    elif data_type == 13:
        assert not children, "a table is an XML string"
        table = ET.fromstring(text.encode())  # noqa: S314 - the declaration may lead it
        assert table.tag == "list", table.tag
        assert {r.tag for r in table} <= {"row", "summary"}
    else:
        assert not children, f"data-type {data_type} has a text value"


def check_result(body: bytes) -> ET.Element:
    """Assert ``body`` is a Form/save ``<result>`` of the documented shape; return it."""
    root = ET.fromstring(body)  # noqa: S314 - fixtures and our own emulator
    assert root.tag == "result", root.tag
    assert root.get("success") in ("true", "false")
    for group in root:
        assert group.tag in ("errors", "process-data-validation-errors"), group.tag
        for error in group:
            assert error.tag == "error"
            assert {c.tag for c in error} <= {"key", "detail"}
    return root
