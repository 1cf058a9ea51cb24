"""Message Start Event (HTTP): ``POST {base}System/Event/MessageStart/{app}/{node}/start``.

Also the legacy ``POST {base}System/Event/MessageStart/start`` with ``processModelInfoId`` and
``nodeNumber`` as parameters. No user credential: the event's API key is the only check.

Error ``<key>`` values are error types (INFERRED names, Questetra publishes none) except for data
item errors, whose key is the ``q_{field}`` parameter name:
  NO_PARAMETER, PROCESS_MODEL_NOT_FOUND, NODE_NOT_FOUND, PROCESS_MODEL_NOT_ACTIVE,
  NOT_MESSAGE_START_EVENT, INVALID_KEY, PARAMETER_NAME_ERROR, q_{field}, PROCESS_COUNT_LIMIT.
"""

from __future__ import annotations

import hmac
from xml.sax.saxutils import escape

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .model import App, StartEventSubmission
from .params import Params, read_params
from .state import EmulatorState
from .values import DataError, parse_inputs

XML_HEADER = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
_ALWAYS_ALLOWED = {"key", "title", "processModelInfoId", "nodeNumber"}


class _Refused(Exception):
    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__(errors)
        self.errors = errors


def error_xml(root: str, errors: list[tuple[str, str]]) -> Response:
    """The 400 answer: ``<root><error><key>…</key><detail>…</detail></error>…</root>``."""
    items = "".join(
        f"<error><key>{escape(key)}</key><detail>{escape(detail)}</detail></error>"
        for key, detail in errors
    )
    body = f"{XML_HEADER}<{root}>{items}</{root}>"
    return Response(body, status_code=400, media_type="text/xml;charset=UTF-8")


def routes(state: EmulatorState) -> list[Route]:
    async def start(request: Request) -> Response:
        params = await read_params(request)
        raw_app = request.path_params.get("app", params.get("processModelInfoId"))
        raw_node = request.path_params.get("node", params.get("nodeNumber"))
        with state.lock:
            app_id, node = _as_int(raw_app), _as_int(raw_node)
            try:
                process_id = _start(state, raw_app, raw_node, params)
            except _Refused as refused:
                response = error_xml("message-start-event-errors", refused.errors)
                process_id = None
            else:
                response = Response(str(process_id), media_type="text/plain;charset=UTF-8")
            state.db.submissions.append(
                StartEventSubmission(app_id, node, params.as_text_pairs(), process_id)
            )
        return response

    base = "/System/Event/MessageStart"
    return [
        Route(f"{base}/start", start, methods=["POST"]),
        Route(base + "/{app}/{node}/start", start, methods=["POST"]),
    ]


def _as_int(raw: str | None) -> int | None:
    text = (raw or "").strip()
    return int(text) if text.isdigit() else None


def _start(state: EmulatorState, raw_app: str | None, raw_node: str | None, params: Params) -> int:
    """Checks in Questetra's order; returns the new process instance id."""
    app_id, node = _as_int(raw_app), _as_int(raw_node)
    if app_id is None:
        raise _Refused([("NO_PARAMETER", f"processModelInfoId: {raw_app or ''}")])
    if node is None:
        raise _Refused([("NO_PARAMETER", f"nodeNumber: {raw_node or ''}")])
    app = state.db.apps.get(app_id)
    if app is None:
        raise _Refused([("PROCESS_MODEL_NOT_FOUND", str(app_id))])
    if node not in app.node_numbers():
        raise _Refused([("NODE_NOT_FOUND", str(node))])
    if not app.active:
        raise _Refused([("PROCESS_MODEL_NOT_ACTIVE", str(app_id))])
    event = app.start_events.get(node)
    if event is None or event.kind != "message":
        raise _Refused([("NOT_MESSAGE_START_EVENT", str(node))])
    if not hmac.compare_digest((params.get("key") or "").encode(), event.key.encode()):
        raise _Refused([("INVALID_KEY", "The API key does not match.")])
    data = _parse_data(state, app, params)
    limit = state.process_count_limit
    running = sum(1 for p in state.db.processes.values() if p.state == "STARTED")
    if limit is not None and running >= limit:
        raise _Refused([("PROCESS_COUNT_LIMIT", str(limit))])
    title = params.get("title") or app.name
    # Message start events have no human starter (process starter fields stay null).
    return state.create_process(app, title, None, data).id


def _parse_data(state: EmulatorState, app: App, params: Params) -> dict[int, object]:
    editable = {f.param: f for f in app.fields if f.editable_on_start}
    errors = [
        ("PARAMETER_NAME_ERROR", name)
        for name in params.names()
        if name not in _ALWAYS_ALLOWED and name not in editable
    ]
    data: dict[int, object] = {}
    failed: set[str] = set()
    for param, fld in editable.items():
        values = params.values(param)
        if not values:
            continue
        try:
            data[fld.number] = parse_inputs(fld, values, state)
        except DataError as exc:
            errors.append((param, str(exc)))
            failed.add(param)
    for param, fld in editable.items():
        if fld.required and param not in failed and data.get(fld.number) is None:
            errors.append((param, "Required data is missing."))
    if errors:
        raise _Refused(errors)
    return {k: v for k, v in data.items() if v is not None}
