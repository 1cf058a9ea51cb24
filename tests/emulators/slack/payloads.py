"""Builders for what Slack sends to the bot: interactivity payloads and Events API events.

Shapes follow api.slack.com's reference payloads closely enough for slack-bolt's routing and
context extraction (team from `team.id` / `view.app_installed_team_id`, user from `user.id`,
channel from `channel.id` / `container.channel_id`, `actions[0].action_id`, `view.callback_id`).
"""

from __future__ import annotations

import copy
import time
from typing import Any

from tests.emulators.slack import defaults

Payload = dict[str, Any]

# Element types whose chosen value arrives as `selected_option` instead of `value`.
_OPTION_ELEMENTS = {"static_select", "external_select", "radio_buttons", "overflow"}


def _user(user_id: str, user_name: str, team_id: str) -> Payload:
    return {"id": user_id, "username": user_name, "name": user_name, "team_id": team_id}


def _team(team_id: str, team_domain: str) -> Payload:
    return {"id": team_id, "domain": team_domain}


def action_ts(at: float | None = None) -> str:
    return f"{at if at is not None else time.time():.6f}"


def block_actions(
    action_id: str,
    value: str | None = None,
    *,
    user_id: str = defaults.USER_ID,
    user_name: str = defaults.USER_NAME,
    team_id: str = defaults.TEAM_ID,
    team_domain: str = defaults.TEAM_DOMAIN,
    api_app_id: str = defaults.API_APP_ID,
    response_url: str | None = None,
    message: Payload | None = None,
    channel_id: str | None = None,
    container: Payload | None = None,
    trigger_id: str | None = None,
    view: Payload | None = None,
    block_id: str = "actions",
    action_type: str = "button",
    action: Payload | None = None,
) -> Payload:
    """A `block_actions` payload for one element.

    From a message: pass `message` (e.g. one of `FakeSlack.messages(ch)`) and `channel_id`,
    plus `response_url`; `channel_id` without `message` means an ephemeral message, which Slack
    sends without the message body. From a modal or App Home: pass `view` (e.g. `FakeSlack.views[id]`).
    `action` overrides/extends the action object (e.g. `selected_user`).
    """
    act: Payload = {
        "type": action_type,
        "action_id": action_id,
        "block_id": block_id,
        "action_ts": action_ts(),
    }
    if action_type in _OPTION_ELEMENTS and value is not None:
        act["selected_option"] = {"text": {"type": "plain_text", "text": value}, "value": value}
    elif value is not None:
        act["value"] = value
    if action_type == "button":
        act["text"] = {"type": "plain_text", "text": action_id, "emoji": True}
    act |= action or {}

    payload: Payload = {
        "type": "block_actions",
        "user": _user(user_id, user_name, team_id),
        "api_app_id": api_app_id,
        "token": defaults.VERIFICATION_TOKEN,
        "trigger_id": trigger_id or defaults.new_trigger_id(),
        "team": _team(team_id, team_domain),
        "enterprise": None,
        "is_enterprise_install": False,
        "state": {"values": {}},
        "actions": [act],
    }
    if view is not None:
        payload["view"] = copy.deepcopy(view)
        payload["container"] = container or {
            "type": "view",
            "view_id": view.get("id", ""),
        }
    elif message is not None or channel_id is not None:
        channel = channel_id or defaults.CHANNEL_ID
        payload["channel"] = {
            "id": channel,
            "name": "directmessage" if channel[0] == "D" else channel,
        }
        payload["container"] = container or {
            "type": "message",
            "message_ts": (message or {}).get("ts", ""),
            "channel_id": channel,
            "is_ephemeral": message is None,
        }
        if message is not None:
            payload["message"] = copy.deepcopy(message)
    elif container is not None:
        payload["container"] = container
    if response_url is not None:
        payload["response_url"] = response_url
    return payload


def _state_values(values: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Slack's `view.state.values`; a bare leaf value is shorthand for a plain_text_input."""
    out: dict[str, dict[str, Any]] = {}
    for block_id, actions in values.items():
        out[block_id] = {
            action_id: v if isinstance(v, dict) else {"type": "plain_text_input", "value": v}
            for action_id, v in actions.items()
        }
    return out


def view_payload(
    callback_id: str,
    *,
    values: dict[str, dict[str, Any]] | None = None,
    private_metadata: str = "",
    view_id: str = "V0001",
    team_id: str = defaults.TEAM_ID,
    api_app_id: str = defaults.API_APP_ID,
    view: Payload | None = None,
) -> Payload:
    """The `view` object inside view_submission / view_closed; based on `view` when given."""
    base: Payload = copy.deepcopy(view) if view is not None else {}
    base.setdefault("id", view_id)
    base.setdefault("type", "modal")
    base.setdefault("blocks", [])
    base.setdefault("title", {"type": "plain_text", "text": "Questetra"})
    base.setdefault("hash", "1700000000.abcdef12")
    base.setdefault("root_view_id", base["id"])
    base.setdefault("previous_view_id", None)
    base.setdefault("external_id", "")
    base.setdefault("clear_on_close", False)
    base.setdefault("notify_on_close", False)
    base.setdefault("bot_id", defaults.BOT_ID)
    if view is None or private_metadata:
        base["private_metadata"] = private_metadata
    base["callback_id"] = callback_id
    base["team_id"] = team_id
    base["app_id"] = api_app_id
    base["app_installed_team_id"] = team_id
    base["state"] = {"values": _state_values(values or {})}
    return base


def view_submission(
    callback_id: str,
    values: dict[str, dict[str, Any]] | None = None,
    *,
    user_id: str = defaults.USER_ID,
    user_name: str = defaults.USER_NAME,
    team_id: str = defaults.TEAM_ID,
    team_domain: str = defaults.TEAM_DOMAIN,
    api_app_id: str = defaults.API_APP_ID,
    private_metadata: str = "",
    view_id: str = "V0001",
    view: Payload | None = None,
    trigger_id: str | None = None,
) -> Payload:
    """A `view_submission` payload. `values`: {block_id: {action_id: value-or-state-dict}}."""
    return {
        "type": "view_submission",
        "team": _team(team_id, team_domain),
        "user": _user(user_id, user_name, team_id),
        "api_app_id": api_app_id,
        "token": defaults.VERIFICATION_TOKEN,
        "trigger_id": trigger_id or defaults.new_trigger_id(),
        "view": view_payload(
            callback_id,
            values=values,
            private_metadata=private_metadata,
            view_id=view_id,
            team_id=team_id,
            api_app_id=api_app_id,
            view=view,
        ),
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def view_closed(
    callback_id: str,
    *,
    user_id: str = defaults.USER_ID,
    user_name: str = defaults.USER_NAME,
    team_id: str = defaults.TEAM_ID,
    team_domain: str = defaults.TEAM_DOMAIN,
    api_app_id: str = defaults.API_APP_ID,
    private_metadata: str = "",
    view_id: str = "V0001",
    view: Payload | None = None,
) -> Payload:
    """A `view_closed` payload (sent only for views opened with notify_on_close)."""
    return {
        "type": "view_closed",
        "team": _team(team_id, team_domain),
        "user": _user(user_id, user_name, team_id),
        "api_app_id": api_app_id,
        "token": defaults.VERIFICATION_TOKEN,
        "view": view_payload(
            callback_id,
            private_metadata=private_metadata,
            view_id=view_id,
            team_id=team_id,
            api_app_id=api_app_id,
            view=view,
        ),
        "is_cleared": False,
        "is_enterprise_install": False,
        "enterprise": None,
    }


def app_home_opened(
    user_id: str = defaults.USER_ID,
    tab: str = "home",
    *,
    channel_id: str | None = None,
    view: Payload | None = None,
) -> Payload:
    """An `app_home_opened` event; `view` is present once a Home view was published."""
    event: Payload = {
        "type": "app_home_opened",
        "user": user_id,
        # Same DM id scheme as FakeSlack.dm_channel_id.
        "channel": channel_id or f"D{user_id}",
        "tab": tab,
        "event_ts": action_ts(),
    }
    if view is not None:
        event["view"] = copy.deepcopy(view)
    return event


def event_callback(
    event: Payload,
    *,
    event_id: str = "Ev0001",
    team_id: str = defaults.TEAM_ID,
    api_app_id: str = defaults.API_APP_ID,
    event_time: int | None = None,
    bot_user_id: str = defaults.BOT_USER_ID,
) -> Payload:
    """The Events API envelope around `event`."""
    return {
        "token": defaults.VERIFICATION_TOKEN,
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": event_time if event_time is not None else int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{event_id}",
    }
