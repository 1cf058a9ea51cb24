"""Backpressure after the ack (issue #8, fix G): a burst past the slots is acked, then told
"busy, try again" in the user's language instead of answered minutes late."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import httpx2
import pytest
from starlette.applications import Starlette

from tests.conftest import FAST, bot_app, settle
from tests.emulators.slack import FakeSlack, SlackSigner
from tests.linking_support import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, link_user

WAIT = 1.0  # seconds an acked request waits for the one slot (production: 2 s for 16 slots)


@pytest.fixture
def env(env: dict[str, str]) -> dict[str, str]:
    return {**env, "QUESTETRA_BASIC_AUTH": "true"}


@pytest.fixture
async def one_slot(
    settings, engine, clock, env
) -> AsyncIterator[tuple[Starlette, httpx2.AsyncClient]]:
    application = bot_app(
        settings,
        engine,
        clock,
        tuning=replace(FAST, post_ack_slots=1, post_ack_wait=WAIT),
        environ=env,
    )
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


async def shed(bot: httpx2.AsyncClient) -> str:
    metrics = (await bot.get("/metrics")).text
    return next(line for line in metrics.splitlines() if line.startswith("bridge_slack_shed_total"))


async def test_a_request_past_the_slots_is_acked_then_told_busy_in_its_language(
    one_slot, signer, slack, questetra
) -> None:
    _, bot = one_slot
    questetra.add_user("alice@example.com", "Alice Adams")
    questetra.add_client(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI)
    questetra.add_app(7, "Expense claim")
    questetra.add_task(7, to="alice@example.com", node_name="Approve", state="ALLOCATED")
    await link_user(bot, signer, slack, questetra, user_id="U_EN", email="alice@example.com")
    questetra.faults.set_latency(2 * WAIT + 0.5)  # alice's task list holds the only slot

    first = await command(bot, signer, slack, "tasks", user_id="U_EN")
    second = await command(bot, signer, slack, "tasks", user_id="U_JA")
    # Acked (200 above) while the slot holder still waits for Questetra, and before the second
    # request's own answer: the gate never holds an ack back.
    assert slack.responses(first) == []
    assert slack.responses(second) == []

    (busy,) = await slack.wait_for_response(second, timeout=10)
    assert slack.responses(first) == []  # told at once, not after the work ahead of it
    assert busy["response_type"] == "ephemeral"
    assert "混み合って" in busy["text"]
    assert "1 分ほどしてから" in busy["text"]

    (answer,) = await slack.wait_for_response(first, timeout=15)
    assert "Approve" in str(answer["blocks"])  # the slot holder's work still completes
    assert await shed(bot) == "bridge_slack_shed_total 1.0"


async def test_busy_in_english_and_slots_are_given_back(one_slot, signer, slack) -> None:
    application, bot = one_slot
    gate = application.state.gate
    await gate.enter()  # someone else's work holds the only slot
    busy_url = await command(bot, signer, slack, "help", user_id="U_EN")
    assert slack.responses(busy_url) == []  # acked before the wait even began to count
    (busy,) = await slack.wait_for_response(busy_url, timeout=10)
    assert busy["text"] == (
        "The bridge is busy right now, so this was not done. Please try again in a minute."
    )
    gate.leave()
    (answer,) = await slack.wait_for_response(
        await command(bot, signer, slack, "help", user_id="U_EN")
    )
    assert answer["blocks"][0]["text"]["text"] == "Questetra in Slack"
    # A listener gives its slot back when it ends, also when it fails (not linked, here):
    (failed,) = await slack.wait_for_response(
        await command(bot, signer, slack, "tasks", user_id="U_EN")
    )
    assert failed["text"] == "Link your Questetra account first."
    (again,) = await slack.wait_for_response(
        await command(bot, signer, slack, "help", user_id="U_EN")
    )
    assert again["blocks"][0]["text"]["text"] == "Questetra in Slack"
    assert await shed(bot) == "bridge_slack_shed_total 1.0"


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
    assert await shed(bot) == "bridge_slack_shed_total 0.0"
    application.state.gate.leave()
