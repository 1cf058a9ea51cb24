"""The task-form modal and buttons keep every Block Kit limit, whatever the form holds."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone

from bot.domain.forms import (
    Choice,
    CurrentValue,
    DataType,
    FormItem,
    FormType,
    Role,
    TaskForm,
    UserSelect,
)
from bot.domain.tasks import Task
from bot.questetra.urls import QuestetraLinks
from bot.slack.form_blocks import Click, click_value, parse_click, process_elements, processed_line
from bot.slack.form_modal import ModalMeta, errors_for, form_modal
from bot.slack.render import mrkdwn
from tests.support import block_nodes

JST = timezone(timedelta(hours=9))
LONG = "長い名前" * 300  # 1,200 characters


def _form(items: list[FormItem], buttons: int = 2, roles: int = 1) -> TaskForm:
    return TaskForm(
        workitem_id=1,
        task_name=LONG,
        title=LONG,
        title_writable=True,
        items=tuple(items),
        buttons=tuple(UserSelect(str(9000 + n), f"{LONG}{n}") for n in range(buttons)),
        roles=tuple(Role(str(n), f"Role {n}") for n in range(roles)),
        current_role=None,
    )


def _modal(form: TaskForm) -> dict:
    meta = ModalMeta(1, LONG, "alert", "https://hooks.slack.test/" + "x" * 900)
    return form_modal(
        "ja-JP",
        QuestetraLinks("https://t.questetra.test/"),
        form,
        meta,
        tz=JST,
        today=date(2026, 11, 27),
    )


def test_a_huge_form_stays_within_every_limit() -> None:
    many_choices = tuple(Choice(f"c{n}", f"{LONG}{n}") for n in range(250))
    items = [
        FormItem(n, f"{LONG}{n}", f"q_item{n}", DataType.STRING, 3, required=True,
                 description=LONG, value=CurrentValue(text="x" * 5000))
        for n in range(150)
    ]  # fmt: skip
    items.append(
        FormItem(999, "Pick", "q_pick", DataType.SELECT, 3, form_type=FormType.RADIO,
                 choices=many_choices)
    )  # fmt: skip
    view = _modal(_form(items, buttons=30, roles=3))
    assert len(view["blocks"]) <= 100
    assert len(view["title"]["text"]) <= 24 and len(view["submit"]["text"]) <= 24
    assert len(view["private_metadata"]) <= 3000
    for node in block_nodes(view["blocks"]):
        if node.get("type") == "plain_text":
            assert len(node["text"]) <= 2000
        if node.get("type") == "mrkdwn":
            assert len(node["text"]) <= 3000
        if "initial_value" in node:
            assert len(node["initial_value"]) <= 3000
        for key in ("options", "initial_options"):
            if key in node:
                assert len(node[key]) <= (
                    10 if node["type"] in ("radio_buttons", "checkboxes") else 100
                )
                assert all(len(o["text"]["text"]) <= 75 for o in node[key])
                assert all(len(o["value"]) <= 150 for o in node[key])
    flow = next(b for b in view["blocks"] if b.get("block_id") == "flow")
    assert flow["element"]["type"] == "static_select"  # 30 choices: no radio group


def test_read_only_items_and_the_discussion() -> None:
    items = [
        FormItem(1, "Lines", "q_lines", DataType.TABLE, 3, value=CurrentValue(rows=(("a", "<b>"),))),
        FormItem(2, "Files", "q_files", DataType.FILE, 3, value=CurrentValue(files=(("1", "a&b.pdf"),), display="a&b.pdf")),
        FormItem(3, "Talk", "q_talk", DataType.DISCUSSION, 3, required=True, value=CurrentValue(text="so far <@U1>")),
        FormItem(4, "Secret", "q_secret", DataType.STRING, 0, value=CurrentValue(text="hidden")),
        FormItem(5, "Count", "q_count", DataType.NUMBER, 3, scale=0, value=CurrentValue(text="1.5")),
    ]  # fmt: skip
    view = _modal(_form(items, buttons=1))
    text = json.dumps(view["blocks"], ensure_ascii=False)
    assert "hidden" not in text
    assert "&lt;b&gt;" in text and "a&amp;b.pdf" in text and "&lt;@U1&gt;" in text  # inert
    ids = [b.get("block_id") for b in view["blocks"] if b["type"] == "input"]
    assert ids == ["title", "q_talk", "q_count", "save_only"]  # one button: no radio group
    talk = next(b for b in view["blocks"] if b.get("block_id") == "q_talk")
    assert talk["optional"] is True  # the discussion already has a comment
    count = next(b for b in view["blocks"] if b.get("block_id") == "q_count")["element"]
    assert "initial_value" not in count and count["is_decimal_allowed"] is False


def test_alert_buttons_values_and_confirm() -> None:
    task = Task(7, "Approve", "ALLOCATED", "allocated", 1, 3, "Trip <x>", 5, "Expense", None,
                None, None, None)  # fmt: skip
    summary = {"b": [["18342", "承認"], ["18347", "差戻し" * 40]], "one": True}
    elements = process_elements("ja-JP", task, origin="alert", summary=summary)
    assert [e["action_id"] for e in elements] == ["form_choose_0", "form_choose_1", "form_process"]
    assert all(len(e["text"]["text"]) <= 75 and len(e["value"]) <= 2000 for e in elements)
    confirm = elements[0]["confirm"]
    assert confirm["text"]["text"] == "*Trip &lt;x&gt;* を承認しますか?"
    assert len(elements[1]["confirm"]["confirm"]["text"]) <= 30
    click = parse_click(elements[0]["value"])
    assert click == Click(7, "Approve", "alert", flow_id="18342", choice="承認", one_click=True)
    assert parse_click("{nonsense") is None and parse_click(click_value(click)) == click
    assert process_elements("en", task, origin="alert", summary={"ro": True}) == []
    many = {"b": [[str(n), f"b{n}"] for n in range(6)], "one": True}
    assert [e["action_id"] for e in process_elements("en", task, origin="alert", summary=many)] == [
        "form_process"
    ]


def test_processed_line_and_errors() -> None:
    at = datetime(2026, 11, 27, 3, 4, tzinfo=UTC).isoformat()
    line = mrkdwn(processed_line("en", {"choice": "*Approve*", "at": at, "save_only": False}))
    assert line.startswith(":white_check_mark: *∗Approve∗* by you · <!date^")  # data is inert
    assert "^{time}|03:04 UTC>" in line
    assert "Saved by you" in processed_line("en", {"at": at, "save_only": True})
    errors = errors_for([("q_a", "x" * 600), ("", "general"), ("flow", "pick")], ["q_a", "flow"])
    assert len(errors["q_a"]) <= 500 and "general" in errors["q_a"] and errors["flow"] == "pick"
