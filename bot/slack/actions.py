"""Button listeners (block_actions)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.i18n import t
from bot.slack.blocks import help_blocks
from bot.slack.errors import tell_user
from bot.slack.ids import DEFAULT_COMMAND, ActionId


def register(app: AsyncApp, deps: Deps) -> None:
    @app.action(ActionId.HELP)
    async def on_help(
        ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        await ack()
        locale = (await deps.profiles.get(client, context.team_id, context.user_id or "")).locale
        await tell_user(
            context, body, t(locale, "help.title"), help_blocks(locale, DEFAULT_COMMAND)
        )
