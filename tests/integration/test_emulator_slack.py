"""The fake Slack Web API, driven by the real slack_sdk client, and the request signer.

These pin the fake's behaviour so the bot's tests can trust it: answers shaped like Slack's,
scripted faults surfacing the way slack_sdk reports real ones, and signatures slack-bolt accepts.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qs

import httpx2
import pytest
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from tests.emulators.server import LoopbackServer, serve
from tests.emulators.slack import (
    FakeSlack,
    SlackSigner,
    app_home_opened,
    block_actions,
    create_app,
    view_submission,
)

TOKEN = "xoxb-test-token"
SECRET = "signing-secret-for-tests"
TS = re.compile(r"^\d{10}\.\d{6}$")
MODAL = {
    "type": "modal",
    "callback_id": "start",
    "title": {"type": "plain_text", "text": "Start a process"},
    "submit": {"type": "plain_text", "text": "Start"},
    "blocks": [
        {
            "type": "input",
            "block_id": "title",
            "label": {"type": "plain_text", "text": "Title"},
            "element": {"type": "plain_text_input", "action_id": "value"},
        }
    ],
}
HOME = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}]}


@pytest.fixture(scope="module")
def running() -> Iterator[tuple[FakeSlack, LoopbackServer]]:
    slack = FakeSlack(bot_token=TOKEN, team_id="T0001", team_name="Acme")
    with serve(create_app(slack)) as server:
        slack.base_url = server.url
        yield slack, server


@pytest.fixture
def slack(running: tuple[FakeSlack, LoopbackServer]) -> FakeSlack:
    fake = running[0]
    fake.reset()
    fake.add_user("U0001", email="alice@example.com", real_name="Alice", locale="ja-JP")
    fake.add_user("U0002", email="bob@example.com", tz="Europe/Berlin", is_admin=True)
    return fake


@pytest.fixture
def client(slack: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token=TOKEN, base_url=slack.api_url)


async def slack_error(coro: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as info:
        await coro
    return info.value


# -- Web API ----------------------------------------------------------------------------------


async def test_auth_test_and_team_info(client: AsyncWebClient, slack: FakeSlack) -> None:
    auth = await client.auth_test()
    assert auth["team_id"] == "T0001"
    assert auth["team"] == "Acme"
    assert auth["user_id"] == slack.bot_user_id
    assert auth["bot_id"] == slack.bot_id
    assert auth["url"] == "https://acme.slack.com/"
    assert "chat:write" in auth.headers["x-oauth-scopes"]
    team = await client.team_info()
    assert team["team"]["id"] == "T0001"
    assert team["team"]["domain"] == "acme"
    [call] = slack.calls_to("auth.test")
    assert (call.token, call.status, call.ok) == (TOKEN, 200, True)


async def test_users_info_locale_and_lookup(client: AsyncWebClient) -> None:
    plain = await client.users_info(user="U0001")
    assert "locale" not in plain["user"]
    user = (await client.users_info(user="U0001", include_locale=True))["user"]
    assert user["locale"] == "ja-JP"
    assert user["tz"] == "Asia/Tokyo"
    assert user["tz_offset"] == 9 * 3600
    assert user["profile"]["email"] == "alice@example.com"
    assert user["real_name"] == user["profile"]["real_name"] == "Alice"
    assert (user["is_admin"], user["is_owner"], user["deleted"]) == (False, False, False)
    bob = (await client.users_lookupByEmail(email="BOB@example.com"))["user"]
    assert bob["id"] == "U0002"
    assert bob["is_admin"] is True
    unknown = await slack_error(client.users_info(user="U9999"))
    assert unknown.response["error"] == "user_not_found"
    missing = await slack_error(client.users_lookupByEmail(email="nobody@example.com"))
    assert missing.response["error"] == "users_not_found"


async def test_post_update_history_with_metadata(client: AsyncWebClient, slack: FakeSlack) -> None:
    opened = await client.conversations_open(users="U0001")
    dm = opened["channel"]["id"]
    assert dm.startswith("D")
    again = await client.conversations_open(users="U0001")
    assert again["channel"]["id"] == dm
    assert again["already_open"] is True
    info = await client.conversations_info(channel=dm)
    assert info["channel"]["is_im"] is True
    assert info["channel"]["user"] == "U0001"

    metadata = {"event_type": "task_offered", "event_payload": {"wid": 42}}
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Task*"}}]
    first = await client.chat_postMessage(channel=dm, text="Task", blocks=blocks, metadata=metadata)
    assert first["channel"] == dm
    assert TS.match(first["ts"])
    assert first["message"]["metadata"] == metadata
    assert first["message"]["bot_id"] == slack.bot_id
    # Posting to the user id lands in the same DM, as in Slack.
    second = await client.chat_postMessage(channel="U0001", text="Second")
    assert second["channel"] == dm
    assert float(second["ts"]) > float(first["ts"])

    updated = await client.chat_update(channel=dm, ts=first["ts"], text="Task (done)")
    assert updated["ts"] == first["ts"]
    assert updated["message"]["blocks"] == blocks  # left out: kept, as chat.update documents

    history = await client.conversations_history(channel=dm, limit=10)
    assert [m["ts"] for m in history["messages"]] == [second["ts"], first["ts"]]
    assert "metadata" not in history["messages"][1]
    with_meta = await client.conversations_history(channel=dm, include_all_metadata=True)
    assert with_meta["messages"][1]["metadata"] == metadata
    assert with_meta["messages"][1]["text"] == "Task (done)"
    page = await client.conversations_history(channel=dm, limit=1)
    assert page["has_more"] is True
    assert page["response_metadata"]["next_cursor"]

    link = await client.chat_getPermalink(channel=dm, message_ts=first["ts"])
    assert link["permalink"].endswith(f"/archives/{dm}/p{first['ts'].replace('.', '')}")
    await client.chat_delete(channel=dm, ts=second["ts"])
    [state] = slack.messages(dm)
    assert (state["text"], state["blocks"], state["metadata"]) == ("Task (done)", blocks, metadata)
    assert state["user"] == slack.bot_user_id
    gone = await slack_error(client.chat_update(channel=dm, ts=second["ts"], text="x"))
    assert gone.response["error"] == "message_not_found"
    nowhere = await slack_error(client.chat_postMessage(channel="nowhere", text="x"))
    assert nowhere.response["error"] == "channel_not_found"


async def test_post_ephemeral(client: AsyncWebClient, slack: FakeSlack) -> None:
    answer = await client.chat_postEphemeral(channel="C0001", user="U0001", text="only you")
    assert TS.match(answer["message_ts"])
    [eph] = slack.ephemerals("C0001")
    assert (eph["user"], eph["text"], eph["message_ts"]) == (
        "U0001",
        "only you",
        answer["message_ts"],
    )
    assert slack.messages("C0001") == []
    [call] = slack.calls_to("chat.postEphemeral")
    assert call.params["user"] == "U0001"


async def test_views_open_update_push_publish(client: AsyncWebClient, slack: FakeSlack) -> None:
    opened = (await client.views_open(trigger_id="1337.42.abcd", view=MODAL))["view"]
    assert re.match(r"^V[0-9A-F]+$", opened["id"])
    assert opened["state"] == {"values": {}}
    assert (opened["callback_id"], opened["root_view_id"]) == ("start", opened["id"])
    stale = await slack_error(
        client.views_update(view_id=opened["id"], view=MODAL, hash="0000.bad")
    )
    assert stale.response["error"] == "hash_conflict"
    changed = {**MODAL, "private_metadata": '{"step": 2}'}
    answer = await client.views_update(view_id=opened["id"], view=changed, hash=opened["hash"])
    updated = answer["view"]
    assert updated["id"] == opened["id"]
    assert updated["hash"] != opened["hash"]
    assert slack.views[opened["id"]]["private_metadata"] == '{"step": 2}'
    pushed = (await client.views_push(trigger_id="1337.42.abcd", view=MODAL))["view"]
    assert (pushed["previous_view_id"], pushed["root_view_id"]) == (opened["id"], opened["id"])

    home = (await client.views_publish(user_id="U0001", view=HOME))["view"]
    assert slack.home_views["U0001"]["blocks"] == HOME["blocks"]
    again = (await client.views_publish(user_id="U0001", view=HOME, hash=home["hash"]))["view"]
    assert again["id"] == home["id"]

    no_trigger = await slack_error(client.api_call("views.open", json={"view": MODAL}))
    assert no_trigger.response["error"] == "invalid_arguments"
    long_title = {**MODAL, "title": {"type": "plain_text", "text": "x" * 25}}
    too_long = await slack_error(client.views_open(trigger_id="t", view=long_title))
    assert "25 characters" in too_long.response["response_metadata"]["messages"][0]
    unknown = await slack_error(client.views_update(view_id="VNOPE", view=MODAL))
    assert unknown.response["error"] == "not_found"


async def test_scripted_failure_then_recovery(client: AsyncWebClient, slack: FakeSlack) -> None:
    slack.fail("chat.postMessage", "is_archived")
    failed = await slack_error(client.chat_postMessage(channel="C0001", text="hi"))
    assert failed.response.status_code == 200
    assert failed.response["error"] == "is_archived"
    await client.chat_postMessage(channel="C0001", text="hi")
    assert [(c.status, c.error) for c in slack.calls_to("chat.postMessage")] == [
        (200, "is_archived"),
        (200, None),
    ]
    slack.http_error("auth.test", status=503)
    down = await slack_error(client.auth_test())
    assert down.response.status_code == 503
    assert slack.calls_to("auth.test")[-1].status == 503


async def test_rate_limit_surfaces_and_retries(client: AsyncWebClient, slack: FakeSlack) -> None:
    slack.rate_limit("chat.postMessage", retry_after=7)
    limited = await slack_error(client.chat_postMessage(channel="C0001", text="hi"))
    assert limited.response.status_code == 429
    assert limited.response.headers["Retry-After"] == "7"
    assert limited.response["error"] == "ratelimited"

    # Retry-After 0: slack_sdk's handler still sleeps 0..1 s of jitter, then succeeds.
    slack.rate_limit("chat.postMessage", retry_after=0)
    retrying = AsyncWebClient(
        token=TOKEN,
        base_url=slack.api_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )
    posted = await retrying.chat_postMessage(channel="C0001", text="hi")
    assert posted["ok"] is True
    assert [c.status for c in slack.calls_to("chat.postMessage")] == [429, 429, 200]


async def test_auth_errors_and_unknown_method(client: AsyncWebClient, slack: FakeSlack) -> None:
    wrong = AsyncWebClient(token="xoxb-wrong", base_url=slack.api_url)
    assert (await slack_error(wrong.auth_test())).response["error"] == "invalid_auth"
    anonymous = AsyncWebClient(base_url=slack.api_url)
    assert (await slack_error(anonymous.auth_test())).response["error"] == "not_authed"
    slack.add_token("xoxb-second")
    second = AsyncWebClient(token="xoxb-second", base_url=slack.api_url)
    assert (await second.auth_test())["user_id"] == slack.bot_user_id
    slack.revoke_token("xoxb-second")
    assert (await slack_error(second.auth_test())).response["error"] == "token_revoked"
    unknown = await slack_error(client.api_call("nope.nothing"))
    assert unknown.response["error"] == "unknown_method"
    assert [c.token for c in slack.calls_to("auth.test")] == [
        "xoxb-wrong",
        None,
        "xoxb-second",
        "xoxb-second",
    ]


async def test_form_body_with_token_param_and_json_strings(slack: FakeSlack) -> None:
    blocks = [{"type": "divider"}]
    async with httpx2.AsyncClient() as http:
        answer = await http.post(
            slack.api_url + "chat.postMessage",
            data={"token": TOKEN, "channel": "C0001", "text": "form", "blocks": json.dumps(blocks)},
        )
    assert answer.json()["ok"] is True
    [call] = slack.calls_to("chat.postMessage")
    assert call.params["blocks"] == blocks  # decoded, token kept out of params
    assert "token" not in call.params
    assert call.token == TOKEN


async def test_response_url_round_trip(client: AsyncWebClient, slack: FakeSlack) -> None:
    posted = await client.chat_postMessage(channel="C0001", text="Approve?")
    url = slack.new_response_url(channel="C0001", message_ts=posted["ts"], user_id="U0001")
    base = slack.base_url
    assert base is not None
    assert url.startswith(base + "response/")
    async with httpx2.AsyncClient() as http:
        ephemeral = await http.post(url, json={"text": "working…", "response_type": "ephemeral"})
        replaced = await http.post(url, json={"text": "Approved", "replace_original": True})
        unknown = await http.post(base + "response/T0001/0/nope", json={"text": "x"})
    assert (ephemeral.status_code, ephemeral.text) == (200, "ok")
    assert replaced.status_code == 200
    assert unknown.status_code == 404
    bodies = await slack.wait_for_response(url, count=2)
    assert [b["text"] for b in bodies] == ["working…", "Approved"]
    assert slack.messages("C0001")[0]["text"] == "Approved"
    assert slack.ephemerals("C0001")[0]["text"] == "working…"


async def test_wait_for_returns_and_times_out(client: AsyncWebClient, slack: FakeSlack) -> None:
    async def later() -> None:
        await asyncio.sleep(0.05)
        await client.chat_postMessage(channel="C0001", text="late")

    task = asyncio.create_task(later())
    [call] = await slack.wait_for("chat.postMessage", timeout=2.0)
    await task
    assert call.params["text"] == "late"
    with pytest.raises(AssertionError, match=r"expected 2 call\(s\) to chat.postMessage") as info:
        await slack.wait_for("chat.postMessage", count=2, timeout=0.05)
    assert "chat.postMessage(200)" in str(info.value)


# -- signing ----------------------------------------------------------------------------------


def _assert_valid(body: str, headers: dict[str, str]) -> None:
    verifier = SignatureVerifier(SECRET)
    ts, sig = headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    assert verifier.is_valid(body, ts, sig)
    assert not verifier.is_valid(body + "x", ts, sig)


def test_every_builder_is_signed_validly() -> None:
    signer = SlackSigner(SECRET)
    signed = [
        signer.slash_command("start", response_url="http://127.0.0.1/response/x"),
        signer.interactivity(block_actions("approve", "42", channel_id="C0001")),
        signer.interactivity(view_submission("start", {"title": {"value": "Hello"}})),
        signer.event(app_home_opened("U0001")),
        signer.url_verification("challenge-token"),
    ]
    for body, headers in signed:
        _assert_valid(body, headers)
    assert signed[0][1]["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(signed[0][0])["command"] == ["/questetra"]
    payload = json.loads(parse_qs(signed[2][0])["payload"][0])
    title = payload["view"]["state"]["values"]["title"]["value"]
    assert title == {"type": "plain_text_input", "value": "Hello"}
    assert signed[3][1]["Content-Type"] == "application/json"
    assert json.loads(signed[3][0])["type"] == "event_callback"


def test_stale_timestamp_is_rejected() -> None:
    signer = SlackSigner(SECRET)
    body = "payload=%7B%7D"
    stale = signer.headers(body, timestamp=int(time.time()) - 6 * 60)
    verifier = SignatureVerifier(SECRET)
    assert not verifier.is_valid(
        body, stale["X-Slack-Request-Timestamp"], stale["X-Slack-Signature"]
    )
    # The signer's own clock decides "now", so a frozen clock signs in the past on purpose.
    frozen = SlackSigner(SECRET, clock=lambda: 1_700_000_000.0)
    old = frozen.headers(body)
    assert old["X-Slack-Request-Timestamp"] == "1700000000"
    assert not verifier.is_valid(body, old["X-Slack-Request-Timestamp"], old["X-Slack-Signature"])
    assert not SignatureVerifier("other-secret").is_valid(
        body, *SlackSigner(SECRET).headers(body).values()
    )


def bolt_request(body: str, headers: Mapping[str, str]) -> AsyncBoltRequest:
    return AsyncBoltRequest(body=body, headers={k: v for k, v in headers.items()})


async def test_bolt_routes_the_signed_requests(slack: FakeSlack) -> None:
    """slack-bolt verifies, authorizes (auth.test on the fake) and routes every builder."""
    app = AsyncApp(
        token=TOKEN,
        signing_secret=SECRET,
        client=AsyncWebClient(token=TOKEN, base_url=slack.api_url),
    )
    seen: list[tuple[str, Any]] = []
    # Bolt runs each listener in a task of its own after the ack (the command's after an HTTP
    # round trip to the fake's response_url): the test waits for the fourth, not for a while.
    all_seen = asyncio.Event()

    def saw(kind: str, what: tuple[Any, ...]) -> None:
        seen.append((kind, what))
        if len(seen) == 4:
            all_seen.set()

    @app.command("/questetra")
    async def command(ack: Any, respond: Any, command: dict[str, Any], context: Any) -> None:
        await ack()
        await respond("on it")  # bolt's webhook client against the fake's response_url
        saw("command", (command["text"], context.user_id, context.team_id))

    @app.action("approve")
    async def action(ack: Any, body: dict[str, Any], context: Any) -> None:
        await ack()
        saw("action", (body["actions"][0]["value"], context.channel_id))

    @app.view("start")
    async def view(ack: Any, view: dict[str, Any], context: Any) -> None:
        await ack()
        saw("view", (view["state"]["values"]["title"]["value"]["value"], context.team_id))

    @app.event("app_home_opened")
    async def home(event: dict[str, Any], context: Any) -> None:
        saw("home", (event["user"], context.bot_user_id))

    signer = SlackSigner(SECRET)
    response_url = slack.new_response_url(channel="C0001", user_id="U0001")
    requests = [
        signer.slash_command("list", user_id="U0001", response_url=response_url),
        signer.interactivity(block_actions("approve", "42", channel_id="C0001")),
        signer.interactivity(view_submission("start", {"title": {"value": "Hello"}})),
        signer.event(app_home_opened("U0001")),
    ]
    for body, headers in requests:
        response = await app.async_dispatch(bolt_request(body, headers))
        assert response.status == 200, response.body
    tampered_body, tampered_headers = signer.slash_command("list")
    rejected = await app.async_dispatch(
        bolt_request(tampered_body.replace("list", "lost"), tampered_headers)
    )
    assert rejected.status == 401
    await asyncio.wait_for(all_seen.wait(), 60)  # only a hang fails here
    assert dict(seen) == {
        "command": ("list", "U0001", "T0001"),
        "action": ("42", "C0001"),
        "view": ("Hello", "T0001"),
        "home": ("U0001", slack.bot_user_id),
    }
    assert slack.calls_to("auth.test")
    [reply] = await slack.wait_for_response(response_url)
    assert reply["text"] == "on it"


async def test_readable_ids_with_underscores(client: AsyncWebClient, slack: FakeSlack) -> None:
    slack.add_user("U_JA", email="taro@example.jp", locale="ja-JP")
    posted = await client.chat_postMessage(channel="U_JA", text="こんにちは")
    assert posted["channel"] == "DU_JA"
    assert (await client.conversations_open(users="U_JA"))["channel"]["id"] == "DU_JA"
    await client.chat_postMessage(channel="C_TASKS", text="lenient: any well-formed id")
    assert [m["text"] for m in slack.messages("U_JA")] == ["こんにちは"]


# -- Socket Mode ------------------------------------------------------------------------------


async def test_socket_mode_envelopes_go_to_the_newest_connection(slack: FakeSlack) -> None:
    """An earlier app's connection may still be open on the emulator's side when the next app
    has connected (the server thread sees the close when it gets to it): what that one took
    was lost. Envelopes go to the newest connection; ``wait_connected(after=…)`` waits for it."""
    import aiohttp

    peer = slack.socket_mode
    url = slack.base_url.replace("http://", "ws://", 1) + "socket-mode"
    before = peer.opened
    async with aiohttp.ClientSession() as session:
        old = await session.ws_connect(url)
        assert (await old.receive_json(timeout=10))["type"] == "hello"
        new = await session.ws_connect(url)
        assert (await new.receive_json(timeout=10))["type"] == "hello"
        await peer.wait_connected(after=before + 1)
        for n in range(5):  # the old one would have taken about half of them
            sent = peer.send("events_api", {"n": n})
            got = await new.receive_json(timeout=10)
            assert (got["envelope_id"], got["payload"]) == (sent, {"n": n})
        await old.close()
        await new.close()
