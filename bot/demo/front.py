"""Slack's client side for the demo page: what a person does becomes a signed request to the bot.

The page never talks to the bot directly: like Slack, this front signs every request afresh
(``v0`` HMAC over timestamp and body, slack_sdk's signer), gives every command and click a new
``trigger_id``, mints a ``response_url`` on the fake Slack for each one, and reads the bot's
answer the way Slack does: a slash command's ack body is a message for the response_url; a
``view_submission`` ack may carry ``response_action`` (``errors``, ``update``, ``push``,
``clear``; an empty ack closes the view). Modals opened by the bot (``views.open`` /
``views.push`` with a trigger id this front gave a person) stack per person.

When the bot fails to answer in 3 seconds or answers an error status, the person sees Slack's
own words for it ("/questetra failed with the error "operation_timeout"").
"""

from __future__ import annotations

import copy
import json
import secrets
import threading
import time
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx2

from bot.demo.mrkdwn import Viewer
from bot.i18n import t
from tests.emulators.slack import FakeSlack, SlackSigner, payloads

Json = dict[str, Any]
SLACK_TIMEOUT = 3.0  # Slack waits this long for an ack, then tells the person it failed


@dataclass
class Layer:
    """One view on a person's modal stack."""

    view_id: str
    override: Json | None = None  # content from a response_action, until the bot updates it
    override_hash: str | None = None
    errors: dict[str, str] = field(default_factory=dict)
    problem: str | None = None  # Slack's banner when the submission failed


@dataclass(frozen=True)
class Where:
    """Where a click happened: a message (channel + ts, ephemeral or not), a modal or Home."""

    kind: str  # "message", "view", "home"
    channel: str = ""
    ts: str = ""
    ephemeral: bool = False
    view_id: str = ""


def escape(text: str) -> str:
    """What Slack does to typed text before sending it to an app."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def split_command(typed: str) -> tuple[str, str] | None:
    """``"/questetra　tasks"`` → ``("/questetra", "tasks")``; None for a plain message.

    The command ends at the first white space (an ideographic space too, as a Japanese IME types
    it); the command name is matched as its NFKC form (``／ｑｕｅｓｔｅｔｒａ`` works), and the
    rest is sent exactly as typed, full-width letters and spaces included, with only the one
    separator removed: the bot's parsing boundary is what normalizes it.
    """
    stripped = typed.strip(" \t\n")
    if stripped[:1] not in ("/", "／"):
        return None
    head, rest = stripped, ""
    for index, char in enumerate(stripped):
        if char.isspace():
            head, rest = stripped[:index], stripped[index + 1 :]
            break
    return unicodedata.normalize("NFKC", head).lower(), rest


class Front:
    """Slack's client side, for every person in the fake workspace."""

    def __init__(
        self,
        slack: FakeSlack,
        signer: SlackSigner,
        events_url: str,
        http: httpx2.AsyncClient,
        *,
        command: str = "/questetra",
    ) -> None:
        self.slack = slack
        self.signer = signer
        self.events_url = events_url
        self.http = http
        self.command = command
        self._lock = threading.RLock()
        self._triggers: dict[str, str] = {}  # trigger_id -> user id
        self._stacks: dict[str, list[Layer]] = {}
        self._seen: set[tuple[str, str]] = set()  # (method, view id) already stacked
        self._notices: list[Json] = []  # Slack's own ephemeral words (failures, bad commands)

    # -- people --------------------------------------------------------------------------------

    def person(self, user_id: str) -> Json:
        users = {u["id"]: u for u in self.people()}
        if user_id not in users:
            raise KeyError(f"no person {user_id!r} in the demo workspace")
        return users[user_id]

    def people(self) -> list[Json]:
        """Members who are people (not bots), in the order they were added."""
        found = [self.slack_user(uid) for uid in self._user_ids()]
        return [u for u in found if u and not u.get("is_bot") and not u.get("deleted")]

    def _user_ids(self) -> list[str]:
        with self.slack.lock:
            return list(self.slack._users)

    def slack_user(self, user_id: str) -> Json:
        with self.slack.lock:
            return copy.deepcopy(self.slack._users.get(user_id, {}))

    def channels(self) -> list[Json]:
        with self.slack.lock:
            return [
                copy.deepcopy(c)
                for c in self.slack._channels.values()
                if not c.get("is_im") and not c.get("is_mpim")
            ]

    def viewer(self, user_id: str, *, now: datetime | None = None) -> Viewer:
        """How this person sees dates and names (their Slack time zone and locale)."""
        user = self.slack_user(user_id)
        try:
            tz = ZoneInfo(str(user.get("tz") or "UTC"))
        except (ZoneInfoNotFoundError, ValueError):
            tz = ZoneInfo("UTC")
        with self.slack.lock:
            users = {
                uid: str(u.get("real_name") or u.get("name") or uid)
                for uid, u in self.slack._users.items()
                if not u.get("is_bot")
            }
        channels = {c["id"]: str(c.get("name", c["id"])) for c in self.channels()}
        return Viewer(
            tz=tz,
            locale=str(user.get("locale") or "en-US"),
            now=now,
            users=users,
            channels=channels,
        )

    def _who(self, user_id: str) -> dict[str, str]:
        """Who acts, in every interactivity payload: the person, their team, the app."""
        return {
            "user_id": user_id,
            "user_name": str(self.person(user_id).get("name", "")),
            "team_id": self.slack.team_id,
            "team_domain": self.slack.team_domain,
            "api_app_id": self.slack.app_id,
        }

    def _trigger(self, user_id: str) -> str:
        trigger = f"{int(time.time())}.{secrets.randbelow(10**9)}.{secrets.token_hex(16)}"
        with self._lock:
            self._triggers[trigger] = user_id
        return trigger

    # -- talking to the bot --------------------------------------------------------------------

    async def _send(self, body: str, headers: dict[str, str]) -> httpx2.Response | str:
        """POST to the bot; the error Slack would name instead of a response, if any."""
        try:
            response = await self.http.post(
                self.events_url, content=body.encode(), headers=headers, timeout=SLACK_TIMEOUT
            )
        except httpx2.TimeoutException:
            return "operation_timeout"
        except httpx2.HTTPError:
            return "dispatch_failed"
        if response.status_code != 200:
            return "dispatch_failed" if response.status_code >= 500 else "http_client_error"
        return response

    def _notice(self, user_id: str, channel: str, text: str) -> None:
        with self._lock:
            self._notices.append(
                {
                    "channel": channel,
                    "user": user_id,
                    "text": text,
                    "blocks": [],
                    "message_ts": self.slack.next_ts(),
                    "via": "slackbot",
                }
            )

    def notices(self, user_id: str, channel: str) -> list[Json]:
        with self._lock:
            return [
                dict(n) for n in self._notices if n["user"] == user_id and n["channel"] == channel
            ]

    async def type_message(self, user_id: str, channel_id: str, typed: str) -> None:
        """What the message box does with what a person typed (a slash command, or not)."""
        parsed = split_command(typed)
        locale = self.viewer(user_id).locale
        if parsed is None:
            key = "demo.read_only" if channel_id.startswith("D") else "demo.not_command"
            self._notice(user_id, channel_id, t(locale, key))
            return
        command, text = parsed
        if command != self.command:
            self._notice(
                user_id, channel_id, t(locale, "demo.invalid_command", command=escape(command))
            )
            return
        await self.slash_command(user_id, channel_id, text)

    async def slash_command(self, user_id: str, channel_id: str, text: str) -> None:
        user = self.person(user_id)
        channel = self.slack.find_channel(channel_id) or {}
        response_url = self.slack.new_response_url(channel=channel_id, user_id=user_id)
        body, headers = self.signer.slash_command(
            escape(text),
            user_id=user_id,
            user_name=str(user.get("name", "")),
            team_id=self.slack.team_id,
            team_domain=self.slack.team_domain,
            channel_id=channel_id,
            channel_name=str(channel.get("name") or "directmessage"),
            command=self.command,
            response_url=response_url,
            trigger_id=self._trigger(user_id),
            api_app_id=self.slack.app_id,
        )
        answer = await self._send(body, headers)
        if isinstance(answer, str):
            locale = self.viewer(user_id).locale
            self._notice(
                user_id, channel_id, t(locale, "demo.failed", command=self.command, error=answer)
            )
            return
        await self._ack_message(answer, response_url)

    async def _ack_message(self, response: httpx2.Response, response_url: str) -> None:
        """A message in an ack body goes where a response_url post would (Slack's rule)."""
        if not response.content.strip():
            return
        try:
            message = response.json()
        except ValueError:
            message = {"text": response.text}
        if isinstance(message, dict) and (message.get("text") or message.get("blocks")):
            await self.http.post(response_url, json=message, timeout=SLACK_TIMEOUT)

    async def open_home(self, user_id: str) -> None:
        """The person opens the app's Home tab: ``app_home_opened``, with the last Home view."""
        home = self.slack.home_views.get(user_id)
        event = payloads.app_home_opened(user_id, "home", view=home)
        body, headers = self.signer.event(
            event,
            event_id=f"Ev{secrets.token_hex(8).upper()}",
            team_id=self.slack.team_id,
            api_app_id=self.slack.app_id,
            bot_user_id=self.slack.bot_user_id,
        )
        await self._send(body, headers)

    # -- clicks --------------------------------------------------------------------------------

    def _message(self, where: Where, user_id: str) -> tuple[Json | None, list[Any]]:
        """The clicked message (None for an ephemeral one, which Slack does not send) and its
        blocks."""
        if where.ephemeral:
            for item in self.slack.ephemerals(where.channel):
                if item["message_ts"] == where.ts and item["user"] == user_id:
                    return None, list(item.get("blocks") or [])
            return None, []
        for message in self.slack.messages(where.channel):
            if message["ts"] == where.ts:
                return message, list(message.get("blocks") or [])
        return None, []

    async def click(
        self, user_id: str, where: Where, raw_action: Json, raw_state: Sequence[Json] = ()
    ) -> None:
        """A button, a select, a picker or an overflow changed: a signed ``block_actions``."""
        tz = self.viewer(user_id).tz
        view: Json | None = None
        message: Json | None = None
        response_url: str | None = None
        container: Json
        if where.kind == "message":
            message, blocks = self._message(where, user_id)
            response_url = self.slack.new_response_url(
                channel=where.channel, message_ts=where.ts, user_id=user_id
            )
            container = {
                "type": "message",
                "message_ts": where.ts,
                "channel_id": where.channel,
                "is_ephemeral": where.ephemeral,
            }
        else:
            view = self.view_for(user_id, where)
            if view is None:
                return
            blocks = list(view.get("blocks") or [])
            view["state"] = {"values": state_values(blocks, raw_state, tz)}
            container = {"type": "view", "view_id": view["id"]}
        element = find_element(
            blocks, str(raw_action.get("block_id")), str(raw_action.get("action_id"))
        )
        action = action_object(element or {}, raw_action, tz)
        payload = payloads.block_actions(
            str(action.get("action_id", "")),
            **self._who(user_id),
            response_url=response_url,
            message=message,
            channel_id=where.channel if where.kind == "message" else None,
            container=container,
            trigger_id=self._trigger(user_id),
            view=view,
            block_id=str(action.get("block_id", "")),
            action_type=str(action.get("type", "button")),
            action=action,
        )
        if where.kind == "message":
            payload["state"] = {"values": state_values(blocks, raw_state, tz)}
        body, headers = self.signer.interactivity(payload)
        answer = await self._send(body, headers)
        if isinstance(answer, str) and where.kind == "message":
            locale = self.viewer(user_id).locale
            self._notice(user_id, where.channel, t(locale, "demo.action_failed", error=answer))

    # -- modals --------------------------------------------------------------------------------

    def _sync(self, user_id: str) -> None:
        """Stack the views the bot opened or pushed with this person's trigger ids."""
        calls = sorted(
            [*self.slack.calls_to("views.open"), *self.slack.calls_to("views.push")],
            key=lambda c: c.at,
        )
        with self._lock:
            for call in calls:
                if not call.ok or call.response is None:
                    continue
                owner = self._triggers.get(str(call.params.get("trigger_id", "")))
                view_id = str(call.response["view"]["id"])
                if owner is None or (call.method, view_id) in self._seen:
                    continue
                self._seen.add((call.method, view_id))
                stack = self._stacks.setdefault(owner, [])
                if call.method == "views.open":
                    stack.clear()
                stack.append(Layer(view_id))

    def _content(self, layer: Layer) -> Json | None:
        stored = self.slack.views.get(layer.view_id)
        if layer.override is not None and (stored is None or stored["hash"] == layer.override_hash):
            base = stored or {
                "id": layer.view_id,
                "team_id": self.slack.team_id,
                "app_id": self.slack.app_id,
                "bot_id": self.slack.bot_id,
                "root_view_id": layer.view_id,
                "previous_view_id": None,
                "external_id": "",
                "clear_on_close": False,
                "notify_on_close": False,
                "state": {"values": {}},
                "app_installed_team_id": self.slack.team_id,
            }
            merged = {**base, **copy.deepcopy(layer.override)}
            merged["id"] = layer.view_id
            merged["hash"] = f"demo.{layer.override_hash or 'local'}"
            return merged
        layer.override = None
        return stored

    def modal(self, user_id: str) -> tuple[Json, Layer] | None:
        """The view on top of this person's modal stack, with its errors; None when closed."""
        self._sync(user_id)
        with self._lock:
            stack = self._stacks.get(user_id) or []
            while stack:
                content = self._content(stack[-1])
                if content is not None:
                    return content, stack[-1]
                stack.pop()
        return None

    def depth(self, user_id: str) -> int:
        with self._lock:
            return len(self._stacks.get(user_id) or [])

    def view_for(self, user_id: str, where: Where) -> Json | None:
        if where.kind == "home":
            return self.slack.home_views.get(user_id)
        top = self.modal(user_id)
        if top is None or top[0]["id"] != where.view_id:
            return None
        return top[0]

    async def submit(self, user_id: str, view_id: str, raw_state: Sequence[Json]) -> None:
        """The modal's submit button: a signed ``view_submission``; the ack decides what's next."""
        top = self.modal(user_id)
        if top is None or top[0]["id"] != view_id:
            return
        view, layer = top
        values = state_values(list(view.get("blocks") or []), raw_state, self.viewer(user_id).tz)
        payload = payloads.view_submission(
            str(view.get("callback_id", "")),
            values,
            **self._who(user_id),
            view=view,
            trigger_id=self._trigger(user_id),
        )
        body, headers = self.signer.interactivity(payload)
        layer.problem = None
        answer = await self._send(body, headers)
        if isinstance(answer, str):
            layer.problem = t(self.viewer(user_id).locale, "demo.trouble")
            return
        ack: Json = {}
        if answer.content.strip():
            try:
                parsed = answer.json()
            except ValueError:
                parsed = {}
            ack = parsed if isinstance(parsed, dict) else {}
        self._apply_ack(user_id, layer, ack)

    def _apply_ack(self, user_id: str, layer: Layer, ack: Json) -> None:
        action = ack.get("response_action")
        with self._lock:
            stack = self._stacks.setdefault(user_id, [])
            if action == "errors":
                errors = ack.get("errors")
                layer.errors = (
                    {str(k): str(v) for k, v in errors.items()} if isinstance(errors, dict) else {}
                )
            elif action == "update" and isinstance(ack.get("view"), dict):
                stored = self.slack.views.get(layer.view_id)
                layer.override = copy.deepcopy(ack["view"])
                layer.override_hash = stored["hash"] if stored else secrets.token_hex(4)
                layer.errors = {}
            elif action == "push" and isinstance(ack.get("view"), dict):
                pushed = Layer(self.slack.new_id("V"), copy.deepcopy(ack["view"]), None)
                stack.append(pushed)
            elif action == "clear":
                stack.clear()
            elif stack and stack[-1] is layer:
                stack.pop()

    async def close(self, user_id: str, view_id: str) -> None:
        """The modal's close button (or ✕): ``view_closed`` when the view asked to be told."""
        top = self.modal(user_id)
        if top is None or top[0]["id"] != view_id:
            return
        view, layer = top
        with self._lock:
            stack = self._stacks.setdefault(user_id, [])
            if view.get("clear_on_close"):
                stack.clear()
            elif stack and stack[-1] is layer:
                stack.pop()
        if view.get("notify_on_close"):
            payload = payloads.view_closed(
                str(view.get("callback_id", "")),
                **self._who(user_id),
                view=view,
            )
            body, headers = self.signer.interactivity(payload)
            await self._send(body, headers)


# ---------------------------------------------------------------- state values


def _elements(block: Mapping[str, Any]) -> list[Any]:
    found = list(block.get("elements") or []) if block.get("type") == "actions" else []
    for key in ("element", "accessory"):
        if isinstance(block.get(key), Mapping):
            found.append(block[key])
    return found


def find_element(blocks: Sequence[Any], block_id: str, action_id: str) -> Json | None:
    """The element a person used, by its block and action ids (auto ids: ``auto-<index>``)."""
    for index, block in enumerate(blocks):
        if not isinstance(block, Mapping):
            continue
        if str(block.get("block_id") or f"auto-{index}") != block_id:
            continue
        for element in _elements(block):
            if isinstance(element, Mapping) and str(element.get("action_id", "")) == action_id:
                return dict(element)
    return None


def _all_options(element: Mapping[str, Any]) -> list[Json]:
    options = [dict(o) for o in element.get("options") or [] if isinstance(o, Mapping)]
    for group in element.get("option_groups") or []:
        if isinstance(group, Mapping):
            options.extend(dict(o) for o in group.get("options") or [] if isinstance(o, Mapping))
    return options


def _picked(element: Mapping[str, Any], values: Sequence[str]) -> list[Json]:
    by_value = {str(o.get("value")): o for o in _all_options(element)}
    return [copy.deepcopy(by_value[v]) for v in values if v in by_value]


def _unix(local: str, tz: Any) -> int | None:
    try:
        return int(datetime.fromisoformat(local).replace(tzinfo=tz).timestamp())
    except ValueError:
        return None


def value_fields(element: Mapping[str, Any], raw: Mapping[str, Any], tz: Any) -> Json:
    """Slack's value keys for one element from what the page read off its control:
    ``raw`` is ``{"value": str}`` or ``{"values": [str, …]}``."""
    kind = str(element.get("type") or raw.get("type") or "")
    value = str(raw.get("value") or "")
    values = [str(v) for v in raw.get("values") or ([value] if value else [])]
    if kind in ("static_select", "external_select", "radio_buttons", "overflow"):
        picked = _picked(element, values[:1])
        return {"selected_option": picked[0] if picked else None}
    if kind in ("multi_static_select", "multi_external_select", "checkboxes"):
        return {"selected_options": _picked(element, values)}
    single = {
        "users_select": "selected_user",
        "conversations_select": "selected_conversation",
        "channels_select": "selected_channel",
        "datepicker": "selected_date",
        "timepicker": "selected_time",
    }
    if kind in single:
        return {single[kind]: value or None}
    multi = {
        "multi_users_select": "selected_users",
        "multi_conversations_select": "selected_conversations",
        "multi_channels_select": "selected_channels",
    }
    if kind in multi:
        return {multi[kind]: values}
    if kind == "datetimepicker":
        return {"selected_date_time": _unix(value, tz) if value else None}
    if kind == "button":
        found: Json = {
            "text": copy.deepcopy(element.get("text") or {"type": "plain_text", "text": ""})
        }
        if element.get("value") is not None:
            found["value"] = element["value"]
        if element.get("style"):
            found["style"] = element["style"]
        if element.get("url"):
            found["url"] = element["url"]
        return found
    return {"value": value or None}


def state_values(blocks: Sequence[Any], raw_state: Sequence[Json], tz: Any) -> dict[str, Json]:
    """``view.state.values`` / a message's ``state.values``: every input the page read."""
    out: dict[str, Json] = {}
    for raw in raw_state:
        block_id, action_id = str(raw.get("block_id", "")), str(raw.get("action_id", ""))
        element = find_element(blocks, block_id, action_id) or {"type": raw.get("type")}
        if element.get("type") == "button":
            continue
        entry = {"type": element.get("type"), **value_fields(element, raw, tz)}
        out.setdefault(block_id, {})[action_id] = entry
    return out


def action_object(element: Mapping[str, Any], raw: Mapping[str, Any], tz: Any) -> Json:
    """The ``actions[0]`` of a ``block_actions`` payload."""
    return {
        "type": element.get("type") or raw.get("type") or "button",
        "action_id": str(raw.get("action_id", "")),
        "block_id": str(raw.get("block_id", "")),
        "action_ts": f"{time.time():.6f}",
        **value_fields(element, raw, tz),
    }


def dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
