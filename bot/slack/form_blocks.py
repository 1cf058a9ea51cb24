"""Pure Block Kit builders for processing tasks on cards and alerts: the task's own buttons
(with Slack's confirm dialog for a one-click save), "Process…", "Accept and process", and what a
card says once the task is processed. The modal is in :mod:`bot.slack.form_modal`. No I/O.

Block Kit limits kept here: a button text 75 and value 2000 characters, an actions block 25
elements, a confirm dialog's title 100, text 300 and buttons 30.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.forms import TaskForm
from bot.domain.tasks import Task
from bot.i18n import t
from bot.slack.blocks import Block, button, context
from bot.slack.ids import CHOOSE_PREFIX, FormAction
from bot.slack.task_blocks import _cut, _escape

MAX_ALERT_CHOICES = 5  # buttons of a task shown on its alert; more go through "Process…"


def plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": _cut(text, limit) or " "}


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
            element = button(str(name), f"{CHOOSE_PREFIX}{index}", value=click_value(click))
            if one_click:
                element["confirm"] = confirm_dialog(locale, str(name), task)
            elements.append(element)
    elements.append(
        button(t(locale, "forms.button_process"), FormAction.PROCESS, value=click_value(base))
    )
    return elements


def confirm_dialog(locale: str | None, choice: str, task: Task) -> Block:
    """Slack's own confirmation before a one-click save ("Approve *Expense #1042*?")."""
    what = task.process_title or task.name
    return {
        "title": plain(t(locale, "forms.confirm_title", choice=choice), 100),
        "text": {
            "type": "mrkdwn",
            "text": _cut(t(locale, "forms.confirm_text", choice=choice, task=_escape(what)), 300),
        },
        "confirm": plain(t(locale, "forms.confirm_yes", choice=choice), 30),
        "deny": plain(t(locale, "forms.confirm_no"), 30),
    }


def processed_line(locale: str | None, processed: dict[str, Any]) -> str:
    """ "Approved by you · 12:04" (the time in each reader's own zone)."""
    try:
        when = datetime.fromisoformat(str(processed.get("at")))
    except ValueError:
        when = None
    shown = f"<!date^{int(when.timestamp())}^{{time}}|{when.strftime('%H:%M UTC')}>" if when else ""
    if processed.get("save_only"):
        return t(locale, "forms.saved", when=shown)
    choice = processed.get("choice")
    if choice:
        return t(locale, "forms.done_choice", choice=_escape(_cut(str(choice), 75)), when=shown)
    return t(locale, "forms.done", when=shown)


def read_only_note(locale: str | None) -> Block:
    return context(t(locale, "forms.read_only_note"))
