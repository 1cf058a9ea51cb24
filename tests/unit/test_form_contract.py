"""The bot's task-form parser against the contract fixtures (sources in their README)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from bot.domain.form_values import (
    FLOW,
    ROLE,
    Submission,
    current_values,
    encode_input,
    initial_date,
    prepare_save,
)
from bot.domain.forms import DataType
from bot.questetra.forms import parse_form, parse_result, parse_xml
from tests.form_shapes import FIXTURES, check_form, check_result

JST = timezone(timedelta(hours=9))
VIEWS = sorted(p.name for p in FIXTURES.glob("viewxml-*.xml"))
RESULTS = sorted(p.name for p in FIXTURES.glob("result-*.xml"))


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.mark.parametrize("name", VIEWS)
def test_every_form_fixture_has_the_documented_shape_and_parses(name: str) -> None:
    check_form(fixture(name))
    form = parse_form(fixture(name))
    assert form.task_name
    assert all(item.name for item in form.items)


@pytest.mark.parametrize("name", RESULTS)
def test_every_result_fixture_has_the_documented_shape(name: str) -> None:
    check_result(fixture(name))
    assert parse_result(fixture(name)) is not None


def test_the_approval_form() -> None:
    form = parse_form(fixture("viewxml-approval.xml"))
    assert form.title == "Expense #1042: train to Osaka" and form.title_writable
    assert [(b.flow_id, b.name) for b in form.buttons] == [("18342", "承認"), ("18347", "差戻し")]
    assert [(r.qgroup_id, r.name) for r in form.roles] == [
        ("21", "Sales"),
        ("34", "Sales Management"),
    ]
    assert form.current_role == "21" and not form.role_choice_needed
    by_name = {i.var_name: i for i in form.items}
    assert [i.var_name for i in form.items][:3] == ["q_purpose", "q_amount", "q_kind"]
    assert by_name["q_purpose"].value.text == "Customer visit & demo <Osaka>"
    assert not by_name["q_purpose"].writable
    assert by_name["q_amount"].scale == 0 and by_name["q_amount"].minimum == 0
    assert by_name["q_kind"].value.selected == ("travel",)
    assert by_name["q_tags"].multiple and by_name["q_tags"].value.selected == ("x", "y")
    assert by_name["q_meeting"].value.text == "2026-12-01 14:30"
    assert by_name["q_approver"].value.text == "bob@example.com"
    assert by_name["q_approver"].value.display == "Bob Example <bob@example.com>"
    assert by_name["q_items"].value.rows == (("Train", "12000"), ("", "12000"))
    assert by_name["q_items"].value.text.startswith("<list>")  # declaration dropped
    assert by_name["q_receipts"].value.files == (("301", "receipt.pdf"), ("302", "ticket.png"))
    assert by_name["q_comments"].description == "Why you approve or reject."
    assert by_name["q_internal"].access == 0
    editable = [i.var_name for i in form.editable_items]
    assert "q_items" not in editable and "q_receipts" not in editable
    assert "q_internal" not in [i.var_name for i in form.shown_items]
    assert form.one_click  # nothing required is empty


def test_a_2012_form_without_var_names_is_read_only() -> None:
    form = parse_form(fixture("viewxml-pg-task-sample.xml"))
    (item,) = form.items
    assert item.data_type == DataType.NUMBER and item.var_name is None
    assert not item.writable and form.buttons == () and form.title is None


def test_other_prefixes_and_text_values_read_the_same() -> None:
    other = parse_form(fixture("viewxml-other-prefix.xml"))
    assert other.item("q_supplier").choices[1].label == "Globex"  # type: ignore[union-attr]
    assert other.item("q_supplier").value.selected == ("s2",)  # type: ignore[union-attr]
    assert other.item("q_centre").value.text == "Purchasing"  # type: ignore[union-attr]
    assert other.item("q_lines").value.rows == (("Paper", "3"),)  # type: ignore[union-attr]
    text = parse_form(fixture("viewxml-text-values.xml"))
    assert text.item("q_reasons").value.selected == ("a", "b")  # type: ignore[union-attr]
    assert text.item("q_reasons").value.display == "Family, Travel"  # type: ignore[union-attr]
    assert text.item("q_from").value.text == "2026-12-24 09:00"  # type: ignore[union-attr]


def test_an_undeclared_prefix_is_still_read_by_local_names() -> None:
    body = b"<workitem-form><ns2:x>1</ns2:x><task-name>T</task-name></workitem-form>"
    assert parse_form(body).task_name == "T"


@pytest.mark.parametrize(
    "body",
    [
        b'<!DOCTYPE x [<!ENTITY a "b">]><workitem-form/>',
        b"x" * (3 * 1024 * 1024),
        b"not xml",
    ],
)
def test_unsafe_or_unreadable_xml_is_refused(body: bytes) -> None:
    assert parse_xml(body) is None


def test_results() -> None:
    assert parse_result(fixture("result-success.xml")).success  # type: ignore[union-attr]
    failed = parse_result(fixture("result-validation-errors.xml"))
    assert failed is not None and not failed.success
    assert failed.field_errors == {
        "q_amount": ["Enter a number of 0 or more."],
        "q_comments": ["Required data is missing."],
    }
    assert failed.errors == [("flow", "Choose how to finish the task.")]
    # success="true" with errors is not a success
    assert not parse_result(  # type: ignore[union-attr]
        b'<result success="true"><errors><error><key>k</key></error></errors></result>'
    ).success
    assert parse_result(b"<html>500</html>") is None


def test_one_click_re_sends_every_writable_item_as_it_is() -> None:
    form = parse_form(fixture("viewxml-approval.xml"))
    params = prepare_save(form, Submission(flow_id="18347"), tz=JST)
    assert isinstance(params, list)
    assert params == [
        ("title", "Expense #1042: train to Osaka"),
        ("q_amount", "12000"),
        ("q_kind", "travel"),
        ("q_tags", "x"),
        ("q_tags", "y"),
        ("q_due", "2026-12-01"),
        ("q_meeting", "2026-12-01 14:30"),
        ("q_approver", "bob@example.com"),
        ("q_dept", ""),
        ("q_receipts", "301"),
        ("q_receipts", "302"),
        ("flow", "18347"),
        ("qgroupId", "21"),
    ]  # no discussion re-sent, no read-only item, the table is read-only here


def test_modal_inputs_are_checked_then_encoded() -> None:
    form = parse_form(fixture("viewxml-approval.xml"))
    moment = int(datetime(2026, 12, 2, 1, 5, tzinfo=UTC).timestamp())
    inputs = {
        "q_amount": "１２,５００",
        "q_kind": "books",
        "q_tags": [],
        "q_due": "2027-01-31",
        "q_meeting": moment,
        "q_approver": "carol@example.com",
        "q_dept": "Finance",
        "q_comments": "OK from me",
    }
    params = prepare_save(
        form, Submission(flow_id="18342", role="34", title=" New ", inputs=inputs), tz=JST
    )
    assert isinstance(params, list)
    assert ("q_amount", "12500") in params and ("q_tags", "") in params
    assert ("q_meeting", "2026-12-02 10:05") in params  # the person's wall-clock time
    assert ("q_comments", "OK from me") in params and ("title", "New") in params
    assert params[-2:] == [("flow", "18342"), ("qgroupId", "34")]
    bad = prepare_save(
        form,
        Submission(flow_id="nope", role="99", inputs={"q_amount": "1.5", "q_kind": "zzz"}),
        tz=JST,
    )
    assert isinstance(bad, list)
    targets = {p.target: p.message.key for p in bad}  # type: ignore[union-attr]
    assert targets == {
        "q_amount": "forms.field.too_many_decimals",
        "q_kind": "forms.field.not_a_choice",
        FLOW: "forms.field.choose_flow",
        ROLE: "forms.field.choose_role",
    }


def test_required_items_and_save_only() -> None:
    form = parse_form(fixture("viewxml-no-buttons.xml"))
    assert not form.one_click and [i.var_name for i in form.missing_required] == ["q_report"]
    missing = prepare_save(form, Submission(flow_id=None), tz=JST)
    assert [p.target for p in missing] == ["q_report"]  # type: ignore[union-attr]
    saved = prepare_save(form, Submission(flow_id=None, save_only=True), tz=JST)
    assert saved == [("q_report", ""), ("saveOnly", "true"), ("qgroupId", "3")]
    done = prepare_save(form, Submission(flow_id=None, inputs={"q_report": "Done."}), tz=JST)
    assert done == [("q_report", "Done."), ("qgroupId", "3")]  # no flow: no buttons


def test_current_values_and_initial_dates() -> None:
    text = parse_form(fixture("viewxml-text-values.xml"))
    month = text.item("q_month")
    assert month is not None and initial_date(month, date(2026, 1, 1)) == "2026-12-01"
    assert current_values(text.item("q_days")) == ["1.5"]  # type: ignore[arg-type]
    days = text.item("q_days")
    assert days is not None and encode_input(days, "abc", JST).key == "forms.field.not_a_number"  # type: ignore[union-attr]
