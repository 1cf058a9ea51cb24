"""Reading what Slack sends back from views and buttons, tolerant of shapes Slack never sends
(a listener that trips over a malformed payload would leave the user with a Slack error)."""

from __future__ import annotations

import json
from typing import Any


def read_json_object(raw: object) -> dict[str, Any]:
    """A JSON object from a string we wrote earlier (private_metadata, button values); {}
    for anything else."""
    try:
        data = json.loads(raw) if isinstance(raw, str) and raw else {}
    except (ValueError, RecursionError):
        data = {}
    return data if isinstance(data, dict) else {}


def state_values(view: dict[str, Any]) -> dict[str, Any]:
    """``view.state.values``, or {} when the payload is not shaped like Slack's."""
    state = view.get("state")
    values = state.get("values") if isinstance(state, dict) else None
    return values if isinstance(values, dict) else {}


def element_state(values: dict[str, Any], block_id: str, action_id: str) -> dict[str, Any]:
    block = values.get(block_id)
    found = block.get(action_id) if isinstance(block, dict) else None
    return found if isinstance(found, dict) else {}


def text_value(values: dict[str, Any], block_id: str, action_id: str) -> str:
    """A text input's value, or "" when it is missing or not text."""
    value = element_state(values, block_id, action_id).get("value")
    return value if isinstance(value, str) else ""
