"""One boundary judges every Questetra answer (bot/questetra/answers.py): redirects, sign-in pages
and anything that is not the promised JSON are failures, named for what they are; token-endpoint
refusals are classified by status as well as body (B6); `check`'s probe is not fooled (C3, A4)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import httpx2
import pytest

from bot.errors import QuestetraUnavailable
from bot.questetra import answers
from bot.questetra.answers import AnswerKind, QuestetraUnexpectedAnswer
from bot.questetra.api import BearerAuth, QuestetraApi
from bot.questetra.client import probe
from bot.questetra.errors import (
    InvalidClient,
    InvalidGrant,
    QuestetraBadRequest,
    QuestetraDown,
)
from bot.questetra.oauth import QuestetraOAuth

BASE = "http://tenant.example/qbpms/"
SIGN_IN = (
    "<!DOCTYPE html><html><body><form><input name=u><input type='password' name=p>"
    "</form></body></html>"
)
Handler = Callable[[httpx2.Request], httpx2.Response]


def answer(status: int, **kw: object) -> httpx2.Response:
    return httpx2.Response(
        status, request=httpx2.Request("GET", BASE + "API/User/Quser/self"), **kw
    )  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("response", "kind", "target"),
    [
        (
            answer(301, headers={"location": "https://tenant.example/qbpms/API/User/Quser/self"}),
            AnswerKind.REDIRECT,
            "https://tenant.example/qbpms/API/User/Quser/self",
        ),
        (
            answer(302, headers={"location": "https://new.example/API/User/Quser/self?x=1"}),
            AnswerKind.REDIRECT,
            "https://new.example/API/User/Quser/self",
        ),
        (
            answer(302, headers={"location": "/qbpms/Login/signIn?next=%2FAPI"}),
            AnswerKind.SIGN_IN,
            "http://tenant.example/qbpms/Login/signIn",
        ),
        (
            answer(302, headers={"location": "https://idp.example/saml/sso?SAMLRequest=secret"}),
            AnswerKind.SIGN_IN,
            "https://idp.example/saml/sso",
        ),
        (answer(200, text=SIGN_IN), AnswerKind.SIGN_IN, None),
        (answer(200, text="<html><h1>ログイン</h1></html>"), AnswerKind.SIGN_IN, None),
        (answer(200, text="<html><h1>Intranet</h1></html>"), AnswerKind.WEB_PAGE, None),
        (answer(200, text=""), AnswerKind.EMPTY, None),
        (answer(200, text="OK"), AnswerKind.NOT_DOCUMENT, None),
    ],
)
def test_classify(response: httpx2.Response, kind: AnswerKind, target: str | None) -> None:
    found = answers.classify(response)
    assert (found.kind, found.target) == (kind, target)
    assert "SAMLRequest" not in found.describe() and "next=" not in found.describe()


def test_json_body() -> None:
    assert answers.json_body("p", answer(200, json={"a": 1})) == {"a": 1}
    assert answers.json_body("p", answer(201, json=[1])) == [1]
    assert answers.json_body("p", answer(204)) is None
    with pytest.raises(QuestetraDown):
        answers.json_body("p", answer(503, text="<html>down</html>"))
    for bad in (
        answer(200, text=SIGN_IN),
        answer(200, text='{"a": 1}', headers={"content-type": "text/html"}),
        answer(200, text="not json"),
        answer(302, headers={"location": "/Login"}),
        answer(404, text="<html>404</html>"),
    ):
        with pytest.raises(QuestetraUnexpectedAnswer) as caught:
            answers.json_body("p", bad)
        assert isinstance(caught.value, QuestetraUnavailable)  # one error tree


def test_xml_body_refuses_pages_and_dtds() -> None:
    ok = answer(200, text="<result success='true'/>", headers={"content-type": "text/xml"})
    assert answers.xml_body("p", ok).tag == "result"
    for bad in (
        answer(200, text=SIGN_IN),
        answer(200, text='<!DOCTYPE x [<!ENTITY a "b">]><result/>'),
        answer(200, text="<unclosed"),
    ):
        with pytest.raises(QuestetraUnexpectedAnswer):
            answers.xml_body("p", bad)


def api(handler: Handler) -> QuestetraApi:
    return QuestetraApi(httpx2.AsyncClient(base_url=BASE, transport=httpx2.MockTransport(handler)))


async def test_a_redirect_on_an_api_call_is_named() -> None:
    moved = api(
        lambda r: httpx2.Response(301, headers={"location": str(r.url).replace("http:", "https:")})
    )
    with pytest.raises(QuestetraUnexpectedAnswer) as caught:
        await moved.call("GET", "API/PE/Workitem/listAllocated", auth=BearerAuth("t"))
    assert "the base URL redirects to https://tenant.example/qbpms/API/PE/Workitem/" in str(
        caught.value
    )
    login = api(lambda r: httpx2.Response(302, headers={"location": "/qbpms/Login"}))
    with pytest.raises(QuestetraUnexpectedAnswer, match="sign-in page"):
        await login.call("GET", "API/PE/Workitem/listAllocated", auth=BearerAuth("t"))


async def test_a_400_is_questetras_refusal_only_with_its_errors_envelope() -> None:
    refused = api(lambda r: httpx2.Response(400, json={"errors": [{"errorCode": "10001"}]}))
    with pytest.raises(QuestetraBadRequest):
        await refused.call("GET", "API/x", auth=BearerAuth("t"))
    proxy = api(lambda r: httpx2.Response(400, text="<html>Bad Request</html>"))
    with pytest.raises(QuestetraUnexpectedAnswer):
        await proxy.call("GET", "API/x", auth=BearerAuth("t"))


# ------------------------------------------------------------------ the token endpoint (B6)

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def oauth(handler: Handler) -> QuestetraOAuth:
    return QuestetraOAuth(
        base_url=BASE,
        client_id="c",
        client_secret="s3cret-value",
        redirect_uri="https://bot.example/cb",
        scope="any",
        transport=httpx2.MockTransport(handler),
    )


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (httpx2.Response(401, json={"error": "invalid_client"}), InvalidClient),
        (
            httpx2.Response(401, json={"error": "unauthorized", "error_description": "x"}),
            InvalidClient,
        ),
        (httpx2.Response(401, text="<html>401 Unauthorized</html>"), InvalidClient),
        (httpx2.Response(401), InvalidClient),
        (httpx2.Response(400, json={"error": "invalid_grant"}), InvalidGrant),
        (httpx2.Response(400, json={"error": "invalid_scope"}), InvalidGrant),
        (httpx2.Response(400, json={"error": "unsupported_grant_type"}), InvalidGrant),
        (httpx2.Response(400, text="<html>Bad Request</html>"), InvalidGrant),
        (httpx2.Response(400, json={"error": "invalid_client"}), InvalidClient),
        (httpx2.Response(200, json={"error": "invalid_grant"}), InvalidGrant),
        (httpx2.Response(500, json={"error": "server_error"}), QuestetraDown),
        (httpx2.Response(503, text="<html>maintenance</html>"), QuestetraDown),
        (httpx2.Response(200, text="access_token=x"), QuestetraDown),
        (httpx2.Response(403, text="forbidden"), QuestetraDown),
        (httpx2.Response(200, text=SIGN_IN), QuestetraUnexpectedAnswer),
        (httpx2.Response(302, headers={"location": "/qbpms/Login"}), QuestetraUnexpectedAnswer),
    ],
)
async def test_token_refusals_by_status_then_body(
    response: httpx2.Response, expected: type[Exception]
) -> None:
    with pytest.raises(expected) as caught:
        await oauth(lambda _: response).refresh(refresh_token="rt-secret", now=NOW)
    assert "rt-secret" not in str(caught.value) and "s3cret-value" not in str(caught.value)


async def test_a_good_token_answer_still_works() -> None:
    body = {"access_token": "a", "token_type": "bearer", "expires_in": 43199, "refresh_token": "r"}
    tokens = await oauth(lambda _: httpx2.Response(200, json=body)).refresh(
        refresh_token="old", now=NOW
    )
    assert (tokens.access_token, tokens.refresh_token) == ("a", "r")


# ------------------------------------------------------------------ `check`'s probe (C3, A4)


def client(handler: Handler) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(base_url=BASE, transport=httpx2.MockTransport(handler))


@pytest.mark.parametrize(
    ("response", "ok", "said"),
    [
        (httpx2.Response(401, text="Unauthorized"), True, "401 without credentials"),
        (
            httpx2.Response(302, headers={"location": "/qbpms/Login/signIn"}),
            True,
            "sign-in page",
        ),
        (
            httpx2.Response(302, headers={"location": "https://idp.example/sso?SAMLRequest=s"}),
            True,
            "sign-in page (https://idp.example/sso)",
        ),
        (
            httpx2.Response(200, text=SIGN_IN, headers={"content-type": "text/html"}),
            True,
            "sign-in",
        ),
        (
            httpx2.Response(
                301, headers={"location": "https://tenant.example/qbpms/API/User/Quser/self"}
            ),
            False,
            "the base URL redirects to https://tenant.example/qbpms/API/User/Quser/self",
        ),
        (httpx2.Response(404, text="<html/>"), False, "404"),
        (httpx2.Response(503), False, "503"),
        (httpx2.Response(200, json={"quser": {}}), False, "unexpected answer 200"),
    ],
)
async def test_probe_without_a_credential(response: httpx2.Response, ok: bool, said: str) -> None:
    result = await probe(client(lambda _: response))
    assert result.ok is ok and said in result.detail, result
    assert "SAMLRequest" not in result.detail


@pytest.mark.parametrize(
    ("response", "ok", "said"),
    [
        (
            httpx2.Response(200, json={"quser": {"id": 1, "name": "n", "email": "e"}}),
            True,
            "as expected",
        ),
        (httpx2.Response(401, text=""), True, "refused this credential"),
        (
            httpx2.Response(
                302, headers={"location": "https://tenant.example/qbpms/API/User/Quser/self"}
            ),
            False,
            "the base URL redirects to https://tenant.example/",
        ),
        (httpx2.Response(302, headers={"location": "/qbpms/Login"}), False, "sign-in page"),
        (
            httpx2.Response(200, text=SIGN_IN, headers={"content-type": "text/html"}),
            False,
            "sign-in page",
        ),
    ],
)
async def test_probe_with_a_credential(response: httpx2.Response, ok: bool, said: str) -> None:
    result = await probe(client(lambda _: response), auth=BearerAuth("t"))
    assert result.ok is ok and said in result.detail, result


@pytest.mark.parametrize(
    ("response", "process_id"),
    [
        (answer(200, text="1234"), 1234),
        (answer(200, text=" 1234\n"), 1234),
        (answer(200, text=SIGN_IN, headers={"content-type": "text/html"}), None),
        (answer(200, json={"status": "accepted"}), None),
        (answer(200, json={"id": 1234}), None),  # not how a Message Start Event answers
        (answer(200, text="²"), None),  # str.isdigit() says yes, int() says no: never a crash
        (answer(200, text="١٢"), None),
        (answer(200, text=""), None),
        (answer(302, text="1234"), None),
        (answer(200, text="1" * 80), None),
    ],
)
def test_a_message_start_event_succeeded_only_with_a_process_id(
    response: httpx2.Response, process_id: int | None
) -> None:
    assert answers.process_id_of(response) == process_id


async def test_every_document_call_refuses_a_200_web_page() -> None:
    """JSON calls (/API/), the task form (XML) and its save: a 200 sign-in page is a failure."""
    from bot.questetra.errors import QuestetraProtocolError
    from bot.questetra.forms import FormApi

    page = api(lambda r: httpx2.Response(200, text=SIGN_IN, headers={"content-type": "text/html"}))
    with pytest.raises(QuestetraUnexpectedAnswer, match="sign-in page"):
        await page.call("GET", "API/PE/Workitem/listAllocated", auth=BearerAuth("t"))
    forms = FormApi(page)
    with pytest.raises(QuestetraProtocolError):
        await forms.view(BearerAuth("t"), 1)
    with pytest.raises(QuestetraProtocolError):
        await forms.save(BearerAuth("t"), 1, [("q_a", "x")])
