"""Alerts under network faults (issue #8, part 3): no lost alert, no duplicate DM, no stuck lease.

The bot reaches the Questetra emulator and the fake Slack through TCP proxies (tests/faults/
proxy.py) that reset, refuse, blackhole, slow down or cut connections on demand; on PostgreSQL
the database is proxied too. After every fault the proxies heal and a few rounds run with the
clock moved past any backoff or lease; then each scenario checks the same four things:

- every new task got a DM (nothing lost),
- exactly one (counted on the fake Slack: successful ``chat.postMessage`` calls by workitem id),
- no ``user_links`` / ``outbox`` row is still leased,
- ``GET /healthz`` answers 200 (liveness: no I/O) and ``GET /readyz`` 200 (the database is back).

A replica "killed" mid-delivery is a :class:`Killed` raised at the chosen step: it is a
``BaseException``, so no ``except Exception`` in the bot cleans up after it, as after a SIGKILL.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Iterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx2
import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from bot.app import Tuning
from bot.config import Settings
from bot.db.alert_models import OutboxMessage
from bot.db.engine import create_engine
from bot.db.models import UserLink
from bot.web import READY_TIMEOUT
from tests.conftest import FAST, bot_app, settle
from tests.emulators.slack import FakeSlack
from tests.faults.proxy import TcpProxy
from tests.linking_support import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, link_user
from tests.support import ManualClock

APP = 7
HOURS = 3600.0
LEASE = FAST.lease_seconds
# Past the longest wait the bot can impose on itself: poll backoff (15 min cap), send backoff
# (10 min cap), the circuit breaker (5 min cap) and the lease (15 s).
PAST_EVERY_BACKOFF = 16 * 60.0
USERS = {"U_EN": "alice@example.com", "U_JA": "taro@example.jp", "U_BOB": "bob@example.com"}


class Killed(BaseException):
    """The replica dies right here: nothing after this point runs, no handler sees it."""


# ---------------------------------------------------------------- fixtures


@pytest.fixture
def questetra_proxy(questetra_url: str) -> Iterator[TcpProxy]:
    target = urlsplit(questetra_url)
    with TcpProxy(target.hostname or "127.0.0.1", target.port or 80) as proxy:
        yield proxy


@pytest.fixture
def slack_proxy(slack: FakeSlack) -> Iterator[TcpProxy]:
    target = urlsplit(slack.base_url or "")
    with TcpProxy(target.hostname or "127.0.0.1", target.port or 80) as proxy:
        yield proxy


@pytest.fixture
def env(env: dict[str, str], questetra_proxy: TcpProxy, slack_proxy: TcpProxy) -> dict[str, str]:
    """Every Questetra and Slack Web API call of the bot goes through a proxy."""
    return {
        **env,
        "QUESTETRA_BASE_URL": questetra_proxy.url,
        "SLACK_API_URL": f"{slack_proxy.url}api/",
    }


@pytest.fixture(autouse=True)
def tenant(questetra: Any, slack: FakeSlack) -> Any:
    slack.add_user("U_BOB", email="bob@example.com", name="bob", locale="en-US")
    for email in USERS.values():
        questetra.add_user(email, email.split("@")[0].title())
    questetra.add_client(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI)
    questetra.add_app(APP, "Expense claim")
    return questetra


@pytest.fixture
def db_proxy(engine: AsyncEngine) -> Iterator[TcpProxy]:
    if engine.dialect.name != "postgresql":
        pytest.skip("the database proxy needs PostgreSQL (SQLite is a file, not a connection)")
    with TcpProxy(engine.url.host or "127.0.0.1", engine.url.port or 5432) as proxy:
        yield proxy


@pytest.fixture
async def proxied(
    db_proxy: TcpProxy, engine: AsyncEngine, settings: Settings, clock: ManualClock
) -> AsyncIterator[tuple[Starlette, httpx2.AsyncClient, AsyncEngine]]:
    """The bot on its own engine, whose every connection goes through ``db_proxy``."""
    proxied_engine = create_engine(engine.url.set(host=db_proxy.host, port=db_proxy.port))
    try:
        async with replica(settings, proxied_engine, clock) as (app, bot):
            yield app, bot, proxied_engine
    finally:
        db_proxy.heal()
        await proxied_engine.dispose()


@asynccontextmanager
async def replica(
    settings: Settings, engine: AsyncEngine, clock: ManualClock, tuning: Tuning = FAST
) -> AsyncIterator[tuple[Starlette, httpx2.AsyncClient]]:
    """One more bot process (its own lease owner, Slack client and locks) on ``engine``."""
    application = bot_app(settings, engine, clock, tuning=tuning)
    async with application.router.lifespan_context(application):
        transport = httpx2.ASGITransport(app=application)
        async with httpx2.AsyncClient(transport=transport, base_url="http://bot.test") as client:
            yield application, client
        await settle()


# ---------------------------------------------------------------- helpers


async def link_all(
    bot: httpx2.AsyncClient,
    signer: Any,
    slack: FakeSlack,
    questetra: Any,
    app: Starlette,
    *ids: str,
) -> None:
    for user_id in ids:
        await link_user(bot, signer, slack, questetra, user_id=user_id, email=USERS[user_id])
    await cycle(app)  # every link's baseline: what is there now is never announced


def add_tasks(questetra: Any, *user_ids: str, per_user: int = 1) -> set[int]:
    return {
        questetra.add_task(APP, to=USERS[u], node_name=f"Fault {n}", state="ALLOCATED")
        for u in user_ids
        for n in range(per_user)
    }


async def cycle(app: Starlette, clock: ManualClock | None = None) -> None:
    """One poll round (everything due) and delivery rounds until nothing is due."""
    if clock is not None:
        clock.advance(PAST_EVERY_BACKOFF)
    await app.state.poller.run_once()
    while await app.state.sender.run_once():
        pass


async def recover(app: Starlette, clock: ManualClock, rounds: int = 3) -> None:
    """The network is back: a few rounds, each past every backoff and lease."""
    for _ in range(rounds):
        await cycle(app, clock)


async def failed_round(work: Awaitable[Any]) -> BaseException | None:
    """Run a round the fault may break; wait for the work it started (gather does not)."""
    try:
        await work
    except Exception as exc:  # noqa: BLE001 - what the worker loop would log and survive
        return exc
    finally:
        await settle()
    return None


def alerts_posted(slack: FakeSlack) -> Counter[int]:
    """Alert DMs Slack accepted, by workitem id (a duplicate counts twice)."""
    return Counter(
        call.params["metadata"]["event_payload"]["workitem_id"]
        for call in slack.calls_to("chat.postMessage")
        if call.ok and (call.params.get("metadata") or {}).get("event_type") == "questetra_alert"
    )


async def count(engine: AsyncEngine, statement: Any) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(statement) or 0)


async def assert_exactly_once(
    slack: FakeSlack, engine: AsyncEngine, bot: httpx2.AsyncClient, expected: set[int]
) -> None:
    posted = alerts_posted(slack)
    assert {w: n for w, n in posted.items() if n > 1} == {}, "duplicate DM"
    assert set(posted) == expected, "lost alert"
    in_dms = [
        m
        for user_id in USERS
        for m in slack.messages(f"D{user_id}")
        if (m["metadata"] or {}).get("event_type") == "questetra_alert"
    ]
    assert len(in_dms) == len(expected)
    unsent = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.state != "sent")
    assert await count(engine, unsent) == 0
    leased_links = select(func.count()).where(UserLink.lease_owner.is_not(None))
    leased_rows = select(func.count()).where(OutboxMessage.lease_owner.is_not(None))
    assert await count(engine, leased_links) == 0, "stuck poll lease"
    assert await count(engine, leased_rows) == 0, "stuck outbox lease"
    assert (await bot.get("/healthz")).status_code == 200
    ready = await bot.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] == "ok", ready.text


async def link_state(engine: AsyncEngine, user_id: str = "U_EN") -> tuple[str, int]:
    async with engine.connect() as connection:
        status, failures = (
            await connection.execute(
                select(UserLink.status, UserLink.poll_failures).where(
                    UserLink.slack_user_id == user_id
                )
            )
        ).one()
    return str(status), int(failures)


def refreshes(questetra: Any) -> list[Any]:
    return [r for r in questetra.token_requests if r.grant_type == "refresh_token"]


# ---------------------------------------------------------------- 1. Questetra's network


async def test_questetra_resets_refusals_and_latency_while_polling(
    app, bot, signer, slack, questetra, questetra_proxy, clock, engine
) -> None:
    await link_all(bot, signer, slack, questetra, app, "U_EN")
    expected = add_tasks(questetra, "U_EN")

    # Pooled keep-alive connections die, and the next answers are lost on the wire. A GET that
    # failed on a reused connection is sent once more on a new one (aiohttp, the transport), so
    # three answers are cut: the two lists have at most four attempts, one list is lost.
    questetra_proxy.reset()
    questetra_proxy.cut_responses(3, match=b"/API/")
    await cycle(app, clock)
    assert alerts_posted(slack) == Counter()
    assert await link_state(engine) == ("active", 1)  # backed off, not given up

    questetra_proxy.refuse()
    await cycle(app, clock)
    assert alerts_posted(slack) == Counter()
    assert await link_state(engine) == ("active", 2)
    assert (await bot.get("/healthz")).status_code == 200

    # Back, but slow: every chunk waits 0.2 s each way.
    questetra_proxy.heal()
    questetra_proxy.set_latency(0.2)
    expected |= add_tasks(questetra, "U_EN")
    await recover(app, clock, rounds=2)
    assert await link_state(engine) == ("active", 0)
    await assert_exactly_once(slack, engine, bot, expected)


async def test_token_refresh_through_resets_and_latency(
    app, bot, signer, slack, questetra, questetra_proxy, clock, engine
) -> None:
    await link_all(bot, signer, slack, questetra, app, "U_EN")
    expected = add_tasks(questetra, "U_EN")
    clock.advance(13 * HOURS)  # the access token expired: the next poll refreshes it first

    # The refresh reaches Questetra, which answers; the answer never arrives.
    questetra_proxy.reset()
    questetra_proxy.cut_responses(1, match=b"/oauth2/token")
    await cycle(app)
    assert [r.status for r in refreshes(questetra)] == [200]
    assert await link_state(engine) == ("active", 1)

    # Refused: nothing reaches Questetra, and the token POST is not retried in a loop.
    questetra_proxy.refuse()
    await cycle(app, clock)
    assert len(refreshes(questetra)) == 1
    assert await link_state(engine) == ("active", 2)

    # Healed but slow, and a user's own call races the poller for the refresh: one refresh.
    questetra_proxy.heal()
    questetra_proxy.set_latency(0.1)
    clock.advance(PAST_EVERY_BACKOFF)
    deps = app.state.deps
    _, me = await asyncio.gather(
        cycle(app),
        deps.credentials.run_as(
            team_id="T0001", slack_user_id="U_EN", call=deps.questetra.self_user
        ),
    )
    assert me.email == "alice@example.com"
    assert [r.status for r in refreshes(questetra)] == [200, 200]
    # The new token was stored: later polls do not refresh again, nothing asks to re-link.
    await recover(app, clock, rounds=2)
    assert len(refreshes(questetra)) == 2
    assert await link_state(engine) == ("active", 0)
    assert not [c for c in slack.calls_to("chat.postMessage") if "relink" in str(c.params)]
    await assert_exactly_once(slack, engine, bot, expected)


# ---------------------------------------------------------------- 2. the database


@pytest.mark.parametrize("fault", ["reset", "reset+refuse"])
async def test_database_drops_mid_poll_and_mid_delivery(
    proxied, db_proxy, slack, questetra, signer, clock, engine, monkeypatch, fault
) -> None:
    app, bot, proxied_engine = proxied
    await link_all(bot, signer, slack, questetra, app, *USERS)
    expected = add_tasks(questetra, *USERS, per_user=2)

    # The database goes away inside a transaction: when the armed task sends its next statement
    # (after its connection was checked out and pinged), every connection is reset first.
    armed: list[asyncio.Task[Any] | None] = []

    def drop_before_statement(*_: Any) -> None:
        if armed and armed[0] is asyncio.current_task():
            armed.clear()
            db_proxy.reset()
            if fault == "reset+refuse":
                db_proxy.refuse()

    event.listen(proxied_engine.sync_engine, "before_cursor_execute", drop_before_statement)

    # A poll round of three links: it drops while their results are being recorded (the round
    # records a group of finished polls and releases their leases in one transaction).
    alerts = app.state.deps.alerts
    record, recorded = alerts.record_in, []

    async def record_then_drop(*args: Any, **kwargs: Any) -> Any:
        recorded.append(args)
        if len(recorded) == 1:
            armed.append(asyncio.current_task())
        return await record(*args, **kwargs)

    monkeypatch.setattr(alerts, "record_in", record_then_drop)
    clock.advance(90)
    await failed_round(app.state.poller.run_once())
    # Liveness does no I/O: the process lives whatever the database does. Readiness tells.
    assert (await bot.get("/healthz")).status_code == 200
    ready = await bot.get("/readyz")
    queued = select(func.count()).select_from(OutboxMessage)
    assert await count(engine, queued) <= len(expected) - 2  # at least one link's are missing
    if fault == "reset+refuse":
        assert ready.status_code == 503
        assert ready.json() == {"ready": False, "database": "unreachable"}
        leased = select(func.count()).where(UserLink.lease_owner.is_not(None))
        assert await count(engine, leased) >= 1  # nobody could hand these back
    else:  # a reset only: the next connection works
        assert ready.status_code == 200 and ready.json()["database"] == "ok", ready.text
    db_proxy.heal()

    # The links whose round broke are polled again: once their lease is over (if still held)
    # and their backoff too (if released as failed).
    clock.advance(PAST_EVERY_BACKOFF)
    await app.state.poller.run_once()
    assert await count(engine, queued) == len(expected)

    # A delivery round: it drops right after Slack accepted the third post, before it is recorded.
    client = app.state.deps.slack_clients.default
    post, posts = client.chat_postMessage, []

    async def post_then_drop(**kwargs: Any) -> Any:
        response = await post(**kwargs)
        posts.append(kwargs)
        if len(posts) == 3:
            armed.append(asyncio.current_task())
        return response

    monkeypatch.setattr(client, "chat_postMessage", post_then_drop)
    await failed_round(app.state.sender.run_once())
    assert (await bot.get("/healthz")).status_code == 200
    if fault == "reset+refuse":
        assert (await bot.get("/readyz")).status_code == 503
    sent = select(func.count()).where(OutboxMessage.state == "sent")
    assert len(alerts_posted(slack)) > await count(engine, sent)  # posted, not recorded
    if fault == "reset+refuse":
        leased = select(func.count()).where(OutboxMessage.lease_owner.is_not(None))
        assert await count(engine, leased) >= 1
    db_proxy.heal()

    await recover(app, clock)
    await assert_exactly_once(slack, engine, bot, expected)


async def test_database_blackhole_does_not_hang_health(
    proxied, db_proxy, slack, questetra, signer, clock, engine
) -> None:
    app, bot, _ = proxied
    await link_all(bot, signer, slack, questetra, app, "U_EN")
    expected = add_tasks(questetra, "U_EN")
    db_proxy.blackhole()  # bytes vanish both ways; no RST ever comes
    clock.advance(90)
    stuck = asyncio.create_task(app.state.poller.run_once())
    try:
        # Neither probe waits on the swallowed connections: liveness does no I/O, readiness
        # gives up after READY_TIMEOUT (the bounds here only turn a hang into a failure).
        health = await asyncio.wait_for(bot.get("/healthz"), timeout=5)
        ready = await asyncio.wait_for(bot.get("/readyz"), timeout=READY_TIMEOUT + 10)
    finally:
        db_proxy.heal()  # the partition ends: the swallowed connections are reset
        await asyncio.gather(stuck, return_exceptions=True)
        await settle()
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    assert ready.status_code == 503
    assert ready.json() == {"ready": False, "database": "unreachable"}
    await recover(app, clock)
    await assert_exactly_once(slack, engine, bot, expected)


# ---------------------------------------------------------------- 3. Slack's answers


@pytest.mark.parametrize(
    ("kind", "method"),
    [("503", "chat.postMessage"), ("503", "*"), ("429", "chat.postMessage")],
)
async def test_slack_error_bursts_deliver_everything_once(
    app, bot, signer, slack, questetra, clock, engine, kind, method
) -> None:
    await link_all(bot, signer, slack, questetra, app, "U_EN", "U_JA")
    expected = add_tasks(questetra, "U_EN", "U_JA", per_user=2)
    if kind == "503":
        slack.http_error(method, status=503, count=10)
    else:
        slack.rate_limit(method, retry_after=0, count=8)
    clock.advance(90)
    await app.state.poller.run_once()
    for _ in range(30):
        await app.state.sender.run_once()
        clock.advance(PAST_EVERY_BACKOFF)
        if sum(alerts_posted(slack).values()) >= len(expected):
            break
    await recover(app, clock)
    await assert_exactly_once(slack, engine, bot, expected)


async def test_slack_answer_lost_after_the_post_is_not_posted_twice(
    app, bot, signer, slack, questetra, slack_proxy, clock, engine
) -> None:
    await link_all(bot, signer, slack, questetra, app, "U_EN")
    expected = add_tasks(questetra, "U_EN")
    clock.advance(90)
    await app.state.poller.run_once()
    # Slack stores the message; the connection dies before its answer reaches the bot.
    slack_proxy.cut_responses(1, match=b"chat.postMessage")
    await recover(app, clock)
    await assert_exactly_once(slack, engine, bot, expected)


async def test_bare_slack_5xx_is_a_transient_error_not_a_crash(
    app, bot, signer, slack, questetra, clock, engine
) -> None:
    await link_all(bot, signer, slack, questetra, app, "U_EN")
    expected = add_tasks(questetra, "U_EN")
    clock.advance(90)
    await app.state.poller.run_once()
    slack.http_error("chat.postMessage", status=503, count=1)
    await app.state.sender.run_once()
    async with engine.connect() as connection:
        state, last_error = (
            await connection.execute(select(OutboxMessage.state, OutboxMessage.last_error))
        ).one()
    assert state == "pending"  # retried later either way: nothing is lost
    assert last_error != "crash"
    await recover(app, clock)
    await assert_exactly_once(slack, engine, bot, expected)


# ---------------------------------------------------------------- 4. a replica killed


@pytest.mark.parametrize(
    "step",
    [
        "poll: after claim, before record",
        "poll: after record, before commit",
        "send: after claim, before post",
        "send: after post, before record",
        "send: after record",
    ],
)
async def test_replica_killed_mid_step_another_takes_over(
    app, bot, signer, slack, questetra, settings, clock, engine, monkeypatch, step
) -> None:
    await link_all(bot, signer, slack, questetra, app, "U_EN")
    expected = add_tasks(questetra, "U_EN", per_user=3)
    alerts, sender = app.state.deps.alerts, app.state.sender
    client = app.state.deps.slack_clients.default
    record, post, mark_sent = alerts.record_in, client.chat_postMessage, sender._mark_sent

    async def kill_record(*args: Any, **kwargs: Any) -> Any:
        if step.endswith("before record"):
            raise Killed(step)
        await record(*args, **kwargs)
        raise Killed(step)

    async def kill_post(**kwargs: Any) -> Any:
        if step.endswith("before post"):
            raise Killed(step)
        await post(**kwargs)
        raise Killed(step)

    async def kill_mark_sent(*args: Any, **kwargs: Any) -> Any:
        await mark_sent(*args, **kwargs)
        raise Killed(step)

    clock.advance(90)
    if step.startswith("poll"):
        monkeypatch.setattr(alerts, "record_in", kill_record)
        with pytest.raises(Killed):
            await app.state.poller.run_once()
    else:
        await app.state.poller.run_once()
        if step.endswith("after record"):
            monkeypatch.setattr(sender, "_mark_sent", kill_mark_sent)
        else:
            monkeypatch.setattr(client, "chat_postMessage", kill_post)
        with pytest.raises(Killed):
            await sender.run_once()
    await settle()
    # The dead replica never runs again; another one waits out its leases and takes over.
    async with replica(settings, engine, clock) as (other, _):
        # The dead replica's leases hold until they expire...
        if step.startswith("poll"):
            assert await other.state.poller.run_once() == 0
        else:
            assert await other.state.sender.run_once() == 0
        clock.advance(LEASE + 1)  # ...then the other replica takes everything over.
        await recover(other, clock)
    await assert_exactly_once(slack, engine, bot, expected)
