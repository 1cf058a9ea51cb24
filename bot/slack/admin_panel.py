"""The admin panel: `/questetra admin` overview with linked users, revoke, pause/resume,
Basic auth on/off, e-mail mappings and the audit log. Every path checks the admin rights first
(bot.slack.permissions), for commands and for each button."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import StrEnum
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.domain.typed import email, is_ascii_decimal, slack_user, whole_number
from bot.errors import BadInput
from bot.i18n import t
from bot.services.admin import AdminService, LinkedUser, Overview
from bot.services.audit import entries
from bot.slack.ids import DEFAULT_COMMAND
from bot.slack.invocation import Invocation
from bot.slack.permissions import require_admin
from bot.slack.render import (
    Block,
    actions,
    button,
    confirm_dialog,
    context,
    cut,
    date,
    divider,
    fmt,
    header,
    join,
    mention,
    section,
)

PAGE_SIZE = 15  # two blocks a user: the panel stays under Slack's 50
AUDIT_LINES = 20
_SLACK_USER = re.compile(r"[UWB][A-Z0-9_]{2,}")


class PanelAction(StrEnum):
    REVOKE = "panel_revoke"  # value: Slack user id
    PAUSE = "panel_pause"
    RESUME = "panel_resume"
    BASIC_ON = "panel_basic_on"
    BASIC_OFF = "panel_basic_off"
    PAGE = "panel_page"  # value: page number
    AUDIT = "panel_audit"


def confirm(locale: str | None, text: object) -> dict[str, Any]:
    return confirm_dialog(
        t(locale, "panel.confirm_title"),
        text,
        t(locale, "panel.confirm_yes"),
        t(locale, "panel.confirm_no"),
        style="danger",
    )


def panel_blocks(
    locale: str | None,
    overview: Overview,
    users: list[LinkedUser],
    page: int,
    total: int,
    banner: str | None = None,
) -> list[Block]:
    """Pure builder: the overview, the switches and one page of linked users."""
    blocks: list[Block] = [header(t(locale, "panel.title"))]
    if banner:
        blocks.append(section(banner))
    status = [
        t(
            locale,
            "panel.counts",
            oauth=overview.oauth_links,
            basic=overview.basic_links,
            relink=overview.needs_relink,
            pending=overview.alerts_pending,
            failed=overview.alerts_failed_24h,
        ),
        t(locale, "panel.client_refused", since=_since(overview.client_refused_since))
        if overview.client_refused_since
        else t(locale, "panel.client_ok"),
        t(locale, "panel.paused" if overview.paused else "panel.running"),
        t(locale, "panel.basic_on" if overview.basic_auth_enabled else "panel.basic_off"),
    ]
    blocks.append(section(join("\n", status)))
    pause = (
        button(t(locale, "panel.button_resume"), PanelAction.RESUME, style="primary")
        if overview.paused
        else button(
            t(locale, "panel.button_pause"),
            PanelAction.PAUSE,
            style="danger",
            confirm=confirm(locale, t(locale, "panel.confirm_pause")),
        )
    )
    basic = (
        button(
            t(locale, "panel.button_basic_off"),
            PanelAction.BASIC_OFF,
            confirm=confirm(locale, t(locale, "panel.confirm_basic_off")),
        )
        if overview.basic_auth_enabled
        else button(t(locale, "panel.button_basic_on"), PanelAction.BASIC_ON)
    )
    blocks.append(
        actions(
            pause,
            basic,
            button(t(locale, "panel.button_audit"), PanelAction.AUDIT),
            block_id="panel-switches",
        )
    )
    blocks.append(divider())
    blocks.append(section(t(locale, "panel.users_title", total=total)))
    if not users:
        blocks.append(section(t(locale, "panel.no_users")))
    for user in users:
        error: str = ""
        if user.status != "active":
            error = t(locale, "panel.needs_relink_suffix")
        elif user.last_error:
            error = t(locale, "panel.error_suffix", error=cut(user.last_error, 200))
        line = t(
            locale,
            "panel.user_line",
            user=mention(user.slack_user_id),
            email=user.questetra_email,
            method=t(locale, f"method.{user.method}"),
            since=date(user.linked_at),
            last=date(user.last_used_at) if user.last_used_at else t(locale, "panel.never"),
            error=error,
        )
        revoke = button(
            t(locale, "panel.button_revoke"),
            PanelAction.REVOKE,
            value=user.slack_user_id,
            confirm=confirm(
                locale, t(locale, "panel.confirm_revoke", user=mention(user.slack_user_id))
            ),
        )
        blocks.append(section(line, accessory=revoke))
    pages = max(1, -(-total // PAGE_SIZE))
    if pages > 1:
        nav = []
        if page > 0:
            nav.append(
                button(t(locale, "panel.button_previous"), PanelAction.PAGE, value=str(page - 1))
            )
        if page + 1 < pages:
            nav.append(
                button(t(locale, "panel.button_next"), PanelAction.PAGE, value=str(page + 1))
            )
        blocks.append(context(t(locale, "panel.page", page=page + 1, pages=pages)))
        blocks.append(actions(*nav, block_id="panel-nav"))
    blocks.append(context(t(locale, "panel.usage", command=DEFAULT_COMMAND)))
    return blocks


class Panel:
    """The panel's use of the admin service, shared by the commands and the buttons."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.service = AdminService(
            sessions=deps.sessions,
            clock=deps.clock,
            basic_auth_default=deps.settings.questetra_basic_auth,
        )

    async def render(
        self, team_id: str, locale: str | None, page: int = 0, banner: str | None = None
    ) -> tuple[str, list[Block]]:
        overview = await self.service.overview(team_id=team_id)
        users, total = await self.service.linked_users(team_id=team_id, page=page, size=PAGE_SIZE)
        return t(locale, "panel.title"), panel_blocks(locale, overview, users, page, total, banner)

    async def tell(self, team_id: str, user_id: str, key: str) -> None:
        locale = await self.deps.slack_ports.locale_of(team_id, user_id)
        text = t(locale, key, command=DEFAULT_COMMAND)
        await self.deps.slack_ports.dm(
            team_id, user_id, text, [section(fmt(":information_source: {}", text))]
        )

    async def revoke(self, team_id: str, actor: str, target: str, locale: str | None) -> str:
        removed = await self.deps.linking.unlink(
            team_id=team_id, slack_user_id=target, actor=actor, action="revoke"
        )
        if not removed:
            return t(locale, "panel.not_linked", user=mention(target))
        await self.tell(team_id, target, "panel.revoked_dm")
        return t(locale, "panel.revoked", user=mention(target))

    async def basic(self, team_id: str, actor: str, enabled: bool, locale: str | None) -> str:
        for user in await self.service.set_basic_auth(
            team_id=team_id, enabled=enabled, actor=actor
        ):
            await self.tell(team_id, user, "panel.basic_dropped_dm")
        return t(locale, "panel.saved")

    async def audit(
        self, team_id: str, locale: str | None, who: str | None
    ) -> tuple[str, list[Block]]:
        rows = await entries(
            self.deps.sessions, team_id=team_id, actor_or_target=who, limit=AUDIT_LINES
        )
        if not rows:
            return t(locale, "panel.audit_empty"), [section(t(locale, "panel.audit_empty"))]
        lines = [
            t(
                locale,
                "panel.audit_line",
                when=date(r.at),
                actor=_who(r.actor),
                action=r.action,
                target=_who(r.target or ""),
                outcome=r.outcome,
            )
            for r in rows
        ]
        title = t(locale, "panel.audit_title", count=len(rows))
        return title, [section(title), section(join("\n", lines))]


def _who(actor_or_target: str) -> str:
    """A Slack user id shown as a mention; anything else (an e-mail, "slack") as text."""
    return mention(actor_or_target) if _SLACK_USER.fullmatch(actor_or_target) else actor_or_target


def _since(value: object) -> str:
    """The flag stores an ISO time: shown as a Slack date, else as it is."""
    if isinstance(value, datetime):
        return date(value)
    try:
        return date(datetime.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def _target(call: Invocation, args: list[str]) -> str:
    """The person a command is about: a mention (``<@U…|name>``, ``<@U…>``, ``<@W…>``) or a user
    id; ``@name`` typed by hand is answered with what to do (bot/domain/typed.py)."""
    if len(args) < 2:
        raise BadInput(hint=t(call.locale, "panel.usage", command=call.command))
    return slack_user(args[1])


async def panel_command(call: Invocation, args: list[str]) -> None:
    """`/questetra admin [users|revoke|pause|resume|basic|map|unmap|audit] …` (admin checked)."""
    await require_admin(call.deps, call.client, call.team_id, call.user_id)
    panel = Panel(call.deps)
    verb = args[0].lower() if args else ""
    banner = None
    page = 0
    if verb in ("", "users"):
        page = max(whole_number(args[1]) - 1, 0) if len(args) > 1 else 0
    elif verb == "revoke":
        target = _target(call, args)
        banner = await panel.revoke(call.team_id, call.user_id, target, call.locale)
    elif verb in ("pause", "resume"):
        await panel.service.set_paused(
            team_id=call.team_id, paused=verb == "pause", actor=call.user_id
        )
        banner = t(call.locale, "panel.saved")
    elif verb == "basic" and args[1:2] in (["on"], ["off"]):
        banner = await panel.basic(call.team_id, call.user_id, args[1] == "on", call.locale)
    elif verb == "map" and len(args) > 2 and (address := email(args[2])) is not None:
        target = _target(call, args)
        await panel.service.map_email(
            team_id=call.team_id, slack_user_id=target, email=address, actor=call.user_id
        )
        banner = t(call.locale, "panel.mapped", user=mention(target), email=address)
    elif verb == "unmap":
        target = _target(call, args)
        await panel.service.map_email(
            team_id=call.team_id, slack_user_id=target, email=None, actor=call.user_id
        )
        banner = t(call.locale, "panel.unmapped", user=mention(target))
    elif verb == "audit":
        who = _target(call, args) if len(args) > 1 else None
        text, blocks = await panel.audit(call.team_id, call.locale, who)
        await call.reply(text, blocks)
        return
    else:
        raise BadInput(hint=t(call.locale, "panel.usage", command=call.command))
    text, blocks = await panel.render(call.team_id, call.locale, page, banner)
    await call.reply(text, blocks)


TOPICS: dict[str, Callable[[Invocation, list[str]], Awaitable[None]]] = {
    topic: panel_command
    for topic in ("", "users", "revoke", "pause", "resume", "basic", "map", "unmap", "audit")
}


SUBCOMMANDS: dict[str, Callable[[Invocation], Awaitable[None]]] = {}  # reached via `admin`
ACTIONS = PanelAction


def register(app: AsyncApp, deps: Deps) -> None:
    panel = Panel(deps)

    def handler(kind: PanelAction) -> Callable[..., Awaitable[None]]:
        async def on_click(
            ack: AsyncAck,
            body: dict[str, Any],
            context: AsyncBoltContext,
            client: AsyncWebClient,
            respond: AsyncRespond,
        ) -> None:
            await ack()
            team_id, user_id = context.team_id or "", context.user_id or ""
            await require_admin(deps, client, team_id, user_id)
            locale = (await deps.profiles.get(client, team_id, user_id)).locale
            value = str(((body.get("actions") or [{}])[0]).get("value") or "")
            page, banner = 0, None
            if kind is PanelAction.AUDIT:
                text, blocks = await panel.audit(team_id, locale, None)
                await respond(text=text, blocks=blocks, replace_original=False)
                return
            if kind is PanelAction.REVOKE and value:
                banner = await panel.revoke(team_id, user_id, value, locale)
            elif kind in (PanelAction.PAUSE, PanelAction.RESUME):
                await panel.service.set_paused(
                    team_id=team_id, paused=kind is PanelAction.PAUSE, actor=user_id
                )
                banner = t(locale, "panel.saved")
            elif kind in (PanelAction.BASIC_ON, PanelAction.BASIC_OFF):
                banner = await panel.basic(team_id, user_id, kind is PanelAction.BASIC_ON, locale)
            elif kind is PanelAction.PAGE and is_ascii_decimal(value):
                page = int(value)
            text, blocks = await panel.render(team_id, locale, page, banner)
            await respond(text=text, blocks=blocks, replace_original=True)

        return on_click

    for kind in PanelAction:
        app.action(kind)(handler(kind))
