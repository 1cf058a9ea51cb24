"""Pure Block Kit builders: data in, JSON-ready dicts out. No I/O, no Slack client. Texts and
blocks are made with the rendering boundary (bot/slack/render.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from bot.errors import NextStep
from bot.i18n import t
from bot.slack.ids import ActionId, BlockId, CallbackId, HomeAction, SubCommand
from bot.slack.render import (
    Block,
    actions,
    button,
    code,
    context,
    date,
    divider,
    fmt,
    header,
    home,
    input_block,
    join,
    modal,
    section,
)

# (sub-command shown in help, its catalog key); the order is the order users read.
HELP_ENTRIES: tuple[tuple[str, str], ...] = (
    (SubCommand.CONNECT, "help.cmd.connect"),
    (f"{SubCommand.CONNECT} basic", "help.cmd.connect_basic"),
    (SubCommand.DISCONNECT, "help.cmd.disconnect"),
    (SubCommand.STATUS, "help.cmd.status"),
    (f"{SubCommand.TASKS} [words]", "help.cmd.tasks"),
    (f"{SubCommand.START} [name]", "help.cmd.start"),
    (f"{SubCommand.ALERTS} on|off|quiet HH:MM-HH:MM", "help.cmd.alerts"),
    (f"{SubCommand.SUBSCRIBE} <app>", "help.cmd.subscribe"),
    (f"{SubCommand.UNSUBSCRIBE} <app>", "help.cmd.unsubscribe"),
    (SubCommand.SUBSCRIPTIONS, "help.cmd.subscriptions"),
    (SubCommand.WEBHOOK, "help.cmd.webhook"),
    (SubCommand.ADMIN, "help.cmd.admin"),
    (SubCommand.HELP, "help.cmd.help"),
)


def help_blocks(locale: str | None, command: str) -> list[Block]:
    lines = [
        fmt("• {} — {}", code(f"{command} {usage}"), t(locale, key)) for usage, key in HELP_ENTRIES
    ]
    return [
        header(t(locale, "help.title")),
        section(t(locale, "help.intro", command=command)),
        section(join("\n", lines)),
        context(t(locale, "help.footer")),
    ]


def unknown_command_blocks(
    locale: str | None, command: str, sub: str, suggestion: str | None
) -> list[Block]:
    parts = [t(locale, "command.unknown", command=command, sub=sub)]
    if suggestion:
        parts.append(t(locale, "command.did_you_mean", command=command, suggestion=suggestion))
    parts.append(t(locale, "command.see_help", command=command))
    return [section(join(" ", parts))]


def next_step_elements(locale: str | None, step: NextStep) -> list[Block]:
    """The button that goes with a failure's next step, if it has one."""
    if step is NextStep.CONNECT:
        return [button(t(locale, "button.connect"), ActionId.CONNECT, style="primary")]
    if step is NextStep.RELINK:
        return [button(t(locale, "button.relink"), ActionId.RELINK, style="primary")]
    if step is NextStep.HELP:
        return [button(t(locale, "button.help"), ActionId.HELP)]
    return []


def error_blocks(locale: str | None, message: object, step: NextStep) -> list[Block]:
    blocks = [section(fmt(":warning: {}", message))]
    elements = next_step_elements(locale, step)
    if elements:
        blocks.append(actions(*elements))
    return blocks


@dataclass(frozen=True)
class HomeLink:
    """What the Home tab needs to know about the viewer's link (None when not linked)."""

    name: str
    email: str
    method: str
    needs_relink: bool


def home_view(
    locale: str | None,
    command: str,
    link: HomeLink | None,
    *,
    paused: bool = False,
    notice: str | None = None,
    task_blocks: list[Block] | None = None,
    alert_blocks: list[Block] | None = None,
    updated: datetime | None = None,
    tz: tzinfo | None = None,
) -> Block:
    blocks: list[Block] = [header(t(locale, "home.title")), section(t(locale, "home.welcome"))]
    if paused:
        blocks.append(section(fmt(":double_vertical_bar: {}", t(locale, "home.paused"))))
    if notice:
        blocks.append(section(notice))
    blocks.append(divider())
    if link is None:
        blocks.append(section(t(locale, "home.not_linked")))
        blocks.append(actions(*next_step_elements(locale, NextStep.CONNECT)))
    elif link.needs_relink:
        blocks.append(section(fmt(":warning: {}", t(locale, "home.needs_relink"))))
        blocks.append(actions(*next_step_elements(locale, NextStep.RELINK)))
    else:
        method = t(locale, f"method.{link.method}")
        blocks.append(
            section(t(locale, "home.linked_as", name=link.name, email=link.email, method=method))
        )
        blocks.append(
            actions(
                button(t(locale, "tasks.button_refresh"), HomeAction.REFRESH),
                button(t(locale, "home.button_disconnect"), HomeAction.DISCONNECT, style="danger"),
                block_id="home-link",
            )
        )
        if task_blocks:
            blocks.append(divider())
            blocks.extend(task_blocks)
        if alert_blocks:
            blocks.append(divider())
            blocks.extend(alert_blocks)
    footer = [t(locale, "home.help_hint", command=command)]
    if updated is not None:
        footer.append(t(locale, "home.updated", when=date(updated, tz=tz)))
    blocks.append(context(join(" · ", footer)))
    # A Home tab holds 100 blocks: keep the end (help) and cut the middle if ever needed.
    if len(blocks) > 100:
        blocks = [*blocks[:98], blocks[-1]]
    return home(blocks)


def connect_blocks(
    locale: str | None,
    command: str,
    url: str,
    *,
    current: tuple[str, str] | None,
    basic_available: bool,
) -> list[Block]:
    blocks = [
        section(t(locale, "connect.prompt")),
        actions(
            button(
                t(locale, "button.open_questetra_consent"),
                ActionId.OPEN_CONSENT,
                url=url,
                style="primary",
            )
        ),
    ]
    notes = []
    if current is not None:
        notes.append(t(locale, "connect.replaces", name=current[0], email=current[1]))
    if basic_available:
        notes.append(t(locale, "connect.basic_hint", command=command))
    if notes:
        blocks.append(context(join(" ", notes)))
    return blocks


def basic_link_modal(locale: str | None) -> Block:
    return modal(
        t(locale, "basic.title"),
        [
            section(t(locale, "basic.intro")),
            input_block(
                BlockId.EMAIL,
                t(locale, "basic.email"),
                {"type": "email_text_input", "action_id": BlockId.EMAIL},
            ),
            input_block(
                BlockId.API_PASSWORD,
                t(locale, "basic.password"),
                {"type": "plain_text_input", "action_id": BlockId.API_PASSWORD},
            ),
        ],
        callback_id=CallbackId.BASIC_LINK,
        submit=t(locale, "basic.submit"),
        close=t(locale, "basic.cancel"),
    )


@dataclass(frozen=True)
class StatusView:
    name: str
    email: str
    method: str
    needs_relink: bool
    linked_at: datetime
    access_expires_at: datetime | None
    refresh_age_days: int | None
    last_error: str | None
    last_error_at: datetime | None


def status_blocks(
    locale: str | None, command: str, status: StatusView | None, tz: tzinfo | None = None
) -> list[Block]:
    if status is None:
        return [section(t(locale, "status.not_linked", command=command))]
    method = t(locale, f"method.{status.method}")
    lines = [
        t(
            locale,
            "status.linked",
            name=status.name,
            email=status.email,
            method=method,
            since=date(status.linked_at, tz=tz),
        ),
    ]
    if status.needs_relink:
        lines.append(t(locale, "status.needs_relink", command=command))
    if status.access_expires_at is not None:
        lines.append(t(locale, "status.access_expiry", when=date(status.access_expires_at, tz=tz)))
    if status.refresh_age_days is not None:
        lines.append(t(locale, "status.refresh_age", days=status.refresh_age_days))
    if status.last_error and status.last_error_at:
        lines.append(
            t(
                locale,
                "status.last_error",
                when=date(status.last_error_at, tz=tz),
                error=status.last_error,
            )
        )
    else:
        lines.append(t(locale, "status.no_errors"))
    blocks = [section(join("\n", lines))]
    if status.needs_relink:
        blocks.append(actions(*next_step_elements(locale, NextStep.RELINK)))
    return blocks
