"""The work after the ack under load (issue #19): a request past the slots waits in line and gets
its real answer, told "working on it" in its language when the answer is late; only past the
line's bound (or its wait) is anyone told "busy, try again"."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import httpx2
import pytest
from starlette.applications import Starlette

from bot.app import Tuning
from tests.conftest import FAST, bot_app, settle
from tests.emulators.slack import FakeSlack, SlackSigner
from tests.linking_support import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, link_user

NOTE_AFTER = 0.3  # seconds before a request not answered yet is told "working on it"
ONE_SLOT = replace(FAST, post_ack_slots=1, post_ack_queue=1, late_note_after=NOTE_AFTER)
NOTE_EN = "Working on it… your answer will appear here in a moment."
NOTE_JA = "処理中です…まもなくここに結果が表示されます。"
BUSY_EN = "The bridge is busy right now, so this was not done. Please try again in a minute."


@pytest.fixture
def env(env: dict[str, str]) -> dict[str, str]:
    return {**env, "QUESTETRA_BASIC_AUTH": "true"}


@pytest.fixture
def tuning() -> Tuning:
    return ONE_SLOT


@pytest.fixture
async def one_slot(
    settings, engine, clock, env, tuning
) -> AsyncIterator[tuple[Starlette, httpx2.AsyncClient]]:
    application = bot_app(settings, engine, clock, tuning=tuning, environ=env)
    transport = httpx2.ASGITransport(app=application)
    async with (
        application.router.lifespan_context(application),
        httpx2.AsyncClient(transport=transport, base_url="http://bot.test") as client,
    ):
        yield application, client
        await settle()


async def command(
    bot: httpx2.AsyncClient, signer: SlackSigner, slack: FakeSlack, text: str, user_id: str
) -> str:
    url = slack.new_response_url()
    body, headers = signer.slash_command(text, user_id=user_id, response_url=url)
    response = await bot.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 200
    return url


async def metric(bot: httpx2.AsyncClient, name: str) -> str:
    metrics = (await bot.get("/metrics")).text
    return next(line for line in metrics.splitlines() if line.startswith(name + " "))


async def alice_with_a_task(bot, signer, slack, questetra) -> None:
    questetra.add_user("alice@example.com", "Alice Adams")
    questetra.add_client(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI)
    questetra.add_app(7, "Expense claim")
    questetra.add_task(7, to="alice@example.com", node_name="Approve", state="ALLOCATED")
    await link_user(bot, signer, slack, questetra, user_id="U_EN", email="alice@example.com")


async def test_a_request_past_the_slots_waits_and_is_told_its_answer_is_coming(
    one_slot, signer, slack, questetra
) -> None:
    application, bot = one_slot
    await alice_with_a_task(bot, signer, slack, questetra)
    questetra.faults.set_latency(3 * NOTE_AFTER)  # alice's task list holds the only slot

    first = await command(bot, signer, slack, "tasks", user_id="U_EN")
    second = await command(bot, signer, slack, "help", user_id="U_JA")
    # Both acked (200 above) before any answer: the gate never holds an ack back.
    assert slack.responses(first) == [] and slack.responses(second) == []
    assert application.state.gate.waiting == 1
    assert await metric(bot, "bridge_slack_waiting") == "bridge_slack_waiting 1.0"

    # The one in line is told, in its language, that its answer is coming; then it comes.
    note, answer = await slack.wait_for_response(second, count=2, timeout=15)
    assert note == {"text": NOTE_JA, "response_type": "ephemeral", "replace_original": False}
    assert answer["blocks"][0]["text"]["text"] == "Slack で Questetra"
    # The slot holder was late too (Questetra took longer than the note's delay).
    note, answer = await slack.wait_for_response(first, count=2, timeout=15)
    assert note["text"] == NOTE_EN
    assert "Approve" in str(answer["blocks"])
    assert await metric(bot, "bridge_slack_shed_total") == "bridge_slack_shed_total 0.0"
    assert await metric(bot, "bridge_slack_late_notes_total") == (
        "bridge_slack_late_notes_total 2.0"
    )


async def test_an_answer_in_time_gets_no_note(one_slot, signer, slack) -> None:
    _, bot = one_slot
    url = await command(bot, signer, slack, "help", user_id="U_EN")
    (answer,) = await slack.wait_for_response(url)
    assert answer["blocks"][0]["text"]["text"] == "Questetra in Slack"
    await settle()
    assert len(slack.responses(url)) == 1  # the disarmed note never comes


async def test_past_the_bound_a_request_is_told_busy_at_once_and_slots_come_back(
    one_slot, signer, slack
) -> None:
    application, bot = one_slot
    gate = application.state.gate
    await gate.enter()  # someone else's work holds the only slot
    in_line = await command(bot, signer, slack, "help", user_id="U_EN")
    shed = await command(bot, signer, slack, "help", user_id="U_EN")  # the line (1) is full
    (busy,) = await slack.wait_for_response(shed, timeout=10)
    assert busy["text"] == BUSY_EN
    assert slack.responses(in_line) == []  # still in line, its answer still coming
    gate.leave()
    answers = await slack.wait_for_response(in_line, timeout=10)
    assert answers[-1]["blocks"][0]["text"]["text"] == "Questetra in Slack"
    # A listener gives its slot back when it ends, also when it fails (not linked, here):
    (failed,) = await slack.wait_for_response(
        await command(bot, signer, slack, "tasks", user_id="U_EN")
    )
    assert failed["text"] == "Link your Questetra account first."
    (again,) = await slack.wait_for_response(
        await command(bot, signer, slack, "help", user_id="U_EN")
    )
    assert again["blocks"][0]["text"]["text"] == "Questetra in Slack"
    assert await metric(bot, "bridge_slack_shed_total") == "bridge_slack_shed_total 1.0"
    assert (gate.busy, gate.waiting) == (0, 0)


@pytest.mark.parametrize("tuning", [replace(ONE_SLOT, post_ack_queue=10, post_ack_wait=0.5)])
async def test_a_request_that_waited_past_its_wait_is_told_busy_in_its_language(
    one_slot, signer, slack
) -> None:
    application, bot = one_slot
    await application.state.gate.enter()
    url = await command(bot, signer, slack, "help", user_id="U_JA")
    note, busy = await slack.wait_for_response(url, count=2, timeout=10)
    assert note["text"] == NOTE_JA
    assert busy["response_type"] == "ephemeral"
    assert "混み合って" in busy["text"]
    assert "1 分ほどしてから" in busy["text"]
    application.state.gate.leave()


@pytest.mark.parametrize("tuning", [replace(ONE_SLOT, post_ack_queue=10)])
async def test_a_modal_opener_waits_as_urgent_and_gets_no_note(
    one_slot, signer, slack, questetra
) -> None:
    application, bot = one_slot
    gate = application.state.gate
    await gate.enter()
    questetra.basic_auth_enabled = True
    waiting = await command(bot, signer, slack, "help", user_id="U_EN")
    modal = await command(bot, signer, slack, "connect basic", user_id="U_EN")
    assert gate.waiting == 2
    await asyncio.sleep(2 * NOTE_AFTER)
    gate.leave()  # the modal opener goes first (tests/unit/test_gate.py: the order)
    (opened,) = await slack.wait_for("views.open", timeout=10)
    assert opened.params["view"]["callback_id"] == "basic_link"
    answers = await slack.wait_for_response(waiting, count=2, timeout=10)
    assert answers[0]["text"] == NOTE_EN  # it waited past the note's delay
    assert slack.responses(modal) == []  # a modal opener's answer is the modal, not a note


@pytest.mark.parametrize("tuning", [replace(ONE_SLOT, post_ack_urgent_wait=0.3)])
async def test_a_modal_opener_that_cannot_open_in_time_is_told_busy(
    one_slot, signer, slack, questetra
) -> None:
    application, bot = one_slot
    await application.state.gate.enter()
    questetra.basic_auth_enabled = True
    url = await command(bot, signer, slack, "connect basic", user_id="U_EN")
    (busy,) = await slack.wait_for_response(url, timeout=10)
    assert busy["text"] == BUSY_EN
    assert slack.calls_to("views.open") == []
    application.state.gate.leave()


async def test_view_submissions_url_buttons_and_events_are_not_gated(
    one_slot, signer, slack, questetra
) -> None:
    application, bot = one_slot
    await application.state.gate.enter()
    # A view submission's work comes before its ack, which carries the answer.
    payload = signer.view_submission(
        "basic_link",
        {"email": {"email": "not-an-email"}, "api_password": {"api_password": "x"}},
        user_id="U_EN",
    )
    body, headers = signer.interactivity(payload)
    response = await bot.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 200
    assert response.json()["response_action"] == "errors"
    # A URL button's click is only acked: the browser opens Questetra, nothing was "not done".
    url = slack.new_response_url()
    payload = signer.block_actions("task_open", None, user_id="U_EN", response_url=url)
    body, headers = signer.interactivity(payload)
    assert (await bot.post("/slack/events", content=body, headers=headers)).status_code == 200
    # An event has no ack of its own to wait behind: the Home tab is published anyway.
    body, headers = signer.event(signer.app_home_opened("U_JA"), event_id="EvGATE1")
    assert (await bot.post("/slack/events", content=body, headers=headers)).status_code == 200
    await slack.wait_for("views.publish")
    await settle()
    assert slack.calls_to("chat.postMessage") == []  # no "busy" DM after the submission
    assert slack.responses(url) == []  # nor a "busy" answer to the URL button
    assert await metric(bot, "bridge_slack_shed_total") == "bridge_slack_shed_total 0.0"
    assert application.state.gate.waiting == 0
    application.state.gate.leave()
