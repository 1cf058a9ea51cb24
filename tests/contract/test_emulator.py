"""The emulator against the same contract and the same value shapes as the fixtures, in every
switch setting: the emulator cannot drift away from the public sources without a failure here."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx2
import pytest

from bot.questetra import contract
from bot.questetra.values import read_value, recognized, shape_of
from tests.contract.fixtures import value_fixtures
from tests.emulators.questetra import EmulatorState, Field, create_app
from tests.emulators.questetra.switches import VALUE_SHAPES
from tests.emulators.server import LoopbackServer, serve
from tests.support import ManualClock

APP = 31
ALICE = ("alice@example.com", "alice-pw")
FIELDS = [
    Field("q_subject", "Subject", "STRING", 0),
    Field("q_amount", "Amount", "DECIMAL", 1),
    Field("q_kind", "Kind", "SELECT", 2, choices={"travel": "Travel", "books": "Books"}),
    Field("q_tags", "Tags", "SELECT_MULTI", 3, choices={"x": "Ex", "y": "Why"}),
    Field("q_due", "Due", "DATE", 4),
    Field("q_meet", "Meeting", "DATETIME", 5),
    Field("q_owner", "Owner", "QUSER", 6),
    Field("q_dept", "Department", "QGROUP", 7),
    Field("q_lines", "Lines", "LIST", 8),
    Field("q_files", "Files", "FILE", 9),
    Field("q_notes", "Notes", "STRING_TEXTAREA", 10),
]
DATA: dict[str, object] = {
    "q_subject": "Hello",
    "q_amount": "1234.5",
    "q_kind": "travel",
    "q_tags": ["x", "y"],
    "q_due": "2024-05-01",
    "q_meet": "2024-05-01 10:00",
    "q_owner": "alice@example.com",
    "q_dept": "Sales",
    "q_lines": [["Taxi", "1200"], ["Train", "3400"]],
    "q_files": ["report.pdf"],
}


@pytest.fixture(scope="module")
def shared() -> EmulatorState:
    return EmulatorState()


@pytest.fixture(scope="module")
def server(shared: EmulatorState) -> Iterator[LoopbackServer]:
    with serve(create_app(shared)) as srv:
        yield srv


@pytest.fixture
def state(shared: EmulatorState, clock: ManualClock) -> EmulatorState:
    shared.reset()
    shared.clock.follow(clock)
    shared.basic_auth_enabled = True
    shared.add_user(*ALICE[:1], "Alice", api_password=ALICE[1])
    shared.add_user("bob@example.com", "Bob")
    shared.add_app(APP, "Expense", fields=FIELDS)
    shared.add_human_start_event(APP, 0)
    shared.add_task(
        APP, to="alice@example.com", state="ALLOCATED", data=DATA, starter="bob@example.com"
    )
    shared.add_task(APP, to=["alice@example.com", "bob@example.com"], title="Offered")
    clock.advance(60)
    shared.start_process(APP, title="Later", starter="alice@example.com")
    return shared


@pytest.fixture
async def client(server: LoopbackServer, state: EmulatorState) -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient(base_url=server.url, auth=ALICE, timeout=5) as c:
        yield c


async def get(client: httpx2.AsyncClient, path: str, **params: Any) -> Any:
    answer = await client.get(path, params=params)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    return answer.json()


async def test_every_read_the_bot_makes_meets_the_contract(
    client: httpx2.AsyncClient, state: EmulatorState
) -> None:
    checks = {
        "API/User/Quser/self": contract.QUSER,
        "API/PE/Workitem/listAllocated": contract.WORKITEM_LIST,
        "API/PE/Workitem/listOffered": contract.WORKITEM_LIST,
        "API/PE/ProcessModel/listStartable": contract.STARTABLE,
    }
    for path, spec in checks.items():
        assert contract.check(spec, await get(client, path)) == [], path
    listed = await get(
        client,
        "API/OR/ProcessInstance/list",
        criteria=json.dumps({"processModelInfoId": APP}),
        limit=10,
    )
    assert contract.check(contract.PROCESS_LIST, listed) == []
    for process_id in state.process_instances:
        view = await get(client, "API/OR/ProcessInstance/view", processInstanceId=process_id)
        assert contract.check(contract.PROCESS_VIEW, view) == []


async def test_error_answers_meet_the_contract(client: httpx2.AsyncClient) -> None:
    bad = await client.get("API/OR/ProcessInstance/view", params={"processInstanceId": "x"})
    assert bad.status_code == 400
    assert contract.check(contract.ERRORS, bad.json()) == []
    refused = await client.post("API/PE/Workitem/batchAccept", data={"workitemIds": "424242"})
    assert contract.check(contract.ACCEPT_RESULTS, refused.json()) == []
    # The only published sample's style: digits and a CamelCase type.
    error = refused.json()["results"][0]["error"]
    assert error["errorCode"].isdigit() and error["type"][:1].isupper() and "_" not in error["type"]


@pytest.mark.parametrize("fixture", value_fixtures(), ids=lambda f: f"{f['dataType']}-{f['shape']}")
async def test_each_value_encoding_has_the_fixtures_shape(
    client: httpx2.AsyncClient, state: EmulatorState, fixture: dict[str, Any]
) -> None:
    state.switches.set("values", {fixture["dataType"]: fixture["shape"]})
    process_id = next(p.id for p in state.process_instances.values() if p.data)
    view = await get(client, "API/OR/ProcessInstance/view", processInstanceId=process_id)
    data = view["processInstance"]["data"]
    values = [d["value"] for d in data.values() if d["dataType"] == fixture["dataType"]]
    assert values, fixture["dataType"]
    for value in values:
        assert shape_of(value) == shape_of(fixture["value"])
        assert recognized(value)
        assert read_value(fixture["dataType"], value) is not None


def test_the_switches_offer_only_encodings_with_a_fixture() -> None:
    covered = {(f["dataType"], f["shape"]) for f in value_fixtures()}
    assert {(k, s) for k, shapes in VALUE_SHAPES.items() for s in shapes} == covered


async def test_sub_types_use_the_platform_vocabulary(
    client: httpx2.AsyncClient, state: EmulatorState
) -> None:
    process_id = next(p.id for p in state.process_instances.values() if p.data)
    view = await get(client, "API/OR/ProcessInstance/view", processInstanceId=process_id)
    sub_types = {d["name"]: d["subType"] for d in view["processInstance"]["data"].values()}
    assert sub_types["Subject"] == "STRING_TEXTFIELD"
    assert sub_types["Notes"] == "STRING_TEXTAREA"
    assert sub_types["Kind"] == "SELECT_SINGLE"
    assert sub_types["Tags"] == "SELECT_CHECKBOX"
    assert sub_types["Due"] == "DATE_YMD"
