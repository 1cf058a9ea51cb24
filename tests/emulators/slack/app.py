"""HTTP face of the fake: `POST|GET /api/{method}` and `POST /response/{id}`.

Order of checks follows Slack: unknown method, then auth, then the scripted fault, then the method.
Every request to /api/ is recorded, including the ones answered with an error.
"""

from __future__ import annotations

import base64
import contextlib
import json
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from tests.emulators.server import LoopbackServer, serve
from tests.emulators.slack.state import Call, FakeSlack
from tests.emulators.slack.webapi import (
    BEARER_ARG,
    METHODS,
    NO_TOKEN_METHODS,
    SlackError,
    apply_response,
    truthy,
)

# Arguments Slack takes as JSON-encoded strings in form bodies (and as objects in JSON bodies).
JSON_ARGS = ("blocks", "view", "metadata", "attachments")


async def _read_args(request: Request) -> tuple[dict[str, Any], str | None]:
    """Merged query + body arguments, and the token found outside a JSON body (if any)."""
    args: dict[str, Any] = dict(request.query_params)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if request.method == "POST" and content_type == "application/json":
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError as exc:
            raise SlackError("invalid_json") from exc
        if not isinstance(body, dict):
            raise SlackError("json_not_object")
        # Slack ignores a token inside a JSON body: those callers must send Authorization.
        body.pop("token", None)
        args.update(body)
    elif request.method == "POST" and content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        form = await request.form()
        args.update({k: v for k, v in form.multi_items() if isinstance(v, str)})
    token = args.pop("token", None)
    for key in JSON_ARGS:
        if isinstance(args.get(key), str) and args[key]:
            # Undecodable stays a string: the method then answers invalid_blocks / _arguments.
            with contextlib.suppress(ValueError):
                args[key] = json.loads(args[key])
    return args, token if isinstance(token, str) else None


def _basic(request: Request) -> dict[str, str]:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return {}
    try:
        user, _, password = base64.b64decode(value.strip()).decode().partition(":")
    except ValueError:
        return {}
    return {"client_id": user, "client_secret": password}


def _bearer(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


def _peer(request: Request) -> str | None:
    return f"{request.client.host}:{request.client.port}" if request.client else None


def create_app(slack: FakeSlack) -> Starlette:
    """The Starlette app serving `slack`; run it with `serve_slack` or tests.emulators.server."""

    async def api(request: Request) -> Response:
        if slack.base_url is None:
            slack.base_url = str(request.base_url)
        method = request.path_params["method"]
        token = _bearer(request)
        args: dict[str, Any] = {}

        def done(
            status: int,
            body: dict[str, Any] | None,
            *,
            headers: dict[str, str] | None = None,
            text: str = "",
        ) -> Response:
            call = Call(
                method, token, args, status, time.time(), body, request.method, _peer(request)
            )
            slack.record(call)
            if body is None:
                return PlainTextResponse(text, status_code=status, headers=headers)
            if body.get("ok"):
                # Real Slack reports the token's scopes on every answer; bolt may read them.
                headers = {**(headers or {}), "x-oauth-scopes": ",".join(slack.scopes)}
            return JSONResponse(body, status_code=status, headers=headers)

        try:
            args, body_token = await _read_args(request)
        except SlackError as exc:
            return done(200, exc.body())
        token = token or body_token
        handler = METHODS.get(method)
        if handler is None:
            return done(200, {"ok": False, "error": "unknown_method", "req_method": method})
        with slack.lock:
            if method in NO_TOKEN_METHODS:
                # Client id and secret, checked by the method: in the form or as HTTP Basic.
                args.update(_basic(request))
            elif token is None:
                return done(200, {"ok": False, "error": "not_authed"})
            elif token in slack._revoked:
                return done(200, {"ok": False, "error": "token_revoked"})
            elif token not in slack._tokens:
                return done(200, {"ok": False, "error": "invalid_auth"})
        if method == "auth.revoke":
            args[BEARER_ARG] = token
        fault = slack.take_fault(method)
        if fault is not None:
            if fault.kind == "ratelimit":
                retry = {"Retry-After": str(fault.retry_after)}
                return done(429, {"ok": False, "error": "ratelimited"}, headers=retry)
            if fault.kind == "http":
                return done(fault.status, None, text=fault.body or "Server Error")
            return done(200, {"ok": False, "error": fault.error})
        try:
            with slack.lock:
                return done(200, handler(slack, args))
        except SlackError as exc:
            return done(200, exc.body())
        except Exception:  # noqa: BLE001
            # A bug in the fake itself: surface it loudly instead of a plausible Slack answer.
            return done(500, None, text=traceback.format_exc())

    async def response_url(request: Request) -> Response:
        raw = await request.body()
        body: Any = None
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        try:
            if content_type == "application/x-www-form-urlencoded":
                body = json.loads(parse_qs(raw.decode())["payload"][0])
            else:
                body = json.loads(raw)
        except (ValueError, KeyError):
            body = None
        with slack.lock:
            state = slack.response_url_state(request.path_params["rid"])
            if state is None:
                return PlainTextResponse("invalid_url", status_code=404)
            if state.uses_left <= 0:
                return PlainTextResponse("used_url", status_code=404)
            if not isinstance(body, dict):
                return PlainTextResponse("invalid_payload", status_code=400)
            if not (
                body.get("text")
                or body.get("blocks")
                or body.get("attachments")
                or truthy(body.get("delete_original"))
            ):
                return PlainTextResponse("no_text", status_code=400)
            state.uses_left -= 1
            state.bodies.append(body)
            state.peers.append(_peer(request))
            apply_response(slack, state, body)
        return PlainTextResponse("ok")

    return Starlette(
        routes=[
            Route("/api/{method}", api, methods=["GET", "POST"]),
            Route("/response/{rid:path}", response_url, methods=["POST"]),
            slack.socket_mode.route(),
        ]
    )


@contextmanager
def serve_slack(slack: FakeSlack) -> Iterator[LoopbackServer]:
    """Run the fake on loopback and point `slack.base_url` at it."""
    with serve(create_app(slack)) as server:
        slack.base_url = server.url
        yield server
