"""The one Slack error handler: every failure becomes a message in the user's language."""

from __future__ import annotations

import uuid
from typing import Any

import structlog
from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError

from bot.deps import Deps
from bot.errors import NextStep, UserFacingError
from bot.i18n import t
from bot.slack.blocks import error_blocks
from bot.slack.clients import slack_error
from bot.slack.render import Block

log = structlog.stdlib.get_logger(__name__)


async def tell_user(
    context: AsyncBoltContext, body: dict[str, Any], text: str, blocks: list[Block]
) -> None:
    """Reach the user wherever the request came from: response_url, ephemeral, or DM."""
    if context.respond is not None and context.response_url:
        await context.respond(
            text=text, blocks=blocks, response_type="ephemeral", replace_original=False
        )
        return
    client, user_id = context.client, context.user_id
    if client is None or user_id is None:
        return
    channel = context.channel_id
    if channel and not channel.startswith("D"):
        await client.chat_postEphemeral(channel=channel, user=user_id, text=text, blocks=blocks)
    else:
        # App Home and modal actions have no channel: the app's DM is where the user looks.
        await client.chat_postMessage(channel=user_id, text=text, blocks=blocks)


async def report_error(
    deps: Deps, error: Exception, body: dict[str, Any], context: AsyncBoltContext
) -> None:
    """Turn any failure into a message for the user, in their language, with a next step."""
    locale = None
    if context.client is not None and isinstance(context.user_id, str) and context.user_id:
        profile = await deps.profiles.get(context.client, context.team_id, context.user_id)
        locale = profile.locale
    if isinstance(error, UserFacingError):
        log.info("slack.user_error", key=error.key, user_id=context.user_id, detail=str(error))
        message, step = t(locale, error.key, **error.params), error.next_step
    else:
        ref = uuid.uuid4().hex[:10]
        # exc_info carries the traceback to the log only; the user sees the reference.
        log.error(
            "slack.unhandled_error",
            ref=ref,
            user_id=context.user_id,
            error_type=type(error).__name__,
            exc_info=error,
        )
        message, step = t(locale, "error.internal", ref=ref), NextStep.NONE
    try:
        await tell_user(context, body, message, error_blocks(locale, message, step))
    except SlackApiError as exc:
        log.warning("slack.error_reply_failed", error=slack_error(exc))


def register(app: AsyncApp, deps: Deps) -> None:
    @app.error
    async def on_error(error: Exception, body: dict[str, Any], context: AsyncBoltContext) -> None:
        # Failures before a listener runs (middleware); listeners report their own (guard.py).
        await report_error(deps, error, body, context)
