"""Pure Block Kit builders for alerts: the DM card (and its final state), the quiet-hours
digest, subscription posts and workflow pushes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.domain.alerts import Prefs
from bot.domain.tasks import Task
from bot.i18n import t
from bot.questetra.urls import QuestetraLinks, process_url
from bot.slack.blocks import Block, actions, button, context, header, mrkdwn
from bot.slack.ids import AlertAction
from bot.slack.task_blocks import _cut, _escape, task_card

DIGEST_MAX = 15


def alert_message(
    locale: str | None,
    links: QuestetraLinks,
    task: Task,
    now: datetime,
    outcome: str | None = None,
) -> tuple[str, list[Block]]:
    """A new-task DM. After the fact (``outcome``), the same card without the buttons that no
    longer make sense."""
    if outcome == "gone":
        heading = t(locale, "alert.gone", task=task.name)
        blocks = [mrkdwn(f"~{_escape(_cut(task.name, 200))}~")]
        blocks.extend(task_card(locale, links, task, now, with_buttons=False)[1:])
        blocks.append(context(heading))
        return heading, blocks
    key = "alert.new_offered" if task.kind == "offered" else "alert.new_allocated"
    heading = t(locale, key, task=task.name, app=task.app_name)
    notice = t(locale, "alert.accepted") if outcome == "accepted" else None
    blocks = [mrkdwn(f":bell: {_escape(heading)}")]
    blocks.extend(task_card(locale, links, task, now, notice=notice, origin="alert"))
    return heading, blocks


def digest_message(
    locale: str | None, links: QuestetraLinks, tasks: Sequence[Task], now: datetime
) -> tuple[str, list[Block]]:
    heading = t(locale, "alert.digest", count=len(tasks))
    blocks: list[Block] = [mrkdwn(f":sunrise: {heading}")]
    for task in tasks[:DIGEST_MAX]:
        blocks.extend(task_card(locale, links, task, now, compact=True, origin="digest"))
    if len(tasks) > DIGEST_MAX:
        blocks.append(context(t(locale, "alert.digest_more", count=len(tasks) - DIGEST_MAX)))
    return heading, blocks


def process_post(
    locale: str | None, base_url: str, process: dict[str, Any]
) -> tuple[str, list[Block]]:
    """A new process of a subscribed app, posted to the channel."""
    pid = int(process.get("id", 0))
    title = _escape(_cut(str(process.get("title") or ""), 300))
    app = _escape(str(process.get("app_name") or ""))
    seq = process.get("seq") or pid
    text = t(locale, "subscription.new_process", app=app, seq=seq, title=title)
    line = f":inbox_tray: <{process_url(base_url, pid)}|{app} #{seq}> {title}"
    blocks = [mrkdwn(line)]
    if process.get("starter"):
        blocks.append(context(t(locale, "tasks.started_by", name=_escape(str(process["starter"])))))
    return text, blocks


def webhook_post(payload: dict[str, Any], base_url: str) -> tuple[str, list[Block]]:
    """A push from a workflow: its title and text, with a link to the process when given."""
    title = _escape(_cut(str(payload.get("title") or ""), 200))
    text = _escape(_cut(str(payload.get("text") or ""), 2500))
    pid = payload.get("process_id")
    lines = []
    if title:
        lines.append(f"*<{process_url(base_url, int(pid))}|{title}>*" if pid else f"*{title}*")
    elif pid:
        lines.append(f"<{process_url(base_url, int(pid))}|#{int(pid)}>")
    if text:
        lines.append(text)
    body = "\n".join(lines) or "—"
    return _cut(f"{payload.get('title') or ''} {payload.get('text') or ''}".strip() or "—", 300), [
        mrkdwn(_cut(body, 2900))
    ]


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
        mrkdwn(prefs_text(locale, prefs, tz)),
        actions(toggle, offered, block_id="alert-settings"),
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": t(locale, "alerts.usage", command=command)}],
        },
    ]
