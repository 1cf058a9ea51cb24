"""Pure Block Kit builders of start events: the picker, the form, the admin form, and reading them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.domain.start_events import StartEventSpec, parse_definition
from bot.i18n import t
from bot.services.start import AdminRow, Started
from bot.slack.admin import (
    EventBlock,
    admin_help_blocks,
    problem_errors,
    read_event_form,
    start_event_modal,
    start_events_blocks,
)
from bot.slack.render import mrkdwn
from bot.slack.start import (
    field_errors,
    form_modal,
    picker_blocks,
    read_form,
    read_metadata,
    started_message,
    zone_of,
)

BASE = "https://acme.questetra.net/"
TOKYO = ZoneInfo("Asia/Tokyo")
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
RAW = {
    "name": "expense",
    "title": {"en": "A rather long expense claim title", "ja": "経費精算"},
    "description": {"en": "Claim <your> expenses", "ja": "経費を申請"},
    "app_id": 12,
    "node_number": 3,
    "default_title": "Expenses",
    "fields": [
        {"name": "subject", "label": "Subject", "type": "string", "required": True, "default": "x"},
        {"name": "memo", "label": "Memo", "type": "textarea", "hint": "Anything"},
        {"name": "amount", "label": "Amount", "type": "number", "decimal": False, "min": 1},
        {"name": "kind", "label": "Kind", "type": "select", "choices": ["a", "b"], "default": "b"},
        {
            "name": "tags",
            "label": "Tags",
            "type": "select",
            "multiple": True,
            "choices": ["a", "b"],
            "default": ["a"],
        },
        {"name": "due", "label": "Due", "type": "date", "default": "today"},
        {"name": "meet", "label": "Meet", "type": "datetime", "default": "2026-12-01 10:00"},
        {"name": "owner", "label": "Owner", "type": "user"},
        {"name": "boss", "label": "Boss", "type": "user", "pick": "email"},
        {"name": "dept", "label": "Dept", "type": "organization"},
        {"name": "team", "label": "Team", "type": "organization", "choices": ["Sales", "Ops"]},
    ],
}


def spec() -> StartEventSpec:
    parsed, problems = parse_definition(RAW, base_url=BASE)
    assert parsed is not None, problems
    return parsed


def test_form_inputs_match_the_field_types() -> None:
    view = form_modal("en-US", spec(), channel_id="C0001", tz=TOKYO, now=NOW)
    assert len(view["title"]["text"]) <= 24
    assert view["callback_id"] == "start_submit"
    assert read_metadata(view["private_metadata"]) == ("expense", "C0001")
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    kinds = {block_id: b["element"]["type"] for block_id, b in inputs.items()}
    assert kinds == {
        "title": "plain_text_input",
        "q_subject": "plain_text_input",
        "q_memo": "plain_text_input",
        "q_amount": "number_input",
        "q_kind": "static_select",
        "q_tags": "multi_static_select",
        "q_due": "datepicker",
        "q_meet": "datetimepicker",
        "q_owner": "users_select",
        "q_boss": "email_text_input",
        "q_dept": "plain_text_input",
        "q_team": "static_select",
    }
    assert inputs["title"]["element"]["initial_value"] == "Expenses"
    assert inputs["q_subject"]["optional"] is False
    assert inputs["q_memo"]["optional"] is True
    assert inputs["q_memo"]["element"]["multiline"] is True
    assert inputs["q_memo"]["hint"]["text"] == "Anything"
    assert inputs["q_amount"]["element"]["is_decimal_allowed"] is False
    assert inputs["q_amount"]["element"]["min_value"] == "1"
    assert inputs["q_kind"]["element"]["initial_option"]["value"] == "b"
    assert [o["value"] for o in inputs["q_tags"]["element"]["initial_options"]] == ["a"]
    assert inputs["q_due"]["element"]["initial_date"] == "2026-11-27"
    assert inputs["q_meet"]["element"]["initial_date_time"] == int(
        datetime(2026, 12, 1, 10, 0, tzinfo=TOKYO).timestamp()
    )
    # descriptions are mrkdwn: what an admin wrote is shown, not interpreted
    assert "Claim &lt;your&gt; expenses" in json.dumps(view["blocks"])


def test_form_in_japanese() -> None:
    view = form_modal("ja-JP", spec(), channel_id=None, tz=TOKYO, now=NOW)
    assert view["title"]["text"] == "経費精算"
    assert view["submit"]["text"] == "開始"
    title = next(b for b in view["blocks"] if b.get("block_id") == "title")
    assert title["label"]["text"] == "件名"


def test_form_with_a_banner_keeps_block_ids() -> None:
    plain_view = form_modal("en-US", spec(), channel_id="C1", tz=TOKYO, now=NOW)
    banner_view = form_modal(
        "en-US", spec(), channel_id="C1", tz=TOKYO, now=NOW, banner=["Key refused"]
    )
    assert banner_view["blocks"][0]["block_id"] == "start_banner"
    assert "Key refused" in banner_view["blocks"][0]["text"]["text"]
    ids = [b.get("block_id") for b in plain_view["blocks"] if b["type"] == "input"]
    assert ids == [b.get("block_id") for b in banner_view["blocks"] if b["type"] == "input"]


def test_read_form_takes_every_element_shape() -> None:
    view = {
        "state": {
            "values": {
                "title": {"value": {"type": "plain_text_input", "value": "Trip"}},
                "q_subject": {"value": {"type": "plain_text_input", "value": "s"}},
                "q_amount": {"value": {"type": "number_input", "value": "3"}},
                "q_kind": {"value": {"type": "static_select", "selected_option": {"value": "a"}}},
                "q_tags": {
                    "value": {
                        "type": "multi_static_select",
                        "selected_options": [{"value": "a"}, {"value": "b"}],
                    }
                },
                "q_due": {"value": {"type": "datepicker", "selected_date": "2026-12-24"}},
                "q_meet": {"value": {"type": "datetimepicker", "selected_date_time": 1780000000}},
                "q_owner": {"value": {"type": "users_select", "selected_user": "U_JA"}},
                "q_boss": {"value": {"type": "email_text_input", "value": "b@example.com"}},
                "q_team": {"value": {"type": "static_select", "selected_option": None}},
            }
        }
    }
    title, values, picks = read_form(view, spec())
    assert title == "Trip"
    assert values == {
        "subject": "s",
        "memo": None,
        "amount": "3",
        "kind": "a",
        "tags": ["a", "b"],
        "due": "2026-12-24",
        "meet": 1780000000,
        "boss": "b@example.com",
        "dept": None,
        "team": None,
    }
    assert picks == {"owner": "U_JA"}


def test_field_errors_go_under_their_inputs() -> None:
    from bot.domain.start_events import TITLE, FieldProblem, msg

    errors = field_errors(
        "en-US",
        [
            FieldProblem(TITLE, msg("start.field.required")),
            FieldProblem("amount", msg("start.field.below_min", min="1")),
        ],
    )
    assert errors == {"title": "Please fill this in.", "q_amount": "Enter 1 or more."}


def test_picker_lists_events_with_a_start_button() -> None:
    blocks = picker_blocks("en-US", "/questetra", [spec()])
    assert "`/questetra start &lt;name&gt;`" in blocks[0]["text"]["text"]
    assert blocks[1]["accessory"]["action_id"] == "start_open"
    assert blocks[1]["accessory"]["value"] == "expense"
    empty = picker_blocks("ja-JP", "/questetra", [])
    assert "開始イベントはありません" in empty[0]["text"]["text"]


def test_started_message_links_the_process() -> None:
    text, blocks = started_message(
        "en-US",
        spec(),
        Started(1042, f"{BASE}OR/ProcessInstance/view?processInstanceId=1042", "Trip <1>"),
        user_id="U1",
    )
    assert str(text) == "Started *A rather long expense claim title* #1042: Trip <1>"  # as plain
    rendered = mrkdwn(text)  # as Slack gets it
    assert rendered.startswith("Started *A rather long expense claim title* <https://")
    assert "|#1042>: Trip &lt;1&gt;" in rendered
    assert blocks[1]["elements"][0]["url"].endswith("processInstanceId=1042")


def test_zone_falls_back_to_tokyo() -> None:
    assert str(zone_of(None)) == "Asia/Tokyo"
    assert str(zone_of("Not/AZone")) == "Asia/Tokyo"
    assert str(zone_of("Europe/Berlin")) == "Europe/Berlin"


# -- admin --------------------------------------------------------------------------------------


def test_admin_help_lists_the_start_event_commands() -> None:
    blocks = admin_help_blocks("en-US", "/questetra", "nope")
    text = json.dumps(blocks)
    assert "`/questetra admin nope` is not an admin command." in text
    assert "/questetra admin start-events add" in text


def test_admin_list_marks_file_events_read_only() -> None:
    rows = [AdminRow("expense", "file", spec()), AdminRow("mine", "admin", spec())]
    blocks = start_events_blocks("en-US", "/questetra", rows)
    text = json.dumps(blocks)
    assert "From START_EVENTS_FILE" in text
    buttons = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert buttons == [
        "admin_start_event_add",
        "admin_start_event_edit",
        "admin_start_event_remove",
    ]
    remove = blocks[-1]["elements"][1]
    assert remove["confirm"]["style"] == "danger"


def test_admin_form_round_trips_a_definition() -> None:
    definition = {**RAW, "channels": ["C0123ABC"], "visibility": "in_channel"}
    view = start_event_modal("en-US", editing="expense", definition=definition, channel_id="C9")
    assert len(view["title"]["text"]) <= 24
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert EventBlock.NAME not in inputs  # the name is fixed once saved
    assert inputs[EventBlock.KEY]["optional"] is True
    assert "initial_value" not in inputs[EventBlock.KEY]["element"]  # the key is never shown
    assert inputs[EventBlock.CHANNELS]["element"]["initial_conversations"] == ["C0123ABC"]
    state = {}
    for block_id, block in inputs.items():
        element = block["element"]
        if element["type"] == "static_select":
            state[block_id] = {"value": {"selected_option": element["initial_option"]}}
        elif element["type"] == "multi_conversations_select":
            state[block_id] = {
                "value": {"selected_conversations": element.get("initial_conversations", [])}
            }
        else:
            state[block_id] = {"value": {"value": element.get("initial_value")}}
    raw, key, early = read_event_form(
        {"state": {"values": state}}, editing="expense", stored=definition
    )
    assert (key, early) == (None, {})
    again, problems = parse_definition(raw, base_url=BASE)
    assert problems == []
    original, _ = parse_definition(definition, base_url=BASE)
    assert again == original


def test_admin_form_problems_point_at_inputs() -> None:
    _, problems = parse_definition(
        {"name": "Bad Name", "title": "", "app_id": 1, "node_number": 1, "fields": [{"name": "x"}]},
        base_url=BASE,
    )
    errors = problem_errors("en-US", problems)
    assert set(errors) == {"se_name", "se_title_en", "se_fields"}
    assert errors["se_fields"].startswith('fields[0] "x" › label: is required')
    assert errors["se_title_en"] == "is required"


def test_admin_form_yaml_errors_are_caught_early() -> None:
    view = {"state": {"values": {"se_fields": {"value": {"value": "- name: [unclosed"}}}}}
    _, _, early = read_event_form(view, editing=None, stored=None)
    assert early == {"se_fields": "yaml:1"}
    assert t("en", "admin.start_events.form.yaml_error", line=1).endswith("(line 1).")


def test_readers_survive_shapes_slack_never_sends() -> None:
    for metadata in (None, 7, ["e"], {"e": "x"}, "not json", "[1]", '{"e": 5, "c": null}'):
        name, channel = read_metadata(metadata)
        assert isinstance(name, str) and (channel is None or isinstance(channel, str))
    junk_views = [
        {},
        {"state": []},
        {"state": {"values": "x"}},
        {"state": {"values": {"title": ["x"], "q_kind": {"value": 3}}}},
        {
            "state": {
                "values": {
                    "q_tags": {"value": {"selected_options": "a"}},
                    "q_kind": {"value": {"selected_option": "a"}},
                    "q_meet": {"value": {"selected_date_time": "soon"}},
                    "q_due": {"value": {"selected_date": 5}},
                    "q_owner": {"value": {"selected_user": {"id": "U1"}}},
                }
            }
        },
    ]
    for view in junk_views:
        _, values, picks = read_form(view, spec())
        assert picks == {}
        assert values.get("tags") in (None, [])
        assert values.get("meet") is None
        raw, key, early = read_event_form(view, editing=None, stored=None)
        assert key is None and early == {}
        assert raw["visibility"] == "ephemeral"


def test_a_long_description_is_shown_whole_in_the_form_and_cut_visibly_in_the_picker() -> None:
    raw = {**RAW, "description": {"en": "Read this. " * 282, "ja": "説明"}}  # 3,102 characters
    parsed, problems = parse_definition(raw, base_url=BASE)
    assert parsed is not None, problems
    view = form_modal("en-US", parsed, channel_id=None, tz=TOKYO, now=NOW)
    shown = [b["text"]["text"] for b in view["blocks"][:2] if b["type"] == "section"]
    assert len(shown) == 2 and "…" not in "".join(shown)
    assert " ".join(shown).count("Read this.") == 282
    picker = picker_blocks("en-US", "/questetra", [parsed])
    assert picker[1]["text"]["text"].endswith("…")
    assert len(picker[1]["text"]["text"]) <= 3000
