"""Issue #8 part 4 (bad input), Questetra side: whatever Questetra answers, the parsers and the API
wrappers fail only with the project's own errors (bot.errors.BridgeError), and what they return
has the types the domain declares.

The answers are arbitrary JSON (ints of any size, inf and NaN: ``json.loads("1e400")`` is inf and
httpx2's decoder accepts bare NaN / Infinity), plausible shapes with odd field values, bodies that
are not JSON at all, any status code, and network failures; the HTTP paths run on an
httpx2.MockTransport. Bugs: see tests/property/known_bugs.py; the fixed ones stay as regression tests
at the end of this file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.tasks import ProcessSummary, ProcessView, Task, display_value
from bot.errors import BridgeError
from bot.questetra.api import BearerAuth, QuestetraApi
from bot.questetra.errors import QuestetraError, QuestetraProtocolError
from bot.questetra.models import QUser, TokenSet
from bot.questetra.oauth import QuestetraOAuth
from bot.questetra.tasks import (
    ProcessApi,
    TaskApi,
    parse_process,
    parse_process_summary,
    parse_task,
)
from bot.questetra.values import read_value
from tests.property import known_bugs
from tests.property.strategies import HTTP, JSON, PURE, TEXT, TRICKY_STRINGS, optional_fields

T = TypeVar("T")
BASE = "https://tenant.example/"
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
AUTH = BearerAuth("access-token")

# Values a Questetra field may plausibly (or implausibly) carry.
FIELD = st.one_of(
    st.integers(min_value=-5, max_value=10**6),
    st.integers(min_value=1, max_value=10**6).map(str),
    st.sampled_from([float("inf"), float("-inf"), float("nan"), 2.5, 1e20, True, False]),
    TRICKY_STRINGS,
    JSON,
)
WORKITEM = optional_fields(
    [
        "id",
        "processInstanceId",
        "nodeName",
        "state",
        "processInstanceSequenceNumber",
        "processInstanceTitle",
        "processModelInfoId",
        "processModelInfoName",
        "processInstanceInitQuserName",
        "offerDatetime",
        "allocateDatetime",
        "timeLimitDatetime",
    ],
    FIELD,
)
DATUM = optional_fields(
    ["processDataDefinitionNumber", "name", "dataType", "subType", "viewOrder", "value"], FIELD
)
PROCESS_FIELDS = optional_fields(
    [
        "processInstanceId",
        "id",
        "processInstanceSequenceNumber",
        "processInstanceTitle",
        "processInstanceState",
        "processModelInfoId",
        "processModelInfoName",
        "processInstanceInitQuserName",
        "processInstanceStartDatetime",
        "activeTokenNodeName",
    ],
    FIELD,
)
PROCESS = st.builds(
    lambda fields, data: fields if data is None else {**fields, "data": data},
    PROCESS_FIELDS,
    st.one_of(st.none(), JSON, st.dictionaries(TEXT, st.one_of(DATUM, JSON), max_size=4)),
)
QUSER = st.one_of(JSON, optional_fields(["id", "name", "email"], FIELD).map(lambda q: {"quser": q}))


# ------------------------------------------------------------------ checks


def _optional(value: Any, kind: type | tuple[type, ...]) -> bool:
    return value is None or isinstance(value, kind)


def _aware(value: Any) -> bool:
    return value is None or (isinstance(value, datetime) and value.tzinfo is not None)


def _starter_ok(value: Any) -> bool:
    return _optional(value, str)


def check_task(task: Task) -> None:
    assert isinstance(task.id, int) and isinstance(task.process_id, int)
    assert isinstance(task.name, str) and isinstance(task.state, str)
    assert isinstance(task.process_title, str) and isinstance(task.app_name, str)
    assert _optional(task.process_seq, int) and _optional(task.app_id, int)
    assert _starter_ok(task.starter_name), task.starter_name
    assert _aware(task.offered_at) and _aware(task.allocated_at) and _aware(task.deadline)


def check_summary(summary: ProcessSummary) -> None:
    assert isinstance(summary.id, int) and _optional(summary.seq, int)
    assert isinstance(summary.title, str) and isinstance(summary.app_name, str)
    assert _optional(summary.app_id, int)
    assert _starter_ok(summary.starter_name), summary.starter_name
    assert _aware(summary.started_at)


def check_process(view: ProcessView) -> None:
    assert isinstance(view.id, int) and _optional(view.seq, int)
    assert isinstance(view.title, str) and isinstance(view.state, str)
    assert isinstance(view.app_name, str)
    assert _starter_ok(view.starter_name), view.starter_name
    assert _aware(view.started_at)
    assert all(isinstance(n, str) for n in view.active_nodes)
    for item in view.data:
        assert isinstance(item.number, int) and isinstance(item.order, int)
        assert isinstance(item.name, str) and isinstance(item.data_type, str)
        assert _optional(item.sub_type, str)
        assert isinstance(display_value(item.value), str)


def parsed(call: Any, *args: Any, allowed: type[BaseException] = BridgeError) -> Any:
    """``call(*args)``, or None when it failed with an allowed error (or a known bug)."""
    try:
        return call(*args)
    except allowed:
        return None
    except Exception as exc:
        if known_bugs.is_known(exc):
            return None
        raise


async def answered(call: Awaitable[T]) -> T | None:
    """The awaited result, or None when it failed with a BridgeError (or a known bug)."""
    try:
        return await call
    except BridgeError:
        return None
    except Exception as exc:
        if known_bugs.is_known(exc):
            return None
        raise


# ------------------------------------------------------------------ pure parsers


@PURE
@given(raw=st.one_of(WORKITEM, JSON), kind=st.sampled_from(["allocated", "offered"]))
def test_parse_task_fails_only_with_a_protocol_error(raw: Any, kind: Any) -> None:
    task = parsed(parse_task, raw, kind, allowed=QuestetraProtocolError)
    if task is not None:
        check_task(task)


@PURE
@given(raw=st.one_of(PROCESS, JSON))
def test_parse_process_summary_fails_only_with_a_protocol_error(raw: Any) -> None:
    summary = parsed(parse_process_summary, raw, allowed=QuestetraProtocolError)
    if summary is not None:
        check_summary(summary)


@PURE
@given(raw=st.one_of(PROCESS.map(lambda p: {"processInstance": p}), JSON))
def test_parse_process_fails_only_with_a_protocol_error(raw: Any) -> None:
    view = parsed(parse_process, raw, allowed=QuestetraProtocolError)
    if view is not None:
        check_process(view)


@PURE
@given(payload=QUSER)
def test_quser_parse_fails_only_with_a_protocol_error(payload: Any) -> None:
    quser = parsed(QUser.parse, payload, allowed=QuestetraProtocolError)
    if quser is not None:
        assert isinstance(quser.id, int)
        assert isinstance(quser.name, str) and isinstance(quser.email, str)


@PURE
@given(data_type=TEXT, value=JSON)
def test_display_value_reads_any_value(data_type: str, value: Any) -> None:
    text = display_value(read_value(data_type, value))
    assert isinstance(text, str) and 0 < len(text) <= 500
    # Never a JSON dump: `{"` only shows when a text in the data itself holds it.
    if not any('{"' in t or "{'" in t for t in _texts(value)):
        assert '{"' not in text and "{'" not in text


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [*value, *(t for v in value.values() for t in _texts(v))]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    return []


# ------------------------------------------------------------------ over HTTP (MockTransport)

Answer = tuple[int, bytes] | str


class Body(bytes):
    """Bytes whose repr stays short in Hypothesis' reports (a body may be 10 kB of brackets)."""

    def __repr__(self) -> str:
        text = super().__repr__()
        return text if len(text) <= 120 else f"{text[:60]}…<{len(self)} bytes>"


DEEP = Body(b"[" * 5000 + b"]" * 5000)  # deeper than the JSON decoder's recursion limit


def encode(body: Any) -> bytes:
    return Body(json.dumps(body).encode())  # NaN / Infinity are written bare; httpx2 reads them


BODIES = st.one_of(
    JSON.map(encode),
    st.sampled_from(
        [
            b"",
            b"{",
            b"null",
            b'{"count": 1e400, "workitems": []}',
            b"\xff\xfe",
            b"<html>maintenance</html>",
            DEEP,
        ]
    ),
    st.binary(max_size=40).map(Body),
)
STATUS = st.one_of(
    st.sampled_from([200, 204, 302, 400, 401, 403, 404, 429, 500, 503]),
    st.integers(min_value=200, max_value=599),
)


def answers(body: st.SearchStrategy[bytes]) -> st.SearchStrategy[list[Answer]]:
    """Up to three answers in a row (pages, retries): mostly 200, any status, or no answer."""
    one = st.one_of(
        st.tuples(st.just(200), body),
        st.tuples(STATUS, body),
        st.sampled_from(["timeout", "connect"]),
    )
    return st.lists(one, min_size=1, max_size=3)


def mock_transport(script: list[Answer], tail: bytes) -> httpx2.MockTransport:
    """Answers from ``script`` in order, then ``tail`` for ever (an empty last page)."""
    queue = list(script)

    def handle(request: httpx2.Request) -> httpx2.Response:
        answer = queue.pop(0) if queue else (200, tail)
        if answer == "timeout":
            raise httpx2.ReadTimeout("timed out", request=request)
        if answer == "connect":
            raise httpx2.ConnectError("refused", request=request)
        assert isinstance(answer, tuple)
        status, content = answer
        return httpx2.Response(status, content=content)

    return httpx2.MockTransport(handle)


def api_for(script: list[Answer], tail: bytes = b"{}") -> QuestetraApi:
    return QuestetraApi(httpx2.AsyncClient(base_url=BASE, transport=mock_transport(script, tail)))


WORKITEM_PAGES = st.one_of(
    BODIES,
    st.builds(
        lambda items, count: encode({"workitems": items, "count": count}),
        st.lists(st.one_of(WORKITEM, JSON), max_size=3),
        FIELD,
    ),
)
ACCEPT_RESULTS = st.builds(
    lambda results: encode({"results": results}),
    st.lists(
        st.one_of(
            optional_fields(["workitemId", "success", "error"], FIELD),
            st.builds(
                lambda success, error: {"workitemId": 7, "success": success, "error": error},
                FIELD,
                st.one_of(FIELD, optional_fields(["errorCode"], FIELD)),
            ),
            JSON,
        ),
        max_size=3,
    ),
)
PROCESS_LISTS = st.lists(st.one_of(PROCESS, JSON), max_size=3).map(
    lambda items: encode({"processInstances": items})
)
STARTABLE = st.lists(
    st.one_of(optional_fields(["processModelInfoId", "processModelInfoName"], FIELD), JSON),
    max_size=3,
).map(lambda items: encode({"startableActivities": items}))
BAD_REQUESTS = st.lists(st.one_of(optional_fields(["errorCode", "type", "input"], FIELD), JSON))


@HTTP
@given(script=answers(WORKITEM_PAGES), kind=st.sampled_from(["allocated", "offered"]))
async def test_list_tasks_fails_only_with_bridge_errors(script: list[Answer], kind: Any) -> None:
    api = api_for(script, tail=encode({"workitems": [], "count": 0}))
    for task in await answered(TaskApi(api).list_tasks(AUTH, kind)) or []:
        check_task(task)


@HTTP
@given(script=answers(st.one_of(BODIES, ACCEPT_RESULTS)))
async def test_accept_fails_only_with_bridge_errors(script: list[Answer]) -> None:
    result = await answered(TaskApi(api_for(script)).accept(AUTH, 7))
    if result is not None:
        assert result.workitem_id == 7 and isinstance(result.success, bool)
        # error_code is passed through as sent (any JSON); it only reaches a log line and an
        # equality test in services.tasks, so a non-string does no harm there.


@HTTP
@given(script=answers(st.one_of(BODIES, PROCESS.map(lambda p: encode({"processInstance": p})))))
async def test_process_view_fails_only_with_bridge_errors(script: list[Answer]) -> None:
    view = await answered(TaskApi(api_for(script)).process(AUTH, 7))
    if view is not None:
        check_process(view)


@HTTP
@given(script=answers(st.one_of(BODIES, PROCESS_LISTS)))
async def test_recent_processes_fail_only_with_bridge_errors(script: list[Answer]) -> None:
    for summary in await answered(ProcessApi(api_for(script)).recent_processes(AUTH, 1)) or []:
        check_summary(summary)


@HTTP
@given(script=answers(st.one_of(BODIES, STARTABLE)))
async def test_startable_apps_fail_only_with_bridge_errors(script: list[Answer]) -> None:
    apps = await answered(ProcessApi(api_for(script)).startable_apps(AUTH))
    for app_id, name in (apps or {}).items():
        assert isinstance(app_id, int) and isinstance(name, str)


@HTTP
@given(script=answers(st.one_of(BODIES, QUSER.map(encode))))
async def test_self_user_fails_only_with_bridge_errors(script: list[Answer]) -> None:
    quser = await answered(api_for(script).self_user(AUTH))
    assert quser is None or isinstance(quser, QUser)


@HTTP
@given(problems=st.one_of(JSON, BAD_REQUESTS.map(lambda p: {"errors": p})))
async def test_a_400_answer_becomes_a_bad_request_whatever_its_body(problems: Any) -> None:
    api = api_for([(400, encode(problems))])
    with pytest.raises(QuestetraError) as caught:
        await api.call("GET", "API/PE/Workitem/listOffered", auth=AUTH)
    assert isinstance(str(caught.value), str)


TOKEN_ANSWERS = st.one_of(
    BODIES,
    optional_fields(
        ["refresh_token", "expires_in", "scope", "token_type", "error"],
        st.one_of(
            FIELD,
            st.sampled_from(["bearer", "invalid_grant", "invalid_client", "invalid_request"]),
        ),
    )
    .flatmap(
        lambda fields: st.one_of(st.text(min_size=1, max_size=20), FIELD).map(
            lambda access: {**fields, "access_token": access}
        )
    )
    .map(encode),
)


def oauth_for(script: list[Answer]) -> QuestetraOAuth:
    return QuestetraOAuth(
        base_url=BASE,
        client_id="client",
        client_secret="secret",
        redirect_uri="https://bot.example/questetra/oauth/callback",
        scope="any",
        transport=mock_transport(script, b"{}"),
    )


@HTTP
@given(script=answers(TOKEN_ANSWERS), grant=st.sampled_from(["code", "refresh"]))
async def test_token_endpoint_answers_fail_only_with_bridge_errors(
    script: list[Answer], grant: str
) -> None:
    oauth = oauth_for(script)
    if grant == "code":
        call = oauth.exchange_code(code="the-code", code_verifier="v" * 64, now=NOW)
    else:
        call = oauth.refresh(refresh_token="the-refresh-token", now=NOW)
    token = await answered(call)
    if token is not None:
        assert isinstance(token, TokenSet)
        assert isinstance(token.access_token, str) and token.access_token
        assert _optional(token.refresh_token, str) and _optional(token.scope, str)
        assert _aware(token.expires_at)


def test_the_strategies_really_reach_inf_and_nan() -> None:
    # What the bodies above rely on: httpx2 hands back inf / NaN for these.
    assert math.isinf(httpx2.Response(200, content=b'{"a": 1e400}').json()["a"])
    assert math.isnan(httpx2.Response(200, content=b'{"a": NaN}').json()["a"])


# ------------------------------------------------------------------ known bugs (minimal inputs)


# Each test below holds the minimal input of one entry in tests/property/known_bugs.py.
@pytest.mark.parametrize(
    "parse",
    [
        lambda: parse_task({"id": float("inf"), "processInstanceId": 1}, "offered"),
        lambda: parse_process_summary({"processInstanceId": float("inf")}),
        lambda: parse_process({"processInstance": {"processInstanceId": float("-inf")}}),
    ],
    ids=["parse_task", "parse_process_summary", "parse_process"],
)
def test_fixed_bug_int_overflow(parse: Any) -> None:
    """INT_OVERFLOW: bot.questetra.tasks._int() catches TypeError/ValueError but not the
    OverflowError of int(inf); a JSON number like 1e400 decodes to inf."""
    with pytest.raises(QuestetraProtocolError):
        parse()


def test_fixed_bug_quser_overflow() -> None:
    """QUSER_OVERFLOW: QUser.parse catches KeyError/TypeError/ValueError, not OverflowError."""
    with pytest.raises(QuestetraProtocolError):
        QUser.parse({"quser": {"id": float("inf"), "name": "a", "email": "a@example.com"}})


@pytest.mark.parametrize("expires_in", [1e20, 10**12, float("inf"), [1]])
async def test_fixed_bug_token_expiry_overflow(expires_in: Any) -> None:
    """TOKEN_EXPIRY_OVERFLOW: an odd expires_in in a token answer escapes as OverflowError or
    TypeError: Authlib's OAuth2Token does int(expires_in) inside fetch_token / refresh_token
    (inf, a list), which oauth._token_call does not map, and oauth._token_set does
    ``now + timedelta(seconds=expires_in)`` unguarded (1e20, 10**12). complete_oauth catches
    only QuestetraError, so the OAuth callback answers 500; the refresh path fails the same way."""
    oauth = oauth_for([(200, encode({"access_token": "a", "expires_in": expires_in}))])
    try:
        token = await oauth.exchange_code(code="c", code_verifier="v" * 64, now=NOW)
    except BridgeError:
        return  # a fix may refuse the answer…
    assert token.expires_at > NOW  # …or use a sane lifetime


@pytest.mark.parametrize(
    "parse",
    [
        lambda: (
            parse_task(
                {"id": 1, "processInstanceId": 2, "processInstanceInitQuserName": 5}, "offered"
            ).starter_name
        ),
        lambda: (
            parse_process_summary(
                {"processInstanceId": 2, "processInstanceInitQuserName": {"name": "x"}}
            ).starter_name
        ),
        lambda: (
            parse_process(
                {"processInstance": {"processInstanceId": 2, "processInstanceInitQuserName": [1]}}
            ).starter_name
        ),
    ],
    ids=["parse_task", "parse_process_summary", "parse_process"],
)
def test_fixed_bug_starter_name_not_str(parse: Any) -> None:
    """STARTER_NAME_NOT_STR: ``raw.get("processInstanceInitQuserName") or None`` keeps a number,
    list or object; the task card then calls _escape() on it (AttributeError in Slack rendering)."""
    assert _optional(parse(), str)
