"""The task form as a Slack modal, and reading a submitted one back. Pure builders, no I/O.

Built from the form: writable items as inputs typed like the item (text, text area, number,
single and multiple select, date by sub-type, date-time in the person's zone, a people picker,
organization by name, a new discussion comment), read-only items as context (files and tables
with a link to the task in Questetra), the task's choices as a required radio group, "save
without completing", and the position when the person holds several.

Texts are escaped and every Block Kit limit is kept by the rendering boundary
(bot/slack/render.py); what is chosen here is what to leave out visibly: items past the modal's
100 blocks, choices past a select's 100 options (radio buttons and checkboxes hold 10).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, tzinfo
from typing import Any

from bot.domain.form_values import FLOW, GENERAL, ROLE, TITLE, initial_date, initial_datetime
from bot.domain.forms import DataType, FormItem, FormType, TaskForm
from bot.domain.tasks import Table, display_value
from bot.i18n import t
from bot.questetra.urls import QuestetraLinks
from bot.slack.ids import FormAction, FormCallback
from bot.slack.render import (
    Block,
    actions,
    button,
    context,
    cut,
    cut_plain,
    fmt,
    input_block,
    join,
    modal,
    option,
    section,
)

MAX_BLOCKS = 100
MAX_OPTIONS = 100
MAX_RADIO = 10
VALUE = "value"  # the action id of every input of the modal
SAVE_ONLY = "save_only"
ROLE_BLOCK = "role"
FLOW_BLOCK = "flow"
TITLE_BLOCK = "title"


def loading_modal(locale: str | None) -> Block:
    return notice_modal(locale, t(locale, "forms.modal_loading"))


def notice_modal(locale: str | None, text: object) -> Block:
    """A modal with one message and a Close button (``text``: a catalog message or data)."""
    return modal(
        t(locale, "forms.modal_title"), [section(text)], close=t(locale, "forms.modal_close")
    )


@dataclass(frozen=True)
class ModalMeta:
    """Where the modal came from, so the source can be updated after saving."""

    workitem_id: int
    task_name: str
    origin: str  # list | home | alert
    response_url: str | None = None  # the list message or the alert (replace it in place)
    page: int = 0
    words: tuple[str, ...] = ()

    def dump(self) -> str:
        data: dict[str, Any] = {"w": self.workitem_id, "n": self.task_name[:100], "o": self.origin}
        if self.response_url:
            data["r"] = self.response_url[:500]
        if self.page:
            data["p"] = self.page
        if self.words:
            data["q"] = " ".join(self.words)[:200]
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def load(cls, raw: object) -> ModalMeta | None:
        try:
            data = json.loads(raw) if isinstance(raw, str) else None
            return cls(
                int(data["w"]),  # type: ignore[index]
                str(data.get("n") or ""),  # type: ignore[union-attr]
                str(data.get("o") or "list"),  # type: ignore[union-attr]
                str(data.get("r") or "") or None,  # type: ignore[union-attr]
                int(data.get("p", 0)),  # type: ignore[union-attr]
                tuple(str(data.get("q", "")).split()),  # type: ignore[union-attr]
            )
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
            return None


def form_modal(
    locale: str | None,
    links: QuestetraLinks,
    form: TaskForm,
    meta: ModalMeta,
    *,
    tz: tzinfo,
    today: date,
    process_line: str = "",
    preselect: str | None = None,
    banner: Sequence[str] = (),
) -> Block:
    """The task's form as a modal: writable items as inputs typed like the item, read-only
    ones as context, the choices as a required radio group, save-only, the position."""
    blocks: list[Block] = []
    heading = t(
        locale,
        "forms.modal_heading",
        task=cut(form.task_name or meta.task_name, 300),
        process=cut(process_line, 1000),
    )
    blocks.append(section(heading))
    if banner:
        lines = join("\n", [fmt("• {}", line) for line in banner])
        blocks.append(section(fmt("{}\n{}", t(locale, "forms.modal_problems"), lines)))
    if form.title_writable and form.title is not None:
        title = {"type": "plain_text_input", "action_id": VALUE, "initial_value": form.title}
        blocks.append(input_block(TITLE_BLOCK, t(locale, "forms.modal_title_label"), title))
    tail = _tail_blocks(locale, form, preselect)
    room = MAX_BLOCKS - len(blocks) - len(tail) - 3
    body: list[Block] = []
    needs_link = False
    for item in form.items:
        built = _item_blocks(locale, item, tz=tz, today=today)
        needs_link |= item.data_type in (DataType.FILE, DataType.TABLE) and item.access >= 1
        body.extend(built)
    if len(body) > room:
        more = len(body) - room + 1
        body = [*body[: room - 1], context(t(locale, "forms.modal_more_items", count=more))]
        needs_link = True
    blocks.extend(body)
    if not body and not tail:
        blocks.append(context(t(locale, "forms.modal_nothing_to_fill")))
    blocks.extend(tail)
    if needs_link:
        blocks.append(context(t(locale, "forms.modal_open_in_questetra")))
    blocks.append(
        actions(
            button(
                t(locale, "forms.open_task"),
                FormAction.OPEN_TASK,
                url=(
                    links.task(meta.workitem_id, form.process_instance_id)
                    if form.process_instance_id is not None
                    else links.my_tasks()
                ),
                value=str(meta.workitem_id),
            )
        )
    )
    submit: object = t(locale, "forms.modal_submit")
    if len(form.buttons) == 1:
        submit = form.buttons[0].name
    return modal(
        t(locale, "forms.modal_title"),
        blocks[:MAX_BLOCKS],
        callback_id=FormCallback.SUBMIT,
        submit=submit,
        close=t(locale, "forms.modal_close"),
        private_metadata=meta.dump(),
    )


def _input(
    block_id: str, label: object, element: Block, *, optional: bool = False, hint: object = ""
) -> Block:
    return input_block(block_id, label, element, hint=hint or None, optional=optional)


def _option(value: str, label: str) -> Block:
    return option(label, value)


def _tail_blocks(locale: str | None, form: TaskForm, preselect: str | None) -> list[Block]:
    tail: list[Block] = []
    if len(form.buttons) > 1:
        options = [_option(b.flow_id, b.name) for b in form.buttons[:MAX_OPTIONS]]
        kind = "radio_buttons" if len(options) <= MAX_RADIO else "static_select"
        element: Block = {"type": kind, "action_id": VALUE, "options": options}
        chosen = next((o for o in options if o["value"] == preselect), None)
        if chosen is not None:
            element["initial_option"] = chosen
        tail.append(_input(FLOW_BLOCK, t(locale, "forms.modal_choice_label"), element))
    if form.role_choice_needed or len(form.roles) > 1:
        options = [_option(r.qgroup_id, r.name) for r in form.roles[:MAX_OPTIONS]]
        kind = "radio_buttons" if len(options) <= MAX_RADIO else "static_select"
        element = {"type": kind, "action_id": VALUE, "options": options}
        current = next((o for o in options if o["value"] == form.current_role), None)
        if current is not None:
            element["initial_option"] = current
        tail.append(_input(ROLE_BLOCK, t(locale, "forms.modal_role_label"), element))
    only = option(
        t(locale, "forms.modal_save_only"),
        "true",
        description=t(locale, "forms.modal_save_only_hint"),
    )
    element = {"type": "checkboxes", "action_id": VALUE, "options": [only]}
    label = t(locale, "forms.modal_options_label")
    tail.append(_input(SAVE_ONLY, label, element, optional=True))
    return tail


def _item_blocks(locale: str | None, item: FormItem, *, tz: tzinfo, today: date) -> list[Block]:
    if item.access < 1 or (item.data_type == DataType.GUIDE and not item.description):
        return []
    if not item.editable_in_slack:
        if item.data_type == DataType.GUIDE:
            text: object = fmt("*{}*\n{}", cut(item.name, 200), cut(item.description, 2500))
        else:
            text = t(
                locale,
                "forms.modal_read_only",
                name=cut(item.name, 200),
                value=cut(_shown_value(item), 1500),
            )
        return [context(text)]
    assert item.var_name is not None  # noqa: S101 - editable implies a var-name
    element, hint = _element(locale, item, tz=tz, today=today)
    label = item.name
    blocks: list[Block] = []
    if item.data_type == DataType.DISCUSSION:
        label = t(locale, "forms.modal_comment_label", name=item.name)
        if item.value.text:
            so_far = cut(item.value.text, 1500)
            blocks.append(context(t(locale, "forms.modal_discussion_so_far", text=so_far)))
    optional = (
        not item.required
        or item.data_type == DataType.USER
        or (item.data_type == DataType.DISCUSSION and not item.value.empty)
    )
    hints = " ".join(str(p) for p in (item.description, hint) if p)
    blocks.append(_input(item.var_name, label, element, optional=optional, hint=hints))
    return blocks


def _shown_value(item: FormItem) -> str:
    value = item.value
    if value.rows:
        return display_value(Table(value.rows), max_rows=5, max_len=1500)
    return value.display or value.text or "—"


def _element(
    locale: str | None, item: FormItem, *, tz: tzinfo, today: date
) -> tuple[Block, object]:
    """The Slack input for an editable item, its current value as the initial one."""
    element: Block = {"action_id": VALUE}
    value = item.value
    hint: object = ""
    kind = item.data_type
    if kind == DataType.NUMBER:
        element |= {"type": "number_input", "is_decimal_allowed": item.scale != 0}
        if item.minimum is not None:
            element["min_value"] = str(item.minimum)
        if item.maximum is not None:
            element["max_value"] = str(item.maximum)
        number = (value.text or "").replace(",", "")
        if number and (item.scale != 0 or "." not in number):
            element["initial_value"] = number  # Slack refuses a decimal in an integer input
    elif kind == DataType.SELECT:
        options = [_option(c.id, c.label) for c in item.choices]
        if len(options) > MAX_OPTIONS:
            options = options[:MAX_OPTIONS]
            hint = t(locale, "forms.modal_more_options", count=MAX_OPTIONS)
        chosen = [o for o in options if o["value"] in value.selected]
        few = len(options) <= MAX_RADIO
        if item.multiple:
            element |= {"type": "checkboxes" if few else "multi_static_select", "options": options}
            if chosen:
                element["initial_options"] = chosen
        else:
            radio = few and item.form_type == FormType.RADIO
            element |= {"type": "radio_buttons" if radio else "static_select", "options": options}
            if chosen:
                element["initial_option"] = chosen[0]
    elif kind == DataType.DATE:
        element["type"] = "datepicker"
        start = initial_date(item, today)
        if start:
            element["initial_date"] = start
    elif kind == DataType.DATETIME:
        element["type"] = "datetimepicker"
        moment = initial_datetime(item, tz)
        if moment is not None:
            element["initial_date_time"] = moment
    elif kind == DataType.USER:
        element["type"] = "users_select"
        current = value.display or value.text
        hint = (
            t(locale, "forms.modal_user_hint", current=cut_plain(current, 500))
            if current
            else t(locale, "forms.modal_user_hint_empty")
        )
    else:  # String, Discussion (a new comment), Organization (its name)
        element |= {"type": "plain_text_input", "multiline": item.multiline}
        if kind != DataType.DISCUSSION and value.text:
            element["initial_value"] = value.text  # capped by the boundary
    return element, hint


# ---------------------------------------------------------------------------- reading it back


def state_of(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    state = view.get("state")
    values = state.get("values") if isinstance(state, dict) else None
    return values if isinstance(values, dict) else {}


def entry(values: dict[str, Any], block_id: str) -> dict[str, Any]:
    block = values.get(block_id)
    found = block.get(VALUE) if isinstance(block, dict) else None
    return found if isinstance(found, dict) else {}


def chosen_option(values: dict[str, Any], block_id: str) -> str | None:
    option = entry(values, block_id).get("selected_option")
    value = option.get("value") if isinstance(option, dict) else None
    return value if isinstance(value, str) else None


def errors_for(problems: Sequence[tuple[str, str]], block_ids: Sequence[str]) -> dict[str, str]:
    """(target, text) problems → Slack's ``errors`` by block id. Problems of the form itself go
    first under the first input (``errors`` can only point at inputs), so they are never cut."""
    shown: dict[str, list[str]] = {}
    general: list[str] = []
    targets = {TITLE: TITLE_BLOCK, FLOW: FLOW_BLOCK, ROLE: ROLE_BLOCK}
    for target, text in problems:
        block = targets.get(target, target)
        if block not in block_ids or target == GENERAL:
            general.append(text)
        else:
            shown.setdefault(block, []).append(text)
    if general and block_ids:
        shown[block_ids[0]] = [*general, *shown.get(block_ids[0], [])]
    return {block: cut_plain(" ".join(texts), 500) for block, texts in shown.items()}
