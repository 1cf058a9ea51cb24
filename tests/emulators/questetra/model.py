"""Records the emulator keeps: the tenant's users, apps, processes, tasks, OAuth clients and tokens."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, NamedTuple

# Field.type -> (ProcessData.dataType, ProcessData.subType). dataType names follow the values
# seen in the wild ([LOOKER]: STRING, DATE with subType DATE_YMD, DATETIME, QUSER, QGROUP). The
# subTypes of STRING and SELECT are INFERRED from the platform's vocabulary ([ADDON-TYPES]:
# STRING_TEXTFIELD, STRING_TEXTAREA, SELECT_SINGLE, SELECT_CHECKBOX), by analogy with DATE_YMD.
FIELD_TYPES: dict[str, tuple[str, str | None]] = {
    "STRING": ("STRING", "STRING_TEXTFIELD"),
    "STRING_TEXTAREA": ("STRING", "STRING_TEXTAREA"),
    "DECIMAL": ("DECIMAL", None),
    "SELECT": ("SELECT", "SELECT_SINGLE"),
    "SELECT_MULTI": ("SELECT", "SELECT_CHECKBOX"),
    "DATE": ("DATE", "DATE_YMD"),
    "DATETIME": ("DATETIME", None),
    "QUSER": ("QUSER", None),
    "QGROUP": ("QGROUP", None),
    "DISCUSSION": ("DISCUSSION", None),
    "LIST": ("LIST", None),
    "FILE": ("FILE", None),
}
DATE_SUB_TYPES = ("DATE_YMD", "DATE_YM", "DATE_MD", "DATE_Y")

TaskState = Literal["OFFERED", "ALLOCATED", "ENDED"]
ProcessState = Literal["STARTED", "ENDED", "FAILED"]


@dataclass(frozen=True)
class Field:
    """A data item of a workflow app. ``name`` is its field name: as Questetra shows it
    (``q_amount``), or bare (``amount``, this emulator's older spelling); either way the
    parameter is ``q_amount`` (:attr:`param`)."""

    name: str
    label: str
    type: str
    number: int
    required: bool = False
    choices: dict[str, str] | None = None  # choice id -> label (SELECT, SELECT_MULTI)
    editable_on_start: bool = True
    sub_type: str | None = None  # DATE only: DATE_YMD (default), DATE_YM, DATE_MD, DATE_Y
    visible: bool = True  # False: never returned by the API ("only data the user may see")

    def __post_init__(self) -> None:
        if self.type not in FIELD_TYPES:
            raise ValueError(f"unknown field type {self.type!r}; one of {sorted(FIELD_TYPES)}")
        if self.type in ("SELECT", "SELECT_MULTI") and not self.choices:
            raise ValueError(f"field {self.name!r}: SELECT fields need choices")
        if self.sub_type is not None and (
            self.type != "DATE" or self.sub_type not in DATE_SUB_TYPES
        ):
            raise ValueError(f"field {self.name!r}: sub_type is one of {DATE_SUB_TYPES} (DATE)")

    @property
    def param(self) -> str:
        """The field name Questetra shows and takes as a parameter: always ``q_``-prefixed."""
        return self.name if self.name.startswith("q_") else f"q_{self.name}"

    @property
    def data_type(self) -> str:
        return FIELD_TYPES[self.type][0]

    @property
    def api_sub_type(self) -> str | None:
        if self.type == "DATE":
            return self.sub_type or "DATE_YMD"
        return FIELD_TYPES[self.type][1]


@dataclass(frozen=True)
class QGroup:
    id: int
    name: str


@dataclass(frozen=True)
class QUser:
    id: int
    name: str
    email: str
    group: QGroup
    api_password: str | None = field(default=None, repr=False, compare=False)


@dataclass
class Client:
    client_id: str
    client_secret: str = field(repr=False)
    redirect_uri: str
    require_pkce: bool = False
    active: bool = True
    name: str = "Slack bridge"


@dataclass(frozen=True)
class StartEvent:
    app_id: int
    node_number: int
    name: str
    kind: Literal["message", "human"]
    key: str = field(default="", repr=False)
    users: frozenset[int] | None = None  # human start events: who may start (None = everyone)


@dataclass
class App:
    """A workflow app (ProcessModelInfo) with its nodes."""

    id: int
    name: str
    category: str
    fields: list[Field]
    active: bool
    activated_at: datetime
    version: int = 1
    short_explanation: str = ""
    managers: set[int] = field(default_factory=set)  # may view every process of the app
    start_events: dict[int, StartEvent] = field(default_factory=dict)
    task_nodes: dict[int, str] = field(default_factory=dict)  # node number -> task name

    def field_by_name(self, name: str) -> Field | None:
        """By field name, written either way (``q_amount`` or ``amount``)."""
        param = name if name.startswith("q_") else f"q_{name}"
        return next((f for f in self.fields if f.param == param), None)

    def field_by_number(self, number: int) -> Field | None:
        return next((f for f in self.fields if f.number == number), None)

    def node_numbers(self) -> set[int]:
        return set(self.start_events) | set(self.task_nodes)


@dataclass(frozen=True)
class FileValue:
    id: int
    name: str
    content_type: str
    length: int


@dataclass
class ProcessInstance:
    id: int
    app_id: int
    sequence_number: int
    title: str
    state: ProcessState
    started_at: datetime
    version: int
    ended_at: datetime | None = None
    starter_id: int | None = None
    starter_group_id: int | None = None
    data: dict[int, object] = field(default_factory=dict)  # field number -> stored value
    debug: bool = False
    starred: bool = False


@dataclass
class Workitem:
    id: int
    process_instance_id: int
    node_name: str
    node_number: int
    state: TaskState
    offered_to: list[int]
    started_at: datetime
    offered_at: datetime | None = None
    allocated_user_id: int | None = None
    allocated_at: datetime | None = None
    ended_at: datetime | None = None
    deadline: datetime | None = None
    swimlane_type: str = "NORMAL"
    fail_type: str | None = None
    starred: bool = False
    read: bool = False
    editable_fields: frozenset[str] | None = None  # None: every field is editable in the form
    flows: tuple[str, ...] = ("Submit",)  # submit buttons; flow id = index
    chosen_flow: str | None = None  # which button completed it (Form/save)


@dataclass
class AuthCode:
    code: str
    client_id: str
    redirect_uri: str
    user_id: int
    scope: frozenset[str]
    code_challenge: str | None
    expires_at: datetime
    used: bool = False
    issued: list[str] = field(default_factory=list)  # tokens minted from it (revoked on replay)


@dataclass
class AccessToken:
    token: str
    user_id: int
    client_id: str
    scope: frozenset[str]
    expires_at: datetime


@dataclass
class RefreshToken:
    token: str
    user_id: int
    client_id: str
    scope: frozenset[str]
    issued_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # relative to the tenant base, with a leading slash: "/API/User/Quser/self"
    params: list[tuple[str, str]]  # query string, then a form-urlencoded body
    auth: Literal["bearer", "basic"] | None  # scheme of the Authorization header, if any
    user_email: str | None  # who the API authenticated, if anyone
    status: int  # 0 when the connection was torn down by a fault


@dataclass(frozen=True)
class TokenRequest:
    grant_type: str | None
    client_id: str | None
    client_auth: Literal["post", "basic", "none"]
    code: str | None
    refresh_token: str | None
    redirect_uri: str | None
    code_verifier: str | None
    scope: str | None
    status: int
    error: str | None


class StartEventSubmission(NamedTuple):
    app_id: int | None
    node_number: int | None
    params: list[tuple[str, str]]  # exactly as received, repeated names kept (files: filename)
    process_instance_id: int | None  # None when refused
