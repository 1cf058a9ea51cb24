"""Shared fixtures: database (SQLite always, PostgreSQL with TEST_DATABASE_URL), the emulators as
real loopback servers, settings pointing at them, and the bot app with its lifespan running."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx2
import pytest
from cryptography.fernet import Fernet
from hypothesis import HealthCheck, Phase, settings
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from bot.app import Tuning, create_app
from bot.config import Settings, to_async_database_url
from bot.db.base import Base
from bot.db.engine import create_engine
from bot.db.migrate import upgrade
from bot.slack.app import BOT_SCOPES
from tests.emulators.questetra import EmulatorState
from tests.emulators.questetra import create_app as create_questetra_app
from tests.emulators.server import LoopbackServer, serve
from tests.emulators.slack import FakeSlack, SlackSigner
from tests.emulators.slack import create_app as create_slack_app
from tests.support import ManualClock

# Hypothesis, for every @given in the suite (not only the property tests': a test with a bare
# @given had the 200 ms deadline and the too_slow health check, which fail a correct test when
# a loaded machine leaves the process out for a moment; and random examples in CI).
# No example database (runs do not replay each other's failures; Hypothesis still keeps a small
# constants cache in .hypothesis/) and no "explain" phase (slow; the shrunk example says enough).
# Function-scoped fixtures (the app, the fakes) are shared by the examples of one test on
# purpose: each example must leave them usable for the next.
# In CI (CI=true) the examples are derived from each test's name, not drawn at random: a failure
# there reproduces on any machine with `CI=true python -m pytest <test>`.
settings.register_profile(
    "bridge",
    deadline=None,
    database=None,
    phases=tuple(p for p in Phase if p is not Phase.explain),
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=os.environ.get("CI", "").lower() in {"1", "true", "yes"},
    print_blob=True,
)
settings.load_profile("bridge")

SIGNING_SECRET = "test-signing-secret-0123456789"
BOT_TOKEN = "xoxb-test-token"
TEAM_ID = "T0001"
ENCRYPTION_KEY = Fernet.generate_key().decode()
# Production paces one post a second per channel; tests only need the order kept.
# No "working on it" note unless a test asks for one (tests/scenario/test_backpressure.py): on a
# loaded machine an answer may take more than the production 2.5 s, and a test must see the same
# posts however busy the machine is.
FAST = Tuning(outbox_pace=0.01, worker_tick=0.05, late_note_after=600.0)


# ---------------------------------------------------------------- database


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database for the session: PostgreSQL when TEST_DATABASE_URL is set."""
    import asyncio

    url = os.environ.get("TEST_DATABASE_URL")
    if url is None:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'template.db'}"

    async def prepare() -> None:
        engine = create_engine(to_async_database_url(url))
        try:
            if engine.dialect.name == "postgresql":
                async with engine.begin() as connection:
                    await connection.execute(text("DROP SCHEMA public CASCADE"))
                    await connection.execute(text("CREATE SCHEMA public"))
            await upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(prepare())
    return url


@pytest.fixture
async def engine(database_url: str, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A clean database per test: a copy of the migrated SQLite file, or truncated PostgreSQL."""
    if database_url.startswith("sqlite"):
        template = Path(database_url.removeprefix("sqlite:///"))
        copy = tmp_path / "bot.db"
        shutil.copyfile(template, copy)
        url = f"sqlite:///{copy}"
    else:
        url = database_url
    eng = create_engine(to_async_database_url(url))
    if eng.dialect.name == "postgresql":
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        async with eng.begin() as connection:
            await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield eng
    await eng.dispose()


# ---------------------------------------------------------------- emulators


@pytest.fixture(scope="session")
def _slack_server() -> Iterator[tuple[FakeSlack, LoopbackServer]]:
    # The app as installed from manifest.yml: its token carries exactly the manifest's scopes.
    fake = FakeSlack(bot_token=BOT_TOKEN, team_id=TEAM_ID, team_name="Acme", scopes=BOT_SCOPES)
    with serve(create_slack_app(fake)) as server:
        fake.base_url = server.url
        yield fake, server


@pytest.fixture
def slack(_slack_server: tuple[FakeSlack, LoopbackServer]) -> FakeSlack:
    fake, _ = _slack_server
    fake.reset()
    fake.add_user("U_EN", email="alice@example.com", name="alice", locale="en-US")
    fake.add_user("U_JA", email="taro@example.jp", name="taro", locale="ja-JP")
    return fake


@pytest.fixture(scope="session")
def _questetra_server() -> Iterator[tuple[EmulatorState, LoopbackServer]]:
    state = EmulatorState()
    with serve(create_questetra_app(state)) as server:
        yield state, server


@pytest.fixture
def questetra(
    _questetra_server: tuple[EmulatorState, LoopbackServer], clock: ManualClock
) -> EmulatorState:
    """The Questetra emulator, emptied, telling the time of the test's clock (the bot's too)."""
    state, _ = _questetra_server
    state.reset()
    state.clock.follow(clock)
    return state


@pytest.fixture
def questetra_url(_questetra_server: tuple[EmulatorState, LoopbackServer]) -> str:
    return _questetra_server[1].url


# ---------------------------------------------------------------- the bot


@pytest.fixture
def env(slack: FakeSlack, questetra_url: str) -> dict[str, str]:
    """The environment a test deployment would have (variable names are the contract)."""
    return {
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": f"{slack.base_url}api/",
        "QUESTETRA_BASE_URL": questetra_url,
        "QUESTETRA_CLIENT_ID": "bridge-client",
        "QUESTETRA_CLIENT_SECRET": "bridge-client-secret-123",
        "BOT_PUBLIC_URL": "http://bot.test",
        "BOT_ENCRYPTION_KEYS": ENCRYPTION_KEY,
    }


@pytest.fixture
def settings(env: dict[str, str]) -> Settings:
    return Settings.model_validate(env)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def bot_app(
    settings: Settings,
    engine: AsyncEngine,
    clock: ManualClock,
    *,
    tuning: Tuning = FAST,
    environ: dict[str, str] | None = None,
) -> Starlette:
    """The bot as the tests run it: their engine and clock, no migration, no background jobs
    (tests drive the workers' rounds themselves)."""
    return create_app(
        settings,
        engine=engine,
        clock=clock,
        migrate_on_start=False,
        background_jobs=False,
        tuning=tuning,
        environ=environ,
    )


@pytest.fixture
async def app(
    settings: Settings, engine: AsyncEngine, clock: ManualClock, env: dict[str, str]
) -> AsyncIterator[Starlette]:
    application = bot_app(settings, engine, clock, environ=env)
    async with application.router.lifespan_context(application):
        yield application
        await settle()


async def settle(within: float = 5.0) -> None:
    """Let work that Bolt started after its ack finish before the loop closes."""
    current = asyncio.current_task()
    pending = [task for task in asyncio.all_tasks() if task is not current and not task.done()]
    if pending:
        await asyncio.wait(pending, timeout=within)


@pytest.fixture
async def bot(app: Starlette) -> AsyncIterator[httpx2.AsyncClient]:
    """An HTTP client for the bot app, in process (scenario tests)."""
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://bot.test") as client:
        yield client


@pytest.fixture
def signer() -> SlackSigner:
    return SlackSigner(SIGNING_SECRET)
