"""A dead replica's work resumes within 30 s (issue #19, goal 6): short leases, renewed while the
work is alive (bot/workers/leases.py), for polls and for the outbox, with no doubled alert.

Two replicas in one process on one PostgreSQL database, on the injected clock: the proof is lease
arithmetic and order (who may claim what, after which renewal), not wall-clock timing. The
bound itself: a live replica renews every quarter lease; a dead one stops, so its work is free
at most one lease after its death, and another replica claims it at its next tick.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

import httpx2
import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette

from bot.app import Tuning
from bot.db.alert_models import OutboxMessage
from bot.db.models import UserLink
from bot.workers.outbox import METADATA_EVENT
from tests.conftest import FAST, bot_app, settle
from tests.linking_support import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, link_user

PRODUCTION = Tuning()
# The production lease and renewal, with the tests' fast pacing (they do not change the leases).
TUNING = replace(FAST, lease_seconds=PRODUCTION.lease_seconds)
LEASE = TUNING.lease_seconds
RENEW_EVERY = LEASE / 4  # LeaseKeeper's period (bot/app.py)
APP = 7
USERS = {"U_EN": "alice@example.com", "U_JA": "taro@example.jp", "U_BOB": "bob@example.com"}


def test_the_design_bound_is_under_30_seconds() -> None:
    # Free one lease after the last renewal (at most at the death), claimed at the next tick.
    assert PRODUCTION.lease_seconds + PRODUCTION.worker_tick <= 30
    # A live replica may miss three renewals in a row before its work could be taken.
    assert PRODUCTION.lease_seconds / 4 * 3 < PRODUCTION.lease_seconds


@pytest.fixture(autouse=True)
def postgresql_only(engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("replicas share work through PostgreSQL (SKIP LOCKED, row locks)")


@asynccontextmanager
async def replica(settings, engine, clock) -> AsyncIterator[Starlette]:
    """One more bot process: its own lease owner, Slack client and workers; background jobs off
    (the test runs their rounds, and the LeaseKeeper's, itself)."""
    application = bot_app(settings, engine, clock, tuning=TUNING)
    async with application.router.lifespan_context(application):
        yield application
        await settle()


@pytest.fixture
async def linked(settings, engine, clock, env, signer, slack, questetra) -> None:
    """Three linked users, each with a baseline poll done (nothing there is announced)."""
    questetra.add_client(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI)
    questetra.add_app(APP, "Expense claim")
    for email in USERS.values():
        questetra.add_user(email, email.split("@")[0].title())
    slack.add_user("U_BOB", email=USERS["U_BOB"], name="bob")
    async with replica(settings, engine, clock) as first:
        transport = httpx2.ASGITransport(app=first)
        async with httpx2.AsyncClient(transport=transport, base_url="http://bot.test") as bot:
            for user_id, email in USERS.items():
                await link_user(bot, signer, slack, questetra, user_id=user_id, email=email)
        await first.state.poller.run_once()


async def leased_to(engine, model, owner: str) -> int:
    async with engine.connect() as connection:
        statement = select(func.count()).select_from(model).where(model.lease_owner == owner)
        return int(await connection.scalar(statement) or 0)


def owner_of(app: Starlette) -> str:
    return app.state.poller._owner


async def test_a_dead_replicas_polls_are_taken_over_one_lease_after_its_last_renewal(
    linked, settings, engine, clock
) -> None:
    async with replica(settings, engine, clock) as a, replica(settings, engine, clock) as b:
        clock.advance(3600)  # every link due again
        claimed = await a.state.poller.claim()
        assert len(claimed) == len(USERS)
        # Alive: A renews every quarter lease, so its links stay its own well past one lease.
        for _ in range(8):
            clock.advance(RENEW_EVERY)
            await a.state.lease_keeper.run_once()
            assert await b.state.poller.claim() == []
        assert await leased_to(engine, UserLink, owner_of(a)) == len(USERS)
        # A dies right after a renewal: its leases hold one lease more, not a moment longer.
        clock.advance(LEASE - 0.5)
        assert await b.state.poller.claim() == []
        clock.advance(1)
        taken = await b.state.poller.claim()
        assert {c.link_id for c in taken} == {c.link_id for c in claimed}
        assert await leased_to(engine, UserLink, owner_of(b)) == len(USERS)
        # A stalled (not dead) A cannot take them back by renewing.
        a.state.poller.held.update(c.link_id for c in claimed)
        assert await a.state.poller.renew_leases() == 0
        assert await leased_to(engine, UserLink, owner_of(a)) == 0


async def test_a_poll_round_renews_only_what_it_still_holds(linked, settings, engine, clock):
    async with replica(settings, engine, clock) as a:
        clock.advance(3600)
        assert await a.state.poller.run_once() == len(USERS)
        # The round released everything: nothing of it is renewed, nothing stays leased.
        assert a.state.poller.held == set()
        assert await a.state.poller.renew_leases() == 0
        assert await leased_to(engine, UserLink, owner_of(a)) == 0


async def test_a_dead_replicas_alerts_are_sent_once_one_lease_after_its_last_renewal(
    linked, settings, engine, clock, slack, questetra
) -> None:
    for email in USERS.values():
        questetra.add_task(APP, to=email, node_name="Approve", state="ALLOCATED")
    async with replica(settings, engine, clock) as a, replica(settings, engine, clock) as b:
        clock.advance(3600)
        await a.state.poller.run_once()  # three alerts queued
        rows = await a.state.sender.claim()
        assert len(rows) == len(USERS)
        a.state.sender.held.update(row.id for row in rows)  # as its round does
        # A posts the first alert and dies before recording it (the worst moment).
        first = rows[0]
        client = a.state.deps.slack_clients.default
        dm = await client.conversations_open(users=first.slack_user_id)
        await client.chat_postMessage(
            channel=dm["channel"]["id"],
            text="alert",
            metadata={
                "event_type": METADATA_EVENT,
                "event_payload": {"outbox_id": first.id, "workitem_id": first.workitem_id},
            },
        )
        for _ in range(4):  # its last renewals
            clock.advance(RENEW_EVERY)
            await a.state.lease_keeper.run_once()
            assert await b.state.sender.run_once() == 0
        clock.advance(LEASE - 0.5)
        assert await b.state.sender.run_once() == 0
        clock.advance(1)
        assert await b.state.sender.run_once() == len(USERS)  # taken over...
    posted = Counter(
        call.params["metadata"]["event_payload"]["outbox_id"]
        for call in slack.calls_to("chat.postMessage")
        if call.ok and (call.params.get("metadata") or {}).get("event_type") == METADATA_EVENT
    )
    assert posted == {row.id: 1 for row in rows}  # ...and none doubled: A's post was found
    async with engine.connect() as connection:
        states = (await connection.execute(select(OutboxMessage.state))).scalars().all()
        leased = await connection.scalar(
            select(func.count()).where(OutboxMessage.lease_owner.is_not(None))
        )
    assert states == ["sent"] * len(USERS)
    assert leased == 0


async def test_an_outbox_round_that_outlived_its_lease_posts_nothing_taken_over(
    linked, settings, engine, clock, slack, questetra
) -> None:
    questetra.add_task(APP, to=USERS["U_EN"], node_name="Approve", state="ALLOCATED")
    async with replica(settings, engine, clock) as a, replica(settings, engine, clock) as b:
        clock.advance(3600)
        await a.state.poller.run_once()
        (row,) = await a.state.sender.claim()
        clock.advance(LEASE + 1)  # A stalled past its lease without renewing
        assert len(await b.state.sender.claim()) == 1  # B owns it now
        a.state.sender.held.add(row.id)
        assert await a.state.sender.renew_leases() == 0  # A cannot take it back...
        await a.state.sender._channel([row])  # ...and does not post it
        assert slack.calls_to("chat.postMessage") == []
