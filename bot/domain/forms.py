"""Task forms as the bridge sees them: what a task asks for, and the rules for processing it.

Pure data and rules, no I/O. The wire format lives in :mod:`bot.questetra.forms`; the values a
person enters are checked and encoded in :mod:`bot.domain.form_values`.

Codes are Questetra's ([XMLFORM], questetra-fidelity.md §4.2): ``data-type`` 0 String, 5 Date,
8 User, 9 Discussion, 10 Datetime, 11 Select, 12 Numeric, 13 Table, 14 File, 15 Guide panel,
16 Organization; ``form-type`` 0 text field, 1 text area, 2 radio, 3 checkbox, 4 select box,
5 search select box; ``sub-type`` (dates) 0 Y/M/D, 1 Y/M, 2 M/D, 3 Y; ``accessibility``
0 hidden, 1 read-only, 3 read/write (≥ 2 counts as writable, as [TITANIUM] reads it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import IntEnum


class DataType(IntEnum):
    STRING = 0
    DATE = 5
    USER = 8
    DISCUSSION = 9
    DATETIME = 10
    SELECT = 11
    NUMBER = 12
    TABLE = 13
    FILE = 14
    GUIDE = 15
    ORGANIZATION = 16


class FormType(IntEnum):
    TEXT_FIELD = 0
    TEXT_AREA = 1
    RADIO = 2
    CHECKBOX = 3
    SELECT_BOX = 4
    SEARCH_SELECT = 5


HIDDEN, READ_ONLY, WRITABLE = 0, 1, 3
# Types a person can fill in from Slack. Tables and files stay read-only (with a link to the
# task in Questetra), guide panels have no value.
EDITABLE_TYPES = frozenset(
    {
        DataType.STRING,
        DataType.DATE,
        DataType.USER,
        DataType.DISCUSSION,
        DataType.DATETIME,
        DataType.SELECT,
        DataType.NUMBER,
        DataType.ORGANIZATION,
    }
)
DATE_FORMATS = {0: "%Y-%m-%d", 1: "%Y-%m", 2: "%m-%d", 3: "%Y"}  # sub-type → Questetra's text


@dataclass(frozen=True)
class Choice:
    id: str
    label: str


@dataclass(frozen=True)
class CurrentValue:
    """An item's current value, whatever ``<value>`` shape it came in (§4.5.4).

    ``text`` is the value as its ``q_`` parameter would carry it (a number, ``2026-12-01``,
    ``2026-12-01 14:30``, a user's e-mail, an organization's name, the table's XML), ``selected``
    the chosen choice ids, ``display`` what a person reads, ``files`` (id, name) pairs,
    ``rows`` a table's rows.
    """

    text: str | None = None
    selected: tuple[str, ...] = ()
    display: str | None = None
    files: tuple[tuple[str, str], ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.text or self.selected or self.files or self.rows)


@dataclass(frozen=True)
class FormItem:
    number: int | None
    name: str  # the label
    var_name: str | None  # the field name, also the Form/save parameter (``q_amount``)
    data_type: int
    access: int
    required: bool = False
    form_type: int | None = None
    sub_type: int | None = None
    description: str = ""  # plain text (Questetra sends HTML)
    choices: tuple[Choice, ...] = ()
    scale: int | None = None  # Numeric: decimal places allowed
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    columns: tuple[str, ...] = ()  # Table: column names
    value: CurrentValue = field(default_factory=CurrentValue)

    @property
    def writable(self) -> bool:
        return self.access >= 2 and bool(self.var_name)

    @property
    def editable_in_slack(self) -> bool:
        """Writable and of a type the Slack modal offers an input for (a select whose choices
        come from elsewhere, so not in the form, is not)."""
        if self.data_type == DataType.SELECT and not self.choices:
            return False
        return self.writable and self.data_type in EDITABLE_TYPES

    @property
    def multiple(self) -> bool:
        return self.data_type == DataType.SELECT and self.form_type == FormType.CHECKBOX

    @property
    def multiline(self) -> bool:
        return self.data_type == DataType.DISCUSSION or self.form_type == FormType.TEXT_AREA

    def choice(self, choice_id: str) -> Choice | None:
        return next((c for c in self.choices if c.id == choice_id), None)


@dataclass(frozen=True)
class UserSelect:
    """A button of the task (``user-select``): its opaque ``flow-id``, sent verbatim."""

    flow_id: str
    name: str


@dataclass(frozen=True)
class Role:
    """A position (organization) the operator may act as (``executing-role``)."""

    qgroup_id: str
    name: str


@dataclass(frozen=True)
class TaskForm:
    workitem_id: int | None
    task_name: str
    title: str | None  # None when the form does not carry it
    title_writable: bool
    items: tuple[FormItem, ...]
    buttons: tuple[UserSelect, ...]
    roles: tuple[Role, ...]
    current_role: str | None = None
    process_instance_id: int | None = None

    def item(self, var_name: str) -> FormItem | None:
        return next((i for i in self.items if i.var_name == var_name), None)

    def button(self, flow_id: str) -> UserSelect | None:
        return next((b for b in self.buttons if b.flow_id == flow_id), None)

    @property
    def writable_items(self) -> list[FormItem]:
        return [i for i in self.items if i.writable]

    @property
    def editable_items(self) -> list[FormItem]:
        return [i for i in self.items if i.editable_in_slack]

    @property
    def shown_items(self) -> list[FormItem]:
        """Read-only items a person sees (hidden ones and empty guide panels left out)."""
        return [i for i in self.items if not i.editable_in_slack and i.access >= 1]

    @property
    def missing_required(self) -> list[FormItem]:
        """Required writable items without a value: the task cannot be finished as it is."""
        return [i for i in self.writable_items if i.required and i.value.empty]

    @property
    def role_choice_needed(self) -> bool:
        """Several positions and none chosen already: the person must pick one."""
        ids = {r.qgroup_id for r in self.roles}
        return len(ids) > 1 and self.current_role not in ids

    def default_role(self) -> str | None:
        ids = [r.qgroup_id for r in self.roles]
        if self.current_role is not None and (not ids or self.current_role in ids):
            return self.current_role
        return ids[0] if len(ids) == 1 else None

    @property
    def one_click(self) -> bool:
        """A button may save at once (after Slack's confirm): nothing required is left empty and
        no position has to be chosen."""
        return not self.missing_required and not self.role_choice_needed


@dataclass(frozen=True)
class SaveResult:
    """The parsed ``<result>`` of ``Form/save``: field errors keyed by parameter name."""

    success: bool
    field_errors: dict[str, list[str]] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (key, detail), not item-bound
