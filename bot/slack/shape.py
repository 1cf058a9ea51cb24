"""A cheap shape check of Slack payloads before Bolt sees them.

Bolt assumes Slack's shapes (``event`` is an object, ``actions`` a list of objects, ``view``
has a ``type`` …) and raises on anything else; ids end up in our database. A signed but
malformed body must get a 400, not a 500 — and never reach a listener.
"""

from __future__ import annotations

from typing import Any

_OBJECT_FIELDS = ("event", "view", "user", "team", "container", "message", "channel", "enterprise")
_LIST_OF_OBJECTS = ("actions", "authorizations")
# Ids we store or key caches by: strings of a sane length when present.
_ID_FIELDS = ("team_id", "user_id", "channel_id", "event_id", "api_app_id", "enterprise_id")
_MAX_ID = 32
_MAX_EVENT_ID = 64
# Legacy Workflow Builder steps: Bolt handles them before any listener, and we do not use them.
_UNSUPPORTED = ("workflow_step_edit", "workflow_step")


def _is_id(value: Any, limit: int = _MAX_ID) -> bool:
    return isinstance(value, str) and 0 < len(value) <= limit


def _objects_ok(body: dict[str, Any]) -> bool:
    for name in _OBJECT_FIELDS:
        value = body.get(name)
        if value is None or isinstance(value, dict):
            continue
        # `channel` and `user` are plain ids in slash commands and some events
        if name in ("channel", "user") and _is_id(value):
            continue
        return False
    for name in _LIST_OF_OBJECTS:
        value = body.get(name)
        if name in body and not (
            isinstance(value, list) and all(isinstance(v, dict) for v in value)
        ):
            return False
    return True


def _ids_ok(body: dict[str, Any]) -> bool:
    for name in _ID_FIELDS:
        if name in body and body[name] is not None:
            limit = _MAX_EVENT_ID if name == "event_id" else _MAX_ID
            if not _is_id(body[name], limit):
                return False
    for name in ("user", "team", "channel"):
        value = body.get(name)
        if isinstance(value, dict) and "id" in value and not _is_id(value["id"]):
            return False
    return True


def is_well_formed(body: Any) -> bool:
    if not isinstance(body, dict) or not _objects_ok(body) or not _ids_ok(body):
        return False
    kind = body.get("type")
    if kind in _UNSUPPORTED:
        return False
    if kind == "event_callback":
        event = body.get("event")
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            return False
    if kind in ("view_submission", "view_closed"):
        view = body.get("view")
        if not isinstance(view, dict) or view.get("type") not in ("modal", "home"):
            return False
    if kind == "block_actions" and not isinstance(body.get("actions"), list):
        return False
    if "command" in body:
        return (
            isinstance(body.get("command"), str)
            and _is_id(body.get("user_id"))
            and _is_id(body.get("team_id"))
            and isinstance(body.get("text", ""), str)
        )
    if kind in ("block_actions", "view_submission", "view_closed"):
        user = body.get("user")
        return isinstance(user, dict) and _is_id(user.get("id"))
    return True
