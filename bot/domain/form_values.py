"""Checking what a person entered in a task form and encoding it for ``Form/save``.

Pure functions. What is sent (questetra-fidelity.md §4.3, and safe under §4.5.1, "are items left
out of Form/save kept or cleared?"): **every writable item is sent**, with the person's new value
or, untouched, its current value converted from the structured ``<value>``, so either answer to
§4.5.1 leaves the task as the person saw it. Two exceptions, because re-sending would change
data: a Discussion item gets only a new comment (Questetra appends it), and a File item is
re-sent by the ids of its current files (or left out when they are unknown). An empty value is
sent as an empty parameter, so "cleared in Slack" clears in Questetra too.

Values use the Message Start Event formats ([R2210]): numbers ``1234.56``, choice ids (the
parameter repeated), dates by sub-type, date-times ``2011-10-27 12:34`` (in the person's time
zone), users by e-mail, organizations by name, tables as their XML.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal

from bot.domain.forms import DATE_FORMATS, DataType, FormItem, TaskForm
from bot.domain.start_events import EMAIL_PATTERN, Message, msg, normalise_number
from bot.domain.typed import is_ascii_decimal

F = "forms.field."  # i18n prefix of the problems below
TITLE, FLOW, ROLE = "title", "flow", "qgroupId"  # targets that are not data items
GENERAL = ""  # a problem of the whole form
NUMBER = re.compile(r"^-?\d+(\.\d+)?$", re.ASCII)
DATETIME_FORMAT = "%Y-%m-%d %H:%M"

# What the Slack layer hands over per item: text, choice ids, a unix time (date-time picker),
# or None (nothing entered). An item missing from ``inputs`` is untouched: its value is re-sent.
RawInput = str | int | list[str] | None


@dataclass(frozen=True)
class Problem:
    target: str  # a var-name, TITLE, FLOW, ROLE or GENERAL
    message: Message


@dataclass(frozen=True)
class Submission:
    flow_id: str | None  # the chosen button (None: no buttons, or save only)
    save_only: bool = False
    role: str | None = None  # qgroupId chosen in the modal
    title: str | None = None  # None: untouched
    inputs: Mapping[str, RawInput] | None = None  # by var-name; None: nothing edited (one click)


def prepare_save(
    form: TaskForm, submission: Submission, *, tz: tzinfo
) -> list[tuple[str, str]] | list[Problem]:
    """The ``Form/save`` parameters (without ``workitemId``), or every problem found."""
    problems: list[Problem] = []
    params: list[tuple[str, str]] = []
    if form.title_writable and form.title is not None:
        title = (submission.title if submission.title is not None else form.title).strip()
        params.append((TITLE, title or form.title))
    inputs = submission.inputs or {}
    for item in form.writable_items:
        assert item.var_name is not None  # noqa: S101 - writable implies a var-name
        if item.var_name in inputs and item.editable_in_slack:
            encoded = encode_input(item, inputs[item.var_name], tz)
        else:
            encoded = current_values(item)
        if isinstance(encoded, Message):
            problems.append(Problem(item.var_name, encoded))
            continue
        if not submission.save_only and item.required and _empty(item, encoded):
            key = "required" if item.editable_in_slack else "required_in_questetra"
            problems.append(Problem(item.var_name, msg(F + key, name=item.name)))
            continue
        if encoded is not None:
            params.extend((item.var_name, value) for value in encoded)
    problems.extend(_flow_and_role(form, submission, params))
    return problems or params


def _empty(item: FormItem, encoded: list[str] | None) -> bool:
    if item.data_type == DataType.DISCUSSION:
        return not encoded and item.value.empty
    return not encoded or all(v == "" for v in encoded)


def _flow_and_role(
    form: TaskForm, submission: Submission, params: list[tuple[str, str]]
) -> list[Problem]:
    problems: list[Problem] = []
    flow_id = submission.flow_id
    if flow_id is None and len(form.buttons) == 1:
        flow_id = form.buttons[0].flow_id  # the form's only button (the modal's submit)
    if form.buttons and not submission.save_only:
        if flow_id is None or form.button(flow_id) is None:
            problems.append(Problem(FLOW, msg(F + "choose_flow")))
        else:
            params.append((FLOW, flow_id))
    if submission.save_only:
        params.append(("saveOnly", "true"))
    role = submission.role or form.default_role()
    known = {r.qgroup_id for r in form.roles}
    unknown = role is not None and bool(known) and role not in known
    if (role is None and len(known) > 1) or unknown:
        problems.append(Problem(ROLE, msg(F + "choose_role")))
    elif role is not None:
        params.append((ROLE, role))
    return problems


def encode_input(item: FormItem, raw: RawInput, tz: tzinfo) -> list[str] | Message | None:
    """A person's entry for ``item`` as parameter values ([""] = cleared), or what is wrong."""
    texts = _texts(raw)
    if item.data_type == DataType.DISCUSSION:
        comment = texts[0].replace("\r\n", "\n") if texts else ""
        return [comment] if comment.strip() else None
    if not texts:
        return [""]
    if item.data_type == DataType.SELECT:
        if len(texts) > 1 and not item.multiple:
            return msg(F + "one_value")
        if item.choices and any(item.choice(t) is None for t in texts):
            return msg(F + "not_a_choice")
        return list(dict.fromkeys(texts))
    text = texts[0]
    if item.data_type == DataType.NUMBER:
        return _number(item, text)
    if item.data_type == DataType.DATE:
        try:
            return [
                date.fromisoformat(text).strftime(DATE_FORMATS.get(item.sub_type or 0, "%Y-%m-%d"))
            ]
        except ValueError:
            return msg(F + "not_a_date")
    if item.data_type == DataType.DATETIME:
        if isinstance(raw, int) or is_ascii_decimal(text):
            moment = datetime.fromtimestamp(int(text), UTC).astimezone(tz)
            return [moment.strftime(DATETIME_FORMAT)]
        return _datetime_text(text) or msg(F + "not_a_datetime")
    if item.data_type == DataType.USER and not EMAIL_PATTERN.match(text):
        return msg(F + "not_an_email")
    return [text]


def _texts(raw: RawInput) -> list[str]:
    if raw is None:
        return []
    values = raw if isinstance(raw, list) else [str(raw)]
    return [str(v).strip() for v in values if str(v).strip()]


def _number(item: FormItem, text: str) -> list[str] | Message:
    number = normalise_number(text).replace(",", "")
    if not NUMBER.match(number):
        return msg(F + "not_a_number")
    value = Decimal(number)
    exponent = value.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if item.scale is not None and places > item.scale:
        return msg(F + "too_many_decimals", scale=item.scale)
    if item.minimum is not None and value < item.minimum:
        return msg(F + "below_min", min=str(item.minimum))
    if item.maximum is not None and value > item.maximum:
        return msg(F + "above_max", max=str(item.maximum))
    return [number]


def _datetime_text(text: str) -> list[str] | None:
    for parse in (
        lambda t: datetime.strptime(t, DATETIME_FORMAT),
        datetime.fromisoformat,
    ):
        try:
            return [parse(text).strftime(DATETIME_FORMAT)]
        except ValueError:
            continue
    return None


def current_values(item: FormItem) -> list[str] | None:
    """The item's current value as parameter values, to send it back unchanged (None: leave
    the parameter out)."""
    value = item.value
    kind = item.data_type
    if kind == DataType.DISCUSSION or kind == DataType.GUIDE:
        return None  # a discussion would get its last comment again; a guide has no value
    if kind == DataType.FILE:
        ids = [file_id for file_id, _ in value.files]
        return ids if ids and all(ids) else None
    if kind == DataType.TABLE:
        return [value.text] if value.text else None
    if kind == DataType.SELECT:
        return list(value.selected) or [""]
    text = value.text or ""
    if kind == DataType.NUMBER and text:
        number = normalise_number(text).replace(",", "")
        return [number] if NUMBER.match(number) else None
    if kind == DataType.DATETIME and text:
        return _datetime_text(text)
    return [text]


def initial_date(item: FormItem, today: date) -> str | None:
    """A date item's current value as the ``YYYY-MM-DD`` a date picker starts from."""
    text = item.value.text
    if not text:
        return None
    sub_type = item.sub_type or 0
    try:
        if sub_type == 1:
            return date.fromisoformat(f"{text}-01").isoformat()
        if sub_type == 2:
            return date.fromisoformat(f"{today.year}-{text}").isoformat()
        if sub_type == 3:
            return date(int(text), 1, 1).isoformat()
        return date.fromisoformat(text).isoformat()
    except ValueError:
        return None


def initial_datetime(item: FormItem, tz: tzinfo) -> int | None:
    """A date-time item's current value (wall-clock time in ``tz``) as a unix time."""
    found = _datetime_text(item.value.text or "")
    if not found:
        return None
    naive = datetime.strptime(found[0], DATETIME_FORMAT)
    return int(naive.replace(tzinfo=tz).timestamp())
