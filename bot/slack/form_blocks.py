"""Pure Block Kit builders for processing tasks on cards and alerts: the task's own buttons
(with Slack's confirm dialog for a one-click save), "Process…", "Accept and process", and what a
card says once the task is processed. The modal is in :mod:`bot.slack.form_modal`. No I/O.

Texts and limits go through the rendering boundary (bot/slack/render.py): data is never
escaped or cut by hand here. A button's value stays well under 2,000 characters.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from bot.domain.forms import TaskForm
from bot.domain.tasks import Task
from bot.i18n import Text, t
from bot.slack.ids import CHOOSE_PREFIX, FormAction
from bot.slack.render import Block, Mrkdwn, button, confirm_dialog, context, cut, date

MAX_ALERT_CHOICES = 5  # buttons of a task shown on its alert; more go through "Process…"


# ---------------------------------------------------------------------------- button values


@dataclass(frozen=True)
class Click:
    """What a processing button carries: the task, where it sits, and the chosen flow."""

    workitem_id: int
    task_name: str
    origin: str = "list"  # list | home | alert
    page: int = 0
    words: tuple[str, ...] = ()
    flow_id: str | None = None
    choice: str | None = None
    one_click: bool = False


def click_value(click: Click) -> str:
    data: dict[str, Any] = {"w": click.workitem_id, "n": click.task_name[:100], "o": click.origin}
    if click.page:
        data["p"] = click.page
    if click.words:
        data["q"] = " ".join(click.words)[:200]
    if click.flow_id is not None:
        data |= {"f": click.flow_id[:50], "c": (click.choice or "")[:75], "1": click.one_click}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def parse_click(value: str | None) -> Click | None:
    try:
        data = json.loads(value or "")
        flow = data.get("f")
        return Click(
            workitem_id=int(data["w"]),
            task_name=str(data.get("n") or f"#{data['w']}"),
            origin=str(data.get("o") or "list"),
            page=int(data.get("p", 0)),
            words=tuple(str(data.get("q", "")).split()),
            flow_id=str(flow) if flow is not None else None,
            choice=str(data.get("c") or "") or None,
            one_click=bool(data.get("1")),
        )
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return None


# ---------------------------------------------------------------------------- cards and alerts


def form_summary(form: TaskForm | None, *, can_write: bool) -> dict[str, Any]:
    """What an alert remembers of its task's form (read once, when the alert is made)."""
    if not can_write:
        return {"ro": True}
    if form is None:
        return {}
    return {
        "b": [[b.flow_id, b.name] for b in form.buttons],
        "one": form.one_click,
    }


def process_elements(
    locale: str | None,
    task: Task,
    *,
    origin: str,
    page: int = 0,
    words: Sequence[str] = (),
    summary: dict[str, Any] | None = None,
) -> list[Block]:
    """The processing buttons of a task card: its own choices (alerts), then "Process…", or
    "Accept and process" for an offered task. None for a read-only connection."""
    summary = summary or {}
    if summary.get("ro"):
        return []
    base = Click(task.id, task.name, origin, page, tuple(words))
    if task.kind == "offered":
        return [
            button(
                t(locale, "forms.button_accept_process"),
                FormAction.ACCEPT_PROCESS,
                value=click_value(base),
            )
        ]
    elements: list[Block] = []
    choices = summary.get("b") or []
    if origin == "alert" and len(choices) <= MAX_ALERT_CHOICES:
        one_click = bool(summary.get("one"))
        for index, (flow_id, name) in enumerate(choices):
            click = Click(
                task.id, task.name, origin, flow_id=str(flow_id), choice=str(name),
                one_click=one_click,
            )  # fmt: skip
            confirm = one_click_confirm(locale, str(name), task) if one_click else None
            elements.append(
                button(
                    str(name), f"{CHOOSE_PREFIX}{index}", value=click_value(click), confirm=confirm
                )
            )
    elements.append(
        button(t(locale, "forms.button_process"), FormAction.PROCESS, value=click_value(base))
    )
    return elements


def one_click_confirm(locale: str | None, choice: str, task: Task) -> Block:
    """Slack's own confirmation before a one-click save ("Approve *Expense #1042*?")."""
    return confirm_dialog(
        t(locale, "forms.confirm_title", choice=choice),
        t(locale, "forms.confirm_text", choice=choice, task=task.process_title or task.name),
        t(locale, "forms.confirm_yes", choice=choice),
        t(locale, "forms.confirm_no"),
    )


def processed_line(
    locale: str | None, processed: dict[str, Any], *, tz: tzinfo | None = None
) -> Text:
    """ "Approved by you · 12:04" (the time in each reader's own zone)."""
    try:
        when: Mrkdwn | str = date(
            datetime.fromisoformat(str(processed.get("at"))),
            tz=tz,
            tokens="{time}",
            fallback_format="%H:%M",
        )
    except ValueError:
        when = ""
    if processed.get("save_only"):
        return t(locale, "forms.saved", when=when)
    choice = processed.get("choice")
    if choice:
        return t(locale, "forms.done_choice", choice=cut(str(choice), 75), when=when)
    return t(locale, "forms.done", when=when)


def read_only_note(locale: str | None) -> Block:
    return context(t(locale, "forms.read_only_note"))
