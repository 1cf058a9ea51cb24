"""One parsed slash command, with what a sub-command handler needs to answer it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps


@dataclass(frozen=True)
class Invocation:
    """One parsed slash command, with what a sub-command handler needs to answer."""

    deps: Deps
    client: AsyncWebClient
    respond: AsyncRespond
    command: str
    sub: str
    args: list[str]
    team_id: str
    user_id: str
    channel_id: str
    trigger_id: str
    locale: str | None

    async def reply(self, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        await self.respond(text=text, blocks=blocks, response_type="ephemeral")


Handler = Callable[[Invocation], Awaitable[None]]
