"""`/questetra admin start-events`: who may use it, the list, add/edit through the modal, remove,
and starting a process through an event registered that way (its key sealed in the database)."""

from __future__ import annotations

import json

import httpx2
import pytest
from sqlalchemy import select

from bot.crypto import KeyRing
from bot.db.models import AuditEntry, StartEventDefinition
from tests.conftest import ENCRYPTION_KEY
from tests.emulators.questetra.model import Field

pytestmark = pytest.mark.usefixtures("app")

APP = 7
KEY = "travelKey789"
FILE_YAML = """
start_events:
  - name: expense
    title: Expense claim
    app_id: 7
    node_number: 1
    key: fileKey000
"""
FIELDS_YAML = """\
- name: subject
  label: {en: Subject, ja: 件名}
  type: string
  required: true
- name: kind
  label: Kind
  type: select
  choices: [bus, train]
"""


@pytest.fixture
def env(env, tmp_path):
    path = tmp_path / "start-events.yml"
    path.write_text(FILE_YAML, encoding="utf-8")
    return {**env, "START_EVENTS_FILE": str(path), "ADMIN_SLACK_USER_IDS": "U_CONF"}


@pytest.fixture(autouse=True)
def tenant(questetra, slack):
    slack.add_user("U_ADMIN", email="admin@example.com", name="admin", is_admin=True)
    slack.add_user(
        "U_OWNER", email="owner@example.com", name="owner", is_owner=True, locale="ja-JP"
    )
    slack.add_user("U_CONF", email="conf@example.com", name="conf")
    questetra.add_app(
        APP,
        "Travel",
        fields=[
            Field("subject", "Subject", "STRING", 0, required=True),
            Field("kind", "Kind", "SELECT", 1, choices={"bus": "Bus", "train": "Train"}),
        ],
    )
    questetra.add_start_event(APP, 1, key=KEY)
    return questetra


async def command(bot, signer, slack, text: str, *, user: str) -> dict:
    url = slack.new_response_url(channel="C0001", user_id=user)
    body, headers = signer.slash_command(text, user_id=user, response_url=url)
    response = await bot.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 200
    return (await slack.wait_for_response(url))[-1]


def text_input(value: str | None) -> dict:
    return {"type": "plain_text_input", "value": value}


def form_values(**overrides: dict) -> dict:
    values = {
        "se_name": text_input("travel"),
        "se_title_en": text_input("Business trip"),
        "se_title_ja": text_input("出張申請"),
        "se_description_en": text_input(None),
        "se_description_ja": text_input(None),
        "se_app_id": {"type": "number_input", "value": str(APP)},
        "se_node_number": {"type": "number_input", "value": "1"},
        "se_key": text_input(KEY),
        "se_channels": {"type": "multi_conversations_select", "selected_conversations": []},
        "se_visibility": {"type": "static_select", "selected_option": {"value": "ephemeral"}},
        "se_requester": text_input(None),
        "se_fields": text_input(FIELDS_YAML),
    }
    values.update(overrides)
    return values


async def open_admin_form(bot, signer, slack, text: str, *, user: str = "U_ADMIN") -> dict:
    before = len(slack.calls_to("views.open"))
    url = slack.new_response_url(channel="C0001", user_id=user)
    body, headers = signer.slash_command(text, user_id=user, response_url=url)
    assert (await bot.post("/slack/events", content=body, headers=headers)).status_code == 200
    calls = await slack.wait_for("views.open", before + 1)
    assert calls[-1].ok, calls[-1].response
    return calls[-1].response["view"]


async def save(bot, signer, view: dict, values: dict, *, user: str = "U_ADMIN") -> httpx2.Response:
    payload = signer.view_submission(
        "admin_start_event",
        {block: {"value": v} for block, v in values.items()},
        user_id=user,
        view=view,
    )
    body, headers = signer.interactivity(payload)
    response = await bot.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 200
    return response


async def stored(engine) -> list[StartEventDefinition]:
    async with engine.connect() as connection:
        return list((await connection.execute(select(StartEventDefinition))).all())


async def add_travel(bot, signer, slack) -> None:
    view = await open_admin_form(bot, signer, slack, "admin start-events add")
    response = await save(bot, signer, view, form_values())
    assert response.content in (b"", b"{}"), response.text


# ---------------------------------------------------------------- permission


@pytest.mark.parametrize("text", ["admin", "admin start-events", "admin start-events add"])
async def test_non_admins_are_refused_politely(bot, signer, slack, text) -> None:
    reply = await command(bot, signer, slack, text, user="U_EN")
    assert reply["text"].startswith("Only Slack workspace admins")
    assert slack.calls_to("views.open") == []


async def test_non_admin_buttons_and_forged_forms_are_refused(bot, signer, slack, engine) -> None:
    for action in ("admin_start_event_add", "admin_start_event_remove"):
        url = slack.new_response_url(channel="C0001", user_id="U_EN")
        payload = signer.block_actions(action, "expense", user_id="U_EN", response_url=url)
        body, headers = signer.interactivity(payload)
        assert (await bot.post("/slack/events", content=body, headers=headers)).status_code == 200
        (reply,) = await slack.wait_for_response(url)
        assert "Only Slack workspace admins" in reply["text"]
    forged = {"id": "VFORGED", "private_metadata": json.dumps({"n": "", "c": "C0001"})}
    answer = (await save(bot, signer, forged, form_values(), user="U_EN")).json()
    assert answer["response_action"] == "update"
    assert "Only Slack workspace admins" in json.dumps(answer["view"])
    assert await stored(engine) == []


@pytest.mark.parametrize("admin", ["U_ADMIN", "U_OWNER", "U_CONF"])
async def test_workspace_admins_owners_and_configured_ids_may(bot, signer, slack, admin) -> None:
    reply = await command(bot, signer, slack, "admin", user=admin)
    assert "admin start-events" in json.dumps(reply["blocks"])


# ---------------------------------------------------------------- list, add, start, edit, remove


async def test_the_list_shows_file_events_read_only(bot, signer, slack) -> None:
    reply = await command(bot, signer, slack, "admin start-events", user="U_ADMIN")
    text = json.dumps(reply["blocks"], ensure_ascii=False)
    assert "*Expense claim*  `expense`" in text
    assert "From START_EVENTS_FILE" in text
    ids = [
        e["action_id"] for b in reply["blocks"] for e in b.get("elements", []) if "action_id" in e
    ]
    assert ids == ["admin_start_event_add"]  # no edit/remove for the file's event
    assert "fileKey000" not in text


async def test_add_seal_list_and_start(bot, signer, slack, questetra, engine) -> None:
    view = await open_admin_form(bot, signer, slack, "admin start-events add")
    assert view["callback_id"] == "admin_start_event"
    await save(bot, signer, view, form_values())
    (confirmation,) = await slack.wait_for("chat.postEphemeral")
    assert "Saved the start event `travel`" in confirmation.params["text"]

    (row,) = await stored(engine)
    assert row.name == "travel"
    assert KEY.encode() not in bytes(row.key_enc)
    assert KEY not in json.dumps(row.definition)
    assert KeyRing([ENCRYPTION_KEY]).open(bytes(row.key_enc), owner="T0001/start_event/travel") == {
        "key": KEY
    }
    assert [f["name"] for f in row.definition["fields"]] == ["subject", "kind"]
    async with engine.connect() as connection:
        (entry,) = (await connection.execute(select(AuditEntry))).all()
    assert (entry.actor, entry.action, entry.target) == ("U_ADMIN", "start_event.add", "travel")
    assert KEY not in json.dumps(entry.detail)

    listing = await command(bot, signer, slack, "admin start-events", user="U_ADMIN")
    assert "*Business trip*  `travel`" in json.dumps(listing["blocks"], ensure_ascii=False)

    # Anyone can now start it; the sealed key reaches Questetra and nothing else.
    before = len(slack.calls_to("views.open"))
    url = slack.new_response_url(channel="C0001", user_id="U_JA")
    body, headers = signer.slash_command("start travel", user_id="U_JA", response_url=url)
    await bot.post("/slack/events", content=body, headers=headers)
    form = (await slack.wait_for("views.open", before + 1))[-1].response["view"]
    assert form["title"]["text"] == "出張申請"
    payload = signer.view_submission(
        "start_submit",
        {
            "title": {"value": text_input("大阪出張")},
            "q_subject": {"value": text_input("会議")},
            "q_kind": {"value": {"type": "static_select", "selected_option": {"value": "train"}}},
        },
        user_id="U_JA",
        view=form,
    )
    body, headers = signer.interactivity(payload)
    assert (await bot.post("/slack/events", content=body, headers=headers)).content in (b"", b"{}")
    (sent,) = questetra.start_event_submissions
    assert sent.params[:2] == [("key", KEY), ("title", "大阪出張")]
    assert ("q_kind", "train") in sent.params
    assert KEY not in json.dumps([c.params for c in slack.calls], ensure_ascii=False)


async def test_form_problems_point_at_the_inputs(bot, signer, slack, engine) -> None:
    view = await open_admin_form(bot, signer, slack, "admin start-events add")
    answer = (
        await save(
            bot,
            signer,
            view,
            form_values(
                se_name=text_input("Bad Name!"),
                se_title_en=text_input(None),
                se_title_ja=text_input(None),
                se_key=text_input(None),
                se_fields=text_input("- {name: subject, label: S, type: money}"),
            ),
        )
    ).json()
    assert answer["response_action"] == "errors"
    errors = answer["errors"]
    assert set(errors) == {"se_name", "se_title_en", "se_key", "se_fields"}
    assert errors["se_title_en"] == "is required"
    assert errors["se_fields"].startswith('fields[0] "subject" › type: must be one of: string')
    assert "API key is required" in errors["se_key"]
    assert await stored(engine) == []


async def test_yaml_syntax_errors_and_file_names(bot, signer, slack) -> None:
    view = await open_admin_form(bot, signer, slack, "admin start-events add", user="U_OWNER")
    answer = (
        await save(bot, signer, view, form_values(se_fields=text_input("- [oops")), user="U_OWNER")
    ).json()
    assert answer["errors"] == {"se_fields": "項目が正しい YAML ではありません（1 行目）。"}
    answer = (
        await save(bot, signer, view, form_values(se_name=text_input("expense")), user="U_OWNER")
    ).json()
    assert answer["errors"] == {"se_name": "「expense」は START_EVENTS_FILE で定義済みです"}


async def test_a_name_taken_in_slack(bot, signer, slack) -> None:
    await add_travel(bot, signer, slack)
    view = await open_admin_form(bot, signer, slack, "admin start-events add")
    answer = (await save(bot, signer, view, form_values())).json()
    assert "already used by another start event" in answer["errors"]["se_name"]


async def test_edit_keeps_the_key_when_left_empty(bot, signer, slack, questetra, engine) -> None:
    await add_travel(bot, signer, slack)
    (before,) = await stored(engine)
    view = await open_admin_form(bot, signer, slack, "admin start-events edit Travel")
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert "se_name" not in inputs
    assert "name: subject" in inputs["se_fields"]["element"]["initial_value"]
    assert inputs["se_title_ja"]["element"]["initial_value"] == "出張申請"
    response = await save(
        bot,
        signer,
        view,
        form_values(
            se_name=text_input(None),
            se_key=text_input(None),
            se_title_en=text_input("Trip"),
            se_channels={"type": "multi_conversations_select", "selected_conversations": ["C0001"]},
            se_visibility={"type": "static_select", "selected_option": {"value": "in_channel"}},
        ),
    )
    assert response.content in (b"", b"{}"), response.text
    (after,) = await stored(engine)
    assert after.definition["title"] == {"en": "Trip", "ja": "出張申請"}
    assert after.definition["channels"] == ["C0001"]
    assert after.definition["visibility"] == "in_channel"
    assert bytes(after.key_enc) == bytes(before.key_enc)


async def test_file_events_cannot_be_edited_or_removed_here(bot, signer, slack) -> None:
    reply = await command(bot, signer, slack, "admin start-events edit expense", user="U_ADMIN")
    assert "is defined in START_EVENTS_FILE" in reply["text"]
    reply = await command(bot, signer, slack, "admin start-events remove expense", user="U_ADMIN")
    assert "is defined in START_EVENTS_FILE" in reply["text"]


async def test_remove_with_the_button_replaces_the_list(bot, signer, slack, engine) -> None:
    await add_travel(bot, signer, slack)
    listing = await command(bot, signer, slack, "admin start-events", user="U_ADMIN")
    remove = next(
        e
        for b in listing["blocks"]
        for e in b.get("elements", [])
        if e.get("action_id") == "admin_start_event_remove"
    )
    assert remove["value"] == "travel" and remove["confirm"]["style"] == "danger"
    url = slack.new_response_url(channel="C0001", user_id="U_ADMIN")
    payload = signer.block_actions(
        "admin_start_event_remove", "travel", user_id="U_ADMIN", response_url=url
    )
    body, headers = signer.interactivity(payload)
    assert (await bot.post("/slack/events", content=body, headers=headers)).status_code == 200
    (reply,) = await slack.wait_for_response(url)
    assert reply["replace_original"] is True
    assert "Removed `travel`." in json.dumps(reply["blocks"])
    assert await stored(engine) == []
    async with engine.connect() as connection:
        actions = (await connection.execute(select(AuditEntry.action))).scalars().all()
    assert actions == ["start_event.add", "start_event.remove"]


async def test_remove_by_command_and_unknown_names(bot, signer, slack, engine) -> None:
    await add_travel(bot, signer, slack)
    reply = await command(bot, signer, slack, "admin start-events remove travel", user="U_ADMIN")
    assert "Removed `travel`." in json.dumps(reply["blocks"])
    reply = await command(bot, signer, slack, "admin start-events remove travel", user="U_ADMIN")
    assert "No start event `travel` is registered in Slack." in json.dumps(reply["blocks"])
    reply = await command(bot, signer, slack, "admin start-events frobnicate", user="U_ADMIN")
    assert "Usage: `/questetra admin start-events" in reply["text"]


async def test_unknown_admin_topic_shows_the_admin_help(bot, signer, slack) -> None:
    reply = await command(bot, signer, slack, "admin frobnicate", user="U_OWNER")
    text = json.dumps(reply["blocks"], ensure_ascii=False)
    assert "`/questetra admin frobnicate` という管理者コマンドはありません。" in text


async def test_field_names_written_as_questetra_shows_them(
    bot, signer, slack, questetra, engine
) -> None:
    """J2: the modal takes `q_subject` exactly as Questetra shows it and sends it verbatim."""
    fields = FIELDS_YAML.replace("name: subject", "name: q_subject").replace(
        "name: kind", "name: q_kind"
    )
    view = await open_admin_form(bot, signer, slack, "admin start-events add")
    response = await save(bot, signer, view, form_values(se_fields=text_input(fields)))
    assert response.content in (b"", b"{}"), response.text
    (row,) = await stored(engine)
    assert [f["name"] for f in row.definition["fields"]] == ["q_subject", "q_kind"]
    before = len(slack.calls_to("views.open"))
    url = slack.new_response_url(channel="C0001", user_id="U_EN")
    body, headers = signer.slash_command("start travel", user_id="U_EN", response_url=url)
    await bot.post("/slack/events", content=body, headers=headers)
    form = (await slack.wait_for("views.open", before + 1))[-1].response["view"]
    payload = signer.view_submission(
        "start_submit",
        {
            "title": {"value": text_input("Osaka")},
            "q_subject": {"value": text_input("Visit")},
            "q_kind": {"value": {"type": "static_select", "selected_option": {"value": "bus"}}},
        },
        user_id="U_EN",
        view=form,
    )
    body, headers = signer.interactivity(payload)
    assert (await bot.post("/slack/events", content=body, headers=headers)).content in (b"", b"{}")
    (sent,) = questetra.start_event_submissions
    assert [name for name, _ in sent.params] == ["key", "title", "q_subject", "q_kind"]
    assert sent.process_instance_id is not None
