"""State of the fake Slack workspace and the test-facing API to script and inspect it.

The HTTP server runs in its own thread (see tests/emulators/server.py) while tests read this state
from their event loop thread, so every access goes through one re-entrant lock and every getter
hands out deep copies: a test can never observe a half-applied call or mutate the fake by accident.
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import itertools
import re
import secrets
import threading
import time
import zoneinfo
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from tests.emulators.slack import defaults
from tests.emulators.slack.socket_mode import SocketModePeer

# Slack IDs are upper-case alphanumerics behind a one-letter type prefix; "_" is tolerated so
# readable test ids such as C_TASKS work.
_CHANNEL_ID = re.compile(r"^[CDG][A-Z0-9_]{2,}$")


@dataclass(frozen=True)
class Call:
    """One Web API request as the fake saw it, including the ones it failed on purpose."""

    method: str
    token: str | None
    params: dict[str, Any]
    status: int
    at: float
    response: dict[str, Any] | None = None  # the JSON answered; None for non-JSON answers
    http_method: str = "POST"
    peer: str | None = None  # the caller's "host:port": one value per TCP connection

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.response and self.response.get("ok"))

    @property
    def error(self) -> str | None:
        return None if self.response is None else self.response.get("error")


@dataclass(frozen=True)
class Fault:
    """A scripted answer that replaces the next call to a method."""

    kind: Literal["error", "ratelimit", "http"]
    error: str = ""
    retry_after: int = 1
    status: int = 200
    body: str = ""


@dataclass
class ResponseUrl:
    """A `response_url` and what was posted to it; optionally tied to a channel/message."""

    id: str
    channel: str | None
    message_ts: str | None
    user_id: str | None
    uses_left: int
    bodies: list[dict[str, Any]] = field(default_factory=list)
    peers: list[str | None] = field(default_factory=list)  # "host:port" of each accepted post


class FakeSlack:
    """An in-memory Slack workspace with one bot, driven over HTTP by `create_app`."""

    def __init__(
        self,
        bot_token: str = defaults.BOT_TOKEN,
        team_id: str = defaults.TEAM_ID,
        team_name: str = defaults.TEAM_NAME,
        *,
        team_domain: str | None = None,
        bot_user_id: str = defaults.BOT_USER_ID,
        bot_id: str = defaults.BOT_ID,
        bot_name: str = defaults.BOT_NAME,
        app_id: str = defaults.API_APP_ID,
        scopes: tuple[str, ...] = (
            "chat:write",
            "commands",
            "im:write",
            "users:read",
            "users:read.email",
        ),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.bot_token = bot_token
        self.team_id = team_id
        self.team_name = team_name
        self.team_domain = team_domain or re.sub(r"[^a-z0-9-]", "", team_name.lower()) or "team"
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.bot_name = bot_name
        self.app_id = app_id
        self.scopes = scopes
        self.clock = clock
        # Base URL of the running server (trailing slash); needed to mint absolute response URLs.
        self.base_url: str | None = None
        # When True, only channels registered with add_channel (or opened DMs) exist.
        self.strict_channels = False
        self.lock = threading.RLock()
        self.socket_mode = SocketModePeer()
        # The Slack app's own credentials, for the "Add to Slack" (oauth.v2.access) exchange.
        self.client_id = "1111.2222"
        self.client_secret = "fake-slack-client-secret"
        self._oauth_codes: set[str] = set()
        self._init_state(keep_users=False)

    def _init_state(self, *, keep_users: bool) -> None:
        with self.lock:
            if not keep_users:
                self._tokens: set[str] = {self.bot_token, self.socket_mode.app_token}
                self._revoked: set[str] = set()
                self._users: dict[str, dict[str, Any]] = {}
                self._channels: dict[str, dict[str, Any]] = {}
                self._add_bot_user()
                # The app's token has users:read.email: without it Slack leaves ``profile.email``
                # out of users.info and refuses users.lookupByEmail (missing_scope).
                # https://docs.slack.dev/reference/scopes/users.read.email
                self.email_scope = True
            else:
                # DMs are conversation state, not directory state: drop them with the messages.
                self._channels = {k: v for k, v in self._channels.items() if not v.get("is_im")}
            self._calls: list[Call] = []
            self._faults: dict[str, deque[Fault]] = {}
            self._messages: dict[str, list[dict[str, Any]]] = {}
            self._ephemeral: list[dict[str, Any]] = []
            self._views: dict[str, dict[str, Any]] = {}
            self._home_views: dict[str, dict[str, Any]] = {}
            self._last_modal_id: str | None = None  # top of the (single) modal stack, for push
            self._responses: dict[str, ResponseUrl] = {}
            self._last_ts_us = 0
            self._ids = itertools.count(1)

    def reset(self, *, keep_users: bool = False) -> None:
        """Back to the just-constructed state (faults, traffic, messages, views all gone).

        keep_users=True keeps the directory (users, added channels, tokens) for suites that set it
        up once per session and reset between tests.
        """
        self._init_state(keep_users=keep_users)

    # -- directory -----------------------------------------------------------------------------

    def issue_oauth_code(self) -> str:
        """A one-time code as Slack puts on the OAuth redirect after a user approves."""
        code = secrets.token_hex(8)
        with self.lock:
            self._oauth_codes.add(code)
        return code

    def take_oauth_code(self, code: str) -> bool:
        with self.lock:
            if code in self._oauth_codes:
                self._oauth_codes.discard(code)
                return True
            return False

    def add_token(self, token: str) -> None:
        """Another token that authenticates as the same bot (e.g. after a reinstall)."""
        with self.lock:
            self._tokens.add(token)
            self._revoked.discard(token)

    def revoke_token(self, token: str) -> None:
        """Calls with this token answer `token_revoked`, as after an uninstall."""
        with self.lock:
            self._tokens.discard(token)
            self._revoked.add(token)

    def add_user(
        self,
        user_id: str,
        *,
        email: str | None,
        name: str = "",
        real_name: str = "",
        display_name: str = "",
        locale: str = "en-US",
        tz: str = "Asia/Tokyo",
        is_admin: bool = False,
        is_owner: bool = False,
        deleted: bool = False,
        is_bot: bool = False,
        team_id: str | None = None,
        is_stranger: bool = False,
    ) -> dict[str, Any]:
        """Register a member; returns the `users.info` user object (with locale). ``email=None``:
        a member whose profile has no e-mail (guests, some accounts): Slack omits the field.
        `team_id`: the user's own workspace when it is another one (a Slack Connect user),
        `is_stranger` as users.info marks users of an organisation the workspace shares no
        channel with."""
        name = name or (email or user_id).split("@", 1)[0]
        real_name = real_name or name
        offset, label = _tz_offset(tz, self.clock())
        user: dict[str, Any] = {
            "id": user_id,
            "team_id": team_id or self.team_id,
            "name": name,
            "deleted": deleted,
            "color": "9f69e7",
            "real_name": real_name,
            "tz": tz,
            "tz_label": label,
            "tz_offset": offset,
            "profile": {
                "real_name": real_name,
                "real_name_normalized": real_name,
                "display_name": display_name,
                "display_name_normalized": display_name,
                **({"email": email} if email is not None else {}),
                "image_48": f"https://avatars.example.invalid/{user_id}_48.png",
                "team": self.team_id,
            },
            "is_admin": is_admin,
            "is_owner": is_owner,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": int(self.clock()),
            "locale": locale,
        }
        if is_stranger:
            user["is_stranger"] = True
        with self.lock:
            self._users[user_id] = user
            return copy.deepcopy(user)

    def _add_bot_user(self) -> None:
        user = self.add_user(
            self.bot_user_id, email=f"{self.bot_name}@bots.invalid", name=self.bot_name, is_bot=True
        )
        # Bot users have no email in real Slack and are never found by users.lookupByEmail.
        del user["profile"]["email"]
        user["profile"]["bot_id"] = self.bot_id
        self._users[self.bot_user_id] = user

    def add_channel(
        self,
        channel_id: str,
        *,
        name: str | None = None,
        is_private: bool = False,
        is_member: bool = True,
    ) -> dict[str, Any]:
        """Register a channel so conversations.info answers with its name and flags."""
        name = name or channel_id.lower()
        channel = {
            "id": channel_id,
            "name": name,
            "is_channel": not is_private,
            "is_group": is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": is_private,
            "created": int(self.clock()),
            "is_archived": False,
            "is_general": name == "general",
            "name_normalized": name,
            "is_shared": False,
            "is_org_shared": False,
            "is_member": is_member,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
        }
        with self.lock:
            self._channels[channel_id] = channel
            return copy.deepcopy(channel)

    # -- scripting faults ----------------------------------------------------------------------

    def _push_fault(self, method: str, fault: Fault, count: int) -> None:
        with self.lock:
            self._faults.setdefault(method, deque()).extend([fault] * count)

    def fail(self, method: str, error: str = "channel_not_found", count: int = 1) -> None:
        """The next `count` calls to `method` ("*" = any method) answer 200 ok=false `error`."""
        self._push_fault(method, Fault("error", error=error), count)

    def rate_limit(self, method: str, retry_after: int = 1, count: int = 1) -> None:
        """The next `count` calls answer HTTP 429 with `Retry-After` and error `ratelimited`."""
        self._push_fault(
            method, Fault("ratelimit", error="ratelimited", retry_after=retry_after), count
        )

    def http_error(self, method: str, status: int = 500, count: int = 1, body: str = "") -> None:
        """The next `count` calls answer a bare HTTP error (text/plain, like Slack's edge does)."""
        self._push_fault(method, Fault("http", status=status, body=body), count)

    def take_fault(self, method: str) -> Fault | None:
        with self.lock:
            for key in (method, "*"):
                queue = self._faults.get(key)
                if queue:
                    return queue.popleft()
            return None

    # -- recording -----------------------------------------------------------------------------

    def record(self, call: Call) -> None:
        with self.lock:
            self._calls.append(call)

    @property
    def calls(self) -> list[Call]:
        with self.lock:
            return copy.deepcopy(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        with self.lock:
            return copy.deepcopy([c for c in self._calls if c.method == method])

    async def wait_for(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - a documented helper API, not a cancel scope
    ) -> list[Call]:
        """Poll until at least `count` calls to `method` were recorded; returns them all."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.calls_to(method)
            if len(found) >= count:
                return found
            if time.monotonic() >= deadline:
                seen = [
                    f"{c.method}({c.status}{'' if c.ok else ' ' + str(c.error)})"
                    for c in self.calls
                ]
                raise AssertionError(
                    f"expected {count} call(s) to {method} within {timeout}s, got {len(found)}; "
                    f"recorded: {seen or 'nothing'}"
                )
            await asyncio.sleep(0.01)

    # -- messages, views, responses ------------------------------------------------------------

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Messages now in `channel`, oldest first; `blocks` ([]) and `metadata` (None) always set."""
        with self.lock:
            found = copy.deepcopy(self._messages.get(self.resolve_dm(channel), []))
        for message in found:
            message.setdefault("blocks", [])
            message.setdefault("metadata", None)
        return found

    def ephemerals(self, channel: str | None = None) -> list[dict[str, Any]]:
        """chat.postEphemeral messages (and ephemeral response_url replies), oldest first."""
        with self.lock:
            return copy.deepcopy(
                [m for m in self._ephemeral if channel is None or m["channel"] == channel]
            )

    @property
    def views(self) -> dict[str, dict[str, Any]]:
        """Modal views by id, as last opened/pushed/updated."""
        with self.lock:
            return copy.deepcopy(self._views)

    @property
    def home_views(self) -> dict[str, dict[str, Any]]:
        """Published App Home views by user id."""
        with self.lock:
            return copy.deepcopy(self._home_views)

    @property
    def api_url(self) -> str:
        return f"{self._require_base_url()}api/"

    def _require_base_url(self) -> str:
        if self.base_url is None:
            raise RuntimeError(
                "set FakeSlack.base_url to the server's url first (serve_slack does)"
            )
        return self.base_url

    def new_response_url(
        self,
        *,
        channel: str | None = None,
        message_ts: str | None = None,
        user_id: str | None = None,
        max_uses: int = 5,
    ) -> str:
        """An absolute response_url. Tie it to a channel (slash command) or a message (button).

        Like Slack it takes `max_uses` posts (5 in 30 min for real), then answers 404 used_url.
        """
        base = self._require_base_url()
        with self.lock:
            # Shaped like Slack's hooks.slack.com/actions/T…/<n>/<secret>.
            rid = f"{self.team_id}/{next(self._ids)}/{secrets.token_hex(12)}"
            self._responses[rid] = ResponseUrl(rid, channel, message_ts, user_id, max_uses)
        return f"{base}response/{rid}"

    def response_url_state(self, url_or_id: str) -> ResponseUrl | None:
        """The live record behind a response_url (for the HTTP handler; hold the lock)."""
        return self._responses.get(_response_id(url_or_id))

    def responses(self, url_or_id: str) -> list[dict[str, Any]]:
        """JSON bodies accepted at that response_url, oldest first."""
        with self.lock:
            state = self._responses.get(_response_id(url_or_id))
            return copy.deepcopy(state.bodies) if state else []

    def response_peers(self, url_or_id: str) -> list[str | None]:
        """The connection ("host:port") each accepted post came over, oldest first."""
        with self.lock:
            state = self._responses.get(_response_id(url_or_id))
            return list(state.peers) if state else []

    async def wait_for_response(
        self,
        url: str,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - as wait_for
    ) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while True:
            found = self.responses(url)
            if len(found) >= count:
                return found
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"expected {count} post(s) to response_url {url} within {timeout}s, "
                    f"got {len(found)}: {found}"
                )
            await asyncio.sleep(0.01)

    # -- helpers for the Web API handlers (call with the lock held) -------------------------------

    def next_ts(self) -> str:
        """A message ts: wall-clock based and strictly increasing, like Slack's."""
        with self.lock:
            now_us = int(self.clock() * 1_000_000)
            self._last_ts_us = max(now_us, self._last_ts_us + 1)
            return f"{self._last_ts_us // 1_000_000}.{self._last_ts_us % 1_000_000:06d}"

    def new_id(self, prefix: str) -> str:
        with self.lock:
            return f"{prefix}{next(self._ids):08X}"

    def dm_channel_id(self, user_id: str) -> str:
        # Stable per user and readable in assertions: U0001 -> DU0001.
        return f"D{user_id}"

    def resolve_dm(self, channel: str) -> str:
        """Posting to a user id goes to the DM with that user, as in Slack."""
        if channel in self._users:
            return self.dm_channel_id(channel)
        return channel

    def find_channel(self, channel: str) -> dict[str, Any] | None:
        """The channel object for an id / '#name' / user id, or None if it doesn't exist."""
        with self.lock:
            if channel.startswith("#"):
                for known in self._channels.values():
                    if known.get("name") == channel[1:]:
                        return known
                return None
            channel = self.resolve_dm(channel)
            if channel in self._channels:
                return self._channels[channel]
            if channel.startswith("D") and channel[1:] in self._users:
                return self.open_dm(channel[1:])
            if self.strict_channels or not _CHANNEL_ID.match(channel):
                return None
            # Lenient default: any well-formed id is a public channel the bot is in.
            return self.add_channel(channel)

    def open_dm(self, user_id: str) -> dict[str, Any]:
        with self.lock:
            cid = self.dm_channel_id(user_id)
            if cid not in self._channels:
                self._channels[cid] = {
                    "id": cid,
                    "created": int(self.clock()),
                    "is_im": True,
                    "is_org_shared": False,
                    "user": user_id,
                    "is_user_deleted": bool(self._users[user_id].get("deleted")),
                    "priority": 0,
                }
            return self._channels[cid]


def _response_id(url_or_id: str) -> str:
    marker = "/response/"
    return url_or_id.split(marker, 1)[1] if marker in url_or_id else url_or_id


def _tz_offset(tz: str, at: float) -> tuple[int, str]:
    """Slack's tz_offset (seconds east of UTC) and a label for an IANA zone."""
    try:
        now = dt.datetime.fromtimestamp(at, zoneinfo.ZoneInfo(tz))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return 0, "Coordinated Universal Time"
    offset = now.utcoffset()
    return (int(offset.total_seconds()) if offset else 0), now.tzname() or tz
