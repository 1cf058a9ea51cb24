"""Starting processes end to end: signed Slack requests into the bot, the Questetra emulator and the
fake Slack as real loopback servers, START_EVENTS_FILE on disk."""

from __future__ import annotations

import asyncio
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx2
import pytest
from sqlalchemy import select

from bot.app import create_app
from bot.config import Settings
from bot.db.models import AuditEntry, UserLink
from bot.errors import ConfigurationError
from tests.emulators.questetra.model import Field
from tests.support import eventually

pytestmark = pytest.mark.usefixtures("app")

APP, LEAVE_APP = 7, 8
KEY = "expenseKey123"
TOKYO = ZoneInfo("Asia/Tokyo")
START_PATH = "/System/Event/MessageStart/"

EVENTS_YAML = """
start_events:
  - name: expense
    title: {en: Expense claim, ja: 経費精算}
    description: {en: Claim your expenses., ja: 経費を申請します。}
    app_id: 7
    node_number: 1
    key_env: TEST_EXPENSE_KEY
    fields:
      - {name: subject, label: {en: Subject, ja: 件名}, type: string, required: true}
      - {name: memo, label: Memo, type: textarea}
      - {name: amount, label: Amount, type: number}
      - name: kind
        label: Kind
        type: select
        choices: [{id: travel, label: Travel}, {id: food, label: {en: Food, ja: 食事}}]
      - {name: tags, label: Tags, type: select, multiple: true, choices: [a, b, c]}
      - {name: due, label: Due, type: date}
      - {name: month, label: Month, type: date, date_format: ym}
      - {name: meet, label: Meeting, type: datetime}
      - {name: owner, label: Owner, type: user}
      - {name: reviewer, label: Reviewer, type: user, pick: email}
      - {name: dept, label: Department, type: organization}
      - {name: secret, label: Secret, type: string}
  - name: leave
    title: {en: Leave request, ja: 休暇申請}
    url: {base}System/Event/MessageStart/8/1/start
    key: leaveKey456
    requester_field: applicant
    visibility: in_channel
    fields:
      - {name: days, label: Days, type: number, required: true}
  - name: sales-only
    title: Sales deal
    app_id: 7
    node_number: 1
    key_env: TEST_EXPENSE_KEY
    channels: [CSALES]
  - name: broken
    title: Broken key
    app_id: 7
    node_number: 1
    key: notTheKey
"""


@pytest.fixture
def env(env, tmp_path):
    path = tmp_path / "start-events.yml"
    path.write_text(EVENTS_YAML.replace("{base}", env["QUESTETRA_BASE_URL"]), encoding="utf-8")
    # The key lives in the process environment, which the app gets from the CLI (here: env).
    return {**env, "START_EVENTS_FILE": str(path), "TEST_EXPENSE_KEY": KEY}


@pytest.fixture(autouse=True)
def tenant(questetra, slack):
    for email, name in (
        ("alice@example.com", "Alice Adams"),
        ("taro@example.jp", "Taro Yamada"),
        ("taro.q@example.jp", "Taro (Questetra)"),
        ("bob@example.com", "Bob Brown"),
    ):
        questetra.add_user(email, name, group="Sales")
    questetra.add_app(
        APP,
        "Expenses",
        fields=[
            Field("subject", "Subject", "STRING", 0, required=True),
            Field("memo", "Memo", "STRING_TEXTAREA", 1),
            Field("amount", "Amount", "DECIMAL", 2),
            Field("kind", "Kind", "SELECT", 3, choices={"travel": "Travel", "food": "Food"}),
            Field("tags", "Tags", "SELECT_MULTI", 4, choices={"a": "A", "b": "B", "c": "C"}),
            Field("due", "Due", "DATE", 5),
            Field("month", "Month", "DATE", 6, sub_type="DATE_YM"),
            Field("meet", "Meet", "DATETIME", 7),
            Field("owner", "Owner", "QUSER", 8),
            Field("reviewer", "Reviewer", "QUSER", 9),
            Field("dept", "Dept", "QGROUP", 10),
            Field("secret", "Secret", "STRING", 11, editable_on_start=False),
        ],
    )
    questetra.add_start_event(APP, 1, key=KEY)
    questetra.add_app(
        LEAVE_APP,
        "Leave",
        fields=[
            Field("days", "Days", "DECIMAL", 0, required=True),
            Field("applicant", "Applicant", "QUSER", 1, required=True),
        ],
    )
    questetra.add_start_event(LEAVE_APP, 1, key="leaveKey456")
    return questetra


# ---------------------------------------------------------------- helpers


async def command(bot, signer, slack, text: str, *, user="U_EN", channel="C0001") -> str:
    url = slack.new_response_url(channel=channel, user_id=user)
    body, headers = signer.slash_command(text, user_id=user, channel_id=channel, response_url=url)
    response = await bot.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 200
    return url


async def open_form(bot, signer, slack, name: str, *, user="U_EN", channel="C0001") -> dict:
    before = len(slack.calls_to("views.open"))
    await command(bot, signer, slack, f"start {name}", user=user, channel=channel)
    calls = await slack.wait_for("views.open", before + 1)
    assert calls[-1].ok, calls[-1].response
    return calls[-1].response["view"]


def text_input(value: str) -> dict:
    return {"type": "plain_text_input", "value": value}


async def submit(bot, signer, view: dict, values: dict, *, user="U_EN") -> httpx2.Response:
    payload = signer.view_submission(
        "start_submit",
        {block: {"value": v} for block, v in values.items()},
        user_id=user,
        view=view,
    )
    body, headers = signer.interactivity(payload)
    response = await bot.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 200
    return response


def minimal(title: str = "Lunch") -> dict:
    return {"title": text_input(title), "q_subject": text_input("Sandwiches")}


async def audit(engine) -> list[tuple]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(
                AuditEntry.actor,
                AuditEntry.action,
                AuditEntry.target,
                AuditEntry.outcome,
                AuditEntry.detail,
            ).order_by(AuditEntry.id)
        )
        return [tuple(r) for r in rows]


async def link(engine, user_id: str, email: str) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            UserLink.__table__.insert().values(
                team_id="T0001",
                slack_user_id=user_id,
                method="basic",
                questetra_user_id=1,
                questetra_email=email,
                questetra_name=email,
                credential_enc=b"not-used-by-starts",
            )
        )


def everything_sent(slack) -> str:
    return json.dumps([c.params for c in slack.calls], ensure_ascii=False)


# ---------------------------------------------------------------- the happy path, every type


async def test_every_field_type_reaches_questetra_in_its_format(
    bot, signer, slack, questetra, engine, settings
) -> None:
    view = await open_form(bot, signer, slack, "expense")
    assert view["title"]["text"] == "Expense claim"
    meet = int(datetime(2026, 12, 1, 9, 30, tzinfo=TOKYO).timestamp())
    response = await submit(
        bot,
        signer,
        view,
        {
            "title": text_input("Trip to Osaka"),
            "q_subject": text_input("Train"),
            "q_memo": text_input("line 1\nline 2"),
            "q_amount": {"type": "number_input", "value": "12.5"},
            "q_kind": {"type": "static_select", "selected_option": {"value": "travel"}},
            "q_tags": {
                "type": "multi_static_select",
                "selected_options": [{"value": "a"}, {"value": "c"}],
            },
            "q_due": {"type": "datepicker", "selected_date": "2026-12-24"},
            "q_month": {"type": "datepicker", "selected_date": "2026-12-24"},
            "q_meet": {"type": "datetimepicker", "selected_date_time": meet},
            "q_owner": {"type": "users_select", "selected_user": "U_JA"},
            "q_reviewer": {"type": "email_text_input", "value": "bob@example.com"},
            "q_dept": text_input("Sales"),
        },
    )
    assert response.content in (b"", b"{}")  # the modal closes

    (sent,) = questetra.start_event_submissions
    assert (sent.app_id, sent.node_number) == (APP, 1)
    assert sent.params == [
        ("key", KEY),
        ("title", "Trip to Osaka"),
        ("q_subject", "Train"),
        ("q_memo", "line 1\nline 2"),
        ("q_amount", "12.5"),
        ("q_kind", "travel"),
        ("q_tags", "a"),
        ("q_tags", "c"),
        ("q_due", "2026-12-24"),
        ("q_month", "2026-12"),
        ("q_meet", "2026-12-01 09:30"),
        ("q_owner", "taro@example.jp"),  # the picked person's Slack e-mail (not linked)
        ("q_reviewer", "bob@example.com"),
        ("q_dept", "Sales"),
    ]
    process = questetra.process_instances[sent.process_instance_id]
    assert process.title == "Trip to Osaka"
    assert process.data[2] == Decimal("12.5")
    assert process.data[4] == ["a", "c"]
    assert process.data[6] == date(2026, 12, 1)
    assert process.data[7] == datetime(2026, 12, 1, 9, 30, tzinfo=questetra.timezone)

    (posted,) = await slack.wait_for("chat.postEphemeral")
    assert (posted.params["channel"], posted.params["user"]) == ("C0001", "U_EN")
    pid = sent.process_instance_id
    assert posted.params["text"] == (
        f"Started *Expense claim* <{settings.questetra_base_url}"
        f"OR/ProcessInstance/view?processInstanceId={pid}|#{pid}>: Trip to Osaka"
    )
    assert KEY not in everything_sent(slack)
    assert await audit(engine) == [
        (
            "U_EN",
            "start_process",
            "expense",
            "ok",
            {"channel": "C0001", "app_id": APP, "node_number": 1, "process_id": pid},
        )
    ]


async def test_a_picked_person_who_is_linked_goes_by_their_questetra_e_mail(
    bot, signer, slack, questetra, engine
) -> None:
    await link(engine, "U_JA", "taro.q@example.jp")
    view = await open_form(bot, signer, slack, "expense", user="U_JA")
    assert view["title"]["text"] == "経費精算"
    await submit(
        bot,
        signer,
        view,
        {**minimal("昼食"), "q_owner": {"type": "users_select", "selected_user": "U_JA"}},
        user="U_JA",
    )
    (sent,) = questetra.start_event_submissions
    assert ("q_owner", "taro.q@example.jp") in sent.params
    (posted,) = await slack.wait_for("chat.postEphemeral")
    assert posted.params["text"].startswith("*経費精算* を開始しました <")


# ---------------------------------------------------------------- the picker


async def test_start_without_a_name_lists_the_events_for_this_channel(bot, signer, slack) -> None:
    url = await command(bot, signer, slack, "start")
    (reply,) = await slack.wait_for_response(url)
    listed = [b["accessory"]["value"] for b in reply["blocks"] if "accessory" in b]
    assert listed == ["expense", "leave", "broken"]  # sales-only is for #sales
    url = await command(bot, signer, slack, "start", channel="CSALES")
    (reply,) = await slack.wait_for_response(url)
    assert "sales-only" in [b["accessory"]["value"] for b in reply["blocks"] if "accessory" in b]


async def test_the_picker_button_opens_the_form(bot, signer, slack) -> None:
    payload = signer.block_actions(
        "start_open",
        "expense",
        user_id="U_EN",
        channel_id="C0001",
        response_url=slack.new_response_url(),
    )
    body, headers = signer.interactivity(payload)
    assert (await bot.post("/slack/events", content=body, headers=headers)).status_code == 200
    (opened,) = await slack.wait_for("views.open")
    assert opened.params["view"]["callback_id"] == "start_submit"
    assert json.loads(opened.params["view"]["private_metadata"]) == {"e": "expense", "c": "C0001"}


async def test_an_unknown_name_gets_a_suggestion(bot, signer, slack) -> None:
    url = await command(bot, signer, slack, "start expnse")
    (reply,) = await slack.wait_for_response(url)
    assert "no start event called `expnse`. Did you mean `expense`?" in reply["text"]
    assert slack.calls_to("views.open") == []


# ---------------------------------------------------------------- local checks


async def test_required_and_malformed_fields_are_answered_in_the_modal(
    bot, signer, slack, questetra
) -> None:
    view = await open_form(bot, signer, slack, "expense")
    response = await submit(
        bot,
        signer,
        view,
        {
            "title": text_input("  "),
            "q_amount": {"type": "number_input", "value": "1,234"},
            "q_reviewer": {"type": "email_text_input", "value": "bob"},
        },
    )
    assert response.json() == {
        "response_action": "errors",
        "errors": {
            "title": "Please fill this in.",
            "q_subject": "Please fill this in.",
            "q_amount": "Enter a number: digits and an optional “.”, no commas.",
            "q_reviewer": "Enter an e-mail address.",
        },
    }
    assert questetra.start_event_submissions == []


async def test_local_errors_in_japanese(bot, signer, slack) -> None:
    view = await open_form(bot, signer, slack, "expense", user="U_JA")
    response = await submit(bot, signer, view, {"title": text_input("x")}, user="U_JA")
    assert response.json()["errors"] == {"q_subject": "入力してください。"}


# ---------------------------------------------------------------- Questetra's refusals


async def test_questetra_errors_go_to_their_fields_and_a_fixed_form_starts_once(
    bot, signer, slack, questetra, engine
) -> None:
    view = await open_form(bot, signer, slack, "expense")
    bad = {
        **minimal(),
        "q_reviewer": {"type": "email_text_input", "value": "nobody@example.com"},
        "q_dept": text_input("Nowhere"),
        "q_secret": text_input("psst"),
    }
    response = await submit(bot, signer, view, bad)
    answer = response.json()
    assert answer["response_action"] == "errors"
    errors = answer["errors"]
    assert set(errors) == {"q_reviewer", "q_dept", "q_secret"}
    assert errors["q_reviewer"].startswith("Questetra: No user has the e-mail address")
    assert errors["q_dept"].startswith("Questetra: No organization is named")
    assert "not “Editable” there" in errors["q_secret"]
    assert "<" not in json.dumps(answer)  # never raw XML
    assert questetra.process_instances == {}

    fixed = {**minimal(), "q_reviewer": {"type": "email_text_input", "value": "bob@example.com"}}
    assert (await submit(bot, signer, view, fixed)).content in (b"", b"{}")
    assert len(questetra.process_instances) == 1
    outcomes = [(row[3], row[4].get("rejected")) for row in await audit(engine)]
    assert outcomes == [("error", ["PARAMETER_NAME_ERROR", "q_reviewer", "q_dept"]), ("ok", None)]


async def test_wrong_key_is_shown_at_the_top_of_the_form(
    bot, signer, slack, questetra, engine
) -> None:
    view = await open_form(bot, signer, slack, "broken")
    response = await submit(bot, signer, view, {"title": text_input("x")})
    answer = response.json()
    assert answer["response_action"] == "update"
    banner = answer["view"]["blocks"][0]
    assert banner["block_id"] == "start_banner"
    assert "refused the start event's API key" in banner["text"]["text"]
    # the same inputs (block and action ids), so Slack keeps what the user typed
    assert [b.get("block_id") for b in answer["view"]["blocks"][1:] if b["type"] == "input"] == [
        "title"
    ]
    assert "notTheKey" not in json.dumps(answer)
    assert (await audit(engine))[0][3:] == (
        "error",
        {"channel": "C0001", "app_id": APP, "node_number": 1, "rejected": ["INVALID_KEY"]},
    )


async def test_an_inactive_app(bot, signer, slack, questetra) -> None:
    questetra.set_app_active(APP, False)
    view = await open_form(bot, signer, slack, "expense", user="U_JA")
    answer = (await submit(bot, signer, view, minimal(), user="U_JA")).json()
    assert answer["response_action"] == "update"
    assert "ワークフローアプリが稼働していません" in answer["view"]["blocks"][0]["text"]["text"]


@pytest.mark.parametrize("fault", ["reset", 403])
async def test_a_refused_connection_asks_for_the_ip_filter(
    bot, signer, slack, questetra, engine, fault
) -> None:
    view = await open_form(bot, signer, slack, "expense")
    if fault == "reset":
        questetra.faults.reset_next(1, path_prefix=START_PATH)
    else:
        questetra.faults.fail_next(1, status=403, path_prefix=START_PATH)
    answer = (await submit(bot, signer, view, minimal())).json()
    text = answer["view"]["blocks"][0]["text"]["text"]
    said = "could not reach Questetra" if fault == "reset" else "Questetra refused the connection"
    assert said in text
    assert "System Settings &gt; IP Address Filtering" in text
    assert questetra.process_instances == {}
    assert (await audit(engine))[0][3] == "error"
    # Nothing started, so the same form may be sent again.
    assert (await submit(bot, signer, view, minimal())).content in (b"", b"{}")
    assert len(questetra.process_instances) == 1


async def test_questetra_down(bot, signer, slack, questetra) -> None:
    view = await open_form(bot, signer, slack, "expense")
    questetra.faults.fail_next(1, status=503, path_prefix=START_PATH)
    answer = (await submit(bot, signer, view, minimal())).json()
    assert "Questetra is not answering" in answer["view"]["blocks"][0]["text"]["text"]


# ---------------------------------------------------------------- once, and slow


async def test_a_double_submit_starts_one_process(bot, signer, slack, questetra, engine) -> None:
    view = await open_form(bot, signer, slack, "expense")
    questetra.faults.set_latency(0.3, path_prefix=START_PATH)
    first, second = await asyncio.gather(
        submit(bot, signer, view, minimal()), submit(bot, signer, view, minimal())
    )
    assert first.status_code == second.status_code == 200
    assert len(questetra.start_event_submissions) == 1
    assert len(questetra.process_instances) == 1
    await slack.wait_for("chat.postEphemeral")
    await asyncio.sleep(0.2)
    assert len(slack.calls_to("chat.postEphemeral")) == 1
    assert [row[3] for row in await audit(engine)] == ["ok"]


async def test_a_slow_questetra_closes_the_form_and_reports_later(
    bot, signer, slack, questetra
) -> None:
    view = await open_form(bot, signer, slack, "expense")
    questetra.faults.set_latency(3.0, path_prefix=START_PATH)
    answer = (await submit(bot, signer, view, minimal())).json()
    assert answer["response_action"] == "update"
    assert "taking longer than usual" in json.dumps(answer["view"])
    (posted,) = await slack.wait_for("chat.postEphemeral", timeout=5)
    assert posted.params["text"].startswith("Started *Expense claim*")
    assert len(questetra.process_instances) == 1


# ---------------------------------------------------------------- channels and requester


async def test_a_restricted_event_only_opens_in_its_channels(bot, signer, slack, engine) -> None:
    url = await command(bot, signer, slack, "start sales-only", channel="C0001")
    (reply,) = await slack.wait_for_response(url)
    assert "`sales-only` can only be started in <#CSALES>." in reply["text"]  # a live mention
    assert slack.calls_to("views.open") == []
    view = await open_form(bot, signer, slack, "sales-only", channel="CSALES")
    # A form whose metadata names another channel is refused at submit too.
    forged = {**view, "private_metadata": json.dumps({"e": "sales-only", "c": "C0001"})}
    answer = (await submit(bot, signer, forged, {"title": text_input("x")})).json()
    assert answer["response_action"] == "update"
    assert "can only be started in" in json.dumps(answer["view"])
    assert [(r[2], r[3]) for r in await audit(engine)] == [
        ("sales-only", "denied"),
        ("sales-only", "denied"),
    ]


async def test_the_requester_field_needs_a_link(bot, signer, slack) -> None:
    url = await command(bot, signer, slack, "start leave")
    (reply,) = await slack.wait_for_response(url)
    assert "link your account first" in reply["text"]
    buttons = [e["action_id"] for b in reply["blocks"] for e in b.get("elements", [])]
    assert buttons == ["connect"]
    assert slack.calls_to("views.open") == []


async def test_the_requester_field_is_filled_with_the_linked_e_mail(
    bot, signer, slack, questetra, engine
) -> None:
    await link(engine, "U_EN", "alice@example.com")
    view = await open_form(bot, signer, slack, "leave")
    assert "q_applicant" not in [b.get("block_id") for b in view["blocks"]]
    assert "alice@example.com" in json.dumps(view["blocks"])
    await submit(
        bot,
        signer,
        view,
        {"title": text_input("Holiday"), "q_days": {"type": "number_input", "value": "2"}},
    )
    (sent,) = questetra.start_event_submissions
    assert sent.params == [
        ("key", "leaveKey456"),
        ("title", "Holiday"),
        ("q_days", "2"),
        ("q_applicant", "alice@example.com"),
    ]
    # in_channel: the whole channel sees it, with who started it
    (posted,) = await slack.wait_for("chat.postMessage")
    assert posted.params["channel"] == "C0001"
    assert "Started by <@U_EN>" in json.dumps(posted.params["blocks"])
    assert slack.calls_to("chat.postEphemeral") == []


# ---------------------------------------------------------------- the file at start-up


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("start_events: [\n", "not valid YAML at line"),
        (
            "start_events:\n  - name: x\n    title: X\n    app_id: 1\n    node_number: 1\n"
            "    key_env: NOT_SET_ANYWHERE\n    fields:\n      - {name: a, label: A, type: money}\n",
            [
                'start_events[0] "x" › fields[0] "a" › type: must be one of',
                'start_events[0] "x" › key_env: the environment variable NOT_SET_ANYWHERE is not set',
            ],
        ),
    ],
)
def test_an_invalid_file_stops_the_app_with_every_problem(
    settings: Settings, engine, tmp_path: Path, content: str, expected: str | list[str]
) -> None:
    path = tmp_path / "bad.yml"
    path.write_text(content, encoding="utf-8")
    broken = settings.model_copy(update={"start_events_file": path})
    with pytest.raises(ConfigurationError) as caught:
        create_app(broken, engine=engine, migrate_on_start=False, background_jobs=False)
    message = str(caught.value)
    assert message.startswith(f"START_EVENTS_FILE {path}")
    for line in [expected] if isinstance(expected, str) else expected:
        assert line in message


def test_a_missing_file_stops_the_app(settings: Settings, engine, tmp_path: Path) -> None:
    missing = settings.model_copy(update={"start_events_file": tmp_path / "nope.yml"})
    with pytest.raises(ConfigurationError, match="cannot be read"):
        create_app(missing, engine=engine, migrate_on_start=False, background_jobs=False)


async def test_the_audit_detail_never_holds_the_key(engine, bot, signer, slack) -> None:
    view = await open_form(bot, signer, slack, "expense")
    await submit(bot, signer, view, minimal())

    async def audited() -> bool:
        return len(await audit(engine)) == 1

    await eventually(audited)
    assert KEY not in json.dumps([row[4] for row in await audit(engine)])


async def test_typed_values_pass_the_parsing_boundary(bot, signer, slack, questetra) -> None:
    """Full-width and half-width input is read as people mean it (NFKC, U+3000); a number in
    other digits is answered under its field, never sent (bot/domain/typed.py)."""
    view = await open_form(bot, signer, slack, "expense")
    answer = await submit(
        bot, signer, view, {**minimal(), "q_amount": {"type": "number_input", "value": "²"}}
    )
    assert answer.json()["errors"] == {
        "q_amount": "Enter a number: digits and an optional “.”, no commas."
    }
    response = await submit(
        bot,
        signer,
        view,
        {
            "title": text_input("ＴＲＩＰ\u3000大阪"),
            "q_subject": text_input("ﾄﾚｲﾝ"),
            "q_amount": {"type": "number_input", "value": "－１２．５"},
            "q_reviewer": {"type": "email_text_input", "value": "ｂｏｂ＠example.com"},
        },
    )
    assert response.content in (b"", b"{}"), response.text
    (sent,) = questetra.start_event_submissions
    params = dict(sent.params)
    assert params["title"] == "TRIP 大阪"
    assert params["q_subject"] == "トレイン"
    assert params["q_amount"] == "-12.5"
    assert params["q_reviewer"] == "bob@example.com"
