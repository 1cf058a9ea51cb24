"""The emulator's switches for what the public sources leave open (switches.py), over real HTTP:
each setting behaves as documented there, and the control API sets them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx2
import pytest

from tests.emulators.questetra import EmulatorState, Field, create_app
from tests.emulators.server import LoopbackServer, serve
from tests.support import ManualClock

APP = 61
ALICE = ("alice@example.com", "alice-pw")


@pytest.fixture(scope="module")
def shared() -> EmulatorState:
    return EmulatorState(base_path="/tenant/")


@pytest.fixture(scope="module")
def server(shared: EmulatorState) -> Iterator[LoopbackServer]:
    with serve(create_app(shared)) as srv:
        yield srv


@pytest.fixture
def state(shared: EmulatorState, clock: ManualClock) -> EmulatorState:
    shared.reset()
    shared.clock.follow(clock)
    shared.basic_auth_enabled = True
    shared.add_user(ALICE[0], "Alice", api_password=ALICE[1])
    shared.add_client("c", "client-secret", "http://bot.test/cb")
    shared.add_app(APP, "Expense", fields=[Field("q_subject", "Subject", "STRING", 0)])
    shared.add_start_event(APP, 1, key="k3y")
    return shared


@pytest.fixture
async def client(server: LoopbackServer, state: EmulatorState) -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient(base_url=server.url + "tenant/", timeout=5) as c:
        yield c


async def test_unauthenticated_switch(client: httpx2.AsyncClient, state: EmulatorState) -> None:
    plain = await client.get("API/User/Quser/self")
    assert (plain.status_code, plain.text, "www-authenticate" in plain.headers) == (
        401,
        "Unauthorized",
        False,
    )
    state.switches.set("unauthenticated", "redirect")
    moved = await client.get("API/User/Quser/self")
    assert moved.status_code == 302 and moved.headers["location"] == "/tenant/Login/signIn"
    page = await client.get("Login/signIn")
    assert page.status_code == 200 and 'type="password"' in page.text
    state.switches.set("unauthenticated", "html")
    html = await client.get("API/User/Quser/self")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert 'type="password"' in html.text
    # Only calls without credentials: a wrong credential is still a plain 401.
    wrong = await client.get("API/User/Quser/self", auth=("alice@example.com", "nope"))
    assert wrong.status_code == 401


@pytest.mark.parametrize(
    ("style", "bad_client", "dead_grant"),
    [
        ("rfc", (401, {"error": "invalid_client"}), (400, {"error": "invalid_grant"})),
        (
            "spring",
            (401, {"error": "unauthorized", "error_description": "Bad credentials"}),
            (400, {"error": "invalid_grant", "error_description": "Invalid refresh token"}),
        ),
        ("html", (401, None), (400, None)),
    ],
)
async def test_token_error_styles(
    client: httpx2.AsyncClient,
    state: EmulatorState,
    style: str,
    bad_client: tuple[int, object],
    dead_grant: tuple[int, object],
) -> None:
    state.switches.set("token_errors", style)
    form = {"grant_type": "refresh_token", "refresh_token": "never", "client_id": "c"}
    for secret, (status, body) in (("wrong", bad_client), ("client-secret", dead_grant)):
        answer = await client.post("oauth2/token", data={**form, "client_secret": secret})
        assert answer.status_code == status
        if body is None:
            assert answer.headers["content-type"].startswith("text/html")
        else:
            assert answer.json() == body


@pytest.mark.parametrize("front", ["sign_in_html", "sign_in_redirect", "portal_html"])
async def test_a_front_answers_for_start_events_only(
    client: httpx2.AsyncClient, state: EmulatorState, front: str
) -> None:
    state.switches.set("front", front)
    answer = await client.post(
        f"System/Event/MessageStart/{APP}/1/start", data={"key": "k3y", "title": "x"}
    )
    if front == "sign_in_redirect":
        assert answer.status_code == 302 and answer.headers["location"].startswith("https://idp.")
    else:
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    assert state.process_instances == {}  # the tenant never saw it
    assert state.requests[-1].status == answer.status_code
    # The API behind the same front is untouched (front_paths).
    assert (await client.get("API/User/Quser/self", auth=ALICE)).status_code == 200
    state.switches.set("front_paths", ["/API/"])
    fronted = await client.get("API/User/Quser/self", auth=ALICE)
    assert fronted.status_code == answer.status_code
    assert fronted.headers.get("location") == answer.headers.get("location")


async def test_reads_take_post_too(client: httpx2.AsyncClient, state: EmulatorState) -> None:
    state.add_task(APP, to=ALICE[0], state="ALLOCATED")
    by_post = await client.post("API/PE/Workitem/listAllocated", data={"limit": "5"}, auth=ALICE)
    assert by_post.status_code == 200 and by_post.json()["count"] == 1
    view = await client.post(
        "API/OR/ProcessInstance/view",
        data={"processInstanceId": str(next(iter(state.process_instances)))},
        auth=ALICE,
    )
    assert view.status_code == 200


async def test_only_documented_pages_are_served(
    client: httpx2.AsyncClient, state: EmulatorState
) -> None:
    wid = state.add_task(APP, to=ALICE[0], state="ALLOCATED")
    pid = state.workitems[wid].process_instance_id
    state.sign_in(ALICE[0])
    guessed = await client.get("PE/Workitem/Form/view", params={"workitemId": wid})
    assert guessed.status_code == 404  # L3: no source shows this page
    for path, params in (
        ("PE/Workitem/list", {}),
        ("OR/ProcessInstance/view", {"processInstanceId": pid}),
        ("PE/Workitem/Form/viewIframe", {"workitemId": wid}),
    ):
        assert (await client.get(path, params=params)).status_code == 200, path
    process_page = (
        await client.get("OR/ProcessInstance/view", params={"processInstanceId": pid})
    ).text
    assert f"PE/Workitem/Form/viewIframe?workitemId={wid}" in process_page


async def test_the_control_api_sets_switches(
    client: httpx2.AsyncClient, state: EmulatorState
) -> None:
    answer = await client.post(
        "_emulator/switches", json={"unauthenticated": "html", "values": {"LIST": "rows"}}
    )
    assert answer.status_code == 200
    assert answer.json()["unauthenticated"] == "html" and answer.json()["values"]["LIST"] == "rows"
    assert (await client.post("_emulator/switches", json={"nope": 1})).status_code == 400
    bad_shape = await client.post("_emulator/switches", json={"values": {"LIST": "csv"}})
    assert bad_shape.status_code == 400
    assert (await client.get("_emulator/state")).json()["switches"]["values"]["LIST"] == "rows"
    state.reset()
    assert state.switches.unauthenticated == "401"
