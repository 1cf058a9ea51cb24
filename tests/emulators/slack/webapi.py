"""Slack Web API methods: argument checks and answers shaped like api.slack.com documents them.

Each handler takes the fake and the decoded arguments and returns the success body, or raises
`SlackError` for an `ok: false` answer. HTTP, auth and scripted faults live in app.py.
"""

from __future__ import annotations

import copy
import secrets
from collections.abc import Callable
from typing import Any, Literal

from tests.emulators.slack import defaults
from tests.emulators.slack.state import FakeSlack, ResponseUrl

Params = dict[str, Any]
Handler = Callable[[FakeSlack, Params], Params]

MAX_TEXT = 40_000  # chat.postMessage truncates/rejects beyond this
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_PRIVATE_METADATA = 3000
MAX_VIEW_TITLE = 24


class SlackError(Exception):
    """An `ok: false` answer; `extra` adds fields such as response_metadata."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra

    def body(self) -> Params:
        return {"ok": False, "error": self.error, **self.extra}


def _invalid_arguments(*messages: str) -> SlackError:
    return SlackError("invalid_arguments", response_metadata={"messages": list(messages)})


def truthy(value: Any) -> bool:
    """Slack's boolean arguments: slack_sdk sends "1"/"0", JSON callers send true/false."""
    return value is True or (isinstance(value, int | str) and str(value).lower() in ("1", "true"))


def _str_arg(params: Params, key: str) -> str:
    value = params.get(key)
    return value if isinstance(value, str) else ""


# -- auth / team / users ----------------------------------------------------------------------


def auth_test(slack: FakeSlack, params: Params) -> Params:
    return {
        "ok": True,
        "url": f"https://{slack.team_domain}.slack.com/",
        "team": slack.team_name,
        "user": slack.bot_name,
        "team_id": slack.team_id,
        "user_id": slack.bot_user_id,
        "bot_id": slack.bot_id,
        "is_enterprise_install": False,
    }


def auth_revoke(slack: FakeSlack, params: Params) -> Params:
    """https://api.slack.com/methods/auth.revoke: the calling token stops working."""
    token = str(params.pop(BEARER_ARG, ""))
    if truthy(params.get("test")):
        return {"ok": True, "revoked": False}
    slack._tokens.discard(token)
    slack._revoked.add(token)
    return {"ok": True, "revoked": True}


def team_info(slack: FakeSlack, params: Params) -> Params:
    team = params.get("team")
    if team and team != slack.team_id:
        raise SlackError("team_not_found")
    return {
        "ok": True,
        "team": {
            "id": slack.team_id,
            "name": slack.team_name,
            "url": f"https://{slack.team_domain}.slack.com/",
            "domain": slack.team_domain,
            "email_domain": "",
            "icon": {"image_default": True},
            "is_verified": False,
        },
    }


def _public_user(user: Params, *, include_locale: bool, email: bool = True) -> Params:
    user = copy.deepcopy(user)
    if not include_locale:
        user.pop("locale", None)
    if not email:
        user.get("profile", {}).pop("email", None)
    return user


def users_info(slack: FakeSlack, params: Params) -> Params:
    user = slack._users.get(_str_arg(params, "user"))
    if user is None:
        raise SlackError("user_not_found")
    include_locale = truthy(params.get("include_locale"))
    public = _public_user(user, include_locale=include_locale, email=slack.email_scope)
    return {"ok": True, "user": public}


def users_lookup_by_email(slack: FakeSlack, params: Params) -> Params:
    if not slack.email_scope:
        raise SlackError("missing_scope", needed="users:read.email")
    email = _str_arg(params, "email").lower()
    if not email:
        raise _invalid_arguments("[ERROR] missing required field: email")
    for user in slack._users.values():
        if user["profile"].get("email", "").lower() == email:
            return {"ok": True, "user": _public_user(user, include_locale=False)}
    raise SlackError("users_not_found")


# -- conversations ----------------------------------------------------------------------------


def _channel(slack: FakeSlack, params: Params, key: str = "channel") -> Params:
    channel = slack.find_channel(_str_arg(params, key))
    if channel is None:
        raise SlackError("channel_not_found")
    return channel


def conversations_open(slack: FakeSlack, params: Params) -> Params:
    users = [u.strip() for u in _str_arg(params, "users").split(",") if u.strip()]
    if not users:
        raise SlackError("users_list_not_supplied")
    for user_id in users:
        if user_id not in slack._users:
            raise SlackError("user_not_found")
    if len(users) == 1:
        already = slack.dm_channel_id(users[0]) in slack._channels
        channel = slack.open_dm(users[0])
    else:
        # A group DM: stable id for the same set of members.
        cid = "G" + "".join(sorted(u[1:] for u in users))[:20]
        already = cid in slack._channels
        channel = slack._channels.setdefault(
            cid,
            {"id": cid, "is_mpim": True, "is_im": False, "created": int(slack.clock())},
        )
    body: Params = {
        "ok": True,
        "channel": copy.deepcopy(channel)
        if truthy(params.get("return_im"))
        else {"id": channel["id"]},
    }
    if already:
        body |= {"no_op": True, "already_open": True}
    return body


def conversations_info(slack: FakeSlack, params: Params) -> Params:
    return {"ok": True, "channel": copy.deepcopy(_channel(slack, params))}


def conversations_history(slack: FakeSlack, params: Params) -> Params:
    channel = _channel(slack, params)
    try:
        limit = max(1, min(int(params.get("limit") or 100), 999))
        offset = int(_str_arg(params, "cursor").removeprefix("offset:") or 0)
    except ValueError as exc:
        raise SlackError("invalid_cursor") from exc
    try:
        oldest, latest = float(params.get("oldest") or 0), float(params.get("latest") or 0)
    except ValueError as exc:
        raise _invalid_arguments("[ERROR] oldest/latest must be timestamps") from exc
    inclusive = truthy(params.get("inclusive"))

    def in_range(ts: float) -> bool:
        after = ts >= oldest if inclusive else ts > oldest
        before = latest == 0 or (ts <= latest if inclusive else ts < latest)
        return after and before

    # Only thread parents and plain messages, newest first (replies live in conversations.replies).
    listed = [
        m
        for m in reversed(slack._messages.get(channel["id"], []))
        if m.get("thread_ts", m["ts"]) == m["ts"] and in_range(float(m["ts"]))
    ]
    page = copy.deepcopy(listed[offset : offset + limit])
    if not truthy(params.get("include_all_metadata")):
        for message in page:
            message.pop("metadata", None)
    has_more = offset + limit < len(listed)
    return {
        "ok": True,
        "messages": page,
        "has_more": has_more,
        "pin_count": 0,
        "response_metadata": {"next_cursor": f"offset:{offset + limit}" if has_more else ""},
    }


# -- chat -------------------------------------------------------------------------------------


def _check_content(params: Params, *, require: bool) -> None:
    text, blocks, attachments = params.get("text"), params.get("blocks"), params.get("attachments")
    if text is not None and not isinstance(text, str):
        raise _invalid_arguments("[ERROR] text must be a string")
    if isinstance(text, str) and len(text) > MAX_TEXT:
        raise SlackError("msg_too_long")
    if blocks is not None and (
        not isinstance(blocks, list)
        or len(blocks) > MAX_MESSAGE_BLOCKS
        or not all(isinstance(b, dict) and isinstance(b.get("type"), str) for b in blocks)
    ):
        raise SlackError("invalid_blocks")
    if attachments is not None and (
        not isinstance(attachments, list) or not all(isinstance(a, dict) for a in attachments)
    ):
        raise SlackError("invalid_attachments")
    metadata = params.get("metadata")
    if metadata is not None and (
        not isinstance(metadata, dict)
        or not isinstance(metadata.get("event_type"), str)
        or not isinstance(metadata.get("event_payload"), dict)
    ):
        raise SlackError("invalid_metadata_format")
    if require and not (text or blocks or attachments):
        raise SlackError("no_text")


def _postable_channel(slack: FakeSlack, params: Params) -> Params:
    channel = _channel(slack, params)
    if channel.get("is_member") is False:
        raise SlackError("not_in_channel")
    return channel


def _bot_message(slack: FakeSlack, params: Params, ts: str) -> Params:
    message: Params = {
        "user": slack.bot_user_id,
        "type": "message",
        "ts": ts,
        "bot_id": slack.bot_id,
        "app_id": slack.app_id,
        "text": params.get("text") or "",
        "team": slack.team_id,
        "bot_profile": {
            "id": slack.bot_id,
            "app_id": slack.app_id,
            "name": slack.bot_name,
            "deleted": False,
            "team_id": slack.team_id,
        },
    }
    for key in ("blocks", "attachments", "metadata", "thread_ts"):
        if params.get(key) not in (None, ""):
            message[key] = copy.deepcopy(params[key])
    return message


def _find_message(slack: FakeSlack, channel_id: str, ts: str) -> Params:
    for message in slack._messages.get(channel_id, []):
        if message["ts"] == ts:
            return message
    raise SlackError("message_not_found")


def chat_post_message(slack: FakeSlack, params: Params) -> Params:
    channel = _postable_channel(slack, params)
    _check_content(params, require=True)
    ts = slack.next_ts()
    message = _bot_message(slack, params, ts)
    slack._messages.setdefault(channel["id"], []).append(message)
    return {"ok": True, "channel": channel["id"], "ts": ts, "message": copy.deepcopy(message)}


def chat_update(slack: FakeSlack, params: Params) -> Params:
    channel = _channel(slack, params)
    message = _find_message(slack, channel["id"], _str_arg(params, "ts"))
    _check_content(params, require=False)
    if not any(params.get(k) is not None for k in ("text", "blocks", "attachments")):
        raise SlackError("no_text")
    # Fields left out keep their old value, as chat.update documents for blocks/attachments.
    for key in ("text", "blocks", "attachments", "metadata"):
        if params.get(key) is not None:
            message[key] = copy.deepcopy(params[key])
    message["edited"] = {"user": slack.bot_user_id, "ts": slack.next_ts()}
    return {
        "ok": True,
        "channel": channel["id"],
        "ts": message["ts"],
        "text": message.get("text", ""),
        "message": copy.deepcopy(message),
    }


def chat_delete(slack: FakeSlack, params: Params) -> Params:
    channel = _channel(slack, params)
    message = _find_message(slack, channel["id"], _str_arg(params, "ts"))
    slack._messages[channel["id"]].remove(message)
    return {"ok": True, "channel": channel["id"], "ts": message["ts"]}


def chat_post_ephemeral(slack: FakeSlack, params: Params) -> Params:
    channel = _postable_channel(slack, params)
    user_id = _str_arg(params, "user")
    if user_id not in slack._users:
        raise SlackError("user_not_found")
    _check_content(params, require=True)
    ts = slack.next_ts()
    slack._ephemeral.append(
        {
            "channel": channel["id"],
            "user": user_id,
            "text": params.get("text") or "",
            "blocks": copy.deepcopy(params.get("blocks") or []),
            "attachments": copy.deepcopy(params.get("attachments") or []),
            "thread_ts": params.get("thread_ts"),
            "message_ts": ts,
            "via": "chat.postEphemeral",
        }
    )
    return {"ok": True, "message_ts": ts}


def chat_get_permalink(slack: FakeSlack, params: Params) -> Params:
    channel = _channel(slack, params)
    message = _find_message(slack, channel["id"], _str_arg(params, "message_ts"))
    ts = message["ts"].replace(".", "")
    return {
        "ok": True,
        "channel": channel["id"],
        "permalink": f"https://{slack.team_domain}.slack.com/archives/{channel['id']}/p{ts}",
    }


def reactions_add(slack: FakeSlack, params: Params) -> Params:
    channel = _channel(slack, params)
    message = _find_message(slack, channel["id"], _str_arg(params, "timestamp"))
    name = _str_arg(params, "name").strip(":")
    if not name:
        raise SlackError("invalid_name")
    reactions: list[Params] = message.setdefault("reactions", [])
    for reaction in reactions:
        if reaction["name"] == name:
            if slack.bot_user_id in reaction["users"]:
                raise SlackError("already_reacted")
            reaction["users"].append(slack.bot_user_id)
            reaction["count"] += 1
            return {"ok": True}
    reactions.append({"name": name, "users": [slack.bot_user_id], "count": 1})
    return {"ok": True}


# -- views ------------------------------------------------------------------------------------


def _check_view(view: Any, *, kind: Literal["modal", "home"]) -> Params:
    if not isinstance(view, dict):
        raise _invalid_arguments("[ERROR] failed to match all allowed schemas [json-pointer:/view]")
    if view.get("type") != kind:
        raise _invalid_arguments(f"[ERROR] must be '{kind}' [json-pointer:/view/type]")
    blocks = view.get("blocks", [])
    if not isinstance(blocks, list) or not all(isinstance(b, dict) and "type" in b for b in blocks):
        raise _invalid_arguments("[ERROR] must be a valid block list [json-pointer:/view/blocks]")
    if len(blocks) > MAX_VIEW_BLOCKS:
        raise _invalid_arguments(
            "[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]"
        )
    if kind == "modal":
        if "title" not in view:
            raise _invalid_arguments("[ERROR] missing required field: title [json-pointer:/view]")
        for key in ("title", "submit", "close"):
            text = view.get(key)
            if text is None:
                continue
            if not isinstance(text, dict) or text.get("type") != "plain_text":
                raise _invalid_arguments(f"[ERROR] must be plain_text [json-pointer:/view/{key}]")
            if len(str(text.get("text", ""))) > MAX_VIEW_TITLE:
                raise _invalid_arguments(
                    f"[ERROR] must be less than 25 characters [json-pointer:/view/{key}/text]"
                )
        if "submit" not in view and any(b.get("type") == "input" for b in blocks):
            raise _invalid_arguments(
                "[ERROR] must provide a submit property when using input blocks [json-pointer:/view]"
            )
    if len(str(view.get("private_metadata", ""))) > MAX_PRIVATE_METADATA:
        raise _invalid_arguments(
            "[ERROR] must be less than 3001 characters [json-pointer:/view/private_metadata]"
        )
    for key in ("callback_id", "external_id"):
        if len(str(view.get(key, ""))) > 255:
            raise _invalid_arguments(
                f"[ERROR] must be less than 256 characters [json-pointer:/view/{key}]"
            )
    return view


def _view_object(
    slack: FakeSlack,
    view: Params,
    *,
    view_id: str,
    root_view_id: str | None = None,
    previous_view_id: str | None = None,
) -> Params:
    obj: Params = {
        "id": view_id,
        "team_id": slack.team_id,
        "type": view["type"],
        "blocks": copy.deepcopy(view.get("blocks", [])),
        "private_metadata": view.get("private_metadata", ""),
        "callback_id": view.get("callback_id", ""),
        "state": {"values": {}},
        "hash": f"{int(slack.clock())}.{secrets.token_hex(4)}",
        "clear_on_close": bool(view.get("clear_on_close", False)),
        "notify_on_close": bool(view.get("notify_on_close", False)),
        "close": copy.deepcopy(view.get("close")),
        "submit": copy.deepcopy(view.get("submit")),
        "previous_view_id": previous_view_id,
        "root_view_id": root_view_id or view_id,
        "app_id": slack.app_id,
        "external_id": view.get("external_id", ""),
        "app_installed_team_id": slack.team_id,
        "bot_id": slack.bot_id,
    }
    if "title" in view:
        obj["title"] = copy.deepcopy(view["title"])
    return obj


def _check_external_id(slack: FakeSlack, view: Params, *, except_id: str | None = None) -> None:
    external_id = view.get("external_id")
    if external_id and any(
        v["external_id"] == external_id and v["id"] != except_id for v in slack._views.values()
    ):
        raise SlackError("duplicate_external_id")


def _require_trigger(params: Params) -> None:
    if not _str_arg(params, "trigger_id"):
        raise _invalid_arguments("[ERROR] missing required field: trigger_id")


def views_open(slack: FakeSlack, params: Params) -> Params:
    _require_trigger(params)
    view = _check_view(params.get("view"), kind="modal")
    _check_external_id(slack, view)
    obj = _view_object(slack, view, view_id=slack.new_id("V"))
    slack._views[obj["id"]] = obj
    slack._last_modal_id = obj["id"]
    return {"ok": True, "view": copy.deepcopy(obj)}


def views_push(slack: FakeSlack, params: Params) -> Params:
    _require_trigger(params)
    view = _check_view(params.get("view"), kind="modal")
    _check_external_id(slack, view)
    # The fake assumes the user has one modal stack: the last opened/pushed view is underneath.
    below = slack._views.get(slack._last_modal_id or "")
    obj = _view_object(
        slack,
        view,
        view_id=slack.new_id("V"),
        root_view_id=below["root_view_id"] if below else None,
        previous_view_id=below["id"] if below else None,
    )
    slack._views[obj["id"]] = obj
    slack._last_modal_id = obj["id"]
    return {"ok": True, "view": copy.deepcopy(obj)}


def views_update(slack: FakeSlack, params: Params) -> Params:
    view_id, external_id = _str_arg(params, "view_id"), _str_arg(params, "external_id")
    if not view_id and not external_id:
        raise _invalid_arguments("[ERROR] either view_id or external_id is required")
    homes = {v["id"]: (user, v) for user, v in slack._home_views.items()}
    current = next(
        (
            v
            for v in [*slack._views.values(), *(v for _, v in homes.values())]
            if (view_id and v["id"] == view_id) or (external_id and v["external_id"] == external_id)
        ),
        None,
    )
    if current is None:
        raise SlackError("not_found")
    if params.get("hash") and params["hash"] != current["hash"]:
        raise SlackError("hash_conflict")
    view = _check_view(params.get("view"), kind=current["type"])
    _check_external_id(slack, view, except_id=current["id"])
    obj = _view_object(
        slack,
        view,
        view_id=current["id"],
        root_view_id=current["root_view_id"],
        previous_view_id=current["previous_view_id"],
    )
    if current["id"] in homes:
        slack._home_views[homes[current["id"]][0]] = obj
    else:
        slack._views[obj["id"]] = obj
    return {"ok": True, "view": copy.deepcopy(obj)}


def views_publish(slack: FakeSlack, params: Params) -> Params:
    user_id = _str_arg(params, "user_id")
    if not user_id:
        raise _invalid_arguments("[ERROR] missing required field: user_id")
    view = _check_view(params.get("view"), kind="home")
    current = slack._home_views.get(user_id)
    if params.get("hash") and (current is None or params["hash"] != current["hash"]):
        raise SlackError("hash_conflict")
    # A user's Home tab keeps one view id across publishes.
    obj = _view_object(slack, view, view_id=current["id"] if current else slack.new_id("V"))
    slack._home_views[user_id] = obj
    return {"ok": True, "view": copy.deepcopy(obj)}


# -- response_url -----------------------------------------------------------------------------


def apply_response(slack: FakeSlack, state: ResponseUrl, body: Params) -> None:
    """What a response_url post does to the conversation it belongs to (lock held)."""
    channel = state.channel
    if channel is not None and state.message_ts is not None:
        ephemeral = _find_ephemeral(slack, state)
        if ephemeral is not None and (
            truthy(body.get("delete_original")) or truthy(body.get("replace_original"))
        ):
            # An ephemeral message is replaced (or deleted) in place for its one viewer too.
            if truthy(body.get("delete_original")):
                slack._ephemeral.remove(ephemeral)
                return
            ephemeral["text"] = body.get("text") or ""
            ephemeral["blocks"] = copy.deepcopy(body.get("blocks") or [])
            ephemeral["attachments"] = copy.deepcopy(body.get("attachments") or [])
            return
        if truthy(body.get("delete_original")):
            messages = slack._messages.get(channel, [])
            slack._messages[channel] = [m for m in messages if m["ts"] != state.message_ts]
            return
        if truthy(body.get("replace_original")):
            try:
                message = _find_message(slack, channel, state.message_ts)
            except SlackError:
                return
            # Replacing is whole-message: blocks not given are gone, unlike chat.update.
            message["text"] = body.get("text") or ""
            for key in ("blocks", "attachments"):
                if body.get(key) is not None:
                    message[key] = copy.deepcopy(body[key])
                else:
                    message.pop(key, None)
            return
    if channel is not None and body.get("response_type") == "in_channel":
        ts = slack.next_ts()
        slack._messages.setdefault(channel, []).append(_bot_message(slack, body, ts))
        return
    slack._ephemeral.append(
        {
            "channel": channel,
            "user": state.user_id,
            "text": body.get("text") or "",
            "blocks": copy.deepcopy(body.get("blocks") or []),
            "attachments": copy.deepcopy(body.get("attachments") or []),
            "thread_ts": body.get("thread_ts"),
            "message_ts": slack.next_ts(),
            "via": "response_url",
        }
    )


def _find_ephemeral(slack: FakeSlack, state: ResponseUrl) -> Params | None:
    """The ephemeral message a response_url belongs to (one user saw it), if it is one."""
    for message in slack._ephemeral:
        if (
            message["message_ts"] == state.message_ts
            and message["channel"] == state.channel
            and message["user"] == state.user_id
        ):
            return message
    return None


def oauth_v2_access(slack: FakeSlack, params: Params) -> Params:
    """The "Add to Slack" code exchange: client id + secret + a code from slack.issue_oauth_code."""
    if (params.get("client_id"), params.get("client_secret")) != (
        slack.client_id,
        slack.client_secret,
    ):
        raise SlackError("invalid_client_id")
    if not slack.take_oauth_code(str(params.get("code", ""))):
        raise SlackError("invalid_code")
    token = f"xoxb-{slack.team_id}-{secrets.token_hex(8)}"
    slack.add_token(token)
    return {
        "ok": True,
        "access_token": token,
        "token_type": "bot",
        "scope": ",".join(slack.scopes),
        "bot_user_id": slack.bot_user_id,
        "app_id": slack.app_id,
        "team": {"id": slack.team_id, "name": slack.team_name},
        "enterprise": None,
        "is_enterprise_install": False,
        "authed_user": {"id": defaults.USER_ID},
    }


def apps_connections_open(slack: FakeSlack, params: Params) -> Params:
    """Socket Mode: where to open the WebSocket (the app-level token was checked already)."""
    base = slack.base_url or "http://127.0.0.1/"
    return {"ok": True, "url": base.replace("http", "ws", 1) + "socket-mode"}


# Methods Slack authenticates otherwise than with a token.
# Methods that act on the calling token itself receive it under this argument name.
BEARER_ARG = "_calling_token"
NO_TOKEN_METHODS = frozenset({"oauth.v2.access"})

METHODS: dict[str, Handler] = {
    "oauth.v2.access": oauth_v2_access,
    "apps.connections.open": apps_connections_open,
    "auth.test": auth_test,
    "auth.revoke": auth_revoke,
    "team.info": team_info,
    "users.info": users_info,
    "users.lookupByEmail": users_lookup_by_email,
    "conversations.open": conversations_open,
    "conversations.info": conversations_info,
    "conversations.history": conversations_history,
    "chat.postMessage": chat_post_message,
    "chat.update": chat_update,
    "chat.delete": chat_delete,
    "chat.postEphemeral": chat_post_ephemeral,
    "chat.getPermalink": chat_get_permalink,
    "reactions.add": reactions_add,
    "views.open": views_open,
    "views.push": views_push,
    "views.update": views_update,
    "views.publish": views_publish,
}
