"""Starting processes: `/questetra start [name]`, the event picker, the form modal, the result.

Slack closes a view submission after 3 s. The form is checked locally first (instant field
errors); then the start POST gets what is left of ~2.5 s. If Questetra answers in time, its
refusals become errors in the modal; if not, the modal says so and the outcome is posted
afterwards (never lost, never started twice: the service keys each start on the view id).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone, tzinfo
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import structlog
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.domain.start_events import (
    TITLE,
    FieldProblem,
    FieldSpec,
    FieldType,
    MappedErrors,
    Message,
    RawValue,
    StartEventSpec,
    UserPick,
    Visibility,
    initial_date,
    initial_datetime,
    msg,
    param_name,
)
from bot.errors import UserFacingError
from bot.i18n import language_of, t
from bot.questetra.start_events import StartEventClient
from bot.services.start import (
    Duplicate,
    Rejected,
    ResolvedEvent,
    Started,
    StartResult,
    StartService,
    load_events_file,
)
from bot.slack.clients import slack_error
from bot.slack.guard import opens_modal
from bot.slack.ids import DEFAULT_COMMAND, SubCommand
from bot.slack.invocation import Handler, Invocation
from bot.slack.render import (
    Block,
    actions,
    button,
    code,
    context,
    fmt,
    input_block,
    join,
    link,
    mention,
    modal,
    option,
    plain_object,
    section,
    sections,
)
from bot.slack.views import element_state, input_value, read_json_object, state_values

log = structlog.stdlib.get_logger(__name__)

# What is left of Slack's 3 s for the start POST, counted from the submission's arrival.
ACK_BUDGET_SECONDS = 2.5
FALLBACK_TZ = "Asia/Tokyo"  # the tenant's usual zone when a Slack profile has none
MAX_PICKER_EVENTS = 40  # one section per event; a message holds 50 blocks
DESCRIPTION_BLOCKS = 5  # 15,000 characters of description; 40 fields leave room for them


class StartAction(StrEnum):
    OPEN = "start_open"  # picker button: open this event's form (value: the event name)
    OPEN_PROCESS = "start_open_process"  # URL button to the new process: acked only


class StartCallback(StrEnum):
    SUBMIT = "start_submit"


class StartBlock(StrEnum):
    TITLE = "title"
    BANNER = "start_banner"


VALUE = "value"  # the action id of every form input


def field_block(name: str) -> str:
    """A form input's block id: the field's Questetra parameter name (never ``q_q_``)."""
    return param_name(name)


def build_service(deps: Deps) -> StartService:
    """The start service for these collaborators; cheap, stateless (the catalog is re-read)."""
    return StartService(
        sessions=deps.sessions,
        keyring=deps.keyring,
        clock=deps.clock,
        client=StartEventClient(deps.questetra_http, deps.metrics),
        base_url=deps.settings.questetra_base_url,
        events_file=deps.settings.start_events_file,
        # `key_env` entries name variables of the bot's own environment (passed in by the CLI).
        environ=deps.environ,
    )


def zone_of(name: str | None) -> tzinfo:
    for candidate in (name, FALLBACK_TZ):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return timezone(timedelta(hours=9), "JST")  # no tz database at all (slim images)


def render(locale: str | None, message: Message) -> str:
    return t(locale, message.key, **message.params)


# ---------------------------------------------------------------------------------------------
# Pure Block Kit builders


def picker_blocks(locale: str | None, command: str, events: list[StartEventSpec]) -> list[Block]:
    language = language_of(locale)
    if not events:
        return [
            section(t(locale, "start.picker.none")),
            context(t(locale, "start.picker.admin_hint", command=command)),
        ]
    blocks: list[Block] = [section(t(locale, "start.picker.intro", command=command))]
    for spec in events[:MAX_PICKER_EVENTS]:
        lines: list[str] = [fmt("*{}*  {}", spec.title.get(language), code(spec.name))]
        if spec.description is not None:
            lines.append(spec.description.get(language))
        # A long description ends in "…": the form shows it whole.
        blocks.append(
            section(
                join("\n", lines),
                accessory=button(
                    t(locale, "start.picker.button"),
                    StartAction.OPEN,
                    value=spec.name,
                    style="primary",
                ),
            )
        )
    if len(events) > MAX_PICKER_EVENTS:
        more = len(events) - MAX_PICKER_EVENTS
        blocks.append(context(t(locale, "start.picker.more", count=more, command=command)))
    return blocks


def form_metadata(name: str, channel_id: str | None) -> str:
    return json.dumps({"e": name, "c": channel_id or ""}, separators=(",", ":"))


def read_metadata(raw: object) -> tuple[str, str | None]:
    """(event name, channel id) from a form's private_metadata."""
    data = read_json_object(raw)
    return str(data.get("e") or ""), str(data.get("c") or "") or None


def form_modal(
    locale: str | None,
    spec: StartEventSpec,
    *,
    channel_id: str | None,
    tz: tzinfo,
    now: datetime,
    requester_email: str | None = None,
    banner: list[str] | None = None,
) -> Block:
    """The start form: title, then one input per asked field, typed like the Questetra field."""
    language = language_of(locale)
    blocks: list[Block] = []
    if banner:
        lines = join("\n", [fmt("• {}", line) for line in banner])
        blocks.append(
            section(
                fmt(":warning: {}\n{}", t(locale, "start.modal.banner"), lines),
                block_id=StartBlock.BANNER,
            )
        )
    if spec.description is not None:
        # Shown whole (several sections when longer than one holds); past 15,000 characters
        # it ends in a visible "…" (the form never becomes invalid).
        blocks.extend(sections(spec.description.get(language), max_blocks=DESCRIPTION_BLOCKS))
    title_element: Block = {"type": "plain_text_input", "action_id": VALUE, "max_length": 200}
    if spec.default_title is not None:
        title_element["initial_value"] = spec.default_title.get(language)[:200]
    blocks.append(
        input_block(
            StartBlock.TITLE,
            t(locale, "start.modal.title_label"),
            title_element,
            hint=t(locale, "start.modal.title_hint"),
        )
    )
    for fld in spec.asked_fields:
        blocks.append(
            input_block(
                field_block(fld.name),
                fld.label.get(language),
                field_element(fld, language, tz=tz, now=now),
                hint=fld.hint.get(language) if fld.hint is not None else None,
                optional=not fld.required,
            )
        )
    notes: list[str] = [t(locale, "start.modal.target", app_id=spec.app_id)]
    if spec.requester_field and requester_email:
        notes.append(
            t(locale, "start.modal.requester", email=requester_email, field=spec.requester_field)
        )
    if spec.visibility is Visibility.IN_CHANNEL:
        notes.append(t(locale, "start.modal.in_channel"))
    blocks.append(context(join(" ", notes)))
    return modal(
        spec.title.get(language),
        blocks,
        callback_id=StartCallback.SUBMIT,
        submit=t(locale, "start.modal.submit"),
        close=t(locale, "start.modal.cancel"),
        private_metadata=form_metadata(spec.name, channel_id),
    )


def field_element(fld: FieldSpec, language: str, *, tz: tzinfo, now: datetime) -> Block:
    """The Slack input for one Questetra field, with its default as the initial value."""
    element: Block = {"action_id": VALUE}
    default = fld.default
    single = default if isinstance(default, str) else None
    if fld.placeholder is not None and fld.type not in (FieldType.DATE, FieldType.DATETIME):
        element["placeholder"] = plain_object(fld.placeholder.get(language), 150)
    if fld.type in (FieldType.STRING, FieldType.TEXTAREA) or (
        fld.type is FieldType.ORGANIZATION and not fld.choices
    ):
        element["type"] = "plain_text_input"
        element["multiline"] = fld.type is FieldType.TEXTAREA
        if single:
            element["initial_value"] = single
    elif fld.type is FieldType.NUMBER:
        element["type"] = "number_input"
        element["is_decimal_allowed"] = fld.decimal
        if fld.min is not None:
            element["min_value"] = str(fld.min)
        if fld.max is not None:
            element["max_value"] = str(fld.max)
        if single:
            element["initial_value"] = single
    elif fld.type in (FieldType.SELECT, FieldType.ORGANIZATION):
        options = [option(c.label.get(language), c.id) for c in fld.choices]
        element["options"] = options
        chosen = [o for o in options if o["value"] in (default or ())] if default else []
        if fld.multiple:
            element["type"] = "multi_static_select"
            if chosen:
                element["initial_options"] = chosen
        else:
            element["type"] = "static_select"
            picked = next((o for o in options if o["value"] == single), None)
            if picked is not None:
                element["initial_option"] = picked
    elif fld.type is FieldType.DATE:
        element["type"] = "datepicker"
        if single:
            element["initial_date"] = initial_date(single, tz=tz, now=now)
    elif fld.type is FieldType.DATETIME:
        element["type"] = "datetimepicker"
        if single:
            element["initial_date_time"] = initial_datetime(single, tz=tz, now=now)
    elif fld.type is FieldType.USER:
        if fld.pick is UserPick.EMAIL:
            element["type"] = "email_text_input"
            if single:
                element["initial_value"] = single
        else:
            element["type"] = "users_select"
    return element


def notice_modal(locale: str | None, text: object) -> Block:
    """A modal with a message and a Close button (replaces the form when it cannot go on)."""
    return modal(
        t(locale, "start.modal.notice_title"),
        [section(text)],
        close=t(locale, "start.modal.close"),
    )


def started_message(
    locale: str | None,
    spec: StartEventSpec,
    started: Started,
    *,
    user_id: str,
) -> tuple[str, list[Block]]:
    language = language_of(locale)
    event, title = spec.title.get(language), started.title
    if started.process_id is not None and started.url is not None:
        text = t(
            locale,
            "start.result.started",
            event=event,
            process=link(started.url, f"#{started.process_id}"),
            title=title,
        )
    else:
        text = t(locale, "start.result.started_no_id", event=event, title=title)
    blocks = [section(fmt(":white_check_mark: {}", text))]
    if started.url is not None:
        blocks.append(
            actions(
                button(t(locale, "start.result.open"), StartAction.OPEN_PROCESS, url=started.url)
            )
        )
    if spec.visibility is Visibility.IN_CHANNEL:
        blocks.append(context(t(locale, "start.result.by", user=mention(user_id))))
    return text, blocks


def failed_message(
    locale: str | None, spec: StartEventSpec, reasons: list[str], *, command: str
) -> tuple[str, list[Block]]:
    event = spec.title.get(language_of(locale))
    text = t(locale, "start.result.failed", event=event)
    lines = join("\n", [fmt("• {}", r) for r in reasons])
    return text, [
        section(fmt(":warning: {}\n{}", text, lines)),
        context(t(locale, "start.result.retry", command=command, name=spec.name)),
    ]


def rejection_lines(locale: str | None, spec: StartEventSpec, errors: MappedErrors) -> list[str]:
    """Every refusal as one line, field errors prefixed with the field's label."""
    language = language_of(locale)
    lines: list[str] = []
    for name, messages in errors.fields.items():
        fld = spec.field(name)
        label = fld.label.get(language) if fld else t(locale, "start.modal.title_label")
        lines.extend(f"{label}: {render(locale, m)}" for m in messages)
    lines.extend(render(locale, m) for m in errors.general)
    return lines


# ---------------------------------------------------------------------------------------------
# Reading the submitted form


def read_form(
    view: dict[str, Any], spec: StartEventSpec
) -> tuple[str | None, dict[str, RawValue], dict[str, str]]:
    """(title, values per field name, Slack users picked per user field)."""
    state = state_values(view)
    title = input_value(element_state(state, StartBlock.TITLE, VALUE))
    values: dict[str, RawValue] = {}
    picks: dict[str, str] = {}
    for fld in spec.asked_fields:
        raw = element_state(state, field_block(fld.name), VALUE)
        if "selected_user" in raw:
            if isinstance(raw["selected_user"], str) and raw["selected_user"]:
                picks[fld.name] = raw["selected_user"]
            continue
        values[fld.name] = _raw_value(raw)
    return (str(title) if title is not None else None), values, picks


def _raw_value(raw: dict[str, Any]) -> RawValue:
    """One input's value; shapes Slack never sends read as "nothing entered" or fail the checks."""
    return input_value(raw)


def field_errors(locale: str | None, problems: list[FieldProblem]) -> dict[str, str]:
    errors: dict[str, list[str]] = {}
    for problem in problems:
        block = StartBlock.TITLE.value if problem.field == TITLE else field_block(problem.field)
        errors.setdefault(block, []).append(render(locale, problem.message))
    return {block: " ".join(texts)[:500] for block, texts in errors.items()}


# ---------------------------------------------------------------------------------------------
# Handlers


async def open_form(
    deps: Deps,
    client: AsyncWebClient,
    *,
    team_id: str,
    user_id: str,
    channel_id: str | None,
    trigger_id: str,
    name: str,
) -> None:
    """Open an event's form at once: the trigger id is only good for 3 seconds."""
    service = build_service(deps)
    profile = await deps.profiles.get(client, team_id, user_id)
    event = await service.resolve(
        team_id=team_id, user_id=user_id, name=name, channel_id=channel_id
    )
    requester = await service.requester_email(event, team_id=team_id, user_id=user_id)
    view = form_modal(
        profile.locale,
        event.spec,
        channel_id=channel_id,
        tz=zone_of(profile.tz),
        now=deps.clock.now(),
        requester_email=requester,
    )
    await client.views_open(trigger_id=trigger_id, view=view)


async def start_command(call: Invocation) -> None:
    if call.args:
        await open_form(
            call.deps,
            call.client,
            team_id=call.team_id,
            user_id=call.user_id,
            channel_id=call.channel_id,
            trigger_id=call.trigger_id,
            name=" ".join(call.args),
        )
        return
    service = build_service(call.deps)
    events = await service.available(team_id=call.team_id, channel_id=call.channel_id)
    blocks = picker_blocks(call.locale, call.command, events)
    await call.reply(t(call.locale, "start.picker.text"), blocks)


async def post_outcome(
    client: AsyncWebClient,
    *,
    channel_id: str | None,
    user_id: str,
    text: str,
    blocks: list[Block],
    in_channel: bool,
) -> None:
    """The channel the form came from (everyone or just the starter), else the app's DM."""
    if channel_id and not channel_id.startswith("D"):
        try:
            if in_channel:
                await client.chat_postMessage(channel=channel_id, text=text, blocks=blocks)
            else:
                await client.chat_postEphemeral(
                    channel=channel_id, user=user_id, text=text, blocks=blocks
                )
        except SlackApiError as exc:
            # Not in the channel (or it is gone): the DM still reaches the starter.
            log.info("start.outcome_channel_failed", error=slack_error(exc))
        else:
            return
    await client.chat_postMessage(channel=user_id, text=text, blocks=blocks)


async def picked_emails(
    deps: Deps,
    service: StartService,
    client: AsyncWebClient,
    *,
    team_id: str,
    picks: dict[str, str],
) -> tuple[dict[str, RawValue], list[FieldProblem]]:
    """People picked in the form → Questetra e-mails: their link's, else their Slack e-mail."""
    linked = await service.linked_emails(team_id=team_id, slack_user_ids=list(picks.values()))
    values: dict[str, RawValue] = {}
    problems: list[FieldProblem] = []
    for name, picked in picks.items():
        email = linked.get(picked) or (await deps.profiles.get(client, team_id, picked)).email
        if email:
            values[name] = email
        else:
            problems.append(FieldProblem(name, msg("start.field.no_email")))
    return values, problems


def register(app: AsyncApp, deps: Deps) -> None:
    service = build_service(deps)
    if deps.settings.start_events_file is not None:
        # Fail fast: `serve` stops with every problem of the file listed (ConfigurationError).
        load_events_file(
            deps.settings.start_events_file,
            base_url=deps.settings.questetra_base_url,
            environ=deps.environ,
        )

    @app.action(StartAction.OPEN)
    @opens_modal()
    async def on_open(
        ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        await ack()
        action = (body.get("actions") or [{}])[0]
        await open_form(
            deps,
            client,
            team_id=context.team_id or "",
            user_id=context.user_id or "",
            channel_id=context.channel_id,
            trigger_id=str(body.get("trigger_id") or ""),
            name=str(action.get("value") or ""),
        )

    @app.action(StartAction.OPEN_PROCESS)
    async def on_open_process(ack: AsyncAck) -> None:
        await ack()  # a URL button: the browser opens Questetra

    @app.view(StartCallback.SUBMIT)
    async def on_submit(
        ack: AsyncAck, view: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        deadline = asyncio.get_running_loop().time() + ACK_BUDGET_SECONDS
        team_id, user_id = context.team_id or "", context.user_id or ""
        profile = await deps.profiles.get(client, team_id, user_id)
        locale, tz = profile.locale, zone_of(profile.tz)
        name, channel_id = read_metadata(view.get("private_metadata"))
        try:
            event = await service.resolve(
                team_id=team_id, user_id=user_id, name=name, channel_id=channel_id
            )
            requester = await service.requester_email(event, team_id=team_id, user_id=user_id)
        except UserFacingError as exc:
            # The event changed under the open form (removed, restricted, link gone).
            await ack(response_action="update", view=notice_modal(locale, _said(locale, exc)))
            return
        title, values, picks = read_form(view, event.spec)
        people, problems = await picked_emails(deps, service, client, team_id=team_id, picks=picks)
        prepared = service.prepare(
            event,
            title=title,
            values={**values, **people},
            tz=tz,
            requester_email=requester,
        )
        if isinstance(prepared, list) or problems:
            found = [*problems, *(prepared if isinstance(prepared, list) else [])]
            await ack(response_action="errors", errors=field_errors(locale, found))
            return
        # Both halves of a double submit carry the same view id: one process.
        once_key = f"{team_id}:{view.get('id') or ''}"
        task = asyncio.create_task(
            service.start(
                event, prepared, user_id=user_id, channel_id=channel_id, once_key=once_key
            )
        )
        remaining = max(0.1, deadline - asyncio.get_running_loop().time())
        done, _ = await asyncio.wait({task}, timeout=remaining)

        def form(banner: list[str]) -> Block:
            return form_modal(
                locale,
                event.spec,
                channel_id=channel_id,
                tz=tz,
                now=deps.clock.now(),
                requester_email=requester,
                banner=banner,
            )

        if done:
            try:
                result = task.result()
            except UserFacingError as exc:
                await ack(response_action="update", view=form([_said(locale, exc)]))
                return
            except Exception:
                await ack()  # close the form; the guard's error report tells the user
                raise
            if isinstance(result, Rejected):
                await ack(**_rejection_ack(locale, event.spec, result.errors, form))
                return
            await ack()
            await _report(client, locale, event, result, user_id=user_id, channel_id=channel_id)
            return
        # Questetra is slow: release the form now and report the outcome when it comes.
        await ack(
            response_action="update", view=notice_modal(locale, t(locale, "start.modal.slow"))
        )
        try:
            result = await task
        except UserFacingError as exc:
            text, blocks = failed_message(
                locale, event.spec, [_said(locale, exc)], command=DEFAULT_COMMAND
            )
            await post_outcome(
                client,
                channel_id=channel_id,
                user_id=user_id,
                text=text,
                blocks=blocks,
                in_channel=False,
            )
            return
        await _report(client, locale, event, result, user_id=user_id, channel_id=channel_id)


def _said(locale: str | None, exc: UserFacingError) -> str:
    return t(locale, exc.key, **exc.params)


def _rejection_ack(
    locale: str | None,
    spec: StartEventSpec,
    errors: MappedErrors,
    form: Callable[[list[str]], Block],
) -> dict[str, Any]:
    """Field errors under their inputs; the rest at the top of the form."""
    general = [render(locale, m) for m in errors.general]
    if not errors.fields:
        return {"response_action": "update", "view": form(general)}
    found = [FieldProblem(name, m) for name, ms in errors.fields.items() for m in ms]
    shown = field_errors(locale, found)
    if general:
        # `errors` cannot carry a form-level message: the title input is the top of the form.
        title = StartBlock.TITLE.value
        shown[title] = " ".join([*general, shown.get(title, "")]).strip()[:500]
    return {"response_action": "errors", "errors": shown}


async def _report(
    client: AsyncWebClient,
    locale: str | None,
    event: ResolvedEvent,
    result: StartResult,
    *,
    user_id: str,
    channel_id: str | None,
) -> None:
    spec = event.spec
    if isinstance(result, Duplicate):
        return
    if isinstance(result, Rejected):
        lines = rejection_lines(locale, spec, result.errors)
        text, blocks = failed_message(locale, spec, lines, command=DEFAULT_COMMAND)
        in_channel = False
    else:
        text, blocks = started_message(locale, spec, result, user_id=user_id)
        in_channel = spec.visibility is Visibility.IN_CHANNEL
    await post_outcome(
        client,
        channel_id=channel_id,
        user_id=user_id,
        text=text,
        blocks=blocks,
        in_channel=in_channel,
    )


SUBCOMMANDS: dict[str, Handler] = {SubCommand.START: start_command}
OPENS_MODAL = {SubCommand.START: bool}  # `start <name>` opens the event's form
ACTIONS = StartAction
