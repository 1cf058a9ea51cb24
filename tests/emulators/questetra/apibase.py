"""Shared plumbing of ``/API/...`` endpoints: authentication, permission checks, parameter errors."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response

from .auth import Principal, authenticate
from .html import sign_in_page
from .middleware import info_of
from .params import Params, read_params
from .state import EmulatorState
from .switches import SIGN_IN_PATH

Handler = Callable[[EmulatorState, Principal, Params], Response]
Endpoint = Callable[[Request], Awaitable[Response]]

MAX_LIMIT = 1000
_INT = re.compile(r"-?\d+")


class QJSONResponse(JSONResponse):
    media_type = "application/json;charset=UTF-8"


# Questetra publishes no errorCode list (R3175 is not public). The one sample, [SWG] Error.java,
# is errorCode "10001", type "InvalidId", input "hello": numeric strings and CamelCase types.
# The codes below are INVENTED in that style, so a client can show them but never branch on
# them (questetra-fidelity.md D2). Handlers name the kind; the wire gets the code.
ERROR_CODES: dict[str, tuple[str, str]] = {
    "INVALID_PARAMETER": ("10001", "InvalidId"),
    "MISSING_PARAMETER": ("10002", "MissingParameter"),
    "NOT_FOUND": ("10003", "NotFound"),
    "ILLEGAL_STATE": ("10004", "IllegalState"),
    "FORBIDDEN": ("10005", "Forbidden"),
    "INVALID_CRITERIA": ("10006", "InvalidCriteria"),
}
# Older handler names for the same meanings.
ERROR_CODES |= {
    name: ERROR_CODES["NOT_FOUND"]
    for name in ("WORKITEM_NOT_FOUND", "QUSER_NOT_FOUND", "PROCESS_INSTANCE_NOT_FOUND")
}


def wire_error(kind: str) -> tuple[str, str]:
    """(errorCode, type) for a kind; kinds not in the table get a code in the same style."""
    if kind in ERROR_CODES:
        return ERROR_CODES[kind]
    digits = 10100 + sum(kind.encode()) % 900
    return str(digits), "".join(part.capitalize() for part in kind.split("_")) or "Error"


class ApiError(Exception):
    """``{"errors":[{"errorCode","type","input"}]}`` with a status (400 unless said otherwise).

    ``kind`` is one of ERROR_CODES (the handler's meaning); ``param`` names the parameter for
    the emulator's own log, and ``input`` is echoed as [SWG] shows."""

    def __init__(self, kind: str, param: str, input_: object, status: int = 400) -> None:
        super().__init__(kind)
        self.kind = kind
        self.param = param
        self.error_code, self.type = wire_error(kind)
        self.input = "" if input_ is None else str(input_)
        self.status = status

    def body(self) -> dict[str, str]:
        return {"errorCode": self.error_code, "type": self.type, "input": self.input}

    def response(self) -> Response:
        return QJSONResponse({"errors": [self.body()]}, status_code=self.status)


def endpoint(state: EmulatorState, handler: Handler, *, write: bool = False) -> Endpoint:
    """Wrap a handler: 401 without valid credentials, 403 for writes it may not do."""

    async def run(request: Request) -> Response:
        params = await read_params(request)
        with state.lock:
            header = request.headers.get("authorization")
            principal = authenticate(state, header)
            if principal is None:
                if not header:
                    return unauthenticated(state)
                # Questetra never sends WWW-Authenticate: clients must authenticate pre-emptively.
                return PlainTextResponse("Unauthorized", status_code=401)
            info_of(request.scope).user_email = principal.user.email
            try:
                if write and not principal.can_write:
                    raise ApiError("FORBIDDEN", "scope", "", 403)
                if write and state.edition.lower() != "professional":
                    raise ApiError("FORBIDDEN", "edition", state.edition, 403)
                return handler(state, principal, params)
            except ApiError as exc:
                return exc.response()

    return run


def unauthenticated(state: EmulatorState) -> Response:
    """A call without credentials, as the ``unauthenticated`` switch says (C3, undocumented)."""
    how = state.switches.unauthenticated
    if how == "redirect":
        return RedirectResponse(state.base_path + SIGN_IN_PATH.lstrip("/"), status_code=302)
    if how == "html":
        return sign_in_page()
    return PlainTextResponse("Unauthorized", status_code=401)


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
    """``limit`` (default 1, 0..1000) and ``start`` (default 0): the documented rule of the
    search lists (``OR/*/list``, [PG-search], [CRIT-JSON]) and of ``listStartable`` ([SWG])."""
    limit = int_param(params, "limit")
    start = int_param(params, "start")
    limit = 1 if limit is None else limit
    start = 0 if start is None else start
    if not 0 <= limit <= MAX_LIMIT:
        raise ApiError("INVALID_PARAMETER", "limit", limit)
    if start < 0:
        raise ApiError("INVALID_PARAMETER", "start", start)
    return limit, start
