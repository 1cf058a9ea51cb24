"""One aiohttp session for every Slack call and response_url answer (issue #8, fix E)."""

from __future__ import annotations

import httpx2
from starlette.applications import Starlette

from bot.slack.respond import SharedRespond
from tests.conftest import bot_app, settle
from tests.emulators.slack import FakeSlack, SlackSigner


async def help_over(client: httpx2.AsyncClient, signer: SlackSigner, slack: FakeSlack) -> str:
    url = slack.new_response_url()
    body, headers = signer.slash_command("help", user_id="U_EN", response_url=url)
    assert (await client.post("/slack/events", content=body, headers=headers)).status_code == 200
    await slack.wait_for_response(url)
    return url


async def test_answers_and_api_calls_share_one_connection(app, bot, signer, slack) -> None:
    urls = [await help_over(bot, signer, slack) for _ in range(3)]
    answers = [peer for url in urls for peer in slack.response_peers(url)]
    api_calls = [call.peer for call in slack.calls]
    assert len(answers) == 3
    assert "users.info" in [call.method for call in slack.calls]
    # One after the other, every post reuses the one kept-alive connection of the shared
    # session; Bolt's own respond() opened a new one for each answer.
    assert None not in answers
    assert len({*answers, *api_calls}) == 1


async def test_every_client_and_respond_get_the_lifespans_session(app) -> None:
    deps = app.state.deps
    session = deps.slack_clients.session
    assert session is not None
    assert not session.closed
    assert deps.slack_clients.default.session is session
    # Bolt's app client is the default one; its per-request clients copy its session.
    assert app.state.slack.client.session is session


async def test_shutdown_closes_the_session(settings, engine, clock) -> None:
    application = bot_app(settings, engine, clock)
    clients = application.state.deps.slack_clients
    assert clients.session is None  # nothing is opened before the loop runs the lifespan
    async with application.router.lifespan_context(application):
        session = clients.session
        assert session is not None
    assert session.closed
    assert clients.session is None
    assert clients.default.session is None


async def test_without_a_lifespan_answers_still_arrive(
    settings, engine, clock, signer, slack
) -> None:
    application: Starlette = bot_app(settings, engine, clock)
    transport = httpx2.ASGITransport(app=application)  # runs no lifespan
    async with httpx2.AsyncClient(transport=transport, base_url="http://bot.test") as client:
        urls = [await help_over(client, signer, slack) for _ in range(2)]
        await settle()
    assert application.state.deps.slack_clients.session is None
    # A session per answer, closed after it (warnings are errors: an unclosed one would fail).
    first, second = (slack.response_peers(url)[0] for url in urls)
    assert first != second


async def test_shared_respond_sends_what_bolts_respond_sends(slack) -> None:
    url = slack.new_response_url()
    respond = SharedRespond(response_url=url, session=None)
    await respond(
        text="hi", blocks=[], response_type="ephemeral", replace_original=False, thread_ts="1.2"
    )
    await respond({"text": "whole", "delete_original": True})
    # Bolt drops empty block lists and keeps thread_ts; a dict is the whole message.
    assert slack.responses(url) == [
        {"text": "hi", "response_type": "ephemeral", "replace_original": False, "thread_ts": "1.2"},
        {"text": "whole", "delete_original": True},
    ]
