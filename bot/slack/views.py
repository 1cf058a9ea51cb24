"""Reading what Slack sends back from views and buttons, tolerant of shapes Slack never sends
(a listener that trips over a malformed payload would leave the user with a Slack error)."""

from __future__ import annotations

import json
from typing import Any

from bot.domain.typed import fold


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
    """A text input's value through the parsing boundary (:func:`bot.domain.typed.fold`), or ""
    when it is missing or not text."""
    value = element_state(values, block_id, action_id).get("value")
    return fold(value) if isinstance(value, str) else ""


def input_value(raw: dict[str, Any]) -> str | int | list[str] | None:
    """One modal input's value from its ``view.state.values`` entry: the chosen ids of a
    multi-select or checkboxes, the chosen id of a select or radio group, the unix time of a
    date-time picker, the ``YYYY-MM-DD`` of a date picker, the text of a text or number input.
    Shapes Slack never sends read as "nothing entered" (None, or no ids). Typed text goes
    through the parsing boundary (:func:`bot.domain.typed.fold`: NFKC, U+3000 …); Slack does not
    HTML-escape modal values, so nothing is unescaped here."""
    if "selected_options" in raw:
        options = raw.get("selected_options")
        chosen = options if isinstance(options, list) else []
        return [str(o.get("value")) for o in chosen if isinstance(o, dict)]
    if "selected_option" in raw:
        option = raw.get("selected_option")
        return str(option.get("value")) if isinstance(option, dict) else None
    if "selected_date_time" in raw:
        moment = raw.get("selected_date_time")
        return moment if isinstance(moment, int) and not isinstance(moment, bool) else None
    if "selected_date" in raw:
        picked = raw.get("selected_date")
        return picked if isinstance(picked, str) else None
    value = raw.get("value")
    return fold(str(value)) if value is not None else None
