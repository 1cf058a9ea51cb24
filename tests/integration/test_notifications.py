"""Channel subscriptions and workflow webhooks."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.db.alert_models import Subscription
from bot.db.models import UserLink
from tests.linking_support import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, link_user

pytestmark = pytest.mark.usefixtures("app")

APP = 7


@pytest.fixture(autouse=True)
def tenant(questetra):
    questetra.add_user("alice@example.com", "Alice Adams")
    questetra.add_user("bob@example.com", "Bob")
    questetra.add_client(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI)
    questetra.add_app(APP, "Expense claim", managers=["alice@example.com"])
    questetra.add_human_start_event(APP, 1)
    questetra.add_app(9, "Secret app")
    return questetra


@pytest.fixture
async def alice(bot, signer, slack, questetra) -> None:
    await link_user(bot, signer, slack, questetra, user_id="U_EN", email="alice@example.com")


async def run(bot, signer, slack, text, *, user_id="U_EN", channel_id="C0001") -> str:
    url = slack.new_response_url()
    body, headers = signer.slash_command(
        text, user_id=user_id, channel_id=channel_id, response_url=url
    )
    assert (await bot.post("/slack/events", content=body, headers=headers)).status_code == 200
    return (await slack.wait_for_response(url))[-1]["text"]


async def deliver(app, clock) -> None:
    clock.advance(90)
    await app.state.subscription_poller.run_once()
    while await app.state.sender.run_once():
        pass


async def test_subscribe_by_name_then_new_processes_are_posted(
    bot, signer, slack, questetra, app, clock, alice
) -> None:
    questetra.start_process(APP, title="before subscribing", starter="bob@example.com")
    text = await run(bot, signer, slack, "subscribe expense claim")
    assert "This channel now gets new processes of *Expense claim*" in text
    await deliver(app, clock)  # baseline: the old process is not posted
    assert slack.messages("C0001") == []
    pid = questetra.start_process(APP, title="Trip to Osaka", starter="bob@example.com")
    await deliver(app, clock)
    await deliver(app, clock)
    (post,) = slack.messages("C0001")
    assert "New process in Expense claim" in post["text"]
    assert f"processInstanceId={pid}" in json.dumps(post["blocks"])
    assert "Trip to Osaka" in post["text"]


async def test_subscribe_by_id_twice_and_list_and_unsubscribe(bot, signer, slack, alice) -> None:
    assert "now gets new processes" in await run(bot, signer, slack, f"subscribe {APP}")
    assert "already follows" in await run(bot, signer, slack, f"subscribe {APP}")
    listing = await run(bot, signer, slack, "subscriptions")
    assert f"*Expense claim* (id {APP}) — by <@U_EN>" in listing
    assert "no longer follows *Expense claim*" in await run(
        bot, signer, slack, "unsubscribe Expense Claim"
    )
    assert "follows no Questetra app" in await run(bot, signer, slack, "subscriptions")
    assert "does not follow" in await run(bot, signer, slack, "unsubscribe 12345")


async def test_unknown_or_invisible_app_is_refused(bot, signer, slack, alice, engine) -> None:
    assert "No app “nope”" in await run(bot, signer, slack, "subscribe nope")
    assert "No app “9”" in await run(bot, signer, slack, "subscribe 9")
    async with engine.connect() as connection:
        assert (await connection.execute(select(Subscription.app_id))).scalars().all() == []


async def test_subscribe_needs_a_link(bot, signer, slack) -> None:
    assert "Link your Questetra account first" in await run(bot, signer, slack, f"subscribe {APP}")


async def test_archived_channel_disables_and_tells_the_subscriber(
    bot, signer, slack, questetra, app, clock, engine, alice
) -> None:
    await run(bot, signer, slack, f"subscribe {APP}")
    await deliver(app, clock)
    questetra.start_process(APP, title="new one", starter="bob@example.com")
    slack.fail("chat.postMessage", error="is_archived", count=1)
    await deliver(app, clock)
    async with engine.connect() as connection:
        enabled, reason = (
            await connection.execute(select(Subscription.enabled, Subscription.disabled_reason))
        ).one()
    assert (enabled, reason) == (False, "channel")
    dm = slack.messages("DU_EN")[-1]
    assert "I stopped posting *Expense claim* processes to <#C0001>" in dm["text"]
    assert "stopped" in await run(bot, signer, slack, "subscriptions")


async def test_subscriber_losing_the_link_disables(
    bot, signer, slack, questetra, app, clock, engine, alice
) -> None:
    await run(bot, signer, slack, f"subscribe {APP}")
    async with engine.begin() as connection:
        await connection.execute(UserLink.__table__.update().values(status="needs_relink"))
    await deliver(app, clock)
    async with engine.connect() as connection:
        assert (await connection.execute(select(Subscription.disabled_reason))).scalar() == "link"
    assert "your Questetra link no longer works" in slack.messages("DU_EN")[-1]["text"]


async def test_webhook_created_shown_once_and_posts(bot, signer, slack, alice) -> None:
    text = await run(bot, signer, slack, "webhook")
    url = text.split("`")[1]
    assert url.startswith("http://bot.test/hooks/")
    path = url.removeprefix("http://bot.test")
    response = await bot.post(
        path, data={"title": "Order approved", "text": "PO-1 <b>", "processInstanceId": "1234"}
    )
    assert response.status_code == 200
    (post,) = slack.messages("C0001")
    # Escaped in the notification text too: Slack shows it as it was sent.
    assert post["text"] == "Order approved PO-1 &lt;b&gt;"
    assert "processInstanceId=1234" in json.dumps(post["blocks"])
    assert "&lt;b&gt;" in json.dumps(post["blocks"])
    response = await bot.post(path, json={"text": "from JSON"})
    assert response.status_code == 200
    assert "1 active webhook URL(s)" in await run(bot, signer, slack, "webhook list")


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"data": {}}, 400),
        ({"data": {"processInstanceId": "abc", "title": "x"}}, 400),
        ({"json": ["not", "an", "object"]}, 400),
        ({"json": {"title": 5}}, 400),
        (
            {
                "content": b"\xff\xfe",
                "headers": {"content-type": "application/x-www-form-urlencoded"},
            },
            400,
        ),
        ({"content": b"x" * (16 * 1024 + 1)}, 413),
    ],
)
async def test_webhook_bad_bodies(bot, signer, slack, alice, kwargs, status) -> None:
    url = (await run(bot, signer, slack, "webhook")).split("`")[1]
    response = await bot.post(url.removeprefix("http://bot.test"), **kwargs)
    assert response.status_code == status
    assert slack.messages("C0001") == []


async def test_unknown_and_revoked_tokens(bot, signer, slack, alice) -> None:
    assert (await bot.post("/hooks/not-a-token", data={"title": "x"})).status_code == 404
    url = (await run(bot, signer, slack, "webhook")).split("`")[1]
    assert "Disabled 1 webhook URL(s)" in await run(bot, signer, slack, "webhook revoke")
    assert (
        await bot.post(url.removeprefix("http://bot.test"), data={"title": "x"})
    ).status_code == 404
    assert slack.messages("C0001") == []


async def test_webhook_with_email_marks_the_link_due(
    bot, signer, slack, clock, engine, alice
) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            UserLink.__table__.update().values(next_poll_at=clock.now().replace(year=2030))
        )
    url = (await run(bot, signer, slack, "webhook")).split("`")[1]
    await bot.post(
        url.removeprefix("http://bot.test"), data={"title": "t", "email": "ALICE@example.com"}
    )
    async with engine.connect() as connection:
        assert (await connection.execute(select(UserLink.next_poll_at))).scalar() == clock.now()


async def test_slack_refusing_the_post_is_a_502(bot, signer, slack, alice) -> None:
    url = (await run(bot, signer, slack, "webhook")).split("`")[1]
    slack.fail("chat.postMessage", error="not_in_channel", count=1)
    assert (
        await bot.post(url.removeprefix("http://bot.test"), data={"title": "x"})
    ).status_code == 502
