"""The slash command: ack at once, parse the sub-command, hand over to its handler."""

from __future__ import annotations

import difflib
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.domain.typed import slack_words
from bot.i18n import t
from bot.slack.blocks import help_blocks, unknown_command_blocks
from bot.slack.features import FEATURES
from bot.slack.guard import opens_modal
from bot.slack.ids import DEFAULT_COMMAND, SubCommand
from bot.slack.invocation import Handler, Invocation

# Any command name: the manifest decides what the command is called in a workspace.
COMMAND_PATTERN = re.compile(r"^/[\w-]+$")


def parse(text: str) -> tuple[str, list[str]]:
    """``"Tasks  urgent  sales"`` → ``("tasks", ["urgent", "sales"])``; empty text means help.
    The text goes through the parsing boundary once (:func:`bot.domain.typed.slack_words`:
    Slack's ``&amp;`` escaping undone, NFKC, U+3000 as a space; a mention is one word)."""
    words = slack_words(text)
    if not words:
        return SubCommand.HELP.value, []
    return words[0].lower(), words[1:]


def suggest(sub: str) -> str | None:
    """The closest known sub-command to a typo, if one is close enough."""
    matches = difflib.get_close_matches(sub, [s.value for s in SubCommand], n=1, cutoff=0.6)
    return matches[0] if matches else None


async def show_help(call: Invocation) -> None:
    await call.reply(t(call.locale, "help.title"), help_blocks(call.locale, call.command))


def handlers() -> dict[str, Handler]:
    """Sub-command → handler, from the feature modules (tests check that every one is there)."""
    table: dict[str, Handler] = {SubCommand.HELP: show_help}
    for feature in FEATURES:
        table.update(feature.SUBCOMMANDS)
    return table


def opens_a_modal(body: dict[str, Any]) -> bool:
    """Does this slash command open a modal (the features' ``OPENS_MODAL``)?"""
    sub, args = parse(str(body.get("text") or ""))
    for feature in FEATURES:
        check = getattr(feature, "OPENS_MODAL", {}).get(sub)
        if check is not None and check(args):
            return True
    return False


def register(app: AsyncApp, deps: Deps) -> None:
    table = handlers()

    @app.command(COMMAND_PATTERN)
    @opens_modal(opens_a_modal)
    async def on_command(
        ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        # Ack first: Slack gives us 3 seconds, Questetra may take longer.
        await ack()
        sub, args = parse(command.get("text", ""))
        profile = await deps.profiles.get(client, command.get("team_id"), command["user_id"])
        call = Invocation(
            deps=deps,
            client=client,
            respond=respond,
            command=command.get("command") or DEFAULT_COMMAND,
            sub=sub,
            args=args,
            team_id=command.get("team_id", ""),
            user_id=command["user_id"],
            channel_id=command.get("channel_id", ""),
            trigger_id=command.get("trigger_id", ""),
            locale=profile.locale,
        )
        handler = table.get(sub)
        if handler is None:
            blocks = unknown_command_blocks(call.locale, call.command, sub, suggest(sub))
            await call.reply(
                t(call.locale, "command.unknown", command=call.command, sub=sub), blocks
            )
            return
        await handler(call)
