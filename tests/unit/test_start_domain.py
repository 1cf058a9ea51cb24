"""Start event rules: the definition schema and its problems, form checks, Questetra formats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.domain.start_events import (
    TITLE,
    FieldProblem,
    FieldType,
    StartEventSpec,
    Submission,
    UserPick,
    Visibility,
    definition_of,
    initial_date,
    initial_datetime,
    map_questetra_errors,
    parse_definition,
    parse_file,
    prepare_submission,
)
from bot.services.start import describe_problems

BASE = "https://acme.questetra.net/"
TOKYO = ZoneInfo("Asia/Tokyo")

EVENT = {
    "name": "expense",
    "title": {"en": "Expense claim", "ja": "経費精算"},
    "app_id": 12,
    "node_number": 3,
    "fields": [
        {"name": "subject", "label": "Subject", "type": "string", "required": True},
        {"name": "memo", "label": {"en": "Memo", "ja": "メモ"}, "type": "textarea"},
        {"name": "amount", "label": "Amount", "type": "number", "min": 0, "max": 1000},
        {"name": "count", "label": "Count", "type": "number", "decimal": False},
        {
            "name": "kind",
            "label": "Kind",
            "type": "select",
            "choices": [{"id": "travel", "label": {"en": "Travel", "ja": "出張"}}, "food"],
        },
        {
            "name": "tags",
            "label": "Tags",
            "type": "select",
            "multiple": True,
            "choices": {"a": "A", "b": "B"},
        },
        {"name": "due", "label": "Due", "type": "date"},
        {"name": "month", "label": "Month", "type": "date", "date_format": "ym"},
        {"name": "meet", "label": "Meeting", "type": "datetime"},
        {"name": "owner", "label": "Owner", "type": "user", "pick": "email"},
        {"name": "dept", "label": "Dept", "type": "organization"},
    ],
}


def spec_of(raw: dict | None = None) -> StartEventSpec:
    spec, problems = parse_definition(raw or EVENT, base_url=BASE)
    assert problems == []
    assert spec is not None
    return spec


def problems_of(raw: object) -> list[str]:
    _, problems = parse_definition(raw, base_url=BASE)
    return describe_problems(problems, "en")


# -- the definition ---------------------------------------------------------------------------


def test_a_full_definition_parses() -> None:
    spec = spec_of()
    assert (spec.name, spec.app_id, spec.node_number) == ("expense", 12, 3)
    assert spec.title.get("ja") == "経費精算"
    assert spec.visibility is Visibility.EPHEMERAL
    kinds = {f.name: f.type for f in spec.fields}
    assert kinds["memo"] is FieldType.TEXTAREA and kinds["dept"] is FieldType.ORGANIZATION
    kind = spec.field("kind")
    assert kind is not None
    assert [(c.id, c.label.get("ja")) for c in kind.choices] == [
        ("travel", "出張"),
        ("food", "food"),
    ]
    owner = spec.field("owner")
    assert owner is not None and owner.pick is UserPick.EMAIL


def test_the_url_gives_app_and_node_and_names_any_case() -> None:
    spec = spec_of(
        {
            "name": "Leave",
            "title": "Leave",
            "url": f"{BASE}System/Event/MessageStart/40/2/start",
            "visibility": "in_channel",
            "channels": ["C0123ABCD"],
        }
    )
    assert (spec.name, spec.app_id, spec.node_number) == ("leave", 40, 2)
    assert spec.allowed_in("C0123ABCD") and not spec.allowed_in("C999")
    assert spec.visibility is Visibility.IN_CHANNEL


def test_questetra_spellings_of_the_url_parts() -> None:
    spec = spec_of({"name": "x", "title": "X", "processModelInfoId": 5, "nodeNumber": 0})
    assert (spec.app_id, spec.node_number) == (5, 0)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"name": "Expense Claim"}, "name: “Expense Claim” is not a valid name"),
        ({"name": None}, "name: is required"),
        ({"title": None}, "title: is required"),
        ({"title": {"en": "A", "fr": "B"}}, "title: only en and ja are allowed here, not fr"),
        ({"app_id": "twelve"}, "app_id: must be a whole number"),
        ({"visibility": "loud"}, "visibility: must be one of: ephemeral, in_channel"),
        ({"visibilty": "in_channel"}, "unknown setting “visibilty” (did you mean “visibility”?)"),
        ({"channels": ["general"]}, "channels[0]: “general” is not a Slack channel id"),
        ({"url": "https://acme.questetra.net/x"}, "url: must be the start event's URL"),
        (
            {"url": "https://other.questetra.net/System/Event/MessageStart/1/2/start"},
            "url: must be on this bridge's Questetra (https://acme.questetra.net/)",
        ),
        (
            {"url": f"{BASE}System/Event/MessageStart/1/2/start", "app_id": 9},
            "app_id: does not match the url",
        ),
        ({"fields": {"a": 1}}, "fields: must be a list"),
        ({"requester_field": "subject"}, "requester_field: the requester field “subject” must be"),
    ],
)
def test_definition_problems_say_where_and_what(change: dict, expected: str) -> None:
    raw = {**EVENT, **change}
    raw = {k: v for k, v in raw.items() if v is not None}
    found = problems_of(raw)
    assert any(expected in line for line in found), found


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ({"name": "a b", "label": "A", "type": "string"}, "is not a Questetra field name"),
        (
            {"name": "a", "label": "A", "type": "money"},
            "type: must be one of: string, textarea, number",
        ),
        ({"name": "a", "label": "A"}, 'fields[0] "a" › type: is required'),
        ({"name": "a", "type": "string"}, 'fields[0] "a" › label: is required'),
        ({"name": "a", "label": "A", "type": "select"}, "choices: is required"),
        (
            {"name": "a", "label": "A", "type": "string", "choices": ["x"]},
            "choices: only applies to fields of type select, organization",
        ),
        (
            {"name": "a", "label": "A", "type": "string", "multiple": True},
            "multiple: only applies to fields of type select",
        ),
        (
            {"name": "a", "label": "A", "type": "number", "min": 5, "max": 1},
            "max: must not be below min",
        ),
        (
            {"name": "a", "label": "A", "type": "date", "date_format": "dmy"},
            "date_format: must be one of: ymd, ym, md, y",
        ),
        (
            {"name": "a", "label": "A", "type": "user", "pick": "name"},
            "pick: must be one of: slack_user, email",
        ),
        (
            {"name": "a", "label": "A", "type": "select", "choices": ["x", "x"]},
            "choices[1]: the choice id “x” is listed twice",
        ),
        (
            {"name": "a", "label": "A", "type": "select", "choices": [str(i) for i in range(101)]},
            "Slack menus hold at most 100 choices",
        ),
        (
            {"name": "a", "label": "A", "type": "select", "choices": ["x"], "default": "y"},
            "default: is not a valid value: Pick one of the options.",
        ),
        (
            {"name": "a", "label": "A", "type": "number", "max": 3, "default": 5},
            "default: is not a valid value: Enter 3 or less.",
        ),
        (
            {"name": "a", "label": "A", "type": "date", "default": "2024/01/01"},
            "default: must be a date as YYYY-MM-DD, or today",
        ),
        (
            {"name": "a", "label": "A", "type": "datetime", "default": "tomorrow"},
            "default: must be a date-time as YYYY-MM-DD HH:MM, or now",
        ),
        (
            {"name": "a", "label": "A", "type": "string", "requried": True},
            "unknown setting “requried” (did you mean “required”?)",
        ),
    ],
)
def test_field_problems(field: dict, expected: str) -> None:
    found = problems_of({**EVENT, "fields": [field]})
    assert any(expected in line for line in found), found


def test_a_field_listed_twice() -> None:
    field = {"name": "a", "label": "A", "type": "string"}
    found = problems_of({**EVENT, "fields": [field, field]})
    assert 'fields[1] "a" › name: the field “a” is listed twice' in found


def test_definition_round_trips() -> None:
    spec = spec_of()
    again, problems = parse_definition(definition_of(spec), base_url=BASE)
    assert problems == []
    assert again == spec


# -- the operator's file ---------------------------------------------------------------------


def test_file_entries_need_a_key_and_read_key_env() -> None:
    data = {
        "start_events": [
            {**EVENT, "key": "abc123"},
            {**EVENT, "name": "other", "key_env": "OTHER_KEY"},
        ]
    }
    entries, problems = parse_file(data, base_url=BASE, environ={"OTHER_KEY": "xyz789"})
    assert problems == []
    assert [(e.spec.name, e.key) for e in entries] == [("expense", "abc123"), ("other", "xyz789")]
    assert "xyz789" not in repr(entries)  # keys stay out of reprs


def test_file_problems_name_the_entry_and_field() -> None:
    data = {
        "start_events": [
            {**EVENT, "key": 123},
            {**EVENT, "key_env": "MISSING"},
            {**EVENT, "name": "third", "key": "a", "key_env": "B"},
            {**EVENT, "name": "fourth"},
            {
                **EVENT,
                "name": "fifth",
                "key": "k",
                "fields": [{"name": "x", "label": "X", "type": "bogus"}],
            },
        ],
        "extra": 1,
    }
    _, problems = parse_file(data, base_url=BASE, environ={})
    lines = describe_problems(problems, "en")
    assert 'start_events[0] "expense" › key: the API key must be 1–100 characters' in lines[1]
    assert "unknown setting “extra”" in lines[0]
    assert any(
        line == 'start_events[1] "expense" › key_env: the environment variable MISSING is not set'
        for line in lines
    )
    assert any(
        line.startswith('start_events[2] "third" › key: give key or key_env') for line in lines
    )
    assert any(
        line.startswith('start_events[3] "fourth" › key: the API key is required') for line in lines
    )
    assert any(
        line.startswith('start_events[4] "fifth" › fields[0] "x" › type: must be one of')
        for line in lines
    )


def test_duplicate_names_in_a_file() -> None:
    data = [{**EVENT, "key": "a"}, {**EVENT, "key": "b"}]
    _, problems = parse_file(data, base_url=BASE, environ={})
    assert describe_problems(problems, "en") == [
        'start_events[1] "expense" › name: the name “expense” is already used by another start event'
    ]


def test_problems_in_japanese() -> None:
    lines = problems_of({**EVENT, "app_id": None})
    assert lines == ["app_id: is required"]
    _, problems = parse_definition({**EVENT, "app_id": None}, base_url=BASE)
    assert describe_problems(problems, "ja-JP") == ["app_id: 必須です"]


# -- the form ---------------------------------------------------------------------------------


def test_every_type_in_questetra_format() -> None:
    meet = int(datetime(2026, 12, 1, 9, 30, tzinfo=TOKYO).timestamp())
    result = prepare_submission(
        spec_of(),
        title="  Trip to Osaka ",
        values={
            "subject": "Train",
            "memo": "line 1\r\nline 2",
            "amount": "１２.５",  # full-width digits from a Japanese keyboard
            "count": "3",
            "kind": "travel",
            "tags": ["a", "b", "a"],
            "due": "2026-12-24",
            "month": "2026-12-24",
            "meet": meet,
            "owner": "bob@example.com",
            "dept": "Sales",
        },
        tz=TOKYO,
    )
    assert result == Submission(
        "Trip to Osaka",
        (
            ("q_subject", "Train"),
            ("q_memo", "line 1\nline 2"),
            ("q_amount", "12.5"),
            ("q_count", "3"),
            ("q_kind", "travel"),
            ("q_tags", "a"),
            ("q_tags", "b"),
            ("q_due", "2026-12-24"),
            ("q_month", "2026-12"),
            ("q_meet", "2026-12-01 09:30"),
            ("q_owner", "bob@example.com"),
            ("q_dept", "Sales"),
        ),
    )


def test_datetime_is_the_users_wall_clock() -> None:
    moment = int(datetime(2026, 12, 1, 0, 30, tzinfo=UTC).timestamp())
    spec = spec_of({**EVENT, "fields": [{"name": "meet", "label": "M", "type": "datetime"}]})
    berlin = prepare_submission(
        spec, title="t", values={"meet": moment}, tz=ZoneInfo("Europe/Berlin")
    )
    assert isinstance(berlin, Submission)
    assert berlin.params == (("q_meet", "2026-12-01 01:30"),)


def test_empty_optional_fields_are_left_out() -> None:
    result = prepare_submission(
        spec_of(), title="t", values={"subject": "s", "memo": "  ", "tags": []}, tz=TOKYO
    )
    assert isinstance(result, Submission)
    assert result.params == (("q_subject", "s"),)


def test_local_problems_per_field() -> None:
    result = prepare_submission(
        spec_of(),
        title=" ",
        values={
            "amount": "1,234",
            "count": "2.5",
            "kind": "nope",
            "tags": ["a", "zzz"],
            "owner": "bob",
            "meet": "soon",
        },
        tz=TOKYO,
    )
    assert isinstance(result, list)
    assert {(p.field, p.message.key) for p in result} == {
        (TITLE, "start.field.required"),
        ("subject", "start.field.required"),
        ("amount", "start.field.not_a_number"),
        ("count", "start.field.not_an_integer"),
        ("kind", "start.field.not_a_choice"),
        ("tags", "start.field.not_a_choice"),
        ("owner", "start.field.not_an_email"),
        ("meet", "start.field.not_a_datetime"),
    }


def test_number_bounds() -> None:
    result = prepare_submission(
        spec_of(), title="t", values={"subject": "s", "amount": "-1"}, tz=TOKYO
    )
    assert result == [FieldProblem("amount", result[0].message)]  # type: ignore[index]
    assert result[0].message.key == "start.field.below_min"  # type: ignore[index]


def test_requester_is_added_and_never_asked() -> None:
    spec = spec_of(
        {
            **EVENT,
            "requester_field": "applicant",
            "fields": [
                {"name": "subject", "label": "S", "type": "string"},
                {"name": "applicant", "label": "Applicant", "type": "user"},
            ],
        }
    )
    assert [f.name for f in spec.asked_fields] == ["subject"]
    result = prepare_submission(
        spec, title="t", values={"subject": "s"}, tz=TOKYO, requester_email="alice@example.com"
    )
    assert isinstance(result, Submission)
    assert result.params == (("q_subject", "s"), ("q_applicant", "alice@example.com"))


# -- field names as Questetra shows them (J2) -------------------------------------------------


@pytest.mark.parametrize(
    ("written", "sent"),
    [("q_amount", "q_amount"), ("amount", "q_amount"), ("q_q_x", "q_q_x"), ("Q_X", "q_Q_X")],
)
def test_field_names_are_sent_as_questetra_shows_them(written: str, sent: str) -> None:
    spec, problems = parse_definition(
        {**EVENT, "fields": [{"name": written, "label": "A", "type": "number"}]}, base_url=BASE
    )
    assert problems == [] and spec is not None
    result = prepare_submission(spec, title="t", values={written: "12"}, tz=TOKYO)
    assert isinstance(result, Submission)
    assert result.params == ((sent, "12"),)
    assert all(
        not name.startswith("q_q_") or written.startswith("q_q_") for name, _ in result.params
    )


def test_a_field_written_both_ways_is_one_field() -> None:
    problems = problems_of(
        {
            **EVENT,
            "fields": [
                {"name": "amount", "label": "A", "type": "number"},
                {"name": "q_amount", "label": "B", "type": "number"},
            ],
        }
    )
    assert any("duplicate" in p or "twice" in p or "more than once" in p for p in problems), (
        problems
    )


def test_errors_find_fields_written_with_the_prefix() -> None:
    spec, _ = parse_definition(
        {
            **EVENT,
            "requester_field": "q_applicant",
            "fields": [
                {"name": "q_amount", "label": "A", "type": "number"},
                {"name": "dept", "label": "D", "type": "string"},
                {"name": "applicant", "label": "Applicant", "type": "user"},
            ],
        },
        base_url=BASE,
    )
    assert spec is not None
    assert [f.name for f in spec.asked_fields] == ["q_amount", "dept"]
    mapped = map_questetra_errors(
        spec,
        [
            ("q_amount", "Enter a number"),
            ("amount", "again"),
            ("q_dept", "Too long"),
            ("PARAMETER_NAME_ERROR", "q_amount"),
            ("q_applicant", "No user"),
        ],
    )
    assert {k: [m.key for m in v] for k, v in mapped.fields.items()} == {
        "q_amount": [
            "start.questetra.field",
            "start.questetra.field",
            "start.questetra.not_editable",
        ],
        "dept": ["start.questetra.field"],
    }
    assert [m.key for m in mapped.general] == ["start.questetra.requester"]
    submission = prepare_submission(
        spec, title="t", values={"q_amount": "1"}, tz=TOKYO, requester_email="a@example.com"
    )
    assert isinstance(submission, Submission)
    assert submission.params == (("q_amount", "1"), ("q_applicant", "a@example.com"))


def test_initial_values_for_pickers() -> None:
    now = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # already 1 December in Tokyo
    assert initial_date("today", tz=TOKYO, now=now) == "2026-12-01"
    assert initial_date("2026-01-02", tz=TOKYO, now=now) == "2026-01-02"
    assert initial_datetime("now", tz=TOKYO, now=now) == int(now.timestamp())
    jst = timezone(timedelta(hours=9))
    expected = int(datetime(2026, 1, 2, 9, 0, tzinfo=jst).timestamp())
    assert initial_datetime("2026-01-02 09:00", tz=TOKYO, now=now) == expected


# -- Questetra's answer ------------------------------------------------------------------------


def test_questetra_errors_map_to_fields_and_the_rest() -> None:
    mapped = map_questetra_errors(
        spec_of(),
        [
            ("q_amount", 'Enter a number: "x"'),
            ("owner", "No user has the e-mail address"),
            ("PARAMETER_NAME_ERROR", "q_dept"),
            ("PARAMETER_NAME_ERROR", "q_nope"),
            ("q_secret", "Required data is missing."),
            ("INVALID_KEY", "The API key does not match."),
            ("PROCESS_MODEL_NOT_ACTIVE", "12"),
            ("SOMETHING_NEW", "x" * 400),
        ],
    )
    assert {k: [m.key for m in v] for k, v in mapped.fields.items()} == {
        "amount": ["start.questetra.field"],
        "owner": ["start.questetra.field"],
        "dept": ["start.questetra.not_editable"],
    }
    assert mapped.fields["amount"][0].params == {"detail": 'Enter a number: "x"'}
    assert [m.key for m in mapped.general] == [
        "start.questetra.bad_parameter",
        "start.questetra.unknown_field",
        "start.questetra.invalid_key",
        "start.questetra.app_inactive",
        "start.questetra.other",
    ]
    assert len(mapped.general[-1].params["detail"]) == 300


def test_an_empty_refusal_is_still_explained() -> None:
    mapped = map_questetra_errors(spec_of(), [])
    assert [m.key for m in mapped.general] == ["start.questetra.unexplained"]
