"""The bot against the contract fixtures: the contract accepts every fixture, and the bot's own
parsers read every one of them (the same shapes the emulator is held to in test_emulator.py)."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from bot.domain.tasks import display_value
from bot.questetra import answers, contract
from bot.questetra.api import BearerAuth, QuestetraApi
from bot.questetra.errors import InvalidClient, InvalidGrant, QuestetraBadRequest
from bot.questetra.models import QUser
from bot.questetra.oauth import classify_token_answer
from bot.questetra.start_events import parse_errors
from bot.questetra.tasks import (
    ProcessApi,
    TaskApi,
    parse_process,
    parse_process_summary,
    parse_task,
)
from bot.questetra.values import read_value, recognized, shape_of
from tests.contract.fixtures import (
    CONTRACTS,
    ROOT,
    load,
    response,
    token_error_fixtures,
    value_fixtures,
)

AUTH = BearerAuth("t")


@pytest.mark.parametrize("name", sorted(CONTRACTS))
def test_the_contract_accepts_every_fixture(name: str) -> None:
    assert contract.check(CONTRACTS[name], load(name)["body"]) == []


def test_every_fixture_is_listed_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in ROOT.rglob("*"):
        if path.is_file() and path.name != "README.md":
            listed = path.name in readme or f"{path.parent.name}/*" in readme
            assert listed, f"{path.relative_to(ROOT)} is not described in README.md"


def api_answering(*names: str) -> QuestetraApi:
    queue = list(names)

    def handler(request: httpx2.Request) -> httpx2.Response:
        data = load(queue.pop(0))
        return httpx2.Response(data["status"], json=data["body"])

    http = httpx2.AsyncClient(
        base_url="https://tenant.example/", transport=httpx2.MockTransport(handler)
    )
    return QuestetraApi(http)


def test_quser() -> None:
    user = QUser.parse(load("quser_self.json")["body"])
    assert (user.id, user.name) == (0, "SouthPole")


async def test_workitem_list() -> None:
    tasks = await TaskApi(api_answering("workitem_list.json")).list_tasks(AUTH, "allocated")
    assert [t.id for t in tasks] == [58399, 58400]
    first, second = tasks
    assert first.deadline is not None and first.offered_at is not None
    assert (first.name, first.process_title, first.starter_name) == (
        "Activity 1",
        "Process 1",
        "SouthPole",
    )
    # Nulls where the sources show them: no title, no starter, no allocation, no deadline.
    assert (second.process_title, second.starter_name, second.allocated_at, second.deadline) == (
        "",
        None,
        None,
        None,
    )
    for raw in load("workitem_list.json")["body"]["workitems"]:
        parse_task(raw, "offered")


def test_process_view_values_read_as_text() -> None:
    data = load("process_view.json")
    view = parse_process(data["body"])
    assert view.id == 825 and view.active_nodes == ["Activity 1"]
    shown = {item.name: display_value(item.value) for item in view.data}
    assert shown == data["expect"]


async def test_process_list_and_startable() -> None:
    summaries = await ProcessApi(api_answering("process_list.json")).recent_processes(AUTH, 9)
    assert [p.id for p in summaries] == [826, 825]
    for raw in load("process_list.json")["body"]["processInstances"]:
        parse_process_summary(raw)
    apps = await ProcessApi(api_answering("startable.json")).startable_apps(AUTH)
    assert apps == {9: "Test App"}


async def test_errors_and_refused_accept() -> None:
    with pytest.raises(QuestetraBadRequest) as caught:
        await api_answering("errors_400.json").call("GET", "API/x", auth=AUTH)
    assert caught.value.problems == [{"errorCode": "10001", "type": "InvalidId", "input": "hello"}]
    result = await TaskApi(api_answering("batch_accept_refused.json")).accept(AUTH, 58399)
    assert (result.success, result.error_code) == (False, "10001")


def test_token_body() -> None:
    assert classify_token_answer(response("token.json")).status_code == 200


@pytest.mark.parametrize(("name", "data"), token_error_fixtures())
def test_token_errors_by_status_and_body(name: str, data: dict[str, Any]) -> None:
    expected = {"InvalidClient": InvalidClient, "InvalidGrant": InvalidGrant}[data["expect"]]
    with pytest.raises(expected):
        classify_token_answer(response(f"token_errors/{name}"))
    assert contract.check(contract.TOKEN_ERROR, data["body"]) == []


def test_message_start_event_answers() -> None:
    errors = parse_errors((ROOT / "message_start_errors.xml").read_bytes())
    assert errors is not None and [e.key for e in errors] == ["q_amount", "q_due"]
    body = (ROOT / "message_start_success.txt").read_bytes()
    answer = httpx2.Response(
        200, content=body, headers={"content-type": "text/plain;charset=UTF-8"}
    )
    assert answers.process_id_of(answer) == 825


@pytest.mark.parametrize("fixture", value_fixtures(), ids=lambda f: f"{f['dataType']}-{f['shape']}")
def test_every_value_encoding_reads_as_text(fixture: dict[str, Any]) -> None:
    value = read_value(fixture["dataType"], fixture["value"])
    assert display_value(value) == fixture["expect"]
    assert recognized(fixture["value"])
    assert shape_of(fixture["value"])  # the probe can name it


def test_each_type_has_every_encoding_the_emulator_offers() -> None:
    from tests.emulators.questetra.switches import VALUE_SHAPES

    offered = {(kind, shape) for kind, shapes in VALUE_SHAPES.items() for shape in shapes}
    covered = {(f["dataType"], f["shape"]) for f in value_fixtures()}
    assert offered == covered
