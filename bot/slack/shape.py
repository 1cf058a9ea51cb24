"""A cheap shape check of Slack payloads before Bolt sees them.

Bolt assumes Slack's shapes (``event`` is an object, ``actions`` a list of objects…) and raises
on anything else; a signed but malformed body must get a 400, not a 500.
"""

from __future__ import annotations

from typing import Any

_OBJECT_FIELDS = ("event", "view", "user", "team", "container", "message", "channel", "enterprise")
_LIST_OF_OBJECTS = ("actions", "authorizations")


def is_well_formed(body: Any) -> bool:
    if not isinstance(body, dict):
        return False
    for name in _OBJECT_FIELDS:
        if name in body and body[name] is not None and not isinstance(body[name], dict):
            # `channel` and `user` are plain ids in slash commands and some events
            if name in ("channel", "user") and isinstance(body[name], str):
                continue
            return False
    for name in _LIST_OF_OBJECTS:
        value = body.get(name)
        if name in body and not (
            isinstance(value, list) and all(isinstance(v, dict) for v in value)
        ):
            return False
    kind = body.get("type")
    if kind == "event_callback" and not isinstance(body.get("event"), dict):
        return False
    if kind in ("view_submission", "view_closed") and not isinstance(body.get("view"), dict):
        return False
    if kind == "block_actions" and not isinstance(body.get("actions"), list):
        return False
    if "command" in body:
        return all(
            isinstance(body.get(k), str) and body.get(k) for k in ("user_id", "team_id")
        ) and isinstance(body.get("text", ""), str)
    needs_user = kind in ("block_actions", "view_submission", "view_closed")
    return not needs_user or isinstance((body.get("user") or {}).get("id"), str)
