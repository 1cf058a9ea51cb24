"""Tasks as the sources allow them: lists read whole and once (E1), the process search sorted
explicitly (H1), links only to documented pages unless configured (L3), process values readable
in every plausible encoding (G3/G4)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest

from bot.config import SettingsError, load_settings
from bot.domain.tasks import DataItem, ProcessView, Table, Task, display_value
from bot.questetra.api import BearerAuth, QuestetraApi
from bot.questetra.tasks import ProcessApi, TaskApi
from bot.questetra.urls import DEFAULT_TASK_URL, QuestetraLinks, template_problem
from bot.questetra.values import read_value, recognized, shape_of
from bot.slack.task_blocks import details_modal, task_card
from tests.unit.test_config import REQUIRED

AUTH = BearerAuth("t")
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def workitem(n: int) -> dict[str, Any]:
    return {"id": n, "processInstanceId": 1000 + n, "nodeName": f"T{n}"}


def api(pages: list[dict[str, Any]], seen: list[httpx2.Request]) -> TaskApi:
    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200, json=pages[min(len(seen), len(pages)) - 1])

    http = httpx2.AsyncClient(
        base_url="https://t.example/", transport=httpx2.MockTransport(handler)
    )
    return TaskApi(QuestetraApi(http))


async def test_a_whole_list_in_one_answer_is_read_once() -> None:
    seen: list[httpx2.Request] = []
    page = {"count": 3, "workitems": [workitem(1), workitem(2), workitem(3)]}
    tasks = await api([page], seen).list_tasks(AUTH, "allocated")
    assert [t.id for t in tasks] == [1, 2, 3] and len(seen) == 1


async def test_a_capped_list_that_ignores_start_stops_and_counts_each_task_once() -> None:
    """E1: a server that caps the list and ignores `start` sends the same page again."""
    seen: list[httpx2.Request] = []
    page = {"count": 5, "workitems": [workitem(1), workitem(2), workitem(1)]}
    tasks = await api([page], seen).list_tasks(AUTH, "offered")
    assert [t.id for t in tasks] == [1, 2]
    assert len(seen) == 2  # the second page added nothing new: stop


async def test_a_list_that_pages_is_read_to_the_end() -> None:
    seen: list[httpx2.Request] = []
    pages = [
        {"count": 3, "workitems": [workitem(1), workitem(2)]},
        {"count": 3, "workitems": [workitem(3)]},
    ]
    tasks = await api(pages, seen).list_tasks(AUTH, "allocated")
    assert [t.id for t in tasks] == [1, 2, 3]
    assert [parse_qs(urlsplit(str(r.url)).query)["start"] for r in seen] == [["0"], ["2"]]


async def test_the_process_search_asks_for_the_newest_first() -> None:
    sent: list[dict[str, Any]] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        sent.append(json.loads(request.url.params["criteria"]))
        return httpx2.Response(200, json={"count": 0, "processInstances": []})

    http = httpx2.AsyncClient(
        base_url="https://t.example/", transport=httpx2.MockTransport(handler)
    )
    await ProcessApi(QuestetraApi(http)).recent_processes(AUTH, 12)
    await ProcessApi(QuestetraApi(http)).recent_processes(AUTH, 12, since=NOW.date())
    newest = {
        "processModelInfoId": 12,
        "sortProperty": "processInstanceStartDatetime",
        "sortDirection": "DESC",
    }
    assert sent == [newest, {**newest, "processInstanceStartDateFrom": "2026-11-27"}]


# ------------------------------------------------------------------ links (L3)


def task() -> Task:
    return Task(20001, "Approve", "OFFERED", "offered", 1001, 5, "Trip", 7, "Expense", None,
                NOW, None, None)  # fmt: skip


def urls_in(blocks: Any) -> list[str]:
    text = json.dumps(blocks)
    return [u.split("|")[0] for u in __import__("re").findall(r'https://t\.example/[^"|>]*', text)]


def test_tasks_link_to_their_process_page_by_default() -> None:
    links = QuestetraLinks("https://t.example/")
    assert (
        links.task(20001, 1001)
        == "https://t.example/OR/ProcessInstance/view?processInstanceId=1001"
    )
    card = task_card("en", links, task(), NOW)
    assert set(urls_in(card)) == {
        "https://t.example/OR/ProcessInstance/view?processInstanceId=1001"
    }
    assert not any("Form/view" in u for u in urls_in(card))


def test_a_task_url_template_is_followed() -> None:
    links = QuestetraLinks(
        "https://t.example/q/",
        "{base}PE/Workitem/Form/viewIframe?workitemId={workitem_id}&p={process_instance_id}",
    )
    assert links.task(20001, 1001) == (
        "https://t.example/q/PE/Workitem/Form/viewIframe?workitemId=20001&p=1001"
    )


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("{base}x?w={workitem_id}", None),
        ("https://other.example/t/{workitem_id}", None),
        ("{base}PE/Workitem/list", None),
        ("{base}x?w={id}", "unknown placeholder {id}"),
        ("{base}x?w={}", "unknown placeholder {}"),
        ("{base}x?w={0}", "unknown placeholder {0}"),
        ("{base}x?w={workitem_id!r}", "no format or conversion"),
        ("{base}x?w={workitem_id:>5}", "no format or conversion"),
        ("{base}x?w={workitem_id", "not a valid template"),
        ("ftp://{base}", "must start with {base}"),
        ("/relative/{workitem_id}", "must start with {base}"),
    ],
)
def test_template_problems(template: str, problem: str | None) -> None:
    found = template_problem(template)
    assert (found is None) if problem is None else (problem in (found or ""))


def test_a_bad_template_is_one_clear_settings_error() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({**REQUIRED, "QUESTETRA_TASK_URL": "{base}x?w={task_id}"})
    (problem,) = caught.value.problems
    assert problem.startswith("QUESTETRA_TASK_URL has an unknown placeholder {task_id}")
    settings = load_settings({**REQUIRED, "QUESTETRA_TASK_URL": " "})
    assert settings.questetra_links.task_template == DEFAULT_TASK_URL
    custom = load_settings({**REQUIRED, "QUESTETRA_TASK_URL": "{base}t/{workitem_id}"})
    assert custom.questetra_links.task(1, 2).endswith("/t/1")


def test_details_modal_buttons_follow_the_links() -> None:
    view = ProcessView(1001, 5, "Trip", "STARTED", "Expense", None, None, [], [])
    default = details_modal("en", QuestetraLinks("https://t.example/"), view, 20001)
    actions = [b for b in default["blocks"] if b["type"] == "actions"][-1]["elements"]
    assert [e["action_id"] for e in actions] == ["process_open"]
    custom = details_modal(
        "en", QuestetraLinks("https://t.example/", "{base}t/{workitem_id}"), view, 20001
    )
    actions = [b for b in custom["blocks"] if b["type"] == "actions"][-1]["elements"]
    assert [e["url"] for e in actions] == [
        "https://t.example/t/20001",
        "https://t.example/OR/ProcessInstance/view?processInstanceId=1001",
    ]


# ------------------------------------------------------------------ values (G3/G4)


@pytest.mark.parametrize(
    ("data_type", "raw", "shown"),
    [
        ("QUSER", {"quser": {"name": "Bob", "email": "b@x"}}, "Bob <b@x>"),
        ("QGROUP", {"qgroup": {"id": 3, "name": "Sales"}}, "Sales"),
        ("SELECT", {"item": [{"value": "a", "display": "Alpha"}, {"value": "b"}]}, "Alpha, b"),
        ("SELECT", {"value": "a", "display": "Alpha"}, "Alpha"),
        (
            "FILE",
            {"qfile": [{"id": 1, "name": "a.pdf"}, {"id": 2, "name": "b.png"}]},
            "a.pdf, b.png",
        ),
        ("LIST", "<list><row><col>a</col><col> b </col></row></list>", "a | b"),
        ("LIST", [["a", 1], ["b", 2.0]], "a | 1\nb | 2"),
        ("LIST", {"rows": [{"x": "a", "y": 1}]}, "a | 1"),
        ("STRING", "<list>not closed", "<list>not closed"),
        ("LIST", "<!DOCTYPE x><list/>", "<!DOCTYPE x><list/>"),
        ("ODD", {"when": {"from": "1", "to": "2"}, "n": 3}, "when: from: 1, to: 2, n: 3"),
        ("ODD", {"id": 7}, "7"),
        ("ODD", [[], {}], "—"),
        ("DECIMAL", 12.0, "12"),
        ("DECIMAL", 1e300, "1e+300"),
        ("BOOL", True, "true"),
    ],
)
def test_values_read_as_text(data_type: str, raw: Any, shown: str) -> None:
    assert display_value(read_value(data_type, raw)) == shown


def test_tables_show_their_summary_and_a_count_of_what_is_left_out() -> None:
    rows = "".join(f"<row><col>r{n}</col><col>{n}</col></row>" for n in range(8))
    value = read_value(
        "LIST", f"<list>{rows}<summary><col>Total</col><col>28</col></summary></list>"
    )
    assert isinstance(value, Table) and len(value.rows) == 8
    assert display_value(value) == "r0 | 0\nr1 | 1\nr2 | 2\nr3 | 3\nr4 | 4\n… (+3)\nΣ Total | 28"


def test_unknown_shapes_are_named_not_recognised() -> None:
    assert not recognized({"id": 7})
    assert not recognized({"a": {"b": 1}})
    assert recognized({"quser": {"name": "x"}})
    assert shape_of({"quser": {"name": "x", "email": "e"}}) == "object{quser:object{email,name}}"
    assert shape_of("<list><row/></list>") == "xml-table"
    # Keys that could be data (a name, an e-mail, a number) are never shown.
    assert shape_of({"田中": 1, "a@b.example": 2, "42": 3}) == "object{*}"


def test_details_modal_shows_tables_line_by_line() -> None:
    table = read_value("LIST", "<list><row><col>Taxi</col><col>1200</col></row></list>")
    view = ProcessView(
        1, 1, "t", "STARTED", "A", None, None, [], [DataItem(0, "Lines", "LIST", None, 0, table)]
    )
    modal = details_modal("en", QuestetraLinks("https://t.example/"), view, 2)
    text = json.dumps(modal, ensure_ascii=False)
    assert "Taxi | 1200" in text and "&lt;list&gt;" not in text and "<list>" not in text
