"""New-task alerts end to end: poller → outbox → fake Slack, with the emulators on loopback."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import httpx2
import pytest
from sqlalchemy import delete, event, func, select

from bot.app import create_app
from bot.config import Settings
from bot.db.alert_models import OutboxMessage, TaskSnapshot
from bot.db.models import UserLink
from bot.workers.poller import Poller
from tests.conftest import FAST
from tests.linking_support import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, link_user

pytestmark = pytest.mark.usefixtures("app")

APP = 7


@pytest.fixture(autouse=True)
def tenant(questetra):
    questetra.add_user("alice@example.com", "Alice Adams")
    questetra.add_user("taro@example.jp", "Taro")
    questetra.add_user("bob@example.com", "Bob")
    questetra.add_client(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI)
    questetra.add_app(APP, "Expense claim")
    return questetra


@pytest.fixture
async def alice(bot, signer, slack, questetra, app) -> None:
    await link_user(bot, signer, slack, questetra, user_id="U_EN", email="alice@example.com")
    await cycle(app)  # the baseline


async def cycle(app, clock=None) -> None:
    """One poll round (everything due) and one delivery round."""
    if clock is not None:
        clock.advance(90)  # past the poll interval (60 s)
    await app.state.poller.run_once()
    while await app.state.sender.run_once():
        pass


async def rows(engine) -> list[OutboxMessage]:
    async with engine.connect() as connection:
        return list(
            (await connection.execute(select(OutboxMessage).order_by(OutboxMessage.id))).all()
        )


THREE = (("U_EN", "alice@example.com"), ("U_JA", "taro@example.jp"), ("U_BOB", "bob@example.com"))


async def link_three(bot, signer, slack, questetra, app) -> None:
    """Alice (en), Taro (ja) and Bob linked, their baselines taken."""
    slack.add_user("U_BOB", email="bob@example.com", name="bob", locale="en-US")
    for user_id, email in THREE:
        await link_user(bot, signer, slack, questetra, user_id=user_id, email=email)
    await cycle(app)


async def leases_held(engine) -> int:
    async with engine.connect() as connection:
        return await connection.scalar(
            select(func.count()).where(UserLink.lease_owner.is_not(None))
        )


def action_ids(blocks) -> list[str]:
    return [e["action_id"] for b in blocks for e in b.get("elements", []) if "action_id" in e]


def dms(slack, channel="DU_EN") -> list[dict]:
    return slack.messages(channel)


async def test_tasks_present_at_link_time_are_the_baseline(
    bot, signer, slack, questetra, app, engine, clock
) -> None:
    for n in range(3):
        questetra.add_task(APP, to="alice@example.com", title=f"old {n}", state="ALLOCATED")
    clock.advance(3 * 60)  # older than the link by more than the clock skew allowed (2 min)
    await link_user(bot, signer, slack, questetra, user_id="U_EN", email="alice@example.com")
    await cycle(app)
    assert await rows(engine) == []
    assert dms(slack) == []


async def test_new_tasks_get_exactly_one_dm_each(
    slack, questetra, app, clock, engine, alice
) -> None:
    questetra.add_task(APP, to="alice@example.com", node_name="Approve", state="OFFERED")
    questetra.add_task(APP, to="alice@example.com", node_name="Check", state="ALLOCATED")
    await cycle(app, clock)
    await cycle(app, clock)  # polling again announces nothing twice
    messages = dms(slack)
    assert len(messages) == 2
    offered = next(m for m in messages if "offered" in m["text"])
    assert offered["text"] == "New task offered to you: Approve (Expense claim)"
    assert action_ids(offered["blocks"]) == [
        "task_open",
        "task_details",
        "task_accept",
        "form_accept_process",
    ]
    assert offered["metadata"]["event_type"] == "questetra_alert"
    assert {r.state for r in await rows(engine)} == {"sent"}


async def test_a_poll_round_costs_statements_per_round_not_per_user(
    bot, signer, slack, questetra, app, clock, engine
) -> None:
    await link_three(bot, signer, slack, questetra, app)
    questetra.add_task(APP, to="bob@example.com", node_name="Check", state="ALLOCATED")
    statements: list[str] = []

    def seen(_conn, _cursor, statement: str, *_: object) -> None:
        statements.append(statement.split()[0] + " " + statement.split()[1])

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        clock.advance(90)
        assert await app.state.poller.run_once() == 3
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)
    touching = Counter(s for s in statements if "user_links" in s or "task_snapshots" in s)
    # The claim (with the credentials), one look at which links still exist, one snapshot read,
    # one release for the three; the only write per link is for the one whose list changed.
    assert touching == {
        "UPDATE user_links": 2,
        "SELECT user_links.id,": 1,  # with linked_at (the baseline's cut-off)
        "SELECT task_snapshots.link_id,": 1,
        "UPDATE task_snapshots": 1,
    }, statements
    while await app.state.sender.run_once():
        pass
    assert len(slack.messages("DU_BOB")) == 1


async def test_a_claim_failing_mid_round_keeps_what_was_already_polled(
    bot, signer, slack, questetra, app, clock, engine
) -> None:
    await link_three(bot, signer, slack, questetra, app)
    for _, email in THREE:
        questetra.add_task(APP, to=email, node_name="Check", state="ALLOCATED")
    deps = app.state.deps
    poller = Poller(
        sessions=deps.sessions,
        clock=clock,
        alerts=deps.alerts,
        interval=timedelta(seconds=60),
        owner="one-at-a-time",
        batch=1,  # a claim per link: the second one fails while the first poll runs
        concurrency=4,
    )
    claim, claims = poller.claim, []

    async def second_claim_fails() -> list:
        claims.append(1)
        if len(claims) == 2:
            raise ConnectionResetError("database went away")
        return await claim()

    poller.claim = second_claim_fails  # type: ignore[method-assign]
    clock.advance(90)
    assert await poller.run_once() == 1  # the claimed link is polled and recorded, not dropped
    assert len(await rows(engine)) == 1
    assert await leases_held(engine) == 0
    assert await poller.run_once() == 2  # the next round takes the others
    assert len(await rows(engine)) == 3


async def test_a_user_who_disconnects_mid_poll_does_not_spoil_the_round(
    bot, signer, slack, questetra, app, clock, engine
) -> None:
    await link_three(bot, signer, slack, questetra, app)
    for _, email in THREE:
        questetra.add_task(APP, to=email, node_name="Check", state="ALLOCATED")
    alerts = app.state.deps.alerts
    fetch = alerts.fetch

    async def taro_leaves_meanwhile(credential):
        polled = await fetch(credential)
        if credential.slack_user_id == "U_JA":
            async with engine.begin() as connection:
                await connection.execute(delete(UserLink).where(UserLink.slack_user_id == "U_JA"))
        return polled

    alerts.fetch = taro_leaves_meanwhile
    clock.advance(90)
    assert await app.state.poller.run_once() == 3
    assert sorted(r.slack_user_id for r in await rows(engine)) == ["U_BOB", "U_EN"]
    assert await leases_held(engine) == 0


async def test_japanese_alert(bot, signer, slack, questetra, app, clock) -> None:
    await link_user(bot, signer, slack, questetra, user_id="U_JA", email="taro@example.jp")
    await cycle(app)
    questetra.add_task(APP, to="taro@example.jp", node_name="承認", state="OFFERED")
    await cycle(app, clock)
    (message,) = dms(slack, "DU_JA")
    assert message["text"] == "新しい引受待ちタスク: 承認 (Expense claim)"


async def test_accepted_in_questetra_updates_the_alert(
    slack, questetra, app, clock, engine, alice
) -> None:
    wid = questetra.add_task(APP, to="alice@example.com", node_name="Approve", state="OFFERED")
    await cycle(app, clock)
    questetra.allocate_task(wid, "alice@example.com")
    await cycle(app, clock)
    (message,) = dms(slack)
    assert "Accepted — now in your My Tasks" in str(message["blocks"])
    assert "task_accept" not in action_ids(message["blocks"])
    assert len(await rows(engine)) == 1  # updated, not a second alert


async def test_done_task_updates_the_alert_and_removes_buttons(
    slack, questetra, app, clock, alice
) -> None:
    wid = questetra.add_task(APP, to="alice@example.com", node_name="Approve", state="ALLOCATED")
    await cycle(app, clock)
    questetra.complete_task(wid)
    await cycle(app, clock)
    (message,) = dms(slack)
    assert "no longer waiting for you" in message["text"]
    assert action_ids(message["blocks"]) == []
    assert slack.calls_to("chat.update")


async def test_task_gone_before_delivery_is_never_announced(
    slack, questetra, app, clock, engine, alice
) -> None:
    wid = questetra.add_task(APP, to="alice@example.com", state="ALLOCATED")
    clock.advance(90)
    await app.state.poller.run_once()  # detected, queued, not yet sent
    questetra.complete_task(wid)
    await cycle(app, clock)
    assert dms(slack) == []
    assert [r.state for r in await rows(engine)] == ["closed"]


async def test_accept_from_the_dm(bot, signer, slack, questetra, app, clock, engine, alice) -> None:
    wid = questetra.add_task(APP, to="alice@example.com", node_name="Approve", state="OFFERED")
    await cycle(app, clock)
    (message,) = dms(slack)
    accept = next(
        e
        for b in message["blocks"]
        for e in b.get("elements", [])
        if e.get("action_id") == "task_accept"
    )
    url = slack.new_response_url(channel="DU_EN", message_ts=message["ts"])
    payload = signer.block_actions(
        "task_accept",
        accept["value"],
        user_id="U_EN",
        response_url=url,
        container={"type": "message", "channel_id": "DU_EN", "message_ts": message["ts"]},
    )
    body, headers = signer.interactivity(payload)
    assert (await bot.post("/slack/events", content=body, headers=headers)).status_code == 200
    (answer,) = await slack.wait_for_response(url)
    assert answer["replace_original"] is True
    assert "Accepted — now in your My Tasks" in str(answer["blocks"])
    assert questetra.workitems[wid].state == "ALLOCATED"
    updates_before = len(slack.calls_to("chat.update"))
    await cycle(app, clock)  # the poller sees the move but the message is already right
    assert len(slack.calls_to("chat.update")) == updates_before


async def test_alerts_off_and_offered_off(bot, signer, slack, questetra, app, clock, alice) -> None:
    url = slack.new_response_url()
    body, headers = signer.slash_command("alerts offered off", user_id="U_EN", response_url=url)
    await bot.post("/slack/events", content=body, headers=headers)
    (reply,) = await slack.wait_for_response(url)
    assert "Offered tasks: *off*" in reply["text"]
    questetra.add_task(APP, to="alice@example.com", node_name="Offered one", state="OFFERED")
    questetra.add_task(APP, to="alice@example.com", node_name="Mine", state="ALLOCATED")
    await cycle(app, clock)
    assert [m["text"] for m in dms(slack)] == ["New task for you: Mine (Expense claim)"]
    body, headers = signer.slash_command(
        "alerts off", user_id="U_EN", response_url=slack.new_response_url()
    )
    await bot.post("/slack/events", content=body, headers=headers)
    await slack.wait_for("views.publish")
    questetra.add_task(APP, to="alice@example.com", node_name="Another", state="ALLOCATED")
    await cycle(app, clock)
    assert len(dms(slack)) == 1


async def test_bad_alerts_arguments(bot, signer, slack, alice) -> None:
    for text, expected in (
        ("alerts quiet 25:00-08:00", "HH:MM-HH:MM"),
        ("alerts sometimes", "alerts on"),
    ):
        url = slack.new_response_url()
        body, headers = signer.slash_command(text, user_id="U_EN", response_url=url)
        await bot.post("/slack/events", content=body, headers=headers)
        (reply,) = await slack.wait_for_response(url)
        assert expected in reply["text"]


async def test_quiet_hours_hold_then_one_digest(
    bot, signer, slack, questetra, app, clock, engine, alice
) -> None:
    # The clock is 09:00 UTC = 18:00 in Tokyo (the fake user's time zone).
    url = slack.new_response_url()
    body, headers = signer.slash_command(
        "alerts quiet 17:00-08:00", user_id="U_EN", response_url=url
    )
    await bot.post("/slack/events", content=body, headers=headers)
    (reply,) = await slack.wait_for_response(url)
    assert "17:00–08:00 (Asia/Tokyo)" in reply["text"]
    questetra.add_task(APP, to="alice@example.com", node_name="One", state="ALLOCATED")
    questetra.add_task(APP, to="alice@example.com", node_name="Two", state="OFFERED")
    await cycle(app, clock)
    assert dms(slack) == []
    assert {r.state for r in await rows(engine)} == {"held"}
    clock.advance(timedelta(hours=14).total_seconds())  # 08:01 in Tokyo
    await cycle(app, clock)
    (digest,) = dms(slack)
    assert digest["text"] == "While your quiet hours were on, 2 task(s) arrived:"
    assert {r.state for r in await rows(engine)} == {"closed"}


async def test_rate_limit_storm_everything_delivered_in_order(
    slack, questetra, app, clock, engine, alice
) -> None:
    for n in range(6):
        questetra.add_task(APP, to="alice@example.com", node_name=f"T{n}", state="ALLOCATED")
    slack.rate_limit("chat.postMessage", retry_after=0, count=5)
    clock.advance(90)
    await app.state.poller.run_once()
    for _ in range(30):
        await app.state.sender.run_once()
        clock.advance(2)
        if len(dms(slack)) == 6:
            break
    assert len(dms(slack)) == 6
    assert {r.state for r in await rows(engine)} == {"sent"}
    assert len(slack.calls_to("chat.postMessage")) >= 6 + 5


async def test_permanent_error_marks_failed_and_blocks_nobody(
    bot, signer, slack, questetra, app, clock, engine, alice
) -> None:
    await link_user(bot, signer, slack, questetra, user_id="U_JA", email="taro@example.jp")
    await cycle(app)
    questetra.add_task(APP, to="alice@example.com", state="ALLOCATED")
    questetra.add_task(APP, to="taro@example.jp", state="ALLOCATED")
    slack.fail("chat.postMessage", error="channel_not_found", count=1)
    await cycle(app, clock)
    states = sorted((r.slack_user_id, r.state, r.last_error) for r in await rows(engine))
    assert [s[1] for s in states].count("failed") == 1
    assert [s[1] for s in states].count("sent") == 1
    assert any(s[2] == "channel_not_found" for s in states)


async def test_questetra_down_backs_off_and_alerts_arrive_after(
    slack, questetra, app, clock, engine, alice
) -> None:
    questetra.faults.fail_next(1000, status=503)
    questetra.add_task(APP, to="alice@example.com", state="ALLOCATED")
    for _ in range(4):
        await cycle(app, clock)
    assert dms(slack) == []
    async with engine.connect() as connection:
        failures, next_poll = (
            await connection.execute(select(UserLink.poll_failures, UserLink.next_poll_at))
        ).one()
    assert failures >= 1
    assert next_poll > clock.now()  # backed off, not hammering Questetra
    questetra.faults.clear()
    app.state.poller.breaker.success()
    clock.advance(timedelta(minutes=16).total_seconds())
    await cycle(app)
    assert len(dms(slack)) == 1


async def test_crash_between_post_and_record_is_reconciled(
    slack, questetra, app, clock, engine, alice
) -> None:
    questetra.add_task(APP, to="alice@example.com", node_name="Approve", state="ALLOCATED")
    clock.advance(90)
    await app.state.poller.run_once()
    (row,) = await rows(engine)
    # A previous attempt posted the message (with its metadata) and died before recording it.
    sender = app.state.sender
    original = sender._mark_sent

    async def crash(*args, **kwargs):
        raise RuntimeError("simulated crash after posting")

    sender._mark_sent = crash
    await sender.run_once()
    sender._mark_sent = original
    assert len(dms(slack)) == 1
    (row,) = await rows(engine)
    assert (row.state, row.attempts, row.message_ts) == ("pending", 1, None)
    clock.advance(60)
    await sender.run_once()
    assert len(dms(slack)) == 1  # found by its metadata, not posted again
    (row,) = await rows(engine)
    assert row.state == "sent"
    assert row.message_ts == dms(slack)[0]["ts"]


async def test_background_loops_deliver_by_themselves(
    env, engine, slack, questetra, clock, bot, signer
) -> None:
    settings = Settings.model_validate({**env, "POLL_INTERVAL_SECONDS": "10"})
    live = create_app(
        settings,
        engine=engine,
        migrate_on_start=False,
        tuning=FAST,
    )
    async with (
        live.router.lifespan_context(live),
        httpx2.AsyncClient(
            transport=httpx2.ASGITransport(app=live), base_url="http://bot.test"
        ) as client,
    ):
        await link_user(client, signer, slack, questetra, user_id="U_EN", email="alice@example.com")
        # The first poll (baseline) happens right after linking.
        for _ in range(100):
            async with engine.connect() as connection:
                if (await connection.execute(select(TaskSnapshot))).first():
                    break
            await asyncio.sleep(0.05)
        questetra.add_task(APP, to="alice@example.com", node_name="Live", state="ALLOCATED")
        # A push from a workflow makes the poll happen now instead of in 10 s.
        url = await live.state.deps.webhooks.create(
            team_id="T0001", channel_id="C0001", user_id="U_EN"
        )
        token = url.rsplit("/", 1)[1]
        response = await client.post(
            f"/hooks/{token}", data={"title": "New claim", "email": "alice@example.com"}
        )
        assert response.status_code == 200
        for _ in range(100):
            if dms(slack):
                break
            await asyncio.sleep(0.05)
    assert [m["text"] for m in dms(slack)] == ["New task for you: Live (Expense claim)"]
    assert dms(slack, "C0001")[0]["text"] == "New claim"


async def test_a_refused_accept_from_the_dm_keeps_the_alert(
    bot, signer, slack, questetra, app, clock, engine, alice
) -> None:
    """Questetra refused, yet the task still waits for the user: the alert stays as it is and
    the user is told why nothing changed (D2)."""
    questetra.switches.set("accept_blocked", True)
    questetra.add_task(APP, to="alice@example.com", node_name="Approve", state="OFFERED")
    await cycle(app, clock)
    (message,) = dms(slack)
    accept = next(
        e
        for b in message["blocks"]
        for e in b.get("elements", [])
        if e.get("action_id") == "task_accept"
    )
    url = slack.new_response_url(channel="DU_EN", message_ts=message["ts"])
    payload = signer.block_actions(
        "task_accept",
        accept["value"],
        user_id="U_EN",
        response_url=url,
        container={"type": "message", "channel_id": "DU_EN", "message_ts": message["ts"]},
    )
    body, headers = signer.interactivity(payload)
    assert (await bot.post("/slack/events", content=body, headers=headers)).status_code == 200
    (answer,) = await slack.wait_for_response(url)
    assert answer.get("replace_original") is False
    assert answer.get("response_type") == "ephemeral"
    assert "still offered to you" in answer["text"]
    assert [r.outcome for r in await rows(engine)] == [None]
