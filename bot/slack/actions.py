"""Button listeners (block_actions)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.i18n import t
from bot.slack.blocks import help_blocks
from bot.slack.errors import tell_user
from bot.slack.home import publish_home
from bot.slack.ids import DEFAULT_COMMAND, ActionId, HomeAction


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

    @app.action(HomeAction.REFRESH)
    async def on_home_refresh(
        ack: AsyncAck, context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        await ack()
        await publish_home(
            deps, client, team_id=context.team_id or "", user_id=context.user_id or ""
        )

    @app.action(HomeAction.DISCONNECT)
    async def on_home_disconnect(
        ack: AsyncAck, context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        await ack()
        team_id, user_id = context.team_id or "", context.user_id or ""
        removed = await deps.linking.unlink(team_id=team_id, slack_user_id=user_id, actor=user_id)
        locale = (await deps.profiles.get(client, team_id, user_id)).locale
        notice = t(locale, "disconnect.done" if removed else "disconnect.not_linked")
        await publish_home(deps, client, team_id=team_id, user_id=user_id, notice=notice)
