"""`/questetra admin …`: a dispatcher of admin topics (every one behind the admin check), and the
first topic, `start-events` (list, add and edit through a modal, remove).

More topics plug into ``ADMIN_TOPICS``: a handler gets the invocation and the words after the
topic, and runs only after :func:`bot.slack.permissions.require_admin` passed.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Any

import structlog
import yaml
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.domain.start_events import Problem, Visibility
from bot.errors import BadInput, UserFacingError
from bot.i18n import language_of, t
from bot.services.start import AdminRow, describe_problems
from bot.slack import admin_panel
from bot.slack.errors import tell_user
from bot.slack.guard import opens_modal
from bot.slack.ids import DEFAULT_COMMAND, SubCommand
from bot.slack.invocation import Handler, Invocation
from bot.slack.permissions import is_admin, require_admin
from bot.slack.render import (
    Block,
    actions,
    button,
    channel,
    code,
    confirm_dialog,
    context,
    fmt,
    header,
    input_block,
    join,
    modal,
    option,
    section,
)
from bot.slack.start import (
    build_service,
    notice_modal,
    post_outcome,
)
from bot.slack.views import element_state, read_json_object, state_values, text_value

log = structlog.stdlib.get_logger(__name__)

MAX_LISTED = 20  # two blocks per event; a message holds 50
FIELDS_MAX_CHARS = 3000  # plain_text_input's limit; bigger forms belong in START_EVENTS_FILE


class AdminAction(StrEnum):
    START_EVENT_ADD = "admin_start_event_add"
    START_EVENT_EDIT = "admin_start_event_edit"  # value: the event name
    START_EVENT_REMOVE = "admin_start_event_remove"  # value: the event name (confirmed)


class AdminCallback(StrEnum):
    START_EVENT = "admin_start_event"


class EventBlock(StrEnum):
    """Inputs of the start event modal; each one's action id is ``value``."""

    NAME = "se_name"
    TITLE_EN = "se_title_en"
    TITLE_JA = "se_title_ja"
    DESCRIPTION_EN = "se_description_en"
    DESCRIPTION_JA = "se_description_ja"
    APP_ID = "se_app_id"
    NODE_NUMBER = "se_node_number"
    KEY = "se_key"
    CHANNELS = "se_channels"
    VISIBILITY = "se_visibility"
    REQUESTER = "se_requester"
    FIELDS = "se_fields"


VALUE = "value"

# Where a problem with a definition's top-level setting is shown in the modal.
BLOCK_OF: dict[str, EventBlock] = {
    "name": EventBlock.NAME,
    "title": EventBlock.TITLE_EN,
    "default_title": EventBlock.TITLE_EN,
    "description": EventBlock.DESCRIPTION_EN,
    "app_id": EventBlock.APP_ID,
    "url": EventBlock.APP_ID,
    "node_number": EventBlock.NODE_NUMBER,
    "key": EventBlock.KEY,
    "channels": EventBlock.CHANNELS,
    "visibility": EventBlock.VISIBILITY,
    "requester_field": EventBlock.REQUESTER,
    "fields": EventBlock.FIELDS,
}
# The settings the modal edits; any other stored setting (e.g. default_title) is kept as it is.
MODAL_SETTINGS = (
    "name",
    "title",
    "description",
    "app_id",
    "node_number",
    "channels",
    "visibility",
    "requester_field",
    "fields",
)

AdminHandler = Callable[[Invocation, list[str]], Awaitable[None]]


# ---------------------------------------------------------------------------------------------
# Pure Block Kit builders


def admin_help_blocks(locale: str | None, command: str, unknown: str | None) -> list[Block]:
    blocks: list[Block] = []
    if unknown:
        blocks.append(section(t(locale, "admin.help.unknown", command=command, topic=unknown)))
    blocks.append(section(t(locale, "admin.help.intro", command=command)))
    entries = [
        ("admin start-events", "admin.help.start_events"),
        ("admin start-events add", "admin.help.start_events_add"),
        ("admin start-events edit <name>", "admin.help.start_events_edit"),
        ("admin start-events remove <name>", "admin.help.start_events_remove"),
    ]
    blocks.append(
        section(
            join(
                "\n",
                [
                    fmt("• {} — {}", code(f"{command} {usage}"), t(locale, key))
                    for usage, key in entries
                ],
            )
        )
    )
    return blocks


def _where(locale: str | None, spec_channels: tuple[str, ...]) -> str:
    if not spec_channels:
        return t(locale, "admin.start_events.everywhere")
    return join(", ", [channel(c) for c in spec_channels])


def start_events_blocks(
    locale: str | None, command: str, rows: list[AdminRow], *, banner: str | None = None
) -> list[Block]:
    language = language_of(locale)
    blocks: list[Block] = [header(t(locale, "admin.start_events.title"))]
    if banner:
        blocks.append(section(banner))
    blocks.append(context(t(locale, "admin.start_events.intro", command=command)))
    blocks.append(
        actions(
            button(
                t(locale, "admin.start_events.add"), AdminAction.START_EVENT_ADD, style="primary"
            )
        )
    )
    if not rows:
        blocks.append(section(t(locale, "admin.start_events.none", command=command)))
    for row in rows[:MAX_LISTED]:
        lines: list[str] = []
        if row.spec is not None:
            spec = row.spec
            lines.append(fmt("*{}*  {}", spec.title.get(language), code(spec.name)))
            lines.append(
                t(
                    locale,
                    "admin.start_events.summary",
                    app_id=spec.app_id,
                    node=spec.node_number,
                    fields=len(spec.asked_fields),
                    channels=_where(locale, spec.channels),
                    visibility=t(locale, f"admin.start_events.visibility.{spec.visibility}"),
                )
            )
            if spec.requester_field:
                lines.append(t(locale, "admin.start_events.requester", field=spec.requester_field))
        else:
            lines.append(code(row.name))
            problems = join("; ", describe_problems(row.problems, locale))
            lines.append(fmt(":warning: {} {}", t(locale, "admin.start_events.invalid"), problems))
        if row.shadowed:
            lines.append(fmt(":warning: {}", t(locale, "admin.start_events.shadowed")))
        if row.source == "file":
            lines.append(fmt("_{}_", t(locale, "admin.start_events.from_file")))
        blocks.append(section(join("\n", lines)))
        if row.source == "admin":
            remove = button(
                t(locale, "admin.start_events.remove"),
                AdminAction.START_EVENT_REMOVE,
                value=row.name,
                style="danger",
                confirm=confirm_dialog(
                    t(locale, "admin.start_events.confirm_title"),
                    t(locale, "admin.start_events.confirm_text", name=row.name),
                    t(locale, "admin.start_events.remove"),
                    t(locale, "admin.start_events.cancel"),
                    style="danger",
                ),
            )
            blocks.append(
                actions(
                    button(
                        t(locale, "admin.start_events.edit"),
                        AdminAction.START_EVENT_EDIT,
                        value=row.name,
                    ),
                    remove,
                )
            )
    if len(rows) > MAX_LISTED:
        blocks.append(context(t(locale, "admin.start_events.more", count=len(rows) - MAX_LISTED)))
    return blocks


def _text_input(
    block_id: EventBlock,
    label: object,
    *,
    initial: str | None = None,
    optional: bool = False,
    multiline: bool = False,
    hint: object | None = None,
    max_length: int | None = None,
) -> Block:
    element: Block = {"type": "plain_text_input", "action_id": VALUE, "multiline": multiline}
    if initial:
        element["initial_value"] = initial
    if max_length is not None:
        element["max_length"] = max_length
    return input_block(block_id, label, element, hint=hint or None, optional=optional)


def _number_input(block_id: EventBlock, label: object, initial: object, hint: object) -> Block:
    element: Block = {
        "type": "number_input",
        "action_id": VALUE,
        "is_decimal_allowed": False,
        "min_value": "0",
    }
    if initial is not None:
        element["initial_value"] = str(initial)
    return input_block(block_id, label, element, hint=hint)


def _languages(raw: object) -> tuple[str | None, str | None]:
    if isinstance(raw, dict):
        return raw.get("en"), raw.get("ja")
    return (str(raw), None) if raw else (None, None)


def fields_yaml(fields: object) -> str:
    if not fields:
        return ""
    return yaml.safe_dump(fields, allow_unicode=True, sort_keys=False, width=1000)


def start_event_modal(
    locale: str | None,
    *,
    editing: str | None,
    definition: dict[str, Any] | None,
    channel_id: str | None,
) -> Block:
    """Add (``editing`` None) or edit an event; fields are written in START_EVENTS_FILE's YAML."""
    raw = definition or {}
    title_en, title_ja = _languages(raw.get("title"))
    description_en, description_ja = _languages(raw.get("description"))
    blocks: list[Block] = []
    if editing is None:
        blocks.append(
            _text_input(
                EventBlock.NAME,
                t(locale, "admin.start_events.form.name"),
                hint=t(locale, "admin.start_events.form.name_hint"),
                max_length=40,
            )
        )
    else:
        blocks.append(section(t(locale, "admin.start_events.form.name_fixed", name=editing)))
    blocks += [
        _text_input(
            EventBlock.TITLE_EN,
            t(locale, "admin.start_events.form.title_en"),
            initial=title_en,
            optional=True,
            max_length=150,
        ),
        _text_input(
            EventBlock.TITLE_JA,
            t(locale, "admin.start_events.form.title_ja"),
            initial=title_ja if title_ja != title_en else None,
            optional=True,
            max_length=150,
            hint=t(locale, "admin.start_events.form.title_hint"),
        ),
        _text_input(
            EventBlock.DESCRIPTION_EN,
            t(locale, "admin.start_events.form.description_en"),
            initial=description_en,
            optional=True,
            multiline=True,
        ),
        _text_input(
            EventBlock.DESCRIPTION_JA,
            t(locale, "admin.start_events.form.description_ja"),
            initial=description_ja if description_ja != description_en else None,
            optional=True,
            multiline=True,
        ),
        _number_input(
            EventBlock.APP_ID,
            t(locale, "admin.start_events.form.app_id"),
            raw.get("app_id"),
            t(locale, "admin.start_events.form.url_hint"),
        ),
        _number_input(
            EventBlock.NODE_NUMBER,
            t(locale, "admin.start_events.form.node_number"),
            raw.get("node_number"),
            t(locale, "admin.start_events.form.url_hint"),
        ),
        _text_input(
            EventBlock.KEY,
            t(locale, "admin.start_events.form.key"),
            optional=editing is not None,
            max_length=100,
            hint=t(
                locale,
                "admin.start_events.form.key_hint_edit"
                if editing is not None
                else "admin.start_events.form.key_hint",
            ),
        ),
    ]
    channels_element: Block = {
        "type": "multi_conversations_select",
        "action_id": VALUE,
        "filter": {"include": ["public", "private"]},
    }
    if raw.get("channels"):
        channels_element["initial_conversations"] = list(raw["channels"])
    blocks.append(
        input_block(
            EventBlock.CHANNELS,
            t(locale, "admin.start_events.form.channels"),
            channels_element,
            hint=t(locale, "admin.start_events.form.channels_hint"),
            optional=True,
        )
    )
    options = [option(t(locale, f"admin.start_events.visibility.{v}"), v.value) for v in Visibility]
    current = str(raw.get("visibility") or Visibility.EPHEMERAL.value)
    blocks.append(
        input_block(
            EventBlock.VISIBILITY,
            t(locale, "admin.start_events.form.visibility"),
            {
                "type": "static_select",
                "action_id": VALUE,
                "options": options,
                "initial_option": next((o for o in options if o["value"] == current), options[0]),
            },
        )
    )
    blocks.append(
        _text_input(
            EventBlock.REQUESTER,
            t(locale, "admin.start_events.form.requester"),
            initial=raw.get("requester_field"),
            optional=True,
            max_length=100,
            hint=t(locale, "admin.start_events.form.requester_hint"),
        )
    )
    blocks.append(
        _text_input(
            EventBlock.FIELDS,
            t(locale, "admin.start_events.form.fields"),
            initial=fields_yaml(raw.get("fields")),
            optional=True,
            multiline=True,
            max_length=FIELDS_MAX_CHARS,
            hint=t(locale, "admin.start_events.form.fields_hint"),
        )
    )
    blocks.append(context(t(locale, "admin.start_events.form.fields_example")))
    metadata = {"n": editing or "", "c": channel_id or ""}
    return modal(
        t(
            locale,
            "admin.start_events.form.title_edit"
            if editing
            else "admin.start_events.form.title_add",
        ),
        blocks,
        callback_id=AdminCallback.START_EVENT,
        submit=t(locale, "admin.start_events.form.save"),
        close=t(locale, "admin.start_events.cancel"),
        private_metadata=json.dumps(metadata, separators=(",", ":")),
    )


# ---------------------------------------------------------------------------------------------
# Reading the modal


def read_event_form(
    view: dict[str, Any], *, editing: str | None, stored: dict[str, Any] | None
) -> tuple[dict[str, Any], str | None, dict[str, str]]:
    """(definition, new key or None, errors found before validation: block id → text key)."""
    state = state_values(view)

    def element(block: EventBlock) -> dict[str, Any]:
        return element_state(state, block.value, VALUE)

    def text(block: EventBlock) -> str:
        return text_value(state, block.value, VALUE).strip()

    raw: dict[str, Any] = {k: v for k, v in (stored or {}).items() if k not in MODAL_SETTINGS}
    early: dict[str, str] = {}
    raw["name"] = editing if editing is not None else text(EventBlock.NAME)
    raw["title"] = {"en": text(EventBlock.TITLE_EN), "ja": text(EventBlock.TITLE_JA)}
    description = {"en": text(EventBlock.DESCRIPTION_EN), "ja": text(EventBlock.DESCRIPTION_JA)}
    if description["en"] or description["ja"]:
        raw["description"] = description
    raw["app_id"] = text(EventBlock.APP_ID) or None
    raw["node_number"] = text(EventBlock.NODE_NUMBER) or None
    channels = element(EventBlock.CHANNELS).get("selected_conversations")
    if isinstance(channels, list) and channels:
        raw["channels"] = [str(c) for c in channels]
    option = element(EventBlock.VISIBILITY).get("selected_option")
    chosen = option.get("value") if isinstance(option, dict) else None
    raw["visibility"] = chosen or Visibility.EPHEMERAL.value
    if text(EventBlock.REQUESTER):
        raw["requester_field"] = text(EventBlock.REQUESTER)
    source = text(EventBlock.FIELDS)
    if source:
        try:
            fields = yaml.safe_load(source)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            early[EventBlock.FIELDS.value] = (
                f"yaml:{mark.line + 1}" if mark is not None else "yaml:?"
            )
        else:
            # Accept a pasted `fields:` section as well as the bare list.
            if isinstance(fields, dict) and "fields" in fields:
                fields = fields["fields"]
            raw["fields"] = fields
    key = text(EventBlock.KEY) or None
    return raw, key, early


def problem_errors(locale: str | None, problems: list[Problem]) -> dict[str, str]:
    """Definition problems → modal errors under the input each one is about."""
    errors: dict[str, list[str]] = {}
    for problem, line in zip(problems, describe_problems(problems, locale), strict=True):
        top = str(problem.path[0]) if problem.path else "name"
        block = BLOCK_OF.get(top, EventBlock.FIELDS)
        # Only the fields YAML needs the location; the other inputs are one setting each.
        shown = line if block is EventBlock.FIELDS else line.split(": ", 1)[-1]
        errors.setdefault(block.value, []).append(shown)
    return {block: " / ".join(lines)[:1000] for block, lines in errors.items()}


# ---------------------------------------------------------------------------------------------
# Handlers


async def _list(call: Invocation, banner: str | None = None) -> None:
    rows = await build_service(call.deps).admin_rows(team_id=call.team_id)
    blocks = start_events_blocks(call.locale, call.command, rows, banner=banner)
    await call.reply(t(call.locale, "admin.start_events.title"), blocks)


async def _open_modal(
    deps: Deps,
    client: AsyncWebClient,
    *,
    team_id: str,
    trigger_id: str,
    locale: str | None,
    channel_id: str | None,
    editing: str | None,
) -> None:
    definition = None
    if editing is not None:
        definition = await build_service(deps).stored_definition(team_id=team_id, name=editing)
        editing = str(definition.get("name") or editing)
    view = start_event_modal(locale, editing=editing, definition=definition, channel_id=channel_id)
    await client.views_open(trigger_id=trigger_id, view=view)


async def start_events_admin(call: Invocation, args: list[str]) -> None:
    verb = args[0].lower() if args else "list"
    rest = " ".join(args[1:]).strip()
    if verb == "list" and not rest:
        await _list(call)
    elif (verb == "add" and not rest) or (verb == "edit" and rest):
        await _open_modal(
            call.deps,
            call.client,
            team_id=call.team_id,
            trigger_id=call.trigger_id,
            locale=call.locale,
            channel_id=call.channel_id,
            editing=rest if verb == "edit" else None,
        )
    elif verb == "remove" and rest:
        removed = await build_service(call.deps).remove(
            team_id=call.team_id, actor=call.user_id, name=rest
        )
        key = "admin.start_events.removed" if removed else "admin.start_events.error.unknown"
        await _list(call, banner=t(call.locale, key, name=rest))
    else:
        raise BadInput("admin.start_events.usage", command=call.command)


ADMIN_TOPICS: dict[str, AdminHandler] = {
    "start-events": start_events_admin,
    "start-event": start_events_admin,
    "start_events": start_events_admin,
}


async def admin_command(call: Invocation) -> None:
    await require_admin(call.deps, call.client, call.team_id, call.user_id)
    topic = call.args[0].lower() if call.args else ""
    if topic in admin_panel.TOPICS:  # the overview and the switches (bot/slack/admin_panel.py)
        await admin_panel.TOPICS[topic](call, call.args)
        return
    handler = ADMIN_TOPICS.get(topic)
    if handler is None:
        blocks = admin_help_blocks(call.locale, call.command, call.args[0] if call.args else None)
        await call.reply(t(call.locale, "admin.help.title"), blocks)
        return
    await handler(call, call.args[1:])


def register(app: AsyncApp, deps: Deps) -> None:
    service = build_service(deps)

    async def locale_of(client: AsyncWebClient, context: AsyncBoltContext) -> str | None:
        return (await deps.profiles.get(client, context.team_id, context.user_id or "")).locale

    async def admin_first(client: AsyncWebClient, context: AsyncBoltContext) -> None:
        await require_admin(deps, client, context.team_id, context.user_id or "")

    @app.action(AdminAction.START_EVENT_ADD)
    @opens_modal()
    async def on_add(
        ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        await ack()
        await admin_first(client, context)
        await _open_modal(
            deps,
            client,
            team_id=context.team_id or "",
            trigger_id=str(body.get("trigger_id") or ""),
            locale=await locale_of(client, context),
            channel_id=context.channel_id,
            editing=None,
        )

    @app.action(AdminAction.START_EVENT_EDIT)
    @opens_modal()
    async def on_edit(
        ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        await ack()
        await admin_first(client, context)
        action = (body.get("actions") or [{}])[0]
        await _open_modal(
            deps,
            client,
            team_id=context.team_id or "",
            trigger_id=str(body.get("trigger_id") or ""),
            locale=await locale_of(client, context),
            channel_id=context.channel_id,
            editing=str(action.get("value") or ""),
        )

    @app.action(AdminAction.START_EVENT_REMOVE)
    async def on_remove(
        ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        await ack()
        await admin_first(client, context)
        team_id, user_id = context.team_id or "", context.user_id or ""
        locale = await locale_of(client, context)
        name = str((body.get("actions") or [{}])[0].get("value") or "")
        removed = await service.remove(team_id=team_id, actor=user_id, name=name)
        key = "admin.start_events.removed" if removed else "admin.start_events.error.unknown"
        rows = await service.admin_rows(team_id=team_id)
        blocks = start_events_blocks(
            locale, DEFAULT_COMMAND, rows, banner=t(locale, key, name=name)
        )
        text = t(locale, "admin.start_events.title")
        if context.respond is not None and context.response_url:
            # The list the button sat in is replaced by the list as it is now.
            await context.respond(text=text, blocks=blocks, replace_original=True)
        else:
            await tell_user(context, body, text, blocks)

    @app.view(AdminCallback.START_EVENT)
    async def on_save(
        ack: AsyncAck, view: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        team_id, user_id = context.team_id or "", context.user_id or ""
        locale = await locale_of(client, context)
        metadata = read_json_object(view.get("private_metadata"))
        editing = str(metadata.get("n") or "") or None
        channel_id = str(metadata.get("c") or "") or None
        if not await is_admin(deps, client, team_id, user_id):
            text = t(locale, "admin.error.not_admin")
            await ack(response_action="update", view=notice_modal(locale, text))
            return
        try:
            stored = (
                await service.stored_definition(team_id=team_id, name=editing) if editing else None
            )
        except UserFacingError as exc:  # removed (or moved to the file) while the form was open
            text = t(locale, exc.key, **exc.params)
            await ack(response_action="update", view=notice_modal(locale, text))
            return
        raw, key, early = read_event_form(view, editing=editing, stored=stored)
        if early:
            line = early[EventBlock.FIELDS.value].removeprefix("yaml:")
            text = t(locale, "admin.start_events.form.yaml_error", line=line)
            await ack(response_action="errors", errors={EventBlock.FIELDS.value: text})
            return
        problems = await service.save(
            team_id=team_id, actor=user_id, raw=raw, key=key, editing=editing
        )
        if problems:
            await ack(response_action="errors", errors=problem_errors(locale, problems))
            return
        await ack()
        name = str(raw.get("name") or "").strip().lower()
        text = t(locale, "admin.start_events.saved", name=name, command=DEFAULT_COMMAND)
        await post_outcome(
            client,
            channel_id=channel_id,
            user_id=user_id,
            text=text,
            blocks=[section(fmt(":white_check_mark: {}", text))],
            in_channel=False,
        )


SUBCOMMANDS: dict[str, Handler] = {SubCommand.ADMIN: admin_command}


def _opens_modal(args: list[str]) -> bool:
    """`admin start-events add` and `admin start-events edit <name>` open the event modal."""
    verb = args[1].lower() if len(args) > 1 else ""
    return bool(args) and args[0].lower() in ADMIN_TOPICS and verb in ("add", "edit")


OPENS_MODAL = {SubCommand.ADMIN: _opens_modal}
ACTIONS = AdminAction
