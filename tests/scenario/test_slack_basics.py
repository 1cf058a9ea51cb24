"""Signed Slack requests through the real app: help, unknown commands, Home, dedupe, bad input."""

from __future__ import annotations

import json
import time

import httpx2
import pytest

from tests.emulators.slack import FakeSlack, SlackSigner

pytestmark = pytest.mark.usefixtures("app")


async def command(
    bot: httpx2.AsyncClient, signer: SlackSigner, slack: FakeSlack, text: str, user_id: str = "U_EN"
) -> dict:
    url = slack.new_response_url()
    body, headers = signer.slash_command(text, user_id=user_id, response_url=url)
    response = await bot.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 200
    return (await slack.wait_for_response(url))[0]


async def test_help_in_english_for_an_en_us_user(bot, signer, slack) -> None:
    reply = await command(bot, signer, slack, "help", user_id="U_EN")
    assert reply["response_type"] == "ephemeral"
    assert reply["blocks"][0]["text"]["text"] == "Questetra in Slack"
    listing = reply["blocks"][2]["text"]["text"]
    for sub in (
        "connect",
        "disconnect",
        "status",
        "tasks",
        "start",
        "alerts",
        "subscribe",
        "admin",
    ):
        assert f"`/questetra {sub}" in listing


async def test_help_in_japanese_for_a_ja_jp_user(bot, signer, slack) -> None:
    reply = await command(bot, signer, slack, "help", user_id="U_JA")
    assert reply["blocks"][0]["text"]["text"] == "Slack で Questetra"
    assert "サブコマンド" in reply["blocks"][1]["text"]["text"]


async def test_no_text_means_help(bot, signer, slack) -> None:
    reply = await command(bot, signer, slack, "")
    assert reply["blocks"][0]["text"]["text"] == "Questetra in Slack"


async def test_unknown_sub_command_gets_a_hint(bot, signer, slack) -> None:
    reply = await command(bot, signer, slack, "halp me")
    text = reply["blocks"][0]["text"]["text"]
    assert "`/questetra halp` is not a command I know" in text
    assert "Did you mean `/questetra help`?" in text


async def test_unknown_sub_command_in_japanese(bot, signer, slack) -> None:
    reply = await command(bot, signer, slack, "xyzzy", user_id="U_JA")
    text = reply["blocks"][0]["text"]["text"]
    assert "`/questetra xyzzy` というコマンドはありません" in text
    assert "`/questetra help`" in text


async def test_channel_sub_command_in_a_dm_says_where_to_run_it(bot, signer, slack) -> None:
    url = slack.new_response_url()
    body, headers = signer.slash_command(
        "subscribe sales", user_id="U_EN", channel_id="DU_EN", response_url=url
    )
    await bot.post("/slack/events", content=body, headers=headers)
    (reply,) = await slack.wait_for_response(url)
    assert "Run this in the channel that should get the posts" in reply["text"]


async def test_home_tab_for_an_unlinked_user_has_a_connect_button(bot, signer, slack) -> None:
    body, headers = signer.event(signer.app_home_opened("U_EN"), event_id="EvHOME1")
    response = await bot.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 200
    (call,) = await slack.wait_for("views.publish")
    view = call.params["view"]
    assert call.params["user_id"] == "U_EN"
    assert view["type"] == "home"
    action_ids = [
        e["action_id"] for b in view["blocks"] for e in b.get("elements", []) if "action_id" in e
    ]
    assert action_ids == ["connect"]


async def test_event_retry_with_same_event_id_is_processed_once(bot, signer, slack) -> None:
    event = signer.app_home_opened("U_EN")
    for retry in range(3):
        body, headers = signer.event(event, event_id="EvSAME")
        headers = {
            **headers,
            "X-Slack-Retry-Num": str(retry),
            "X-Slack-Retry-Reason": "http_timeout",
        }
        response = await bot.post("/slack/events", content=body, headers=headers)
        assert response.status_code == 200
    await slack.wait_for("views.publish")
    # Give a duplicate time to show up if it were (wrongly) processed.
    body, headers = signer.event(signer.app_home_opened("U_JA"), event_id="EvOTHER")
    await bot.post("/slack/events", content=body, headers=headers)
    await slack.wait_for("views.publish", count=2)
    users = [c.params["user_id"] for c in slack.calls_to("views.publish")]
    assert sorted(users) == ["U_EN", "U_JA"]


@pytest.mark.parametrize("case", ["unsigned", "stale", "tampered", "wrong_secret"])
async def test_bad_signatures_are_refused_with_no_side_effect(bot, signer, slack, case) -> None:
    url = slack.new_response_url()
    body, headers = signer.slash_command("help", response_url=url)
    if case == "unsigned":
        headers = {"Content-Type": headers["Content-Type"]}
    elif case == "stale":
        body, headers = signer.slash_command(
            "help", response_url=url, timestamp=int(time.time()) - 60 * 10
        )
    elif case == "tampered":
        body = body.replace("help", "disconnect")
    else:
        body, headers = SlackSigner("another-secret").slash_command("help", response_url=url)
    response = await bot.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 401
    assert slack.calls == []
    assert slack.responses(url) == []


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", "{not json"),
        ("application/json", "[]"),
        ("application/x-www-form-urlencoded", "payload=%7Bbroken"),
        ("application/x-www-form-urlencoded", "payload=%5B%5D"),
        ("application/x-www-form-urlencoded", ""),
        ("text/plain", "\x00\x01garbage"),
        ("application/json", '"just a string"'),
        ("application/json", '{"type": "event_callback", "event": "x", "event_id": "Ev1"}'),
        ("application/json", '{"type": "event_callback", "event": {"type": "app_home_opened"}}'),
        ("application/x-www-form-urlencoded", "command=%2Fquestetra&text=help"),
        ("application/x-www-form-urlencoded", 'payload={"type":"block_actions","actions":"x"}'),
        ("application/x-www-form-urlencoded", 'payload={"type":"view_submission","view":null}'),
    ],
)
async def test_signed_malformed_bodies_never_500(bot, signer, slack, content_type, body) -> None:
    response = await bot.post(
        "/slack/events",
        content=body,
        headers={**signer.headers(body), "Content-Type": content_type},
    )
    assert 400 <= response.status_code < 500 or response.status_code == 200
    assert response.status_code != 500
    assert slack.calls_to("chat.postMessage") == []


async def test_oversized_body_is_refused(bot, signer) -> None:
    body = "x" * (1024 * 1024 + 1)
    response = await bot.post("/slack/events", content=body, headers=signer.headers(body))
    assert response.status_code == 413


async def test_url_verification_challenge(bot, signer) -> None:
    body, headers = signer.url_verification("challenge-123")
    response = await bot.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 200
    assert response.json() == {"challenge": "challenge-123"}


async def test_slack_error_in_a_listener_reaches_the_user_as_a_message(bot, signer, slack) -> None:
    slack.fail("views.publish", error="invalid_arguments")
    body, headers = signer.event(signer.app_home_opened("U_JA"), event_id="EvFAIL")
    await bot.post("/slack/events", content=body, headers=headers)
    (dm,) = await slack.wait_for("chat.postMessage")
    assert dm.params["channel"] == "U_JA"
    text = dm.params["text"]
    assert "問題が発生しました" in text
    assert "Traceback" not in json.dumps(dm.params)


def _all_action_ids() -> list[str]:
    from bot.slack.features import FEATURES
    from bot.slack.ids import ActionId, HomeAction

    ids = [a.value for a in (*ActionId, *HomeAction)]
    for feature in FEATURES:
        if feature.ACTIONS is not None:
            ids.extend(a.value for a in feature.ACTIONS)
    return ids


@pytest.mark.parametrize("action_id", _all_action_ids())
async def test_every_declared_action_id_has_a_listener(bot, signer, slack, action_id) -> None:
    # Bolt answers 404 to a click nobody listens to; every id we declare must be handled.
    payload = signer.block_actions(
        action_id, "{}", user_id="U_EN", response_url=slack.new_response_url()
    )
    body, headers = signer.interactivity(payload)
    response = await bot.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 200


async def test_an_undeclared_action_id_is_not_handled(bot, signer, slack) -> None:
    payload = signer.block_actions("no_such_action", user_id="U_EN")
    body, headers = signer.interactivity(payload)
    assert (await bot.post("/slack/events", content=body, headers=headers)).status_code == 404


async def test_listeners_that_fail_right_after_ack_still_answer_200(bot, signer, slack) -> None:
    # Bolt resets a recorded ack when a listener raises; ours never raise (bot/slack/guard.py).
    for n in range(15):
        url = slack.new_response_url()
        body, headers = signer.slash_command("alerts sometimes", user_id="U_EN", response_url=url)
        response = await bot.post("/slack/events", content=body, headers=headers)
        assert response.status_code == 200, n
        (reply,) = await slack.wait_for_response(url)
        assert "Link your Questetra account first" in reply["text"] or "alerts on" in reply["text"]
