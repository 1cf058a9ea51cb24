"""ASGI middleware: records every tenant request and applies the fault switches."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qsl

from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .html import portal_page, sign_in_page
from .model import RecordedRequest
from .state import EmulatorState
from .switches import IDP_URL

INFO_KEY = "questetra.emulator"
_FAULT_PAGE = "<html><head><title>{status}</title></head><body><h1>{status}</h1></body></html>"


@dataclass
class RequestInfo:
    """Handlers fill this in for the request log (found in ``request.scope[INFO_KEY]``)."""

    body: bytes = b""
    user_email: str | None = None
    form_params: list[tuple[str, str]] | None = None  # set by handlers that parse multipart
    extra: dict[str, object] = field(default_factory=dict)


def info_of(scope: Scope) -> RequestInfo:
    info = scope.get(INFO_KEY)
    if not isinstance(info, RequestInfo):
        info = RequestInfo()
        scope[INFO_KEY] = info
    return info


class SimulatedConnectionReset(Exception):
    """Raised after a partial response so uvicorn closes the socket (a fault, not a bug)."""


class _DropSimulatedResets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, SimulatedConnectionReset)


def quiet_simulated_resets() -> None:
    """Keep uvicorn from logging a traceback for each injected connection reset."""
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _DropSimulatedResets) for f in logger.filters):
        logger.addFilter(_DropSimulatedResets())


class EmulatorMiddleware:
    def __init__(self, app: ASGIApp, state: EmulatorState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rel = self.state.relative_path(scope["path"])
        if rel is None or rel.startswith("/_emulator"):
            await self.app(scope, receive, send)
            return

        body, disconnected = await _read_body(receive)
        info = info_of(scope)
        info.body = body
        replay = _replayer(body, receive, disconnected)
        plan = self.state.faults.take(rel)
        if plan.latency:
            await asyncio.sleep(plan.latency)

        front = self._front(rel)
        if front is not None:
            # Something in front of the tenant answered; the tenant never saw the request.
            status = front.status_code
            self._record(scope, rel, info, status)
            await front(scope, replay, send)
            return

        status = 0
        if plan.action == "fail":
            status = plan.status
            # Recorded before the answer leaves: a client that got it finds it in the log.
            self._record(scope, rel, info, status)
            await _send_page(send, status)
            return
        if plan.action == "reset":
            if plan.after_processing:
                await self.app(scope, replay, _swallow)
            self._record(scope, rel, info, 0)
            await _send_partial(send)
            raise SimulatedConnectionReset(rel)
        recorded = False

        async def capture(message: Message) -> None:
            nonlocal status, recorded
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                self._record(scope, rel, info, status)
                recorded = True
            await send(message)

        await self.app(scope, replay, capture)
        if not recorded:
            self._record(scope, rel, info, status)

    def _front(self, rel: str) -> Response | None:
        switches = self.state.switches
        if switches.front is None or not rel.startswith(switches.front_paths):
            return None
        if switches.front == "sign_in_redirect":
            return RedirectResponse(f"{IDP_URL}?SAMLRequest=emulated&RelayState=x", 302)
        if switches.front == "portal_html":
            return portal_page()
        if switches.front == "json_no_id":
            return JSONResponse({"status": "accepted", "message": "queued"})
        return sign_in_page("Single sign-on")

    def _record(self, scope: Scope, rel: str, info: RequestInfo, status: int) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        params = parse_qsl(scope.get("query_string", b"").decode("utf-8", "replace"), True)
        if info.form_params is not None:
            params += info.form_params
        elif headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            params += parse_qsl(info.body.decode("utf-8", "replace"), keep_blank_values=True)
        scheme = headers.get("authorization", "").split(" ", 1)[0].lower()
        auth: Literal["bearer", "basic"] | None = (
            "bearer" if scheme == "bearer" else "basic" if scheme == "basic" else None
        )
        entry = RecordedRequest(scope["method"], rel, params, auth, info.user_email, status)
        with self.state.lock:
            self.state.db.requests.append(entry)


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"".join(chunks), True
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), False


def _replayer(body: bytes, receive: Receive, disconnected: bool) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        if disconnected:
            return {"type": "http.disconnect"}
        return await receive()

    return replay


async def _swallow(message: Message) -> None:
    return None


async def _send_page(send: Send, status: int) -> None:
    body = _FAULT_PAGE.format(status=status).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/html;charset=UTF-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _send_partial(send: Send) -> None:
    # Promise more than we send, then fail: the client sees the connection drop mid-answer.
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json;charset=UTF-8"),
                (b"content-length", b"4096"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b'{"partial', "more_body": True})
