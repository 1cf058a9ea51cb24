"""The Message Start Event client: the form it sends, and every kind of answer mapped."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl

import httpx2
import pytest
from structlog.testing import capture_logs

from bot.errors import NextStep, QuestetraUnavailable
from bot.metrics import Metrics
from bot.questetra.errors import QuestetraDown
from bot.questetra.start_events import (
    MAX_ERROR_BODY,
    RefusalReason,
    StartEventClient,
    StartEventError,
    StartEventRefused,
    StartEventRejected,
    StartEventTimedOut,
    parse_errors,
    start_path,
)

KEY = "s3cretKey"
XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'


def client_for(handler: Callable[[httpx2.Request], httpx2.Response]) -> StartEventClient:
    http = httpx2.AsyncClient(
        base_url="https://acme.example/tenant/", transport=httpx2.MockTransport(handler)
    )
    return StartEventClient(http, Metrics())


async def start(client: StartEventClient) -> int:
    return await client.start(
        app_id=12,
        node_number=3,
        key=KEY,
        title="Trip ＆ more",
        params=(("q_tags", "a"), ("q_tags", "b"), ("q_memo", "x=1&y=2")),
    )


async def test_posts_the_form_in_order_under_the_tenant_base() -> None:
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200, text="1042\n")

    assert await start(client_for(handler)) == 1042
    (request,) = seen
    assert request.url.path == "/tenant/System/Event/MessageStart/12/3/start"
    assert request.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert parse_qsl(request.content.decode()) == [
        ("key", KEY),
        ("title", "Trip ＆ more"),
        ("q_tags", "a"),
        ("q_tags", "b"),
        ("q_memo", "x=1&y=2"),
    ]


SIGN_IN_PAGE = (
    "<!DOCTYPE html><html><head><title>Sign in</title></head><body><form method=post>"
    "<input name=username><input type=password name=password></form></body></html>"
)
PORTAL_PAGE = "<html><body><h1>Welcome to the intranet</h1></body></html>"


@pytest.mark.parametrize(
    ("answer", "reason", "key"),
    [
        # A 2xx is a success only with a process number (issue #15 item 6).
        (
            httpx2.Response(200, text="OK"),
            RefusalReason.UNEXPECTED,
            "start.error.unexpected_answer",
        ),
        (httpx2.Response(200, text=""), RefusalReason.UNEXPECTED, "start.error.unexpected_answer"),
        (httpx2.Response(204), RefusalReason.UNEXPECTED, "start.error.unexpected_answer"),
        (
            httpx2.Response(200, text="12x"),
            RefusalReason.UNEXPECTED,
            "start.error.unexpected_answer",
        ),
        (
            httpx2.Response(200, json={"processInstanceId": 5}),
            RefusalReason.UNEXPECTED,
            "start.error.unexpected_answer",
        ),
        (
            httpx2.Response(200, text=SIGN_IN_PAGE, headers={"content-type": "text/html"}),
            RefusalReason.SIGN_IN,
            "start.error.sign_in_page",
        ),
        # A page of digits with an HTML content type is still a page.
        (
            httpx2.Response(200, text="1042", headers={"content-type": "text/html"}),
            RefusalReason.SIGN_IN,
            "start.error.sign_in_page",
        ),
        (httpx2.Response(200, text=PORTAL_PAGE), RefusalReason.SIGN_IN, "start.error.sign_in_page"),
        (
            httpx2.Response(
                302, headers={"location": "https://idp.example/saml/login?SAMLRequest=x"}
            ),
            RefusalReason.SIGN_IN,
            "start.error.sign_in_page",
        ),
        (
            httpx2.Response(302, headers={"location": "/tenant/Login/login?next=x"}),
            RefusalReason.SIGN_IN,
            "start.error.sign_in_page",
        ),
        (
            httpx2.Response(
                301,
                headers={
                    "location": "https://new.example/tenant/System/Event/MessageStart/12/3/start"
                },
            ),
            RefusalReason.REDIRECT,
            "start.error.redirect",
        ),
        (httpx2.Response(403, text="Forbidden"), RefusalReason.IP_FILTER, "start.error.refused"),
        (httpx2.Response(401, text=""), RefusalReason.IP_FILTER, "start.error.refused"),
    ],
)
async def test_an_answer_without_a_process_number_started_nothing(
    answer: httpx2.Response, reason: RefusalReason, key: str, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(StartEventRefused) as caught:
        await start(client_for(lambda _: answer))
    assert caught.value.reason is reason
    assert caught.value.key == key
    assert caught.value.next_step is NextStep.ASK_ADMIN
    # The raw answer is for the log only: never in what the user or the audit row sees.
    said = str(caught.value) + repr(caught.value.params)
    assert "password" not in said and "SAMLRequest" not in said and "intranet" not in said
    assert KEY not in said


async def test_the_raw_answer_goes_to_the_log_only() -> None:
    page = httpx2.Response(200, text=SIGN_IN_PAGE, headers={"content-type": "text/html"})
    with capture_logs() as logs, pytest.raises(StartEventRefused) as caught:
        await start(client_for(lambda _: page))
    (entry,) = [e for e in logs if e["event"] == "start_event.not_started"]
    assert "type=password" in entry["body"] and entry["status"] == 200
    assert "password" not in str(caught.value)


async def test_a_number_is_a_success_whatever_the_2xx() -> None:
    assert await start(client_for(lambda _: httpx2.Response(201, text=" 77 \r\n"))) == 77


async def test_xml_errors_are_parsed() -> None:
    body = (
        f"{XML}<message-start-event-errors>"
        "<error><key>q_amount</key><detail>Enter a number &amp; more</detail></error>"
        "<error><key>INVALID_KEY</key><detail>The API key does not match.</detail></error>"
        "</message-start-event-errors>"
    )
    client = client_for(
        lambda _: httpx2.Response(400, text=body, headers={"content-type": "text/xml"})
    )
    with pytest.raises(StartEventRejected) as caught:
        await start(client)
    assert caught.value.errors == [
        StartEventError("q_amount", "Enter a number & more"),
        StartEventError("INVALID_KEY", "The API key does not match."),
    ]
    assert KEY not in str(caught.value) and KEY not in repr(caught.value)


@pytest.mark.parametrize(
    "body",
    [
        "<html><body>Bad Request</body></html>",
        "not xml at all",
        f'{XML}<!DOCTYPE x [<!ENTITY a "aaaa">]><message-start-event-errors/>',
        f"{XML}<message-start-event-errors>" + "<error/>" * MAX_ERROR_BODY,
    ],
)
async def test_unreadable_400_answers_become_one_plain_refusal(body: str) -> None:
    with pytest.raises(StartEventRejected) as caught:
        await start(client_for(lambda _: httpx2.Response(400, text=body)))
    assert caught.value.errors == [StartEventError("HTTP_400", "")]


def test_parse_errors_ignores_other_roots() -> None:
    assert parse_errors(b"<result success='false'/>") is None
    assert parse_errors(b"<receive-task-errors/>") == []


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (403, StartEventRefused),
        (401, StartEventRefused),
        (302, StartEventRefused),
        (200, StartEventRefused),
        (404, StartEventRejected),
        (503, QuestetraDown),
        (500, QuestetraDown),
    ],
)
async def test_status_codes(status: int, expected: type[Exception]) -> None:
    with pytest.raises(expected):
        await start(client_for(lambda _: httpx2.Response(status, text="<html/>")))


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (httpx2.ConnectError("refused"), StartEventRefused),
        (httpx2.ConnectTimeout("filtered"), StartEventRefused),
        (httpx2.ReadError("reset"), StartEventRefused),
        (httpx2.RemoteProtocolError("torn"), StartEventRefused),
        (httpx2.ReadTimeout("slow"), StartEventTimedOut),
    ],
)
async def test_network_failures(error: Exception, expected: type[Exception]) -> None:
    def handler(_: httpx2.Request) -> httpx2.Response:
        raise error

    with pytest.raises(expected) as caught:
        await start(client_for(handler))
    # Both are "Questetra unavailable" to the error tree; refused asks for the admin.
    assert isinstance(caught.value, QuestetraUnavailable)
    if expected is StartEventRefused:
        assert caught.value.next_step is NextStep.ASK_ADMIN
        assert caught.value.key == "start.error.connection"
        assert caught.value.reason is RefusalReason.CONNECTION


async def test_metrics_count_by_endpoint_not_by_app() -> None:
    metrics = Metrics()
    http = httpx2.AsyncClient(
        base_url="https://acme.example/",
        transport=httpx2.MockTransport(lambda _: httpx2.Response(200, text="7")),
    )
    await StartEventClient(http, metrics).start(
        app_id=1, node_number=2, key=KEY, title="t", params=()
    )
    text = metrics.render().decode()
    assert 'endpoint="System/Event/MessageStart",status="200"' in text
    assert KEY not in text


def test_start_path_is_relative() -> None:
    assert start_path(5, 0) == "System/Event/MessageStart/5/0/start"
