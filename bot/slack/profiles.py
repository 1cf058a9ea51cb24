"""Slack user profiles (locale, time zone, e-mail, admin flags), cached briefly per user.

Slash commands and button clicks do not carry the user's locale, so it comes from ``users.info``;
a short cache keeps that to one call per user per few minutes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
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
    # The user's own workspace and, on Enterprise Grid, the org's workspaces they belong to;
    # Slack Connect users of another organisation are "strangers" (users.info `is_stranger`).
    team_id: str | None = None
    enterprise_teams: tuple[str, ...] = ()
    is_stranger: bool = False
    # False: Slack did not answer just now (a cached or neutral profile). Rights and e-mails
    # are never taken from such a profile (issue #16 item 3: fail closed).
    current: bool = True

    @classmethod
    def unknown(cls, user_id: str) -> Profile:
        return cls(user_id, None, None, None, user_id, False, False, False, current=False)

    def belongs_to(self, team_id: str | None) -> bool:
        """The user is a member of ``team_id`` itself (not a guest from another organisation):
        their own ``team_id``, or one of their Enterprise Grid org's workspaces
        (https://api.slack.com/types/user: ``team_id``, ``enterprise_user.teams``,
        ``is_stranger``)."""
        if self.is_stranger or not team_id or not self.team_id:
            return False
        return self.team_id == team_id or team_id in self.enterprise_teams

    def vouched_by(self, team_id: str | None) -> bool:
        """Slack answered just now and the user is a member of ``team_id``: their admin flags
        and e-mail are the workspace's word."""
        return self.current and self.belongs_to(team_id)

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
            team_id=user.get("team_id") if isinstance(user.get("team_id"), str) else None,
            enterprise_teams=tuple(
                t
                for t in (user.get("enterprise_user") or {}).get("teams") or ()
                if isinstance(t, str)
            ),
            is_stranger=bool(user.get("is_stranger")),
        )


class ProfileCache:
    def __init__(self, clock: Clock, ttl: timedelta = timedelta(minutes=5)) -> None:
        self._clock = clock
        self._ttl = ttl
        self._entries: dict[tuple[str, str], tuple[Profile, Any]] = {}

    async def get(
        self, client: AsyncWebClient, team_id: str | None, user_id: str, *, fresh: bool = False
    ) -> Profile:
        """The user's profile; on a Slack error, the cached one or a neutral one (English, no
        e-mail), marked ``current=False``: good for a locale, never for rights or e-mails."""
        key = (team_id or "", user_id)
        now = self._clock.now()
        cached = self._entries.get(key)
        if cached is not None and not fresh and cached[1] > now:
            return cached[0]
        try:
            response = await client.users_info(user=user_id, include_locale=True)
        except SlackApiError as exc:
            log.warning("slack.users_info_failed", user_id=user_id, error=slack_error(exc))
            if cached is not None:
                return replace(cached[0], current=False)
            return Profile.unknown(user_id)
        profile = Profile.from_api(response.get("user") or {})
        self._entries[key] = (profile, now + self._ttl)
        return profile

    def forget(self, team_id: str | None, user_id: str) -> None:
        self._entries.pop((team_id or "", user_id), None)
