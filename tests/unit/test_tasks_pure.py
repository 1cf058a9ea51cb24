"""Pure task rules and builders: order, filter, pages, value display, parsing, Block Kit limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.domain.tasks import Task, display_value, filter_tasks, is_overdue, newest_first, paginate
from bot.questetra.errors import QuestetraProtocolError
from bot.questetra.tasks import parse_datetime, parse_process, parse_task
from bot.questetra.urls import QuestetraLinks
from bot.questetra.values import read_value
from bot.slack.task_blocks import (
    PAGE_SIZE,
    details_modal,
    parse_accept_value,
    parse_page_value,
    tasks_message,
)

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
LINKS = QuestetraLinks("https://q/")


def task(
    n: int, *, kind="allocated", app="Expense", title="Trip", deadline=None, name="Approve"
) -> Task:
    at = NOW - timedelta(minutes=n)
    return Task(
        n,
        name,
        kind.upper(),
        kind,
        1000 + n,
        n,
        title,
        7,
        app,
        "Bob",
        at,
        at if kind == "allocated" else None,
        deadline,
    )


def test_parse_datetime_questetra_and_iso_forms() -> None:
    jst = timezone(timedelta(hours=9))
    assert parse_datetime("2024-05-01T10:00:00+0900") == datetime(2024, 5, 1, 10, tzinfo=jst)
    assert parse_datetime("2024-05-01T10:00:00+09:00") == datetime(2024, 5, 1, 10, tzinfo=jst)
    for bad in (None, "", "yesterday", 42, "2024-05-01T10:00:00"):
        assert parse_datetime(bad) is None


def test_parse_task_is_tolerant_but_needs_ids() -> None:
    parsed = parse_task({"id": "5", "processInstanceId": 9, "nodeName": None}, "offered")
    assert (parsed.id, parsed.process_id, parsed.name, parsed.kind) == (5, 9, "?", "offered")
    for bad in ({}, {"id": 1}, [], "x", {"id": "x", "processInstanceId": 1}):
        with pytest.raises(QuestetraProtocolError):
            parse_task(bad, "allocated")


def test_parse_process_accepts_both_id_names_and_odd_data() -> None:
    view = parse_process(
        {
            "processInstance": {
                "processInstanceId": 3,
                "data": {"1": "junk", "2": {"name": "A", "value": 1, "viewOrder": 2}},
            }
        }
    )
    assert view.id == 3
    assert [d.name for d in view.data] == ["A"]
    with pytest.raises(QuestetraProtocolError):
        parse_process({"nope": 1})


def test_newest_first_and_filter() -> None:
    tasks = [task(3), task(1, app="Purchase"), task(2, title="Osaka trip")]
    assert [t.id for t in newest_first(tasks)] == [1, 2, 3]
    assert [t.id for t in filter_tasks(tasks, ["purchase"])] == [1]
    assert [t.id for t in filter_tasks(tasks, ["OSAKA", "trip"])] == [2]
    assert filter_tasks(tasks, []) == tasks


def test_overdue() -> None:
    assert is_overdue(task(1, deadline=NOW - timedelta(seconds=1)), NOW)
    assert not is_overdue(task(1, deadline=NOW + timedelta(seconds=1)), NOW)
    assert not is_overdue(task(1), NOW)


@pytest.mark.parametrize(
    ("count", "page", "shown", "pages"),
    [(0, 0, 0, 1), (1, 0, 1, 1), (25, 2, 5, 3), (25, 9, 5, 3), (25, -1, 10, 3)],
)
def test_paginate_clamps(count, page, shown, pages) -> None:
    result = paginate([task(n) for n in range(count)], page, 10)
    assert (len(result.items), result.total_pages) == (shown, pages)


@pytest.mark.parametrize(
    ("data_type", "value", "expected"),
    [
        ("STRING", None, "—"),
        ("DECIMAL", 12.0, "12"),
        ("SELECT", [{"value": "a", "display": "Travel"}], "Travel"),
        ("QUSER", {"id": 1, "name": "Bob", "email": "b@x"}, "Bob <b@x>"),
        ("QGROUP", {"id": 1, "name": "Sales"}, "Sales"),
        ("FILE", [{"name": "a.pdf"}, {"name": "b.png"}], "a.pdf, b.png"),
        ("LIST", {"rows": [["a", "1"]] * 7}, "a | 1\na | 1\na | 1\na | 1\na | 1\n… (+2)"),
        ("ODD", {"weird": True}, "weird: true"),
    ],
)
def test_display_value(data_type, value, expected) -> None:
    assert display_value(read_value(data_type, value)) == expected


def test_display_value_is_bounded() -> None:
    assert len(display_value(read_value("STRING", "x" * 10_000), max_len=100)) == 100


def test_list_message_respects_block_kit_limits_on_every_page() -> None:
    allocated = [task(n, title="T" * 5000, name="N" * 500) for n in range(45)]
    offered = [task(n, kind="offered") for n in range(100, 175)]
    for page in range(12):
        view = tasks_message("en", LINKS, allocated, offered, now=NOW, page=page)
        assert len(view.blocks) <= 50
        for block in view.blocks:
            if block["type"] == "section":
                assert len(block["text"]["text"]) <= 3000
            for element in block.get("elements", []):
                if element.get("type") == "button":
                    assert len(element.get("value", "")) <= 2000
                    assert len(element["text"]["text"]) <= 75
    assert PAGE_SIZE == 10


def test_user_text_cannot_inject_mrkdwn_links() -> None:
    evil = task(1, title="<https://evil|click> & <!channel>")
    view = tasks_message("en", LINKS, [evil], [], now=NOW)
    text = "".join(b["text"]["text"] for b in view.blocks if b["type"] == "section")
    assert "<https://evil" not in text
    assert "<!channel>" not in text


def test_button_values_round_trip() -> None:
    view = tasks_message("en", LINKS, [], [task(5, kind="offered")] * 12, now=NOW, words=["a", "b"])
    values = {
        e["action_id"]: e.get("value")
        for b in view.blocks
        for e in b.get("elements", [])
        if "action_id" in e
    }
    click = parse_accept_value(values["task_accept"])
    assert (click.workitem_id, click.task_name, click.page, click.words) == (
        5,
        "Approve",
        0,
        ["a", "b"],
    )
    assert parse_page_value(values["tasks_page"]) == (1, ["a", "b"])
    assert parse_accept_value("garbage") is None
    assert parse_page_value("garbage") == (0, [])


def test_details_modal_limits() -> None:
    from bot.domain.tasks import DataItem, ProcessView

    data = [DataItem(n, f"F{n}", "STRING", None, n, "v" * 5000) for n in range(150)]
    view = details_modal(
        "ja", LINKS, ProcessView(1, 1, "t", "STARTED", "A", None, None, [], data), 2
    )
    assert len(view["blocks"]) <= 100
    assert all(len(b["text"]["text"]) <= 3000 for b in view["blocks"] if b["type"] == "section")
    assert len(view["title"]["text"]) <= 24
