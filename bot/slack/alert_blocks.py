"""Pure Block Kit builders for alerts: the DM card (and its final state), the quiet-hours
digest, subscription posts and workflow pushes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from bot.domain.alerts import Prefs
from bot.domain.tasks import Task
from bot.i18n import t
from bot.questetra.urls import process_url
from bot.slack.ids import AlertAction
from bot.slack.render import (
    Block,
    Mrkdwn,
    actions,
    button,
    context,
    cut,
    fmt,
    header,
    join,
    link,
    section,
)
from bot.slack.task_blocks import task_card

DIGEST_MAX = 15
WEBHOOK_TITLE_MAX = 200
WEBHOOK_TEXT_MAX = 2500  # the rest of the section's 3,000 goes to the title and the link
NOTIFICATION_MAX = 300  # the message's own text: what a phone shows


def alert_message(
    locale: str | None,
    base_url: str,
    task: Task,
    now: datetime,
    outcome: str | None = None,
    tz: tzinfo | None = None,
) -> tuple[str, list[Block]]:
    """A new-task DM. After the fact (``outcome``), the same card without the buttons that no
    longer make sense."""
    if outcome == "gone":
        heading = t(locale, "alert.gone", task=task.name)
        blocks = [section(fmt("~{}~", cut(task.name, 200)))]
        blocks.extend(task_card(locale, base_url, task, now, with_buttons=False, tz=tz)[1:])
        blocks.append(context(heading))
        return cut(heading, NOTIFICATION_MAX), blocks
    key = "alert.new_offered" if task.kind == "offered" else "alert.new_allocated"
    heading = t(locale, key, task=task.name, app=task.app_name)
    notice = t(locale, "alert.accepted") if outcome == "accepted" else None
    blocks = [section(fmt(":bell: {}", heading))]
    blocks.extend(task_card(locale, base_url, task, now, notice=notice, origin="alert", tz=tz))
    return cut(heading, NOTIFICATION_MAX), blocks


def digest_message(
    locale: str | None,
    base_url: str,
    tasks: Sequence[Task],
    now: datetime,
    tz: tzinfo | None = None,
) -> tuple[str, list[Block]]:
    heading = t(locale, "alert.digest", count=len(tasks))
    blocks: list[Block] = [section(fmt(":sunrise: {}", heading))]
    for task in tasks[:DIGEST_MAX]:
        blocks.extend(task_card(locale, base_url, task, now, compact=True, origin="digest", tz=tz))
    if len(tasks) > DIGEST_MAX:
        blocks.append(context(t(locale, "alert.digest_more", count=len(tasks) - DIGEST_MAX)))
    return heading, blocks


def process_post(
    locale: str | None, base_url: str, process: dict[str, Any]
) -> tuple[str, list[Block]]:
    """A new process of a subscribed app, posted to the channel."""
    pid = int(process.get("id", 0))
    title = cut(str(process.get("title") or ""), 300)
    app = str(process.get("app_name") or "")
    seq = process.get("seq") or pid
    text = t(locale, "subscription.new_process", app=app, seq=seq, title=title)
    line = fmt(":inbox_tray: {} {}", link(process_url(base_url, pid), f"{app} #{seq}"), title)
    blocks = [section(line)]
    if process.get("starter"):
        blocks.append(context(t(locale, "tasks.started_by", name=str(process["starter"]))))
    return cut(text, NOTIFICATION_MAX), blocks


def webhook_post(payload: dict[str, Any], base_url: str) -> tuple[str, list[Block]]:
    """A push from a workflow: its title and text, with a link to the process when given. The
    message's own text (notifications) is the same title and text, escaped like the blocks."""
    raw_title, raw_text = str(payload.get("title") or ""), str(payload.get("text") or "")
    pid = payload.get("process_id")
    where = process_url(base_url, int(pid)) if pid else None
    title, text = cut(raw_title, WEBHOOK_TITLE_MAX), cut(raw_text, WEBHOOK_TEXT_MAX)
    lines: list[Mrkdwn] = []
    if raw_title:
        lines.append(fmt("*{}*", link(where, title) if where else title))
    elif where:
        lines.append(link(where, f"#{int(pid or 0)}"))
    if raw_text:
        lines.append(text)
    body = join("\n", lines) if lines else Mrkdwn("—")
    notification = join(" ", [p for p in (raw_title, raw_text) if p]) or "—"
    return cut(notification, NOTIFICATION_MAX), [section(body)]


def prefs_text(locale: str | None, prefs: Prefs, tz: str | None) -> str:
    quiet = (
        t(
            locale,
            "alerts.quiet_range",
            start=prefs.quiet_start,
            end=prefs.quiet_end,
            tz=tz or "Asia/Tokyo",
        )
        if prefs.quiet_start
        else t(locale, "alerts.none")
    )
    return t(
        locale,
        "alerts.status",
        state=t(locale, "alerts.on" if prefs.enabled else "alerts.off"),
        offered=t(locale, "alerts.on" if prefs.offered else "alerts.off"),
        quiet=quiet,
    )


def settings_blocks(locale: str | None, command: str, prefs: Prefs, tz: str | None) -> list[Block]:
    """The Home tab's alert section."""
    toggle = (
        button(t(locale, "alerts.button_off"), AlertAction.DISABLE)
        if prefs.enabled
        else button(t(locale, "alerts.button_on"), AlertAction.ENABLE, style="primary")
    )
    offered = (
        button(t(locale, "alerts.button_offered_off"), AlertAction.OFFERED_OFF)
        if prefs.offered
        else button(t(locale, "alerts.button_offered_on"), AlertAction.OFFERED_ON)
    )
    return [
        header(t(locale, "home.alerts_title")),
        section(prefs_text(locale, prefs, tz)),
        actions(toggle, offered, block_id="alert-settings"),
        context(t(locale, "alerts.usage", command=command)),
    ]
