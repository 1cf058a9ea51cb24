"""The emulator's task form over real HTTP: its shape (checked like the contract fixtures) and
every switch of ``state.form`` (questetra-fidelity.md §4.5)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from urllib.parse import urlencode

import httpx2
import pytest

from bot.questetra.forms import parse_form, parse_result
from tests.emulators.questetra import EmulatorState, Field, create_app
from tests.emulators.server import LoopbackServer, serve
from tests.form_shapes import check_form, check_result
from tests.support import ManualClock

APP = 7
FIELDS = [
    Field("subject", "Subject", "STRING", 0, required=True),
    Field("amount", "Amount", "DECIMAL", 1, scale=2),
    Field("kind", "Kind", "SELECT", 2, choices={"a": "Alpha", "b": "Beta"}),
    Field("tags", "Tags", "SELECT_MULTI", 3, choices={"x": "Ex", "y": "Why"}),
    Field("due", "Due", "DATE", 4),
    Field("meet", "Meeting", "DATETIME", 5),
    Field("owner", "Owner", "QUSER", 6),
    Field("dept", "Department", "QGROUP", 7),
    Field("lines", "Lines", "LIST", 8),
    Field("files", "Files", "FILE", 9),
    Field("notes", "Notes", "STRING_TEXTAREA", 10),
    Field("talk", "Discussion", "DISCUSSION", 11),
    Field("secret", "Secret", "STRING", 12, visible=False),
]
DATA = {
    "subject": "Trip",
    "amount": "12.5",
    "kind": "a",
    "tags": ["x", "y"],
    "due": "2026-12-01",
    "meet": "2026-12-01 14:30",
    "owner": "bob@example.com",
    "dept": "Finance",
    "lines": [["Train", "12000"]],
    "files": ["receipt.pdf"],
    "notes": "two\nlines",
    "talk": "Bob: hi",
}
ALICE = ("alice@example.com", "alice-pw")
BOB = ("bob@example.com", "bob-pw")


@pytest.fixture(scope="module")
def shared_state() -> EmulatorState:
    return EmulatorState()


@pytest.fixture(scope="module")
def server(shared_state: EmulatorState) -> Iterator[LoopbackServer]:
    with serve(create_app(shared_state)) as srv:
        yield srv


@pytest.fixture
def state(shared_state: EmulatorState, clock: ManualClock) -> EmulatorState:
    shared_state.reset()
    shared_state.clock.follow(clock)
    shared_state.basic_auth_enabled = True
    shared_state.add_user("alice@example.com", "Alice", api_password="alice-pw")
    shared_state.add_user("bob@example.com", "Bob", api_password="bob-pw", group="Finance")
    shared_state.add_app(APP, "Expense", fields=FIELDS)
    return shared_state


@pytest.fixture
async def client(server: LoopbackServer, state: EmulatorState) -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient(base_url=server.url, timeout=5) as c:
        yield c


async def view(client: httpx2.AsyncClient, wid: int, auth=ALICE) -> httpx2.Response:
    return await client.get("API/PE/Workitem/Form/viewXml", params={"workitemId": wid}, auth=auth)


async def save(client: httpx2.AsyncClient, pairs: list[tuple[str, str]], auth=ALICE):
    return await client.post(
        "API/PE/Workitem/Form/save",
        content=urlencode(pairs).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        auth=auth,
    )


def task(state: EmulatorState, **kwargs) -> int:
    kwargs.setdefault("flows", ("Approve", "Reject"))
    return state.add_task(APP, to="alice@example.com", state="ALLOCATED", data=DATA, **kwargs)


@pytest.mark.parametrize("shape", ["structured", "unprefixed", "text"])
async def test_the_form_has_the_documented_shape_in_every_value_shape(
    client: httpx2.AsyncClient, state: EmulatorState, shape: str
) -> None:
    state.form.value_shape = shape  # type: ignore[assignment]
    wid = task(state, editable_fields=["amount", "kind", "notes", "talk"], roles=["Sales", "HR"])
    answer = await view(client, wid)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/xml")
    root = check_form(answer.content)
    assert answer.text.count('xmlns:ns2="process-data-definition-detail"') == 1
    first = root.find("form-data")
    assert first is not None and first.get("number") == "0" and first.get("id") != "0"
    form = parse_form(answer.content)  # and the bot reads it
    assert form.workitem_id == wid and form.task_name == "Approve"
    by = {i.var_name: i for i in form.items}
    assert "q_secret" not in by  # never shown to the API
    assert by["q_subject"].access == 1 and by["q_amount"].access == 3
    assert by["q_amount"].value.text == "12.5" and by["q_amount"].scale == 2
    assert by["q_kind"].value.selected == ("a",) and by["q_tags"].value.selected == ("x", "y")
    assert by["q_meet"].value.text == "2026-12-01 14:30"
    assert by["q_owner"].value.text == "bob@example.com"
    assert by["q_dept"].value.text == "Finance"
    if shape != "text":
        assert by["q_lines"].value.rows == (("Train", "12000"),)
        assert [name for _, name in by["q_files"].value.files] == ["receipt.pdf"]
    ids = [b.flow_id for b in form.buttons]
    assert [b.name for b in form.buttons] == ["Approve", "Reject"]
    assert ids != ["0", "1"] and len(set(ids)) == 2  # opaque, not indexes
    assert [r.name for r in form.roles] == ["Sales", "HR"] and form.role_choice_needed is False


async def test_save_records_the_parameters_and_completes(
    client: httpx2.AsyncClient, state: EmulatorState
) -> None:
    wid = task(state)
    form = parse_form((await view(client, wid)).content)
    reject = form.buttons[1].flow_id
    pairs = [
        ("workitemId", str(wid)),
        ("title", "New title"),
        ("q_amount", "13.25"),
        ("q_tags", "y"),
        ("q_meet", "2026-12-02 09:00"),
        ("q_files", form.item("q_files").value.files[0][0]),  # type: ignore[union-attr]
        ("q_talk", "Alice: fine"),
        ("flow", reject),
    ]
    answer = await save(client, pairs)
    assert answer.status_code == 200
    check_result(answer.content)
    assert parse_result(answer.content).success  # type: ignore[union-attr]
    (logged,) = state.form_saves
    assert logged.params == pairs and logged.success and logged.user_email == "alice@example.com"
    item = state.workitems[wid]
    assert item.state == "ENDED" and item.chosen_flow == "Reject"
    process = state.process_instances[item.process_instance_id]
    assert process.title == "New title" and str(process.data[1]) == "13.25"
    assert process.data[3] == ["y"] and process.data[11] == "Bob: hi\nAlice: fine"
    assert process.data[5] == datetime(2026, 12, 2, 0, 0, tzinfo=UTC)
    assert [f.name for f in process.data[9]] == ["receipt.pdf"]  # kept by its id


@pytest.mark.parametrize("status", [200, 400, 500])
async def test_failure_status_switch(
    client: httpx2.AsyncClient, state: EmulatorState, status: int
) -> None:
    state.form.failure_status = status
    wid = task(state)
    answer = await save(client, [("workitemId", str(wid)), ("q_amount", "1.234"), ("flow", "1")])
    assert answer.status_code == status
    check_result(answer.content)
    result = parse_result(answer.content)
    assert result is not None and not result.success
    assert list(result.field_errors) == ["q_amount"]
    assert [k for k, _ in result.errors] == ["flow"]
    assert state.workitems[wid].state == "ALLOCATED"


@pytest.mark.parametrize("omitted", ["keep", "clear"])
async def test_omitted_items_switch(
    client: httpx2.AsyncClient, state: EmulatorState, omitted: str
) -> None:
    state.form.omitted_items = omitted  # type: ignore[assignment]
    wid = task(state, flows=())
    answer = await save(
        client, [("workitemId", str(wid)), ("q_subject", "Trip"), ("saveOnly", "true")]
    )
    assert parse_result(answer.content).success  # type: ignore[union-attr]
    data = state.process_instances[state.workitems[wid].process_instance_id].data
    assert (data[2] is None) is (omitted == "clear")  # kind was left out
    assert data[11] == "Bob: hi" and data[9]  # discussion and files are never cleared
    assert state.workitems[wid].state == "ALLOCATED"  # save only


@pytest.mark.parametrize("checks", [False, True])
async def test_save_only_required_switch(
    client: httpx2.AsyncClient, state: EmulatorState, checks: bool
) -> None:
    state.form.save_only_checks_required = checks
    wid = task(state, flows=())
    pairs = [("workitemId", str(wid)), ("q_subject", ""), ("saveOnly", "true")]
    result = parse_result((await save(client, pairs)).content)
    assert result is not None and result.success is (not checks)
    completing = parse_result((await save(client, pairs[:2])).content)
    assert completing is not None and list(completing.field_errors) == ["q_subject"]


@pytest.mark.parametrize("status", [403, 401, 400])
async def test_read_scope_and_edition_refusal_switch(
    client: httpx2.AsyncClient, state: EmulatorState, status: int
) -> None:
    state.form.write_refusal_status = status
    state.edition = "standard"
    wid = task(state)
    assert (await view(client, wid)).status_code == 200  # reading stays allowed
    answer = await save(client, [("workitemId", str(wid)), ("flow", "1")])
    assert answer.status_code == status and parse_result(answer.content) is None
    assert state.workitems[wid].state == "ALLOCATED" and state.form_saves == []


async def test_someone_elses_task_is_401_and_no_choice_means_no_flow(
    client: httpx2.AsyncClient, state: EmulatorState
) -> None:
    wid = task(state, flows=())
    assert (await view(client, wid, auth=BOB)).status_code == 401
    assert (await save(client, [("workitemId", str(wid))], auth=BOB)).status_code == 401
    form = parse_form((await view(client, wid)).content)
    assert form.buttons == ()
    flowed = parse_result((await save(client, [("workitemId", str(wid)), ("flow", "3")])).content)
    assert flowed is not None and [k for k, _ in flowed.errors] == ["flow"]
    done = parse_result((await save(client, [("workitemId", str(wid))])).content)
    assert done is not None and done.success and state.workitems[wid].state == "ENDED"


@pytest.mark.parametrize("refusal", ["result", "401"])
async def test_task_refusal_switch(
    client: httpx2.AsyncClient, state: EmulatorState, refusal: str
) -> None:
    state.form.task_refusal = refusal  # type: ignore[assignment]
    ended = task(state, flows=())
    state.complete_task(ended)
    offered = state.add_task(APP, to=["alice@example.com", "bob@example.com"], data=DATA)
    gone = task(state)
    state.remove_task(gone)
    for wid in (ended, offered, gone):
        answer = await save(client, [("workitemId", str(wid))])
        if refusal == "401":
            assert answer.status_code == 401
        else:
            result = parse_result(answer.content)
            assert result is not None and [k for k, _ in result.errors] == ["workitemId"]
    assert (await view(client, ended)).status_code == 401


@pytest.mark.parametrize("shown", [True, False])
async def test_offered_form_switch(
    client: httpx2.AsyncClient, state: EmulatorState, shown: bool
) -> None:
    state.form.offered_form = shown
    wid = state.add_task(APP, to="alice@example.com", data=DATA)
    assert (await view(client, wid)).status_code == (200 if shown else 401)


async def test_several_roles_need_a_qgroup_id(
    client: httpx2.AsyncClient, state: EmulatorState
) -> None:
    wid = task(state, flows=(), roles=["Sales", "HR"])
    form = parse_form((await view(client, wid)).content)
    missing = parse_result(
        (await save(client, [("workitemId", str(wid)), ("qgroupId", "999")])).content
    )
    assert missing is not None and [k for k, _ in missing.errors] == ["qgroupId"]
    hr = form.roles[1].qgroup_id
    done = parse_result((await save(client, [("workitemId", str(wid)), ("qgroupId", hr)])).content)
    assert done is not None and done.success
    assert state.workitems[wid].executed_as == int(hr)


async def test_the_control_api_sets_the_switches_and_refuses_nonsense(
    client: httpx2.AsyncClient, state: EmulatorState
) -> None:
    ok = await client.post("_emulator/form-settings", json={"failure_status": 500})
    assert ok.status_code == 200 and ok.json()["failure_status"] == 500
    assert state.form.failure_status == 500 and state.form.omitted_items == "keep"
    bad = await client.post("_emulator/form-settings", json={"failure_status": 418})
    assert bad.status_code == 400 and state.form.failure_status == 500
    task = await client.post(
        "_emulator/tasks",
        json={"app_id": APP, "to": "alice@example.com", "state": "ALLOCATED", "flows": []},
    )
    wid = task.json()["workitem_id"]
    assert parse_form((await view(client, wid)).content).buttons == ()
