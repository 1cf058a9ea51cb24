"""Linking surfaces: `connect`, `connect basic` (modal), `disconnect`, `status`, Connect buttons."""

from __future__ import annotations

import asyncio
from typing import Any

import structlog
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.domain.linking import refresh_token_expires_at
from bot.errors import FeatureDisabled, QuestetraUnavailable
from bot.i18n import t
from bot.questetra.models import QUser
from bot.services.linking import Outcome
from bot.slack.blocks import (
    StatusView,
    basic_link_modal,
    connect_blocks,
    status_blocks,
)
from bot.slack.errors import tell_user
from bot.slack.home import publish_home
from bot.slack.ids import DEFAULT_COMMAND, ActionId, BlockId, CallbackId, SubCommand
from bot.slack.invocation import Handler, Invocation
from bot.slack.render import fmt, section
from bot.slack.views import state_values, text_value

log = structlog.stdlib.get_logger(__name__)

# Slack closes a view submission after 3 s; Questetra must answer the password check before.
BASIC_CHECK_SECONDS = 2.5


async def connect_offer(
    deps: Deps, *, team_id: str, user_id: str, locale: str | None, command: str
) -> tuple[str, list[dict[str, Any]]]:
    """The ephemeral 'press to link' message: a fresh one-time consent URL for this user."""
    url = await deps.linking.begin_oauth(team_id=team_id, slack_user_id=user_id)
    current = await deps.linking.status(team_id=team_id, slack_user_id=user_id)
    basic = await deps.linking.basic_auth_enabled(team_id=team_id)
    blocks = connect_blocks(
        locale,
        command,
        url,
        current=(current.questetra_name, current.questetra_email) if current else None,
        basic_available=basic,
    )
    return t(locale, "connect.prompt"), blocks


def _opens_basic_modal(args: list[str]) -> bool:
    return args[:1] == ["basic"]


async def connect(call: Invocation) -> None:
    if _opens_basic_modal(call.args):
        if not await call.deps.linking.basic_auth_enabled(team_id=call.team_id):
            raise FeatureDisabled("error.basic_disabled")
        await call.client.views_open(trigger_id=call.trigger_id, view=basic_link_modal(call.locale))
        return
    text, blocks = await connect_offer(
        call.deps,
        team_id=call.team_id,
        user_id=call.user_id,
        locale=call.locale,
        command=call.command,
    )
    await call.reply(text, blocks)


async def disconnect(call: Invocation) -> None:
    removed = await call.deps.linking.unlink(
        team_id=call.team_id, slack_user_id=call.user_id, actor=call.user_id
    )
    text = t(call.locale, "disconnect.done" if removed else "disconnect.not_linked")
    await call.reply(text, [section(text)])
    if removed:
        await publish_home(call.deps, call.client, team_id=call.team_id, user_id=call.user_id)


async def status(call: Invocation) -> None:
    found = await call.deps.linking.status(team_id=call.team_id, slack_user_id=call.user_id)
    view = None
    if found is not None:
        now = call.deps.clock.now()
        expires = refresh_token_expires_at(found.refresh_issued_at)
        view = StatusView(
            name=found.questetra_name,
            email=found.questetra_email,
            method=found.method,
            needs_relink=found.status != "active",
            linked_at=found.linked_at,
            access_expires_at=found.access_expires_at,
            refresh_age_days=(
                (now - found.refresh_issued_at).days
                if found.refresh_issued_at is not None and expires is not None
                else None
            ),
            last_error=found.last_error,
            last_error_at=found.last_error_at,
        )
    blocks = status_blocks(call.locale, call.command, view)
    await call.reply(blocks[0]["text"]["text"], blocks)


async def announce_link(deps: Deps, *, team_id: str, user_id: str, quser: QUser) -> None:
    """After a successful link: a DM saying as whom, and a refreshed Home tab."""
    locale = await deps.slack_ports.locale_of(team_id, user_id)
    text = t(locale, "linked.dm", name=quser.name, email=quser.email, command=DEFAULT_COMMAND)
    await deps.slack_ports.dm(team_id, user_id, text, [section(fmt(":white_check_mark: {}", text))])
    client = await deps.slack_clients.for_team(team_id)
    await publish_home(deps, client, team_id=team_id, user_id=user_id)


SUBCOMMANDS: dict[str, Handler] = {
    SubCommand.CONNECT: connect,
    SubCommand.DISCONNECT: disconnect,
    SubCommand.STATUS: status,
}
OPENS_MODAL = {SubCommand.CONNECT: _opens_basic_modal}
ACTIONS = None  # its buttons (connect, relink, open_consent) are core ids in bot.slack.ids


def register(app: AsyncApp, deps: Deps) -> None:
    async def offer(
        body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        team_id, user_id = context.team_id or "", context.user_id or ""
        locale = (await deps.profiles.get(client, team_id, user_id)).locale
        text, blocks = await connect_offer(
            deps, team_id=team_id, user_id=user_id, locale=locale, command=DEFAULT_COMMAND
        )
        await tell_user(context, body, text, blocks)

    @app.action(ActionId.CONNECT)
    async def on_connect(
        ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        await ack()
        await offer(body, context, client)

    @app.action(ActionId.RELINK)
    async def on_relink(
        ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        await ack()
        await offer(body, context, client)

    @app.action(ActionId.OPEN_CONSENT)
    async def on_open_consent(ack: AsyncAck) -> None:
        await ack()  # the browser does the work; Slack only wants to hear that we got the click

    @app.view(CallbackId.BASIC_LINK)
    async def on_basic_submit(
        ack: AsyncAck, view: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        team_id, user_id = context.team_id or "", context.user_id or ""
        locale = (await deps.profiles.get(client, team_id, user_id)).locale
        values = state_values(view)
        email = text_value(values, BlockId.EMAIL, BlockId.EMAIL)
        password = text_value(values, BlockId.API_PASSWORD, BlockId.API_PASSWORD)
        if "@" not in email:
            await ack(
                response_action="errors", errors={BlockId.EMAIL: t(locale, "basic.invalid_email")}
            )
            return
        try:
            async with asyncio.timeout(BASIC_CHECK_SECONDS):
                result = await deps.linking.link_basic(
                    team_id=team_id, slack_user_id=user_id, email=email, api_password=password
                )
        except (TimeoutError, QuestetraUnavailable):
            await ack(
                response_action="errors",
                errors={BlockId.API_PASSWORD: t(locale, "basic.questetra_down")},
            )
            return
        except FeatureDisabled:
            await ack(
                response_action="errors", errors={BlockId.EMAIL: t(locale, "error.basic_disabled")}
            )
            return
        if result.outcome is Outcome.WRONG_PASSWORD:
            await ack(
                response_action="errors",
                errors={BlockId.API_PASSWORD: t(locale, "basic.wrong_password")},
            )
            return
        if result.outcome is Outcome.THROTTLED:
            await ack(
                response_action="errors",
                errors={BlockId.API_PASSWORD: t(locale, "basic.throttled")},
            )
            return
        if result.outcome in (Outcome.EMAIL_MISMATCH, Outcome.EMAIL_HIDDEN):
            key = f"basic.{result.outcome.value}"
            await ack(response_action="errors", errors={BlockId.EMAIL: t(locale, key)})
            return
        await ack()
        if result.quser is not None:
            await announce_link(deps, team_id=team_id, user_id=user_id, quser=result.quser)
