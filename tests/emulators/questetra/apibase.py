"""Shared plumbing of ``/API/...`` endpoints: authentication, permission checks, parameter errors."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from .auth import Principal, authenticate
from .middleware import info_of
from .params import Params, read_params
from .state import EmulatorState

Handler = Callable[[EmulatorState, Principal, Params], Response]
Endpoint = Callable[[Request], Awaitable[Response]]

MAX_LIMIT = 1000
_INT = re.compile(r"-?\d+")


class QJSONResponse(JSONResponse):
    media_type = "application/json;charset=UTF-8"


class ApiError(Exception):
    """``{"errors":[{"errorCode","type","input"}]}`` with a status (400 unless said otherwise)."""

    def __init__(self, error_code: str, type_: str, input_: object, status: int = 400) -> None:
        super().__init__(error_code)
        self.error_code = error_code
        self.type = type_
        self.input = "" if input_ is None else str(input_)
        self.status = status

    def response(self) -> Response:
        body = {"errors": [{"errorCode": self.error_code, "type": self.type, "input": self.input}]}
        return QJSONResponse(body, status_code=self.status)


def endpoint(state: EmulatorState, handler: Handler, *, write: bool = False) -> Endpoint:
    """Wrap a handler: 401 without valid credentials, 403 for writes it may not do."""

    async def run(request: Request) -> Response:
        params = await read_params(request)
        with state.lock:
            principal = authenticate(state, request.headers.get("authorization"))
            if principal is None:
                # Questetra never sends WWW-Authenticate: clients must authenticate pre-emptively.
                return PlainTextResponse("Unauthorized", status_code=401)
            info_of(request.scope).user_email = principal.user.email
            try:
                if write and not principal.can_write:
                    raise ApiError("FORBIDDEN", "scope", " ".join(sorted(principal.scope)), 403)
                if write and state.edition.lower() != "professional":
                    raise ApiError("FORBIDDEN", "edition", state.edition, 403)
                return handler(state, principal, params)
            except ApiError as exc:
                return exc.response()

    return run


def int_param(params: Params, name: str) -> int | None:
    """An optional integer parameter (400 when present but not an integer)."""
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if not _INT.fullmatch(raw.strip()):
        raise ApiError("INVALID_PARAMETER", name, raw)
    return int(raw)


def required_int(params: Params, name: str) -> int:
    value = int_param(params, name)
    if value is None:
        raise ApiError("MISSING_PARAMETER", name, "")
    return value


def paging(params: Params) -> tuple[int, int]:
    """``limit`` (default 1, 0..1000) and ``start`` (default 0)."""
    limit = int_param(params, "limit")
    start = int_param(params, "start")
    limit = 1 if limit is None else limit
    start = 0 if start is None else start
    if not 0 <= limit <= MAX_LIMIT:
        raise ApiError("INVALID_PARAMETER", "limit", limit)
    if start < 0:
        raise ApiError("INVALID_PARAMETER", "start", start)
    return limit, start
