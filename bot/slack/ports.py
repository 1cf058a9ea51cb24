"""Slack-side implementations of what the services need (bot.services.ports, LinkEvents)."""

from __future__ import annotations

import structlog
from slack_sdk.errors import SlackApiError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.db.models import BridgeFlag
from bot.errors import NextStep
from bot.i18n import t
from bot.slack.blocks import next_step_elements
from bot.slack.clients import SlackClients, slack_error
from bot.slack.profiles import ProfileCache
from bot.slack.render import actions, fmt, section

log = structlog.stdlib.get_logger(__name__)

CLIENT_FLAG = "questetra_client"


class SlackPorts:
    def __init__(
        self,
        *,
        clients: SlackClients,
        profiles: ProfileCache,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        admin_user_ids: list[str],
    ) -> None:
        self._clients = clients
        self._profiles = profiles
        self._sessions = sessions
        self._clock = clock
        self._admins = admin_user_ids

    async def email_of(self, team_id: str, user_id: str) -> str | None:
        # Fresh, not cached: this decides whose Questetra account a user may link. Only a member
        # of this workspace, read just now, has an e-mail its admins vouch for (issue #16).
        client = await self._clients.for_team(team_id)
        profile = await self._profiles.get(client, team_id, user_id, fresh=True)
        return profile.email if profile.vouched_by(team_id) else None

    async def locale_of(self, team_id: str, user_id: str) -> str | None:
        client = await self._clients.for_team(team_id)
        return (await self._profiles.get(client, team_id, user_id)).locale

    async def dm(
        self, team_id: str, user_id: str, text: str, blocks: list[dict[str, object]]
    ) -> None:
        try:
            client = await self._clients.for_team(team_id)
            await client.chat_postMessage(channel=user_id, text=text, blocks=blocks)
        except SlackApiError as exc:
            log.warning("slack.dm_failed", user_id=user_id, error=slack_error(exc))

    async def relink_needed(self, team_id: str, slack_user_id: str) -> None:
        locale = await self.locale_of(team_id, slack_user_id)
        text = t(locale, "relink.dm")
        blocks = [
            section(fmt(":warning: {}", text)),
            actions(*next_step_elements(locale, NextStep.RELINK)),
        ]
        await self.dm(team_id, slack_user_id, text, blocks)

    async def refresh_expiring(self, team_id: str, slack_user_id: str) -> None:
        locale = await self.locale_of(team_id, slack_user_id)
        text = t(locale, "relink.expiring_dm")
        blocks = [
            section(fmt(":hourglass: {}", text)),
            actions(*next_step_elements(locale, NextStep.RELINK)),
        ]
        await self.dm(team_id, slack_user_id, text, blocks)

    async def client_recovered(self) -> None:
        """A refresh worked again: the admins' warning about the OAuth client no longer holds."""
        async with self._sessions() as session, session.begin():
            flag = await session.get(BridgeFlag, CLIENT_FLAG, with_for_update=True)
            if flag is not None and flag.value.get("refused"):
                flag.value = {"refused": False, "since": None}
                flag.updated_at = self._clock.now()

    async def client_refused(self) -> None:
        """Tell the admins once (across replicas) that Questetra refused our OAuth client."""
        async with self._sessions() as session, session.begin():
            flag = await session.get(BridgeFlag, CLIENT_FLAG, with_for_update=True)
            if flag is not None and flag.value.get("refused"):
                return
            value = {"refused": True, "since": self._clock.now().isoformat()}
            if flag is None:
                session.add(BridgeFlag(key=CLIENT_FLAG, value=value, updated_at=self._clock.now()))
            else:
                flag.value = value
                flag.updated_at = self._clock.now()
        for admin in self._admins:
            # ADMIN_SLACK_USER_IDS are not tied to a workspace: the default client reaches
            # them in single-workspace mode, which is where this setting is meant to be used.
            locale = await self.locale_of("", admin)
            text = t(locale, "admin.client_refused_dm")
            await self.dm("", admin, text, [section(fmt(":rotating_light: {}", text))])
