"""JSON control API under ``{base}_emulator/``: thin wrappers over the EmulatorState methods.

For a person trying the bot by hand and for tests in another process. Errors answer
``400 {"error": "..."}``. Not subject to faults and not recorded in ``requests``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .form_settings import FormSettings
from .model import Field
from .state import EmulatorState

Action = Callable[[EmulatorState, dict[str, Any], dict[str, str]], object]


def routes(state: EmulatorState) -> list[Route]:
    def post(path: str, action: Action) -> Route:
        return Route(f"/_emulator/{path}", _json_endpoint(state, action), methods=["POST"])

    def get(path: str, action: Action) -> Route:
        return Route(f"/_emulator/{path}", _json_endpoint(state, action), methods=["GET"])

    return [
        post("reset", _reset),
        post("settings", _settings),
        post("switches", _switches),
        post("form-settings", _form_settings),
        post("users", _add_user),
        post("clients", _add_client),
        post("clients/{client_id}/active", _client_active),
        Route(
            "/_emulator/clients/{client_id}",
            _json_endpoint(state, _delete_client),
            methods=["DELETE"],
        ),
        post("session", _session),
        post("apps", _add_app),
        post("apps/{app_id}/active", _app_active),
        post("start-events", _add_start_event),
        post("tasks", _add_task),
        post("tasks/{workitem_id}/complete", _complete_task),
        post("tasks/{workitem_id}/allocate", _allocate_task),
        Route(
            "/_emulator/tasks/{workitem_id}",
            _json_endpoint(state, _remove_task),
            methods=["DELETE"],
        ),
        post("tokens/revoke", _revoke),
        post("faults", _faults),
        post("clock/advance", _advance),
        get("state", lambda s, body, path: s.summary()),
        get("requests", _requests),
    ]


def _json_endpoint(
    state: EmulatorState, action: Action
) -> Callable[[Request], Awaitable[Response]]:
    async def run(request: Request) -> Response:
        raw = await request.body()
        try:
            body = json.loads(raw) if raw.strip() else {}
            if not isinstance(body, dict):
                raise TypeError("the body is a JSON object")
            result = action(state, body, dict(request.path_params))
        except (KeyError, ValueError, TypeError) as exc:
            return JSONResponse({"error": f"{type(exc).__name__}: {exc}"}, status_code=400)
        return JSONResponse(result if result is not None else {"ok": True})

    return run


def _reset(s: EmulatorState, body: dict[str, Any], path: dict[str, str]) -> object:
    s.reset()
    return None


_SETTINGS = (
    "basic_auth_enabled",
    "rotate_refresh_tokens",
    "access_token_ttl",
    "refresh_token_ttl",
    "edition",
    "process_count_limit",
)


def _settings(s: EmulatorState, body: dict[str, Any], path: dict[str, str]) -> object:
    unknown = set(body) - set(_SETTINGS)
    if unknown:
        raise KeyError(f"unknown settings {sorted(unknown)}; known: {list(_SETTINGS)}")
    with s.lock:
        for name, value in body.items():
            setattr(s, name, value)
    return s.summary()["settings"]


def _switches(s: EmulatorState, body: dict[str, Any], path: dict[str, str]) -> object:
    """``{"unauthenticated": "redirect", "values": {"LIST": "rows"}, …}`` (switches.py)."""
    with s.lock:
        for name, value in body.items():
            s.switches.set(name, value)
        return s.switches.snapshot()


def _form_settings(s: EmulatorState, body: dict[str, Any], path: dict[str, str]) -> object:
    """The switches of Form/viewXml and Form/save (tests/emulators/questetra/form_settings.py)."""
    with s.lock:
        s.form = FormSettings(**{**asdict(s.form), **body})
        return asdict(s.form)


def _add_user(s: EmulatorState, body: dict[str, Any], path: dict[str, str]) -> object:
    user = s.add_user(
        body["email"],
        body["name"],
        api_password=body.get("api_password"),
        group=body.get("group", "Sales"),
    )
    return {"id": user.id, "name": user.name, "email": user.email, "group": user.group.name}


def _add_client(s: EmulatorState, body: dict[str, Any], path: dict[str, str]) -> object:
    s.add_client(
        body["client_id"],
        body["client_secret"],
        body["redirect_uri"],
        require_pkce=bool(body.get("require_pkce", False)),
    )
    return None


def _client_active(s: EmulatorState, body: dict[str, Any], path: dict[str, str]) -> object:
    s.set_client_active(path["client_id"], bool(body["active"]))
    return None


def _delete_client(s: EmulatorState, body: dict[str, Any], path: dict[str, str]) -> object:
    s.delete_client(path["client_id"])
    return None


def _session(s: EmulatorState, body: dict[str, Any], path: dict[str, str]) -> object:
    s.sign_in(body.get("email"))
    return None


def _add_app(s: EmulatorState, body: dict[str, Any], path: dict[str, str]) -> object:
    fields = [Field(**f) for f in body.get("fields", [])]
    app = s.add_app(
        int(body["id"]),
        body["name"],
        category=body.get("category", ""),
        fields=fields,
        active=bool(body.get("active", True)),
        managers=body.get("managers", ()),
    )
    return {"id": app.id, "name": app.name, "fields": [asdict(f) for f in app.fields]}


def _app_active(s: EmulatorState, body: dict[str, Any], path: dict[str, str]) -> object:
    s.set_app_active(int(path["app_id"]), bool(body["active"]))
    return None


def _add_start_event(s: EmulatorState, body: dict[str, Any], path: dict[str, str]) -> object:
    if body.get("kind", "message") == "human":
        s.add_human_start_event(
            int(body["app_id"]),
            int(body["node_number"]),
            name=body.get("name", "Start"),
            users=body.get("users"),
        )
    else:
        s.add_start_event(
            int(body["app_id"]),
            int(body["node_number"]),
            key=body["key"],
            name=body.get("name", "Start"),
        )
    return None


def _add_task(s: EmulatorState, body: dict[str, Any], path: dict[str, str]) -> object:
    deadline = body.get("deadline")
    workitem_id = s.add_task(
        int(body["app_id"]),
        to=body["to"],
        node_name=body.get("node_name", "Approve"),
        title=body.get("title"),
        state=body.get("state", "OFFERED"),
        deadline=datetime.fromisoformat(deadline) if deadline else None,
        data=body.get("data"),
        process_instance_id=body.get("process_instance_id"),
        starter=body.get("starter"),
        flows=tuple(body.get("flows", ("Submit",))),
        editable_fields=body.get("editable_fields"),
        required_fields=body.get("required_fields"),
        roles=tuple(body.get("roles", ())),
    )
    process_id = s.workitems[workitem_id].process_instance_id
    return {"workitem_id": workitem_id, "process_instance_id": process_id}


def _complete_task(s: EmulatorState, body: dict[str, Any], path: dict[str, str]) -> object:
    s.complete_task(int(path["workitem_id"]), flow=body.get("flow"))
    return None


def _allocate_task(s: EmulatorState, body: dict[str, Any], path: dict[str, str]) -> object:
    s.allocate_task(int(path["workitem_id"]), body["email"])
    return None


def _remove_task(s: EmulatorState, body: dict[str, Any], path: dict[str, str]) -> object:
    s.remove_task(int(path["workitem_id"]))
    return None


def _revoke(s: EmulatorState, body: dict[str, Any], path: dict[str, str]) -> object:
    s.revoke_tokens(body["email"])
    return None


def _faults(s: EmulatorState, body: dict[str, Any], path: dict[str, str]) -> object:
    """``{"kind": "latency"|"fail"|"reset"|"clear", "seconds", "n", "status", "path_prefix"}``."""
    kind = body.get("kind")
    prefix = body.get("path_prefix", "/API/")
    if kind == "latency":
        s.faults.set_latency(float(body["seconds"]), prefix)
    elif kind == "fail":
        s.faults.fail_next(int(body.get("n", 1)), int(body.get("status", 503)), prefix)
    elif kind == "reset":
        s.faults.reset_next(
            int(body.get("n", 1)), prefix, after_processing=bool(body.get("after_processing"))
        )
    elif kind == "clear":
        s.faults.clear()
    else:
        raise ValueError("kind is latency, fail, reset or clear")
    return s.faults.snapshot()


def _advance(s: EmulatorState, body: dict[str, Any], path: dict[str, str]) -> object:
    s.clock.advance(float(body["seconds"]))
    return {"now": s.clock.now().isoformat()}


def _requests(s: EmulatorState, body: dict[str, Any], path: dict[str, str]) -> object:
    return {
        "requests": [asdict(r) for r in s.requests],
        "token_requests": [asdict(t) for t in s.token_requests],
        "start_event_submissions": [t._asdict() for t in s.start_event_submissions],
        "form_saves": [asdict(f) for f in s.form_saves],
    }
