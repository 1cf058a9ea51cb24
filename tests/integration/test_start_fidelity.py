"""Start events against a tenant that behaves as the sources say, end to end.

- Field names as Questetra shows them (J2): ``q_amount`` in START_EVENTS_FILE is sent verbatim,
  a bare ``amount`` still becomes ``q_amount``, never ``q_q_``.
- An answer that is not what it claims is a failure (#15 item 6): a single sign-on page or a
  proxy page (200 HTML, or a redirect) in front of the Message Start Event started nothing; the
  user is told so and why, the audit row says error, and the same form can be sent again.
"""

from __future__ import annotations

import json

import httpx2
import pytest
from sqlalchemy import select

from bot.db.models import AuditEntry
from tests.emulators.questetra.model import Field

pytestmark = pytest.mark.usefixtures("app")

APP = 41
KEY = "fidelityKey123"
EVENTS_YAML = """
start_events:
  - name: trip
    title: Trip
    app_id: 41
    node_number: 1
    key_env: TEST_TRIP_KEY
    requester_field: q_applicant
    fields:
      - {name: q_subject, label: Subject, type: string, required: true}
      - {name: amount, label: Amount, type: number}
      - {name: q_kind, label: Kind, type: select, choices: [bus, train]}
"""


@pytest.fixture
def env(env, tmp_path):
    path = tmp_path / "start-events.yml"
    path.write_text(EVENTS_YAML, encoding="utf-8")
    return {**env, "START_EVENTS_FILE": str(path), "TEST_TRIP_KEY": KEY}


@pytest.fixture(autouse=True)
def tenant(questetra):
    questetra.add_user("alice@example.com", "Alice Adams")
    questetra.add_app(
        APP,
        "Trips",
        fields=[
            # Named as Questetra shows them: with q_ (questetra-fidelity.md J2).
            Field("q_subject", "Subject", "STRING", 0, required=True),
            Field("q_amount", "Amount", "DECIMAL", 1),
            Field("q_kind", "Kind", "SELECT", 2, choices={"bus": "Bus", "train": "Train"}),
            Field("q_applicant", "Applicant", "QUSER", 3),
        ],
    )
    questetra.add_start_event(APP, 1, key=KEY)
    return questetra


async def link_alice(engine, user: str = "U_EN") -> None:
    from bot.db.models import UserLink

    async with engine.begin() as connection:
        await connection.execute(
            UserLink.__table__.insert().values(
                team_id="T0001",
                slack_user_id=user,
                method="basic",
                questetra_user_id=1,
                questetra_email="alice@example.com",
                questetra_name="Alice Adams",
                credential_enc=b"not-used-by-starts",
            )
        )


async def open_form(bot, signer, slack) -> dict:
    before = len(slack.calls_to("views.open"))
    url = slack.new_response_url(channel="C0001", user_id="U_EN")
    body, headers = signer.slash_command("start trip", user_id="U_EN", response_url=url)
    assert (await bot.post("/slack/events", content=body, headers=headers)).status_code == 200
    calls = await slack.wait_for("views.open", before + 1)
    return calls[-1].response["view"]


async def submit(bot, signer, view: dict) -> httpx2.Response:
    values = {
        "title": {"type": "plain_text_input", "value": "Osaka"},
        "q_subject": {"type": "plain_text_input", "value": "Visit"},
        "q_amount": {"type": "plain_text_input", "value": "1200"},
        "q_kind": {"type": "static_select", "selected_option": {"value": "train"}},
    }
    payload = signer.view_submission(
        "start_submit",
        {block: {"value": v} for block, v in values.items()},
        user_id="U_EN",
        view=view,
    )
    body, headers = signer.interactivity(payload)
    response = await bot.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 200
    return response


async def audit_rows(engine) -> list[tuple]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(AuditEntry.action, AuditEntry.outcome, AuditEntry.detail).order_by(AuditEntry.id)
        )
        return [tuple(r) for r in rows]


async def test_field_names_reach_questetra_as_questetra_shows_them(
    bot, signer, slack, questetra, engine
) -> None:
    await link_alice(engine)
    view = await open_form(bot, signer, slack)
    blocks = [b.get("block_id") for b in view["blocks"]]
    assert (
        "q_subject" in blocks
        and "q_amount" in blocks
        and not any(str(b).startswith("q_q_") for b in blocks)
    )
    assert (await submit(bot, signer, view)).content in (b"", b"{}")
    (sent,) = questetra.start_event_submissions
    names = [name for name, _ in sent.params]
    assert names == ["key", "title", "q_subject", "q_amount", "q_kind", "q_applicant"]
    assert sent.process_instance_id is not None
    (process,) = questetra.process_instances.values()
    assert len(process.data) == 4  # every item arrived under its own name


@pytest.mark.parametrize("front", ["sign_in_html", "sign_in_redirect", "portal_html"])
async def test_a_page_in_front_of_questetra_started_nothing(
    bot, signer, slack, questetra, engine, front
) -> None:
    await link_alice(engine)
    view = await open_form(bot, signer, slack)
    questetra.switches.set("front", front)
    answer = (await submit(bot, signer, view)).json()
    text = answer["view"]["blocks"][0]["text"]["text"]
    assert "was not started" in text and "sign-in page" in text
    assert "Started" not in text
    assert questetra.process_instances == {}
    ((action, outcome, detail),) = await audit_rows(engine)
    assert (action, outcome) == ("start_process", "error")
    assert detail["reason"] == "sign_in"
    # The raw page is in the log only, never in Slack.
    sent_to_slack = json.dumps([c.params for c in slack.calls], ensure_ascii=False)
    assert "password" not in sent_to_slack and "SAMLRequest" not in sent_to_slack
    assert "Single sign-on" not in json.dumps(answer) and "intranet" not in json.dumps(answer)
    # Nothing started, so the same form can be sent again once the way is clear.
    questetra.switches.set("front", None)
    assert (await submit(bot, signer, view)).content in (b"", b"{}")
    assert len(questetra.process_instances) == 1


async def test_a_page_in_front_is_told_in_japanese(bot, signer, slack, questetra, engine) -> None:
    await link_alice(engine)
    await link_alice(engine, "U_JA")
    view = await open_form(bot, signer, slack)
    questetra.switches.set("front", "sign_in_html")
    payload = signer.view_submission(
        "start_submit",
        {
            "title": {"value": {"type": "plain_text_input", "value": "大阪"}},
            "q_subject": {"value": {"type": "plain_text_input", "value": "訪問"}},
        },
        user_id="U_JA",
        view=view,
    )
    body, headers = signer.interactivity(payload)
    answer = (await bot.post("/slack/events", content=body, headers=headers)).json()
    text = answer["view"]["blocks"][0]["text"]["text"]
    assert "サインイン画面" in text and "開始されていません" in text


async def test_a_json_answer_without_a_process_id_started_nothing(
    bot, signer, slack, questetra, engine
) -> None:
    """A 2xx that is JSON, not the process id a Message Start Event answers: not a success."""
    await link_alice(engine)
    view = await open_form(bot, signer, slack)
    questetra.switches.set("front", "json_no_id")
    answer = (await submit(bot, signer, view)).json()
    text = answer["view"]["blocks"][0]["text"]["text"]
    assert "was not started" in text
    assert "Started" not in text
    assert questetra.process_instances == {}
    ((action, outcome, detail),) = await audit_rows(engine)
    assert (action, outcome) == ("start_process", "error")
    assert detail["reason"] == "unexpected"
    assert "queued" not in json.dumps(answer)  # the raw answer stays in the log
