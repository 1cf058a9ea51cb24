"""Start events: their definition schema, form validation, Questetra value formats, error mapping.

Pure functions over parsed data: no I/O, no Slack, no HTTP, no database. Messages are returned as
i18n keys with parameters (:class:`Message`), so the same rules serve the operator's
``START_EVENTS_FILE`` (English, at start-up), an admin's modal and a user's form (their language).

One definition format everywhere (YAML file, admin modal, database)::

    name: expense                      # what users type: /questetra start expense
    title: {en: Expense claim, ja: 経費精算}   # or one string for both languages
    description: {en: …, ja: …}        # optional
    app_id: 12                         # processModelInfoId  } or  url: https://…/System/Event/
    node_number: 3                     # nodeNumber          }        MessageStart/12/3/start
    key: …  /  key_env: EXPENSE_KEY    # the event's API key (file only; never both)
    channels: [C0123ABCD]              # optional: only usable in these channels
    visibility: ephemeral              # or in_channel: who sees "Started …"
    requester_field: applicant         # optional: User-type field filled with the starter's e-mail
    default_title: {en: …, ja: …}      # optional: pre-filled process title
    fields:
      - name: q_amount                 # the field name as Questetra shows it, sent verbatim
                                       # (a bare `amount` is sent as q_amount too)
        label: {en: Amount, ja: 金額}
        type: number                   # string textarea number select date datetime user organization
        required: true
        default: …
        # per type: choices + multiple (select), decimal/min/max (number), date_format (date),
        # pick: slack_user|email (user), choices (organization: a fixed list of names)
        hint: …                        # optional help under the input
        placeholder: …                 # optional
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from bot.domain.typed import fold, is_ascii_decimal, number_text

# ---------------------------------------------------------------------------------------------
# Types


class FieldType(StrEnum):
    STRING = "string"
    TEXTAREA = "textarea"
    NUMBER = "number"
    SELECT = "select"
    DATE = "date"
    DATETIME = "datetime"
    USER = "user"
    ORGANIZATION = "organization"


class Visibility(StrEnum):
    EPHEMERAL = "ephemeral"
    IN_CHANNEL = "in_channel"


class UserPick(StrEnum):
    SLACK_USER = "slack_user"  # a people picker; the bot finds the person's Questetra e-mail
    EMAIL = "email"  # an e-mail input


# Questetra's date sub-types (questetra-api.md §4): what a Date field accepts.
DATE_FORMATS: dict[str, str] = {"ymd": "%Y-%m-%d", "ym": "%Y-%m", "md": "%m-%d", "y": "%Y"}
DATETIME_FORMAT = "%Y-%m-%d %H:%M"  # Questetra's "2011-10-27 12:34"

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
FIELD_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_]{1,100}$")
# "up to 100 half-width alphanumerics" (questetra-api.md §4); printable ASCII keeps us tolerant.
KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,100}$")
CHANNEL_PATTERN = re.compile(r"^[CGD][A-Z0-9]{2,}$")
ENV_NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
EVENT_URL_PATTERN = re.compile(r"System/Event/MessageStart/(\d+)/(\d+)/start/?$", re.ASCII)
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
NUMBER_PATTERN = re.compile(r"^-?\d+(\.\d+)?$", re.ASCII)

MAX_CHOICES = 100  # static_select / multi_static_select option limit
MAX_FIELDS = 40  # a modal holds 100 blocks; forms longer than this are not a Slack job
MAX_TITLE = 200
MAX_DETAIL = 300  # Questetra's own error text, shortened for a modal

EVENT_KEYS = (
    "name",
    "title",
    "description",
    "app_id",
    "node_number",
    "url",
    "key",
    "key_env",
    "channels",
    "visibility",
    "requester_field",
    "default_title",
    "fields",
)
# Spellings of Questetra's own parameter names, accepted for the two URL parts.
EVENT_ALIASES = {"processModelInfoId": "app_id", "nodeNumber": "node_number"}
FIELD_KEYS = (
    "name",
    "label",
    "type",
    "required",
    "default",
    "choices",
    "multiple",
    "decimal",
    "min",
    "max",
    "date_format",
    "pick",
    "hint",
    "placeholder",
)
TYPE_ALIASES = {
    "text": "string",
    "text_area": "textarea",
    "text area": "textarea",
    "numeric": "number",
    "decimal": "number",
    "org": "organization",
    "group": "organization",
}


@dataclass(frozen=True)
class Text:
    """A text in English and Japanese (one falls back to the other)."""

    en: str
    ja: str

    def get(self, language: str) -> str:
        return self.ja if language == "ja" else self.en

    def as_raw(self) -> str | dict[str, str]:
        return self.en if self.en == self.ja else {"en": self.en, "ja": self.ja}


@dataclass(frozen=True)
class Message:
    """An i18n key and its parameters: rendered by the edge in the reader's language."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)


def msg(key: str, /, **params: Any) -> Message:
    return Message(key, params)


@dataclass(frozen=True)
class Choice:
    id: str
    label: Text


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: Text
    type: FieldType
    required: bool = False
    default: str | tuple[str, ...] | None = None
    choices: tuple[Choice, ...] = ()
    multiple: bool = False
    decimal: bool = True
    min: Decimal | None = None
    max: Decimal | None = None
    date_format: str = "ymd"
    pick: UserPick = UserPick.SLACK_USER
    hint: Text | None = None
    placeholder: Text | None = None

    @property
    def param(self) -> str:
        return param_name(self.name)

    def choice(self, choice_id: str) -> Choice | None:
        return next((c for c in self.choices if c.id == choice_id), None)


@dataclass(frozen=True)
class StartEventSpec:
    """A registered start event, without its API key (keys travel separately, sealed)."""

    name: str
    title: Text
    app_id: int
    node_number: int
    fields: tuple[FieldSpec, ...] = ()
    description: Text | None = None
    channels: tuple[str, ...] = ()  # empty: every channel
    visibility: Visibility = Visibility.EPHEMERAL
    requester_field: str | None = None
    default_title: Text | None = None

    def allowed_in(self, channel_id: str | None) -> bool:
        return not self.channels or (channel_id or "") in self.channels

    @property
    def asked_fields(self) -> tuple[FieldSpec, ...]:
        """The fields the form shows (the requester field is filled in, never asked)."""
        if self.requester_field is None:
            return self.fields
        requester = param_name(self.requester_field)
        return tuple(f for f in self.fields if f.param != requester)

    def field(self, name: str) -> FieldSpec | None:
        """The field named ``name``, written either way (``q_amount`` or ``amount``)."""
        wanted = param_name(name)
        return next((f for f in self.fields if f.param == wanted), None)


def param_name(field_name: str) -> str:
    """The parameter Questetra expects for a data item: its field name, verbatim.

    Questetra's field names start with ``q_`` ([SWG] ``varName`` example ``q_decimal``;
    [ADDON-BULK] sends ``q_corp,q_div,q_name`` as they are), so a name written as Questetra
    shows it is sent unchanged; a bare name (``amount``, the bridge's older spelling) gets the
    prefix. Never ``q_q_`` (questetra-fidelity.md J2)."""
    return field_name if field_name.startswith("q_") else f"q_{field_name}"


# ---------------------------------------------------------------------------------------------
# Definition problems


@dataclass(frozen=True)
class Problem:
    """What is wrong in a definition: ``path`` locates it (``("fields", 1, "type")``),
    ``where`` says it in YAML terms (``fields[1] "amount" › type``)."""

    path: tuple[str | int, ...]
    where: str
    message: Message


class _Problems:
    """Collects problems while walking one definition, with readable locations."""

    def __init__(self, prefix: tuple[str | int, ...] = (), where: str = "") -> None:
        self.items: list[Problem] = []
        self._prefix = prefix
        self._where = where

    def at(self, segment: str | int, label: str | None = None) -> _Problems:
        child = _Problems((*self._prefix, segment), self._join(segment, label))
        child.items = self.items
        return child

    def _join(self, segment: str | int, label: str | None) -> str:
        if isinstance(segment, int):
            part = f"[{segment}]" + (f' "{label}"' if label else "")
            return (self._where or "") + part
        return f"{self._where} › {segment}" if self._where else segment

    def add(self, key: str, /, **params: Any) -> None:
        self.items.append(Problem(self._prefix, self._where, msg(key, **params)))

    def add_at(self, segment: str, key: str, /, **params: Any) -> None:
        self.at(segment).add(key, **params)


P = "admin.start_events.problem."  # i18n prefix of every definition problem


def _text(raw: object, problems: _Problems, *, required: bool) -> Text | None:
    if raw is None or raw == "":
        if required:
            problems.add(P + "missing")
        return None
    if isinstance(raw, str | int | float) and not isinstance(raw, bool):
        value = str(raw).strip()
        return Text(value, value) if value else _text(None, problems, required=required)
    if isinstance(raw, Mapping):
        unknown = [str(k) for k in raw if k not in ("en", "ja")]
        if unknown:
            problems.add(P + "text_languages", keys=", ".join(unknown))
            return None
        en = str(raw.get("en") or "").strip()
        ja = str(raw.get("ja") or "").strip()
        if not en and not ja:
            if required:
                problems.add(P + "missing")
            return None
        return Text(en or ja, ja or en)
    problems.add(P + "not_text")
    return None


def _int(raw: object, problems: _Problems) -> int | None:
    if isinstance(raw, bool) or raw is None:
        problems.add(P + ("missing" if raw is None else "not_whole_number"))
        return None
    text = fold(str(raw)).strip()
    if not is_ascii_decimal(text) or len(text) > 18:
        problems.add(P + "not_whole_number")
        return None
    return int(text)


def _bool(raw: object, problems: _Problems, default: bool) -> bool:
    if raw is None:
        return default
    if isinstance(raw, bool):
        return raw
    problems.add(P + "not_bool")
    return default


def _unknown_keys(
    raw: Mapping[Any, Any], allowed: Sequence[str], problems: _Problems, extra: Sequence[str] = ()
) -> None:
    for key in raw:
        if key in allowed or key in extra:
            continue
        close = difflib.get_close_matches(str(key), [*allowed], n=1, cutoff=0.6)
        if close:
            problems.add(P + "unknown_key_did_you_mean", key=str(key), suggestion=close[0])
        else:
            problems.add(P + "unknown_key", key=str(key), allowed=", ".join(allowed))


def _choices(raw: object, problems: _Problems) -> tuple[Choice, ...]:
    """``[{id: a, label: …}, …]``, ``{a: label, …}`` or ``[a, b]`` (label = id)."""
    items: list[tuple[object, object]]
    if isinstance(raw, Mapping):
        items = list(raw.items())
    elif isinstance(raw, list):
        items = []
        for index, entry in enumerate(raw):
            if isinstance(entry, Mapping):
                _unknown_keys(entry, ("id", "label"), problems.at(index))
                items.append((entry.get("id"), entry.get("label", entry.get("id"))))
            else:
                items.append((entry, entry))
    else:
        problems.add(P + "not_choices")
        return ()
    choices: list[Choice] = []
    for index, (raw_id, raw_label) in enumerate(items):
        here = problems.at(index)
        if raw_id is None or isinstance(raw_id, bool) or str(raw_id).strip() == "":
            here.add_at("id", P + "missing")
            continue
        choice_id = str(raw_id).strip()
        if any(c.id == choice_id for c in choices):
            here.add(P + "duplicate_choice", id=choice_id)
            continue
        label = _text(raw_label, here.at("label"), required=True)
        if label is not None:
            choices.append(Choice(choice_id, label))
    if not choices and not problems.items:
        problems.add(P + "missing")
    if len(choices) > MAX_CHOICES:
        problems.add(P + "too_many_choices", max=MAX_CHOICES)
    return tuple(choices)


def _decimal(raw: object, problems: _Problems) -> Decimal | None:
    if raw is None:
        return None
    if isinstance(raw, bool):
        problems.add(P + "not_number")
        return None
    try:
        return Decimal(str(raw).strip())
    except InvalidOperation:
        problems.add(P + "not_number")
        return None


def _parse_field(raw: object, problems: _Problems) -> FieldSpec | None:
    if not isinstance(raw, Mapping):
        problems.add(P + "not_mapping")
        return None
    before = len(problems.items)
    _unknown_keys(raw, FIELD_KEYS, problems)
    name = str(raw.get("name") or "").strip()
    if not name:
        problems.add_at("name", P + "missing")
    elif not FIELD_NAME_PATTERN.match(name):
        problems.add_at("name", P + "bad_field_name", name=name)
    label = _text(raw.get("label"), problems.at("label"), required=True)
    raw_type = str(raw.get("type") or "").strip().lower()
    raw_type = TYPE_ALIASES.get(raw_type, raw_type)
    kind: FieldType | None = None
    if not raw_type:
        problems.add_at("type", P + "missing")
    elif raw_type not in FieldType.__members__.values():
        problems.add_at("type", P + "bad_type", types=", ".join(t.value for t in FieldType))
    else:
        kind = FieldType(raw_type)
    required = _bool(raw.get("required"), problems.at("required"), False)
    multiple = _bool(raw.get("multiple"), problems.at("multiple"), False)
    decimal = _bool(raw.get("decimal"), problems.at("decimal"), True)
    hint = _text(raw.get("hint"), problems.at("hint"), required=False)
    placeholder = _text(raw.get("placeholder"), problems.at("placeholder"), required=False)
    choices: tuple[Choice, ...] = ()
    if "choices" in raw:
        if kind in (FieldType.SELECT, FieldType.ORGANIZATION):
            choices = _choices(raw.get("choices"), problems.at("choices"))
        elif kind is not None:
            problems.add_at("choices", P + "only_for", types="select, organization")
    elif kind is FieldType.SELECT:
        problems.add_at("choices", P + "missing")
    if multiple and kind not in (FieldType.SELECT, None):
        problems.add_at("multiple", P + "only_for", types="select")
    low = _decimal(raw.get("min"), problems.at("min"))
    high = _decimal(raw.get("max"), problems.at("max"))
    for option in ("decimal", "min", "max"):
        if option in raw and kind not in (FieldType.NUMBER, None):
            problems.add_at(option, P + "only_for", types="number")
    if low is not None and high is not None and low > high:
        problems.add_at("max", P + "min_above_max")
    date_format = str(raw.get("date_format") or "ymd").strip().lower()
    if "date_format" in raw:
        if kind not in (FieldType.DATE, None):
            problems.add_at("date_format", P + "only_for", types="date")
        elif date_format not in DATE_FORMATS:
            problems.add_at("date_format", P + "one_of", allowed=", ".join(DATE_FORMATS))
    pick_raw = str(raw.get("pick") or UserPick.SLACK_USER.value).strip().lower()
    pick = UserPick.SLACK_USER
    if "pick" in raw:
        if kind not in (FieldType.USER, None):
            problems.add_at("pick", P + "only_for", types="user")
        elif pick_raw not in UserPick.__members__.values():
            problems.add_at("pick", P + "one_of", allowed=", ".join(p.value for p in UserPick))
        else:
            pick = UserPick(pick_raw)
    spec = None
    if kind is not None and label is not None and name:
        spec = FieldSpec(
            name=name,
            label=label,
            type=kind,
            required=required,
            choices=choices,
            multiple=multiple,
            decimal=decimal,
            min=low,
            max=high,
            date_format=date_format if date_format in DATE_FORMATS else "ymd",
            pick=pick,
            hint=hint,
            placeholder=placeholder,
        )
        default = _default(spec, raw.get("default"), problems.at("default"))
        spec = replace(spec, default=default)
    return spec if len(problems.items) == before else None


def _default(spec: FieldSpec, raw: object, problems: _Problems) -> str | tuple[str, ...] | None:
    """A default the form can show; checked with the same rules as a user's input."""
    if raw is None or raw == "" or raw == []:
        return None
    if spec.type is FieldType.SELECT and spec.multiple:
        values = raw if isinstance(raw, list) else [raw]
        ids = tuple(str(v).strip() for v in values)
        for choice_id in ids:
            if spec.choice(choice_id) is None:
                problems.add(P + "default_not_a_choice", id=choice_id)
        return ids
    if isinstance(raw, list | Mapping | bool):
        problems.add(P + "bad_default")
        return None
    text = str(raw).strip()
    if spec.type in (FieldType.DATE, FieldType.DATETIME) and text.lower() in ("today", "now"):
        return text.lower()
    if isinstance(raw, date | datetime):  # YAML turns 2024-05-01 into a date
        text = raw.strftime(DATETIME_FORMAT if isinstance(raw, datetime) else "%Y-%m-%d")
    if spec.type is FieldType.DATE:
        try:
            date.fromisoformat(text)
        except ValueError:
            problems.add(P + "bad_default_date")
            return None
    elif spec.type is FieldType.DATETIME:
        try:
            datetime.strptime(text, DATETIME_FORMAT)
        except ValueError:
            problems.add(P + "bad_default_datetime")
            return None
    else:
        problem = check_value(spec, text)
        if problem is not None:
            problems.add(
                P + "bad_default_value", reason_key=problem.key, reason_params=dict(problem.params)
            )
            return None
    return text


def parse_definition(raw: object, *, base_url: str) -> tuple[StartEventSpec | None, list[Problem]]:
    """One start event definition (a YAML entry, an admin's modal, a stored row) → spec or problems.

    ``key`` / ``key_env`` are accepted here but not read: keys are the caller's business.
    """
    problems = _Problems()
    if not isinstance(raw, Mapping):
        problems.add(P + "not_mapping")
        return None, problems.items
    raw = {EVENT_ALIASES.get(str(k), k): v for k, v in raw.items()}
    _unknown_keys(raw, EVENT_KEYS, problems)
    written = str(raw.get("name") or "").strip()
    name = written.lower()  # `Expense` is accepted as `expense`: users type names in any case
    if not name:
        problems.add_at("name", P + "missing")
    elif not NAME_PATTERN.match(name):
        problems.add_at("name", P + "bad_name", name=written)
    title = _text(raw.get("title"), problems.at("title"), required=True)
    description = _text(raw.get("description"), problems.at("description"), required=False)
    default_title = _text(raw.get("default_title"), problems.at("default_title"), required=False)
    app_id, node = _location(raw, problems, base_url)
    channels = _channels(raw.get("channels"), problems.at("channels"))
    visibility = Visibility.EPHEMERAL
    if raw.get("visibility") is not None:
        value = str(raw["visibility"]).strip().lower()
        if value in Visibility.__members__.values():
            visibility = Visibility(value)
        else:
            problems.add_at(
                "visibility", P + "one_of", allowed=", ".join(v.value for v in Visibility)
            )
    fields = _fields(raw.get("fields"), problems.at("fields"))
    requester = str(raw.get("requester_field") or "").strip() or None
    if requester is not None:
        here = problems.at("requester_field")
        listed = next((f for f in fields if f.param == param_name(requester)), None)
        if not FIELD_NAME_PATTERN.match(requester):
            here.add(P + "bad_field_name", name=requester)
        elif listed is not None and listed.type is not FieldType.USER:
            here.add(P + "requester_not_user", name=requester)
    if problems.items or title is None or app_id is None or node is None:
        return None, problems.items
    return (
        StartEventSpec(
            name=name,
            title=title,
            app_id=app_id,
            node_number=node,
            fields=tuple(fields),
            description=description,
            channels=channels,
            visibility=visibility,
            requester_field=requester,
            default_title=default_title,
        ),
        [],
    )


def _location(
    raw: Mapping[Any, Any], problems: _Problems, base_url: str
) -> tuple[int | None, int | None]:
    url = raw.get("url")
    if url is not None:
        text = str(url).strip()
        match = EVENT_URL_PATTERN.search(text)
        if match is None:
            problems.add_at("url", P + "bad_url")
            return None, None
        if not text.startswith(base_url):
            problems.add_at("url", P + "url_other_tenant", base=base_url)
            return None, None
        from_url = int(match.group(1)), int(match.group(2))
        for key, value in zip(("app_id", "node_number"), from_url, strict=True):
            if raw.get(key) is not None and str(raw[key]).strip() != str(value):
                problems.add_at(key, P + "url_conflict")
        return from_url
    return (
        _int(raw.get("app_id"), problems.at("app_id")),
        _int(raw.get("node_number"), problems.at("node_number")),
    )


def _channels(raw: object, problems: _Problems) -> tuple[str, ...]:
    if raw is None:
        return ()
    values = [raw] if isinstance(raw, str) else raw
    if not isinstance(values, list):
        problems.add(P + "not_list")
        return ()
    channels: list[str] = []
    for index, value in enumerate(values):
        text = str(value).strip()
        if not CHANNEL_PATTERN.match(text):
            problems.at(index).add(P + "bad_channel", channel=text)
        elif text not in channels:
            channels.append(text)
    return tuple(channels)


def _fields(raw: object, problems: _Problems) -> list[FieldSpec]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        problems.add(P + "not_list")
        return []
    if len(raw) > MAX_FIELDS:
        problems.add(P + "too_many_fields", max=MAX_FIELDS)
    fields: list[FieldSpec] = []
    seen: set[str] = set()
    for index, entry in enumerate(raw):
        label = str(entry.get("name") or "") if isinstance(entry, Mapping) else None
        here = problems.at(index, label)
        spec = _parse_field(entry, here)
        # `amount` and `q_amount` are one Questetra parameter: one field.
        if label and param_name(label) in seen:
            here.add_at("name", P + "duplicate_field", name=label)
            continue
        if label:
            seen.add(param_name(label))
        if spec is not None:
            fields.append(spec)
    return fields


# ---------------------------------------------------------------------------------------------
# The operator's file


@dataclass(frozen=True)
class FileEntry:
    spec: StartEventSpec
    key: str = field(repr=False)


def parse_file(
    data: object, *, base_url: str, environ: Mapping[str, str]
) -> tuple[list[FileEntry], list[Problem]]:
    """The parsed YAML of ``START_EVENTS_FILE`` → its events, or every problem in it.

    The file is ``start_events: [entry, …]`` (or just the list); entries need ``key`` or
    ``key_env`` (the name of an environment variable holding the key).
    """
    problems = _Problems()
    if data is None:
        return [], []
    entries = data
    if isinstance(data, Mapping):
        _unknown_keys(data, ("start_events",), problems)
        entries = data.get("start_events") or []
    if not isinstance(entries, list):
        problems.at("start_events").add(P + "not_list")
        return [], problems.items
    found: list[FileEntry] = []
    names: set[str] = set()
    for index, entry in enumerate(entries):
        label = str(entry.get("name") or "") if isinstance(entry, Mapping) else None
        here = problems.at("start_events").at(index, label)
        spec, errors = parse_definition(entry, base_url=base_url)
        for problem in errors:
            # Re-root the entry's problems under start_events[i] "name".
            inner = here
            for position, segment in enumerate(problem.path):
                inner = inner.at(segment, _label_of(entry, problem.path, position))
            inner.add(problem.message.key, **problem.message.params)
        key = _file_key(entry, here, environ) if isinstance(entry, Mapping) else None
        if spec is None or key is None:
            continue
        if spec.name in names:
            here.add_at("name", P + "duplicate_name", name=spec.name)
            continue
        names.add(spec.name)
        found.append(FileEntry(spec, key))
    return (found, []) if not problems.items else ([], problems.items)


def _label_of(entry: object, path: tuple[str | int, ...], position: int) -> str | None:
    """The name of ``fields[i]`` when a path passes through it, for readable locations."""
    segment = path[position]
    if not isinstance(segment, int) or not isinstance(entry, Mapping):
        return None
    if position == 0 or path[position - 1] != "fields":
        return None
    fields = entry.get("fields")
    if isinstance(fields, list) and segment < len(fields) and isinstance(fields[segment], Mapping):
        return str(fields[segment].get("name") or "") or None
    return None


def _file_key(
    entry: Mapping[Any, Any], problems: _Problems, environ: Mapping[str, str]
) -> str | None:
    key, env = entry.get("key"), entry.get("key_env")
    if key is not None and env is not None:
        problems.add_at("key", P + "key_and_key_env")
        return None
    if env is not None:
        name = str(env).strip()
        if not ENV_NAME_PATTERN.match(name):
            problems.add_at("key_env", P + "bad_env_name", name=name)
            return None
        value = environ.get(name, "").strip()
        if not value:
            problems.add_at("key_env", P + "env_unset", name=name)
            return None
        key = value
    if key is None or str(key).strip() == "":
        problems.add_at("key", P + "key_missing")
        return None
    if not isinstance(key, str):
        # YAML reads 0123 as the number 83: an unquoted key would silently change.
        problems.add_at("key", P + "bad_key")
        return None
    if not check_key(str(key).strip()):
        problems.add_at("key", P + "bad_key")
        return None
    return str(key).strip()


def check_key(key: str) -> bool:
    return bool(KEY_PATTERN.match(key))


def definition_of(spec: StartEventSpec) -> dict[str, Any]:
    """The spec back in the definition format (for storage and for an admin's edit form)."""
    raw: dict[str, Any] = {
        "name": spec.name,
        "title": spec.title.as_raw(),
        "app_id": spec.app_id,
        "node_number": spec.node_number,
    }
    if spec.description is not None:
        raw["description"] = spec.description.as_raw()
    if spec.default_title is not None:
        raw["default_title"] = spec.default_title.as_raw()
    if spec.channels:
        raw["channels"] = list(spec.channels)
    if spec.visibility is not Visibility.EPHEMERAL:
        raw["visibility"] = spec.visibility.value
    if spec.requester_field:
        raw["requester_field"] = spec.requester_field
    if spec.fields:
        raw["fields"] = [field_definition(f) for f in spec.fields]
    return raw


def field_definition(spec: FieldSpec) -> dict[str, Any]:
    raw: dict[str, Any] = {"name": spec.name, "label": spec.label.as_raw(), "type": spec.type.value}
    if spec.required:
        raw["required"] = True
    if spec.choices:
        raw["choices"] = [{"id": c.id, "label": c.label.as_raw()} for c in spec.choices]
    if spec.multiple:
        raw["multiple"] = True
    if spec.type is FieldType.NUMBER:
        if not spec.decimal:
            raw["decimal"] = False
        if spec.min is not None:
            raw["min"] = str(spec.min)
        if spec.max is not None:
            raw["max"] = str(spec.max)
    if spec.type is FieldType.DATE and spec.date_format != "ymd":
        raw["date_format"] = spec.date_format
    if spec.type is FieldType.USER and spec.pick is not UserPick.SLACK_USER:
        raw["pick"] = spec.pick.value
    if spec.default is not None:
        raw["default"] = list(spec.default) if isinstance(spec.default, tuple) else spec.default
    if spec.hint is not None:
        raw["hint"] = spec.hint.as_raw()
    if spec.placeholder is not None:
        raw["placeholder"] = spec.placeholder.as_raw()
    return raw


# ---------------------------------------------------------------------------------------------
# A user's form: validation and Questetra's value formats

# What the Slack layer hands over per field: text (string, textarea, number, user e-mail,
# organization, date as YYYY-MM-DD), choice ids (select), or a unix time (datetime).
RawValue = str | int | list[str] | None

F = "start.field."  # i18n prefix of form problems
TITLE = "title"  # the pseudo field name of the process title


@dataclass(frozen=True)
class FieldProblem:
    field: str  # a field name, or TITLE
    message: Message


@dataclass(frozen=True)
class Submission:
    """What goes to Questetra: the title and the ``q_*`` parameters, in form order."""

    title: str
    params: tuple[tuple[str, str], ...]


def normalise_number(text: str) -> str:
    # Full-width digits and signs are common in Japanese input; Questetra wants ASCII
    # (the parsing boundary, bot/domain/typed.py; patterns match [0-9] only).
    return number_text(text)


def check_value(spec: FieldSpec, text: str) -> Message | None:
    """Is one non-empty text value acceptable for ``spec``? (choices, numbers, e-mails)"""
    if spec.type is FieldType.NUMBER:
        number = normalise_number(text)
        if not NUMBER_PATTERN.match(number):
            return msg(F + "not_a_number")
        if not spec.decimal and "." in number:
            return msg(F + "not_an_integer")
        value = Decimal(number)
        if spec.min is not None and value < spec.min:
            return msg(F + "below_min", min=str(spec.min))
        if spec.max is not None and value > spec.max:
            return msg(F + "above_max", max=str(spec.max))
    elif spec.type is FieldType.SELECT:
        if spec.choice(text) is None:
            return msg(F + "not_a_choice")
    elif spec.type is FieldType.ORGANIZATION:
        if spec.choices and spec.choice(text) is None:
            return msg(F + "not_a_choice")
    elif spec.type is FieldType.USER:
        if not EMAIL_PATTERN.match(text):
            return msg(F + "not_an_email")
    elif spec.type is FieldType.DATE:
        try:
            date.fromisoformat(text)
        except ValueError:
            return msg(F + "not_a_date")
    return None


def prepare_submission(
    spec: StartEventSpec,
    *,
    title: str | None,
    values: Mapping[str, RawValue],
    tz: tzinfo,
    requester_email: str | None = None,
) -> Submission | list[FieldProblem]:
    """Check a filled-in form locally (required, formats, choices) and encode it for Questetra.

    Empty optional fields are left out rather than sent empty. ``tz`` is the user's time zone:
    a date-time picker answers with a unix time, Questetra wants a wall-clock time.
    """
    problems: list[FieldProblem] = []
    clean_title = (title or "").strip()
    if not clean_title:
        problems.append(FieldProblem(TITLE, msg(F + "required")))
    elif len(clean_title) > MAX_TITLE:
        problems.append(FieldProblem(TITLE, msg(F + "too_long", max=MAX_TITLE)))
    params: list[tuple[str, str]] = []
    for fld in spec.asked_fields:
        encoded = _encode(fld, values.get(fld.name), tz)
        if isinstance(encoded, Message):
            problems.append(FieldProblem(fld.name, encoded))
        elif not encoded and fld.required:
            problems.append(FieldProblem(fld.name, msg(F + "required")))
        else:
            params.extend((fld.param, value) for value in encoded)
    if spec.requester_field and requester_email:
        params.append((param_name(spec.requester_field), requester_email))
    if problems:
        return problems
    return Submission(clean_title, tuple(params))


def _encode(spec: FieldSpec, raw: RawValue, tz: tzinfo) -> list[str] | Message:
    """The Questetra values of one field (empty list: nothing entered), or what is wrong."""
    if raw is None:
        return []
    if isinstance(raw, list):
        if not (spec.type is FieldType.SELECT and spec.multiple) and len(raw) > 1:
            return msg(F + "one_value")
        texts = [str(v).strip() for v in raw if str(v).strip()]
    else:
        texts = [str(raw).strip()] if str(raw).strip() else []
    if not texts:
        return []
    if spec.type is FieldType.DATETIME:
        return _encode_datetime(texts[0], tz)
    for text in texts:
        problem = check_value(spec, text)
        if problem is not None:
            return problem
    if spec.type is FieldType.NUMBER:
        return [normalise_number(texts[0])]
    if spec.type is FieldType.DATE:
        return [date.fromisoformat(texts[0]).strftime(DATE_FORMATS[spec.date_format])]
    if spec.type is FieldType.SELECT:
        return list(dict.fromkeys(texts))  # repeated q_x=id, once per choice
    if spec.type is FieldType.TEXTAREA:
        return [texts[0].replace("\r\n", "\n")]  # inner line breaks kept as typed
    return [texts[0]]


def _encode_datetime(text: str, tz: tzinfo) -> list[str] | Message:
    if is_ascii_decimal(text):
        moment = datetime.fromtimestamp(int(text), UTC).astimezone(tz)
        return [moment.strftime(DATETIME_FORMAT)]
    try:
        return [datetime.strptime(text, DATETIME_FORMAT).strftime(DATETIME_FORMAT)]
    except ValueError:
        return msg(F + "not_a_datetime")


def initial_datetime(default: str, *, tz: tzinfo, now: datetime) -> int:
    """A date-time default (``now`` or ``YYYY-MM-DD HH:MM`` in ``tz``) as a unix time."""
    if default == "now":
        return int(now.timestamp())
    naive = datetime.strptime(default, DATETIME_FORMAT)
    return int(naive.replace(tzinfo=tz).timestamp())


def initial_date(default: str, *, tz: tzinfo, now: datetime) -> str:
    return now.astimezone(tz).date().isoformat() if default == "today" else default


# ---------------------------------------------------------------------------------------------
# Questetra's answer

Q = "start.questetra."  # i18n prefix of Questetra's refusals

# Error types of the message start event (questetra-api.md §4; names INFERRED) → what to say.
GENERAL_ERRORS: dict[str, str] = {
    "INVALID_KEY": Q + "invalid_key",
    "PROCESS_MODEL_NOT_ACTIVE": Q + "app_inactive",
    "PROCESS_MODEL_NOT_FOUND": Q + "not_found",
    "NODE_NOT_FOUND": Q + "not_found",
    "NOT_MESSAGE_START_EVENT": Q + "not_found",
    "NO_PARAMETER": Q + "not_found",
    "HTTP_404": Q + "not_found",
    "PROCESS_COUNT_LIMIT": Q + "process_limit",
}


@dataclass(frozen=True)
class MappedErrors:
    fields: dict[str, list[Message]]
    general: list[Message]


def map_questetra_errors(spec: StartEventSpec, errors: Sequence[tuple[str, str]]) -> MappedErrors:
    """Questetra's ``<error><key/><detail/></error>`` list → errors of form fields and the rest.

    A key naming a field (``q_amount`` or ``amount``) becomes that field's error, with
    Questetra's detail; ``PARAMETER_NAME_ERROR`` about one of our fields means the field is not
    editable on the start event; known error types get a plain explanation.
    """
    asked = {f.param: f.name for f in spec.asked_fields}
    requester = param_name(spec.requester_field) if spec.requester_field else None
    fields: dict[str, list[Message]] = {}
    general: list[Message] = []
    for key, raw_detail in errors:
        detail = _short(raw_detail)
        param = param_name(key)
        if key == "title":
            fields.setdefault(TITLE, []).append(msg(Q + "field", detail=detail or key))
        elif param in asked:
            fields.setdefault(asked[param], []).append(msg(Q + "field", detail=detail or key))
        elif key == "PARAMETER_NAME_ERROR":
            bad = param_name(detail) if detail else ""
            if bad in asked:
                fields.setdefault(asked[bad], []).append(msg(Q + "not_editable"))
            else:
                general.append(msg(Q + "bad_parameter", name=detail))
        elif requester is not None and param == requester:
            general.append(msg(Q + "requester", detail=detail))
        elif key in GENERAL_ERRORS:
            general.append(msg(GENERAL_ERRORS[key], detail=detail))
        elif key.startswith("q_"):
            general.append(msg(Q + "unknown_field", name=_short(key), detail=detail))
        else:
            general.append(msg(Q + "other", key=_short(key), detail=detail))
    if not fields and not general:
        general.append(msg(Q + "unexplained"))
    return MappedErrors(fields, general)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_DETAIL else text[: MAX_DETAIL - 1] + "…"


def closest_names(wanted: str, names: Sequence[str]) -> list[str]:
    """Event names close to a mistyped one, best first."""
    return difflib.get_close_matches(wanted.lower(), list(names), n=3, cutoff=0.5)
