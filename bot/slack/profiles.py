"""Slack user profiles (locale, time zone, e-mail, admin flags), cached briefly per user.

Slash commands and button clicks do not carry the user's locale, so it comes from ``users.info``;
a short cache keeps that to one call per user per few minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import structlog
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import Clock
from bot.slack.clients import slack_error

log = structlog.stdlib.get_logger(__name__)


@dataclass(frozen=True)
class Profile:
    user_id: str
    locale: str | None
    tz: str | None
    email: str | None
    name: str
    is_admin: bool
    is_owner: bool
    deleted: bool

    @classmethod
    def unknown(cls, user_id: str) -> Profile:
        return cls(user_id, None, None, None, user_id, False, False, False)

    @classmethod
    def from_api(cls, user: dict[str, Any]) -> Profile:
        profile = user.get("profile") or {}
        return cls(
            user_id=str(user.get("id", "")),
            locale=user.get("locale"),
            tz=user.get("tz"),
            email=profile.get("email"),
            name=profile.get("display_name") or profile.get("real_name") or str(user.get("name")),
            is_admin=bool(user.get("is_admin")),
            is_owner=bool(user.get("is_owner")),
            deleted=bool(user.get("deleted")),
        )


class ProfileCache:
    def __init__(self, clock: Clock, ttl: timedelta = timedelta(minutes=5)) -> None:
        self._clock = clock
        self._ttl = ttl
        self._entries: dict[tuple[str, str], tuple[Profile, Any]] = {}

    async def get(
        self, client: AsyncWebClient, team_id: str | None, user_id: str, *, fresh: bool = False
    ) -> Profile:
        """The user's profile; on a Slack error, a neutral profile (English, no e-mail)."""
        key = (team_id or "", user_id)
        now = self._clock.now()
        cached = self._entries.get(key)
        if cached is not None and not fresh and cached[1] > now:
            return cached[0]
        try:
            response = await client.users_info(user=user_id, include_locale=True)
        except SlackApiError as exc:
            log.warning("slack.users_info_failed", user_id=user_id, error=slack_error(exc))
            return cached[0] if cached is not None else Profile.unknown(user_id)
        profile = Profile.from_api(response.get("user") or {})
        self._entries[key] = (profile, now + self._ttl)
        return profile

    def forget(self, team_id: str | None, user_id: str) -> None:
        self._entries.pop((team_id or "", user_id), None)
