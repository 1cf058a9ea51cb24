"""What reaches Slack, end to end (issue #15 item 1): a workflow's push with Slack markup in its
title and text lands in the channel of the Slack emulator with nothing live, in the notification
``text`` and in every block."""

from __future__ import annotations

import json
import re

import pytest

from tests.linking_support import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, link_user

pytestmark = pytest.mark.usefixtures("app")

LIVE = re.compile(r"<(?:!channel|!here|!everyone|!subteam|@U123|#C123|http://evil)")


@pytest.fixture(autouse=True)
def tenant(questetra):
    questetra.add_user("alice@example.com", "Alice Adams")
    questetra.add_client(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI)
    return questetra


async def webhook_path(bot, signer, slack) -> str:
    url = slack.new_response_url()
    body, headers = signer.slash_command(
        "webhook", user_id="U_EN", channel_id="C0001", response_url=url
    )
    assert (await bot.post("/slack/events", content=body, headers=headers)).status_code == 200
    text = (await slack.wait_for_response(url))[-1]["text"]
    return text.split("`")[1].removeprefix("http://bot.test")


@pytest.mark.parametrize("encoding", ["data", "json"])
async def test_a_hook_with_slack_markup_posts_nothing_live(
    bot, signer, slack, questetra, questetra_url, encoding
) -> None:
    await link_user(bot, signer, slack, questetra, user_id="U_EN", email="alice@example.com")
    path = await webhook_path(bot, signer, slack)
    body = {
        "title": "Refund <!channel> now",
        "text": "<!here> <@U123> <#C123> <!subteam^S1> <http://evil|click> &amp; *_~`",
        "processInstanceId": "1234",
    }
    response = await bot.post(path, **{encoding: body})
    assert response.status_code == 200, response.text
    (post,) = slack.messages("C0001")
    assert not LIVE.search(post["text"]), post["text"]
    assert post["text"].startswith("Refund &lt;!channel&gt; now &lt;!here&gt;")
    assert "&amp;amp;" in post["text"]  # "&amp;" sent is shown as "&amp;", as sent
    blocks = json.dumps(post["blocks"], ensure_ascii=False)
    assert not LIVE.search(blocks), blocks
    assert "Refund &lt;!channel&gt; now" in blocks
    # The one link is the bot's own, to the process in Questetra.
    links = re.findall(r"<(https?://[^|>]+)", blocks)
    assert links and all(link.startswith(questetra_url) for link in links), links
