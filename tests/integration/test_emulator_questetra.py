"""The Questetra emulator itself, over real HTTP (questetra-api.md is the reference)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import secrets
import time
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx2
import pytest

from tests.emulators.questetra import EmulatorState, Field, create_app
from tests.emulators.server import LoopbackServer, serve
from tests.support import ManualClock

REDIRECT = "http://localhost:3000/questetra/oauth/callback"
APP = 7
DATETIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0900")
FIELDS = [
    Field("subject", "Subject", "STRING", 0, required=True),
    Field("amount", "Amount", "DECIMAL", 1),
    Field("kind", "Kind", "SELECT", 2, choices={"a": "Alpha", "b": "Beta"}),
    Field("tags", "Tags", "SELECT_MULTI", 3, choices={"x": "Ex", "y": "Why", "z": "Zed"}),
    Field("due", "Due", "DATE", 4),
    Field("meet", "Meeting", "DATETIME", 5),
    Field("owner", "Owner", "QUSER", 6),
    Field("dept", "Department", "QGROUP", 7),
    Field("lines", "Lines", "LIST", 8),
    Field("files", "Files", "FILE", 9),
    Field("notes", "Notes", "STRING_TEXTAREA", 10),
    Field("secret", "Secret", "STRING", 11, visible=False),
    Field("internal", "Internal", "STRING", 12, editable_on_start=False),
]


def seed(state: EmulatorState) -> None:
    state.add_user("alice@example.com", "Alice", api_password="alice-pw")
    state.add_user("bob@example.com", "Bob", api_password="bob-pw", group="Finance")
    state.add_user("carol@example.com", "Carol")
    state.add_client("bridge", "bridge-secret", REDIRECT)
    state.add_client("pkce-only", "unused-secret", REDIRECT, require_pkce=True)
    state.add_app(APP, "Expense", category="Finance", fields=FIELDS)
    state.add_start_event(APP, 1, key="k3y", name="From Slack")
    state.add_human_start_event(APP, 0, name="Apply")
    state.sign_in("alice@example.com")


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
    seed(shared_state)
    return shared_state


@pytest.fixture
async def client(server: LoopbackServer, state: EmulatorState) -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient(base_url=server.url, timeout=5) as c:
        yield c


# -- helpers -------------------------------------------------------------------------------


class FormParser(HTMLParser):
    """Collects the consent form: action, hidden inputs and decision buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.method: str | None = None
        self.hidden: dict[str, str] = {}
        self.decisions: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.action, self.method = a.get("action"), a.get("method")
        elif tag == "input" and a.get("type") == "hidden":
            self.hidden[a["name"]] = a.get("value", "")
        elif tag == "button" and a.get("name") == "decision":
            self.decisions.append(a["value"])


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def query_of(response: httpx2.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    return {k: v[0] for k, v in parse_qs(urlsplit(response.headers["location"]).query).items()}


async def consent(
    client: httpx2.AsyncClient, decision: str = "approve", **params: str
) -> httpx2.Response:
    """Open the consent page, parse its form and submit it like a browser."""
    query = {"response_type": "code", "client_id": "bridge", "redirect_uri": REDIRECT}
    query |= {"scope": "any", "state": "st-1"} | params
    page = await client.get("oauth2/authorize", params=query)
    assert page.status_code == 200, page.text
    form = FormParser()
    form.feed(page.text)
    assert form.method == "post"
    assert sorted(form.decisions) == ["approve", "deny"]
    assert form.action is not None
    return await client.post(form.action, data=form.hidden | {"decision": decision})


async def login(
    client: httpx2.AsyncClient, *, scope: str = "any", client_id: str = "bridge"
) -> dict[str, Any]:
    """Approve straight away (what the consent form posts) and redeem the code."""
    verifier, challenge = pkce_pair()
    approval = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "scope": scope,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "decision": "approve",
    }
    redirect = await client.post("oauth2/authorize", data=approval)
    form = {
        "grant_type": "authorization_code",
        "code": query_of(redirect)["code"],
        "redirect_uri": REDIRECT,
        "client_id": client_id,
        "code_verifier": verifier,
    }
    if client_id == "bridge":
        form["client_secret"] = "bridge-secret"
    response = await client.post("oauth2/token", data=form)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def refresh(client: httpx2.AsyncClient, token: str) -> httpx2.Response:
    return await client.post(
        "oauth2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": token,
            "client_id": "bridge",
            "client_secret": "bridge-secret",
        },
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


BASIC_ALICE = ("alice@example.com", "alice-pw")
BASIC_BOB = ("bob@example.com", "bob-pw")


def start_errors(response: httpx2.Response) -> list[tuple[str, str]]:
    assert response.status_code == 400
    assert response.headers["content-type"] == "text/xml;charset=UTF-8"
    assert response.text.startswith('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>')
    root = ET.fromstring(response.text)  # noqa: S314 - our own emulator's answer
    assert root.tag == "message-start-event-errors"
    return [(e.findtext("key") or "", e.findtext("detail") or "") for e in root.findall("error")]


# -- OAuth ---------------------------------------------------------------------------------


async def test_authorization_code_flow_with_pkce(
    client: httpx2.AsyncClient, state: EmulatorState
) -> None:
    verifier, challenge = pkce_pair()
    query = {
        "response_type": "code",
        "client_id": "bridge",
        "redirect_uri": REDIRECT,
        "scope": "any",
        "state": "xyz",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    page = await client.get("oauth2/authorize", params=query)
    assert "Alice" in page.text
    assert "alice@example.com" in page.text
    assert "any" in page.text
    form = FormParser()
    form.feed(page.text)
    assert form.hidden == query
    redirect = await client.post(form.action or "", data=form.hidden | {"decision": "approve"})
    params = query_of(redirect)
    assert redirect.headers["location"].startswith(REDIRECT + "?")
    assert params["state"] == "xyz"
    token_form = {
        "grant_type": "authorization_code",
        "code": params["code"],
        "redirect_uri": REDIRECT,
        "client_id": "bridge",
        "client_secret": "bridge-secret",
        "code_verifier": verifier,
    }
    response = await client.post("oauth2/token", data=token_form)
    body = response.json()
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 43200
    assert body["scope"] == "any"
    assert body["access_token"] != body["refresh_token"]
    me = await client.get("API/User/Quser/self", headers=bearer(body["access_token"]))
    assert me.json() == {
        "quser": {
            "id": 1,
            "name": "Alice",
            "email": "alice@example.com",
            "primaryQgroup": {"id": 1, "name": "Sales"},
        }
    }
    # Single use: a replay fails and revokes what the code produced.
    replay = await client.post("oauth2/token", data=token_form)
    assert (replay.status_code, replay.json()["error"]) == (400, "invalid_grant")
    me = await client.get("API/User/Quser/self", headers=bearer(body["access_token"]))
    assert me.status_code == 401
    assert [t.grant_type for t in state.token_requests] == ["authorization_code"] * 2
    assert state.token_requests[0].client_auth == "post"


async def test_pkce_mismatch_and_wrong_redirect_uri_are_invalid_grant(
    client: httpx2.AsyncClient,
) -> None:
    _, challenge = pkce_pair()
    for verifier, redirect_uri in (("x" * 50, REDIRECT), (None, REDIRECT), (None, REDIRECT + "x")):
        redirect = await consent(client, code_challenge=challenge, code_challenge_method="S256")
        form = {
            "grant_type": "authorization_code",
            "code": query_of(redirect)["code"],
            "redirect_uri": redirect_uri,
            "client_id": "bridge",
            "client_secret": "bridge-secret",
        }
        if verifier:
            form["code_verifier"] = verifier
        response = await client.post("oauth2/token", data=form)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_grant"


async def test_deny_redirects_with_access_denied(client: httpx2.AsyncClient) -> None:
    params = query_of(await consent(client, decision="deny"))
    assert params == {"error": "access_denied", "state": "st-1"}


async def test_bad_requests_to_authorize(client: httpx2.AsyncClient, state: EmulatorState) -> None:
    base = {"response_type": "code", "client_id": "bridge", "redirect_uri": REDIRECT}
    # Unknown client or redirect URI: an error page, never a redirect.
    for bad in ({"client_id": "nope"}, {"redirect_uri": "http://evil.example/cb"}):
        page = await client.get("oauth2/authorize", params=base | bad | {"scope": "any"})
        assert page.status_code == 400
        assert "location" not in page.headers
        assert page.headers["content-type"].startswith("text/html")
    # Trusted client: errors go back to it.
    bad_scope = await client.get("oauth2/authorize", params=base | {"scope": "write", "state": "s"})
    assert query_of(bad_scope) == {"error": "invalid_scope", "state": "s"}
    plain = await client.get(
        "oauth2/authorize", params=base | {"scope": "any", "code_challenge": "a" * 43}
    )
    assert query_of(plain)["error"] == "invalid_request"
    wrong_type = await client.get("oauth2/authorize", params=base | {"response_type": "token"})
    assert query_of(wrong_type)["error"] == "unsupported_response_type"
    # Nobody signed in: a page that says so, no form, no code.
    state.sign_in(None)
    page = await client.get("oauth2/authorize", params=base | {"scope": "any"})
    assert page.status_code == 401
    assert "Sign in" in page.text
    assert "<form" not in page.text


async def test_scope_list_and_read_scope(client: httpx2.AsyncClient, state: EmulatorState) -> None:
    both = await login(client, scope="read any")
    assert both["scope"] == "any read"
    read = await login(client, scope="read")
    assert read["scope"] == "read"
    wid = state.add_task(APP, to="alice@example.com")
    got = await client.get("API/PE/Workitem/listOffered", headers=bearer(read["access_token"]))
    assert got.status_code == 200
    accept = await client.post(
        "API/PE/Workitem/batchAccept",
        data={"workitemIds": str(wid)},
        headers=bearer(read["access_token"]),
    )
    assert accept.status_code == 403
    accept = await client.post(
        "API/PE/Workitem/batchAccept",
        data={"workitemIds": str(wid)},
        headers=bearer(both["access_token"]),
    )
    assert accept.status_code == 200


async def test_require_pkce_client(client: httpx2.AsyncClient) -> None:
    refused = await client.get(
        "oauth2/authorize",
        params={
            "response_type": "code",
            "client_id": "pkce-only",
            "redirect_uri": REDIRECT,
            "scope": "any",
            "state": "s",
        },
    )
    assert query_of(refused) == {"error": "invalid_request", "state": "s"}
    # With PKCE the client may leave out its secret (token endpoint auth method "none").
    tokens = await login(client, client_id="pkce-only")
    assert tokens["token_type"] == "bearer"


async def test_token_endpoint_client_authentication(
    client: httpx2.AsyncClient, state: EmulatorState
) -> None:
    redirect = await consent(client)
    code = query_of(redirect)["code"]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    basic = await client.post("oauth2/token", data=form, auth=("bridge", "bridge-secret"))
    assert (basic.status_code, basic.json()["error"]) == (401, "invalid_client")
    assert "www-authenticate" not in basic.headers
    assert state.token_requests[-1].client_auth == "basic"
    for creds in ({"client_id": "bridge", "client_secret": "wrong"}, {"client_id": "nobody"}):
        wrong = await client.post("oauth2/token", data=form | creds)
        assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_client")
    no_secret = await client.post("oauth2/token", data=form | {"client_id": "bridge"})
    assert no_secret.status_code == 401
    good = {"client_id": "bridge", "client_secret": "bridge-secret"}
    other = await client.post("oauth2/token", data=good | {"grant_type": "password"})
    assert (other.status_code, other.json()["error"]) == (400, "unsupported_grant_type")
    missing = await client.post("oauth2/token", data=good)
    assert missing.json()["error"] == "invalid_request"
    # The code is still good after all those refusals.
    ok = await client.post("oauth2/token", data=form | good)
    assert ok.status_code == 200


async def test_refresh_without_rotation(client: httpx2.AsyncClient) -> None:
    tokens = await login(client)
    first = await refresh(client, tokens["refresh_token"])
    assert first.status_code == 200
    assert "refresh_token" not in first.json()
    assert first.json()["access_token"] != tokens["access_token"]
    again = await refresh(client, tokens["refresh_token"])
    assert again.status_code == 200
    me = await client.get("API/User/Quser/self", headers=bearer(again.json()["access_token"]))
    assert me.status_code == 200


async def test_refresh_with_rotation(client: httpx2.AsyncClient, state: EmulatorState) -> None:
    state.rotate_refresh_tokens = True
    tokens = await login(client)
    rotated = await refresh(client, tokens["refresh_token"])
    new_refresh = rotated.json()["refresh_token"]
    assert new_refresh != tokens["refresh_token"]
    old = await refresh(client, tokens["refresh_token"])
    assert (old.status_code, old.json()["error"]) == (400, "invalid_grant")
    assert (await refresh(client, new_refresh)).status_code == 200


async def test_ten_refresh_tokens_per_user_and_client(
    client: httpx2.AsyncClient, state: EmulatorState
) -> None:
    refresh_tokens = [(await login(client))["refresh_token"] for _ in range(11)]
    assert (await refresh(client, refresh_tokens[0])).json()["error"] == "invalid_grant"
    assert (await refresh(client, refresh_tokens[1])).status_code == 200
    assert (await refresh(client, refresh_tokens[10])).status_code == 200
    assert len(state.db.refresh_tokens) == 10
    # The cap is per client: another client's tokens do not push these out.
    await login(client, client_id="pkce-only")
    assert (await refresh(client, refresh_tokens[1])).status_code == 200


async def test_expiry_follows_the_clock(client: httpx2.AsyncClient, state: EmulatorState) -> None:
    tokens = await login(client)
    state.clock.advance(12 * 3600 - 5)
    assert (
        await client.get("API/User/Quser/self", headers=bearer(tokens["access_token"]))
    ).is_success
    state.clock.advance(10)
    expired = await client.get("API/User/Quser/self", headers=bearer(tokens["access_token"]))
    assert expired.status_code == 401
    assert "www-authenticate" not in expired.headers
    assert (await refresh(client, tokens["refresh_token"])).status_code == 200
    state.clock.advance(30 * 86400)
    assert (await refresh(client, tokens["refresh_token"])).json()["error"] == "invalid_grant"
    # Authorization codes live 10 minutes.
    redirect = await consent(client)
    state.clock.advance(601)
    late = await client.post(
        "oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": query_of(redirect)["code"],
            "redirect_uri": REDIRECT,
            "client_id": "bridge",
            "client_secret": "bridge-secret",
        },
    )
    assert late.json()["error"] == "invalid_grant"


async def test_deactivated_and_deleted_client(
    client: httpx2.AsyncClient, state: EmulatorState
) -> None:
    tokens = await login(client)
    state.set_client_active("bridge", False)
    api = await client.get("API/User/Quser/self", headers=bearer(tokens["access_token"]))
    assert api.status_code == 401
    denied = await refresh(client, tokens["refresh_token"])
    assert (denied.status_code, denied.json()["error"]) == (401, "invalid_client")
    state.set_client_active("bridge", True)
    api = await client.get("API/User/Quser/self", headers=bearer(tokens["access_token"]))
    assert api.status_code == 200
    state.delete_client("bridge")
    assert (await refresh(client, tokens["refresh_token"])).json()["error"] == "invalid_client"
    api = await client.get("API/User/Quser/self", headers=bearer(tokens["access_token"]))
    assert api.status_code == 401


async def test_revoke_tokens(client: httpx2.AsyncClient, state: EmulatorState) -> None:
    tokens = await login(client)
    state.revoke_tokens("alice@example.com")
    assert (
        await client.get("API/User/Quser/self", headers=bearer(tokens["access_token"]))
    ).status_code == 401
    assert (await refresh(client, tokens["refresh_token"])).json()["error"] == "invalid_grant"


# -- Basic auth and API conventions ---------------------------------------------------------


async def test_basic_auth(client: httpx2.AsyncClient, state: EmulatorState) -> None:
    disabled = await client.get("API/User/Quser/self", auth=BASIC_ALICE)
    assert disabled.status_code == 401
    state.basic_auth_enabled = True
    ok = await client.get("API/User/Quser/self", auth=BASIC_ALICE)
    assert ok.json()["quser"]["email"] == "alice@example.com"
    for creds in (("alice@example.com", "wrong"), ("carol@example.com", ""), ("x@y.z", "p")):
        refused = await client.get("API/User/Quser/self", auth=creds)
        assert refused.status_code == 401
        assert "www-authenticate" not in refused.headers
    nothing = await client.get("API/User/Quser/self")
    assert nothing.status_code == 401
    assert "www-authenticate" not in nothing.headers
    assert [r.auth for r in state.requests[-5:]] == ["basic"] * 4 + [None]
    assert state.requests[1].user_email == "alice@example.com"


async def test_basic_edition_refuses_posts(
    client: httpx2.AsyncClient, state: EmulatorState
) -> None:
    state.basic_auth_enabled = True
    state.edition = "basic"
    wid = state.add_task(APP, to="alice@example.com")
    accept = await client.post(
        "API/PE/Workitem/batchAccept", data={"workitemIds": wid}, auth=BASIC_ALICE
    )
    assert accept.status_code == 403
    assert (await client.get("API/PE/Workitem/listOffered", auth=BASIC_ALICE)).status_code == 200


async def test_unknown_api_path_and_bad_parameters(
    client: httpx2.AsyncClient, state: EmulatorState
) -> None:
    state.basic_auth_enabled = True
    missing = await client.get("API/PE/Workitem/nothingHere", auth=BASIC_ALICE)
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    bad = await client.get(
        "API/OR/ProcessInstance/view", params={"processInstanceId": "abc"}, auth=BASIC_ALICE
    )
    assert bad.status_code == 400
    # [SWG] Error.java's only sample: a numeric-string code and a CamelCase type.
    assert bad.json() == {"errors": [{"errorCode": "10001", "type": "InvalidId", "input": "abc"}]}


async def test_quser_find(client: httpx2.AsyncClient, state: EmulatorState) -> None:
    state.basic_auth_enabled = True
    by_email = await client.get(
        "API/User/Quser/find", params={"email": "bob@example.com"}, auth=BASIC_ALICE
    )
    assert by_email.json()["quser"]["primaryQgroup"]["name"] == "Finance"
    by_id = await client.get("API/User/Quser/find", params={"id": "3"}, auth=BASIC_ALICE)
    assert by_id.json()["quser"]["email"] == "carol@example.com"
    unknown = await client.get(
        "API/User/Quser/find", params={"email": "who@example.com"}, auth=BASIC_ALICE
    )
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["input"] == "who@example.com"


# -- tasks ---------------------------------------------------------------------------------


async def test_my_lists_ignore_limit_and_start(
    client: httpx2.AsyncClient, state: EmulatorState
) -> None:
    """[SWG]: "This endpoint does not need any parameter"; real clients send none (E1)."""
    state.basic_auth_enabled = True
    ids = [
        state.add_task(APP, to="alice@example.com", state="ALLOCATED", title=f"T{i}")
        for i in range(3)
    ]
    state.add_task(APP, to="bob@example.com", state="ALLOCATED")
    default = (await client.get("API/PE/Workitem/listAllocated", auth=BASIC_ALICE)).json()
    assert default["count"] == 3
    assert [w["id"] for w in default["workitems"]] == [ids[2], ids[1], ids[0]]
    for params in ({"limit": 2, "start": 1}, {"limit": 1}, {"limit": 1001}, {"start": -1}):
        same = await client.get("API/PE/Workitem/listAllocated", params=params, auth=BASIC_ALICE)
        assert same.status_code == 200
        assert same.json() == default
    # A server that caps the list and ignores start answers the same first page every time.
    state.switches.set("list_cap", 2)
    capped = await client.get(
        "API/PE/Workitem/listAllocated", params={"start": 2}, auth=BASIC_ALICE
    )
    assert capped.json()["count"] == 3
    assert [w["id"] for w in capped.json()["workitems"]] == [ids[2], ids[1]]
    # The search lists keep their documented paging (default limit 1).
    searched = await client.get("API/OR/ProcessInstance/list", auth=BASIC_ALICE)
    assert len(searched.json()["processInstances"]) == 1
    for bad in ({"limit": 1001}, {"limit": "x"}, {"start": -1}):
        refused = await client.get("API/OR/ProcessInstance/list", params=bad, auth=BASIC_ALICE)
        assert refused.status_code == 400
        assert set(refused.json()["errors"][0]) == {"errorCode", "type", "input"}


async def test_workitem_fields(client: httpx2.AsyncClient, state: EmulatorState) -> None:
    state.basic_auth_enabled = True
    deadline = datetime(2024, 5, 1, 1, 0, tzinfo=UTC)
    with_deadline = state.add_task(
        APP, to="alice@example.com", deadline=deadline, title="Trip", starter="bob@example.com"
    )
    state.add_task(APP, to="alice@example.com", node_name="Review")
    items = (
        await client.get("API/PE/Workitem/listOffered", params={"limit": 10}, auth=BASIC_ALICE)
    ).json()["workitems"]
    assert [w["nodeName"] for w in items] == ["Review", "Approve"]
    item = items[1]
    assert item["id"] == with_deadline
    assert item["timeLimitDatetime"] == "2024-05-01T10:00:00+0900"
    assert items[0]["timeLimitDatetime"] is None
    assert DATETIME_RE.fullmatch(item["offerDatetime"])
    assert item["state"] == "OFFERED"
    assert item["allocatedQuserId"] is None
    assert item["processInstanceTitle"] == "Trip"
    assert item["processInstanceInitQuserName"] == "Bob"
    assert item["processModelInfoId"] == APP
    assert item["processModelInfoCategory"] == "Finance"
    assert isinstance(item["processInstanceId"], int)
    assert item["processInstanceIdForView"] == f"p{item['processInstanceId']}"
    expected = {
        "id", "nodeName", "nodeNumber", "state", "offerDatetime", "allocateDatetime",
        "allocatedQuserId", "allocatedQuserName", "allocatedQgroupId", "allocatedQgroupName",
        "startDatetime", "endDatetime", "timeLimitDatetime", "swimlaneType", "failType",
        "starred", "read", "processInstanceId", "processInstanceIdForView",
        "processInstanceSequenceNumber", "processInstanceTitle", "processInstanceState",
        "processInstanceDebug", "processInstanceStartDatetime", "processInstanceEndDatetime",
        "processInstanceInitQuserId", "processInstanceInitQuserName",
        "processInstanceInitQgroupId", "processInstanceInitQgroupName", "processModelInfoId",
        "processModelInfoName", "processModelInfoCategory", "processModelVersion",
    }  # fmt: skip
    assert set(item) == expected


async def test_batch_accept_first_wins(client: httpx2.AsyncClient, state: EmulatorState) -> None:
    state.basic_auth_enabled = True
    shared = state.add_task(APP, to=["alice@example.com", "bob@example.com"])
    others = state.add_task(APP, to="carol@example.com")
    won = await client.post(
        "API/PE/Workitem/batchAccept",
        data={"workitemIds": [str(shared), str(others), "999999"]},
        auth=BASIC_ALICE,
    )
    results = won.json()["results"]
    assert results[0]["success"] is True
    assert results[0]["error"] is None
    assert results[0]["workitem"]["state"] == "ALLOCATED"
    assert results[0]["workitem"]["allocatedQuserName"] == "Alice"
    assert [r["success"] for r in results[1:]] == [False, False]
    assert results[2] == {
        "success": False,
        "workitemId": 999999,
        "workitem": None,
        "error": {"errorCode": "10003", "type": "NotFound", "input": "999999"},
    }
    lost = await client.post(
        "API/PE/Workitem/batchAccept", data={"workitemIds": str(shared)}, auth=BASIC_BOB
    )
    assert lost.status_code == 200
    assert lost.json()["results"][0]["success"] is False
    bob_offered = await client.get("API/PE/Workitem/listOffered", auth=BASIC_BOB)
    assert bob_offered.json()["count"] == 0
    alice_mine = await client.get("API/PE/Workitem/listAllocated", auth=BASIC_ALICE)
    assert alice_mine.json()["workitems"][0]["id"] == shared
    state.complete_task(shared)
    assert (await client.get("API/PE/Workitem/listAllocated", auth=BASIC_ALICE)).json()[
        "count"
    ] == 0
    bad = await client.post(
        "API/PE/Workitem/batchAccept", data={"workitemIds": "one"}, auth=BASIC_ALICE
    )
    assert bad.status_code == 400


async def test_concurrent_accepts_have_one_winner(
    client: httpx2.AsyncClient, state: EmulatorState
) -> None:
    state.basic_auth_enabled = True
    ids = [state.add_task(APP, to=["alice@example.com", "bob@example.com"]) for _ in range(4)]
    calls = [
        client.post("API/PE/Workitem/batchAccept", data={"workitemIds": wid}, auth=who)
        for wid in ids
        for who in (BASIC_ALICE, BASIC_BOB)
    ]
    answers = await asyncio.gather(*calls)
    wins = [a.json()["results"][0]["success"] for a in answers]
    assert [wins[i] + wins[i + 1] for i in range(0, len(wins), 2)] == [1, 1, 1, 1]
    assert all(state.workitems[wid].state == "ALLOCATED" for wid in ids)


async def test_process_view_permissions_and_values(
    client: httpx2.AsyncClient, state: EmulatorState
) -> None:
    state.basic_auth_enabled = True
    state.set_api_password("carol@example.com", "carol-pw")
    state.add_group("Board")
    wid = state.add_task(
        APP,
        to="alice@example.com",
        title="Everything",
        data={
            "subject": "Hello",
            "amount": "1234.5",
            "kind": "b",
            "tags": ["x", "z"],
            "due": "2024-05-01",
            "meet": datetime(2024, 5, 1, 10, 0),
            "owner": "bob@example.com",
            "dept": "Board",
            "lines": [["a", "1"], ["b", "2"]],
            "files": [{"name": "r.pdf", "contentType": "application/pdf", "length": 10}],
            "secret": "hidden",
        },
    )
    pid = state.workitems[wid].process_instance_id
    view = await client.get(
        "API/OR/ProcessInstance/view", params={"processInstanceId": pid}, auth=BASIC_ALICE
    )
    process = view.json()["processInstance"]
    assert process["processInstanceId"] == pid
    assert process["activeTokenNodeName"] == ["Approve"]
    assert process["processInstanceState"] == "STARTED"
    data = process["data"]
    values = {d["name"]: d["value"] for d in data.values()}
    assert values["Subject"] == "Hello"
    assert values["Amount"] == 1234.5
    assert values["Kind"] == [{"value": "b", "display": "Beta"}]
    assert [v["value"] for v in values["Tags"]] == ["x", "z"]
    assert values["Due"] == "2024-05-01"
    assert values["Meeting"] == "2024-05-01T10:00:00+0900"
    assert values["Owner"] == {"id": 2, "name": "Bob", "email": "bob@example.com"}
    assert values["Department"]["name"] == "Board"
    # The only evidence for tables is the form XML's string (G4h).
    assert (
        values["Lines"]
        == "<list><row><col>a</col><col>1</col></row><row><col>b</col><col>2</col></row></list>"
    )
    assert values["Files"][0]["name"] == "r.pdf"
    assert values["Files"][0]["length"] == 10
    assert values["Notes"] is None
    assert "Secret" not in values  # not visible to users
    assert data["1"]["processDataDefinitionNumber"] == 1
    assert data["1"]["dataType"] == "DECIMAL"
    assert data["4"]["subType"] == "DATE_YMD"
    assert set(data["0"]) == {
        "id", "name", "processDataDefinitionNumber", "dataType", "subType", "viewOrder", "value"
    }  # fmt: skip
    forbidden = await client.get(
        "API/OR/ProcessInstance/view",
        params={"processInstanceId": pid},
        auth=("carol@example.com", "carol-pw"),
    )
    assert forbidden.status_code == 403
    unknown = await client.get(
        "API/OR/ProcessInstance/view", params={"processInstanceId": 5}, auth=BASIC_ALICE
    )
    assert unknown.status_code == 400


async def test_process_instance_list_criteria(
    client: httpx2.AsyncClient, state: EmulatorState
) -> None:
    state.basic_auth_enabled = True
    state.add_app(8, "Other", fields=[Field("subject", "Subject", "STRING", 0)])
    first = state.start_process(APP, title="Trip to Osaka", starter="alice@example.com")
    second = state.start_process(
        APP, title="Books", starter="alice@example.com", data={"amount": 5}
    )
    state.start_process(8, title="Trip elsewhere", starter="alice@example.com")
    state.start_process(APP, title="Not mine", starter="bob@example.com")
    state.end_process(first)

    async def search(criteria: str, limit: int = 100) -> dict[str, Any]:
        params: dict[str, str | int] = {"criteria": criteria, "limit": limit}
        response = await client.get("API/OR/ProcessInstance/list", params=params, auth=BASIC_ALICE)
        assert response.status_code == 200, response.text
        return dict(response.json())

    everything = await search("")
    assert everything["count"] == 3  # only what Alice may see
    assert everything["processInstances"][0]["data"] is None
    by_app = await search(f'{{"processModelInfoId": {APP}}}')
    # The default order is undocumented (H1): oldest first here, so forgetting to sort shows.
    assert [p["processInstanceId"] for p in by_app["processInstances"]] == [first, second]
    newest = await search(
        f'{{"processModelInfoId": {APP}, "sortProperty": "processInstanceStartDatetime",'
        ' "sortDirection": "DESC"}'
    )
    assert [p["processInstanceId"] for p in newest["processInstances"]] == [second, first]
    running = await search(f'{{"processModelInfoId": {APP}, "processInstanceState": ["STARTED"]}}')
    assert [p["processInstanceId"] for p in running["processInstances"]] == [second]
    titled = await search('{"processInstanceTitle": ["Trip"], "processInstanceInitQuserId": "#me"}')
    assert titled["count"] == 2
    with_data = await search(
        f'{{"processModelInfoId": {APP}, "fields": [{{"number": 1}}],'
        ' "sortProperty": "processInstanceId", "sortDirection": "DESC"}',
        limit=1,
    )
    assert with_data["count"] == 2
    assert len(with_data["processInstances"]) == 1
    assert with_data["processInstances"][0]["data"]["1"]["value"] == 5
    today = state.clock.now().astimezone(state.timezone).date().isoformat()
    dated = await search(f'{{"processInstanceStartDateFrom": "{today}"}}')
    assert dated["count"] == 3
    assert (await search('{"processInstanceStartDateTo": "2001-01-01"}'))["count"] == 0
    bad = await client.get(
        "API/OR/ProcessInstance/list", params={"criteria": "{oops"}, auth=BASIC_ALICE
    )
    assert bad.status_code == 400


async def test_workitem_list_and_list_startable(
    client: httpx2.AsyncClient, state: EmulatorState
) -> None:
    state.basic_auth_enabled = True
    done = state.add_task(APP, to="alice@example.com", state="ALLOCATED", data={"subject": "S"})
    state.complete_task(done)
    state.add_task(APP, to="alice@example.com", node_name="Review")
    found = await client.get(
        "API/OR/Workitem/list",
        params={"criteria": '{"state": ["ENDED"], "fields": [{"number": 0}]}', "limit": 10},
        auth=BASIC_ALICE,
    )
    body = found.json()
    assert body["count"] == 1
    assert body["workitems"][0]["id"] == done
    assert body["workitems"][0]["data"]["0"]["value"] == "S"
    state.add_app(9, "Secret app", category="HR")
    state.add_human_start_event(9, 0, users=["bob@example.com"])
    startable = await client.get(
        "API/PE/ProcessModel/listStartable", params={"limit": 10}, auth=BASIC_ALICE
    )
    activities = startable.json()["startableActivities"]
    assert startable.json()["count"] == 1
    assert activities[0]["processModelInfoId"] == APP
    assert activities[0]["nodeNumber"] == 0
    assert activities[0]["nodeName"] == "Apply"
    assert DATETIME_RE.fullmatch(activities[0]["processModelActivateDatetime"])
    bob = await client.get(
        "API/PE/ProcessModel/listStartable", params={"category": "HR"}, auth=BASIC_BOB
    )
    assert bob.json()["count"] == 1


# -- Message Start Event ---------------------------------------------------------------------


async def test_start_event_success(client: httpx2.AsyncClient, state: EmulatorState) -> None:
    pairs = [
        ("key", "k3y"),
        ("title", "From the bot"),
        ("q_subject", "Lunch"),
        ("q_amount", "12.50"),
        ("q_tags", "x"),
        ("q_tags", "y"),
        ("q_due", "2011-10-27"),
        ("q_meet", "2011-10-27 12:34"),
        ("q_owner", "bob@example.com"),
        ("q_dept", "Finance"),
        ("q_lines", "<list><row><col>a</col><col>b</col></row></list>"),
    ]
    response = await client.post(
        f"System/Event/MessageStart/{APP}/1/start",
        content=urlencode(pairs),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain;charset=UTF-8"
    pid = int(response.text)
    process = state.process_instances[pid]
    assert process.title == "From the bot"
    assert process.state == "STARTED"
    assert process.data[3] == ["x", "y"]
    assert process.data[5] == datetime(2011, 10, 27, 12, 34, tzinfo=state.timezone)
    assert state.start_event_submissions[-1] == (APP, 1, pairs, pid)


async def test_start_event_multipart_and_legacy_url(
    client: httpx2.AsyncClient, state: EmulatorState
) -> None:
    multipart = await client.post(
        f"System/Event/MessageStart/{APP}/1/start",
        data={"key": "k3y", "q_subject": "With file"},
        files={"q_files": ("a.txt", b"hello", "text/plain")},
    )
    pid = int(multipart.text)
    stored = state.process_instances[pid].data[9]
    assert isinstance(stored, list)
    assert stored[0].name == "a.txt"
    assert stored[0].length == 5
    legacy = await client.post(
        "System/Event/MessageStart/start",
        data={"processModelInfoId": APP, "nodeNumber": 1, "key": "k3y", "q_subject": "Old"},
    )
    assert state.process_instances[int(legacy.text)].data[0] == "Old"
    missing = await client.post("System/Event/MessageStart/start", data={"key": "k3y"})
    assert start_errors(missing)[0][0] == "NO_PARAMETER"


@pytest.mark.parametrize(
    ("path_ids", "pairs", "expected"),
    [
        ((99, 1), {"key": "k3y"}, [("PROCESS_MODEL_NOT_FOUND", "99")]),
        ((APP, 50), {"key": "k3y"}, [("NODE_NOT_FOUND", "50")]),
        ((APP, 0), {"key": "k3y"}, [("NOT_MESSAGE_START_EVENT", "0")]),
        ((APP, 1), {"key": "wrong", "q_subject": "x"}, [("INVALID_KEY", None)]),
        (
            (APP, 1),
            {
                "key": "k3y",
                "q_subject": "x",
                "q_nope": "1",
                "q_internal": "y",
                "data[0].input": "z",
            },
            [
                ("PARAMETER_NAME_ERROR", "q_nope"),
                ("PARAMETER_NAME_ERROR", "q_internal"),
                ("PARAMETER_NAME_ERROR", "data[0].input"),
            ],
        ),
        (
            (APP, 1),
            {
                "key": "k3y",
                "q_amount": "1,234",
                "q_kind": "c",
                "q_due": "2011/10/27",
                "q_meet": "2011-10-27T12:34",
                "q_owner": "nobody@example.com",
                "q_dept": "Nowhere",
                "q_lines": "<table/>",
            },
            [
                ("q_amount", None),
                ("q_kind", None),
                ("q_due", None),
                ("q_meet", None),
                ("q_owner", None),
                ("q_dept", None),
                ("q_lines", None),
                ("q_subject", "Required data is missing."),
            ],
        ),
        ((APP, 1), {"key": "k3y", "q_subject": ""}, [("q_subject", "Required data is missing.")]),
    ],
)
async def test_start_event_errors(
    client: httpx2.AsyncClient,
    state: EmulatorState,
    path_ids: tuple[int, int],
    pairs: dict[str, str],
    expected: list[tuple[str, str | None]],
) -> None:
    app_id, node = path_ids
    response = await client.post(f"System/Event/MessageStart/{app_id}/{node}/start", data=pairs)
    errors = start_errors(response)
    assert [k for k, _ in errors] == [k for k, _ in expected]
    for (_, detail), (_, wanted) in zip(errors, expected, strict=True):
        assert detail
        assert wanted is None or detail == wanted
    assert state.process_instances == {}
    assert state.start_event_submissions[-1].process_instance_id is None


async def test_start_event_inactive_app_and_process_limit(
    client: httpx2.AsyncClient, state: EmulatorState
) -> None:
    good = {"key": "k3y", "q_subject": "x"}
    state.process_count_limit = 1
    assert (await client.post(f"System/Event/MessageStart/{APP}/1/start", data=good)).is_success
    limited = await client.post(f"System/Event/MessageStart/{APP}/1/start", data=good)
    assert start_errors(limited) == [("PROCESS_COUNT_LIMIT", "1")]
    state.set_app_active(APP, False)
    inactive = await client.post(f"System/Event/MessageStart/{APP}/1/start", data=good)
    assert start_errors(inactive) == [("PROCESS_MODEL_NOT_ACTIVE", str(APP))]


# -- faults, control API, base path -----------------------------------------------------------


async def test_faults(client: httpx2.AsyncClient, state: EmulatorState) -> None:
    state.basic_auth_enabled = True
    state.faults.fail_next(2, status=503)
    statuses = [
        (await client.get("API/User/Quser/self", auth=BASIC_ALICE)).status_code for _ in range(3)
    ]
    assert statuses == [503, 503, 200]
    # Only matching prefixes are affected.
    state.faults.fail_next(1, status=500, path_prefix="/oauth2/")
    assert (await client.get("API/User/Quser/self", auth=BASIC_ALICE)).status_code == 200
    state.faults.clear()

    state.faults.reset_next(1)
    with pytest.raises((httpx2.RemoteProtocolError, httpx2.ReadError)):
        await client.get("API/User/Quser/self", auth=BASIC_ALICE)
    assert (await client.get("API/User/Quser/self", auth=BASIC_ALICE)).status_code == 200
    # The torn-down request is recorded when the server gives up on it: maybe after the next one.
    assert sorted(r.status for r in state.requests[-2:]) == [0, 200]

    wid = state.add_task(APP, to="alice@example.com")
    state.faults.reset_next(1, path_prefix="/API/PE/Workitem/batchAccept", after_processing=True)
    with pytest.raises((httpx2.RemoteProtocolError, httpx2.ReadError)):
        await client.post(
            "API/PE/Workitem/batchAccept", data={"workitemIds": wid}, auth=BASIC_ALICE
        )
    assert state.workitems[wid].state == "ALLOCATED"  # it happened; only the answer was lost

    state.faults.set_latency(0.3)
    started = time.monotonic()
    slow, fast = await asyncio.gather(
        client.get("API/User/Quser/self", auth=BASIC_ALICE), client.get("_emulator/state")
    )
    assert time.monotonic() - started >= 0.3
    assert slow.status_code == fast.status_code == 200
    state.faults.set_latency(0)


async def test_control_api(client: httpx2.AsyncClient, state: EmulatorState) -> None:
    assert (await client.post("_emulator/reset")).status_code == 200
    assert state.users == []
    user = await client.post(
        "_emulator/users", json={"email": "dan@example.com", "name": "Dan", "api_password": "pw"}
    )
    assert user.json()["id"] == 1
    await client.post(
        "_emulator/clients",
        json={"client_id": "c", "client_secret": "s", "redirect_uri": REDIRECT},
    )
    await client.post("_emulator/clients/c/active", json={"active": False})
    await client.post("_emulator/session", json={"email": "dan@example.com"})
    await client.post(
        "_emulator/apps",
        json={
            "id": 3,
            "name": "Ctl",
            "fields": [{"name": "s", "label": "S", "type": "STRING", "number": 0}],
        },
    )
    await client.post("_emulator/start-events", json={"app_id": 3, "node_number": 1, "key": "k"})
    task = await client.post(
        "_emulator/tasks",
        json={"app_id": 3, "to": "dan@example.com", "state": "ALLOCATED", "data": {"s": "v"},
              "deadline": "2024-05-01T10:00:00+09:00"},
    )  # fmt: skip
    wid = task.json()["workitem_id"]
    await client.post(f"_emulator/tasks/{wid}/complete")
    await client.post("_emulator/settings", json={"basic_auth_enabled": True})
    await client.post("_emulator/faults", json={"kind": "fail", "n": 1, "status": 502})
    assert (
        await client.get("API/User/Quser/self", auth=("dan@example.com", "pw"))
    ).status_code == 502
    before = state.clock.now()
    await client.post("_emulator/clock/advance", json={"seconds": 3600})
    assert state.clock.now() - before >= timedelta(seconds=3600)
    summary = (await client.get("_emulator/state")).json()
    assert summary["signed_in"] == "dan@example.com"
    assert summary["clients"][0]["active"] is False
    assert summary["workitems"][0]["state"] == "ENDED"
    assert summary["settings"]["basic_auth_enabled"] is True
    log = (await client.get("_emulator/requests")).json()
    assert [r["status"] for r in log["requests"]] == [502]
    bad = await client.post("_emulator/users", json={"email": "x@example.com"})
    assert bad.status_code == 400
    assert "error" in bad.json()


def test_hand_run_demo_tenant_fits_a_real_slack_app(capsys) -> None:
    """`python -m tests.emulators.questetra --demo --bot-url … --user …` (README): the client's
    redirect URI is the bot's exact callback, and the person trying it has an account with their
    own (Slack) e-mail, signed in on the consent page, with a task, and the API password shown."""
    from tests.emulators.questetra.demo import seed

    state = EmulatorState()
    demo = seed(state, redirect_uri="https://bridge.acme.test/questetra/oauth/callback",
                me="taro@acme.test")  # fmt: skip
    assert state.db.clients[demo.client_id].redirect_uri == (
        "https://bridge.acme.test/questetra/oauth/callback"
    )
    me = state.user_by_email("taro@acme.test")
    assert me is not None and me.api_password == demo.api_password
    assert state.signed_in_user == me
    mine = [w for w in state.db.workitems.values() if w.allocated_user_id == me.id]
    assert [state.db.processes[w.process_instance_id].title for w in mine] == ["Your first task"]
    # Without them: the defaults the README's own bot (http://localhost:3000) fits.
    plain = EmulatorState()
    seed(plain)
    assert plain.db.clients["slack-bridge"].redirect_uri.startswith("http://localhost:3000/")
    assert plain.signed_in_user is not None
    assert plain.signed_in_user.email == "alice@example.com"


async def test_base_path_prefix() -> None:
    state = EmulatorState(base_path="/qbpms")
    seed(state)
    state.basic_auth_enabled = True
    with serve(create_app(state)) as srv:
        async with httpx2.AsyncClient(base_url=srv.url) as c:
            inside = await c.get("qbpms/API/User/Quser/self", auth=BASIC_ALICE)
            assert inside.status_code == 200
            assert (await c.get("API/User/Quser/self", auth=BASIC_ALICE)).status_code == 404
            page = await c.get(
                "qbpms/oauth2/authorize",
                params={"response_type": "code", "client_id": "bridge", "redirect_uri": REDIRECT,
                        "scope": "any"},
            )  # fmt: skip
            form = FormParser()
            form.feed(page.text)
            assert form.action == "/qbpms/oauth2/authorize"
    assert state.requests[0].path == "/API/User/Quser/self"
