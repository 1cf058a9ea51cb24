"""What every benchmark needs: the machine, the database, seeded links, the emulators on loopback,
server subprocesses, percentiles, tables and result files.

Only 127.0.0.1 is ever used. Subprocesses are started with ``subprocess.Popen`` and stopped by
their own pid; their output goes to a log file (never an undrained pipe).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import inspect
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2
from cryptography.fernet import Fernet
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.config import to_async_database_url
from bot.crypto import KeyRing
from bot.db.alert_models import TaskSnapshot, Webhook
from bot.db.engine import create_engine
from bot.db.models import UserLink
from tests.emulators.questetra import EmulatorState, QUser
from tests.emulators.questetra import create_app as create_questetra_app
from tests.emulators.server import LoopbackServer
from tests.emulators.slack import FakeSlack
from tests.emulators.slack import create_app as create_slack_app
from tests.emulators.slack.defaults import TEAM_ID

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "build" / "bench"
SIGNING_SECRET = "bench-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-bench-token"
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/questetra_bridge_bench"
APP_ID = 7
# Every variable the bot reads: removed from the inherited environment so nothing leaks in.
BOT_VARIABLES = (
    "SLACK_SIGNING_SECRET",
    "SLACK_BOT_TOKEN",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_API_URL",
    "QUESTETRA_BASE_URL",
    "QUESTETRA_CLIENT_ID",
    "QUESTETRA_CLIENT_SECRET",
    "QUESTETRA_SCOPE",
    "QUESTETRA_BASIC_AUTH",
    "ALERT_TASK_BUTTONS",
    "BOT_PUBLIC_URL",
    "BOT_ENCRYPTION_KEYS",
    "DATABASE_URL",
    "HOST",
    "PORT",
    "POLL_INTERVAL_SECONDS",
    "ADMIN_SLACK_USER_IDS",
    "START_EVENTS_FILE",
    "LOG_LEVEL",
    "LOG_FORMAT",
)


# ---------------------------------------------------------------- the machine and the figures


def machine() -> dict[str, Any]:
    """Cores, CPU model, RAM, Python and the load when the run started (other work skews it)."""
    model = ""
    mem_kb = 0
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
                break
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "cpu": model or platform.processor(),
        "ram_gib": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg": list(os.getloadavg()),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain text table (also valid Markdown)."""

    def cell(value: object) -> str:
        if isinstance(value, float):
            if abs(value) < 10:
                return f"{value:.3g}"
            return f"{value:.1f}" if abs(value) < 100 else f"{value:.0f}"
        return str(value)

    cells = [[cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    lines = [
        "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |",
        "|" + "|".join("-" * (w + 2) for w in widths) + "|",
    ]
    lines += [
        "| " + " | ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in cells
    ]
    return "\n".join(lines)


def write_results(name: str, payload: dict[str, Any], path: str | None = None) -> Path:
    """``path``, or build/bench/<name>.json (build/ is ignored by git)."""
    target = Path(path) if path else RESULTS / f"{name}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return target


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


# ---------------------------------------------------------------- users and the database


@dataclass(frozen=True)
class BenchUser:
    index: int
    slack_user_id: str
    email: str
    name: str
    api_password: str


def make_users(n: int) -> list[BenchUser]:
    return [
        BenchUser(
            index=i,
            slack_user_id=f"UB{i:06d}",
            email=f"user{i}@bench.example",
            name=f"Bench User {i}",
            api_password=f"api-password-{i:06d}",
        )
        for i in range(n)
    ]


def database_url(kind: str, workdir: Path) -> str:
    """A SQLite file in ``workdir``, or the bench PostgreSQL database (BENCH_DATABASE_URL)."""
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'bench.db'}"
    if kind == "postgresql":
        return os.environ.get("BENCH_DATABASE_URL", PG_DEFAULT)
    raise ValueError(f"unknown database {kind!r}: sqlite or postgresql")


async def _reset_postgres(url: str) -> None:
    """Create the bench database if needed and empty its public schema."""
    parsed = make_url(url)
    admin = create_engine(
        to_async_database_url(parsed.set(database="postgres").render_as_string(False)),
        isolation_level="AUTOCOMMIT",
    )
    try:
        async with admin.connect() as connection:
            exists = await connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": parsed.database},
            )
            if not exists:
                await connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    finally:
        await admin.dispose()
    engine = create_engine(to_async_database_url(url))
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


async def prepare_database(url: str, env: dict[str, str]) -> None:
    """An empty database migrated with ``python -m bot migrate`` (a subprocess, as in production)."""
    if url.startswith("postgresql"):
        await _reset_postgres(url)
    else:
        await asyncio.to_thread(Path(url.removeprefix("sqlite:///")).unlink, missing_ok=True)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "migrate",
        env={**env, "DATABASE_URL": url},
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    output, _ = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"python -m bot migrate failed:\n{output.decode(errors='replace')}")


async def seed_links(url: str, users: Sequence[BenchUser], encryption_key: str) -> None:
    """Basic-auth links, sealed like LinkingService does, all due for a poll now."""
    keyring = KeyRing([encryption_key])
    now = datetime.now(UTC)
    rows = [
        {
            "team_id": TEAM_ID,
            "slack_user_id": u.slack_user_id,
            "method": "basic",
            "status": "active",
            "questetra_user_id": u.index + 1,
            "questetra_email": u.email,
            "questetra_name": u.name,
            "credential_enc": keyring.seal(
                {"email": u.email, "api_password": u.api_password},
                owner=f"{TEAM_ID}/{u.slack_user_id}",
            ),
            "linked_at": now,
            "updated_at": now,
            "next_poll_at": now,
            "poll_failures": 0,
        }
        for u in users
    ]
    engine = create_engine(to_async_database_url(url))
    try:
        async with engine.begin() as connection:
            for start in range(0, len(rows), 1000):
                await connection.execute(insert(UserLink), rows[start : start + 1000])
    finally:
        await engine.dispose()


async def add_webhook(url: str, token: str, channel_id: str) -> None:
    engine = create_engine(to_async_database_url(url))
    try:
        async with engine.begin() as connection:
            await connection.execute(
                insert(Webhook).values(
                    token_hash=hashlib.sha256(token.encode()).hexdigest(),
                    team_id=TEAM_ID,
                    channel_id=channel_id,
                    created_by="UADMIN",
                    created_at=datetime.now(UTC),
                )
            )
    finally:
        await engine.dispose()


class SnapshotCounter:
    """How many links the bot has polled at least once (one task snapshot each)."""

    def __init__(self, url: str) -> None:
        self._engine = create_engine(to_async_database_url(url))

    async def count(self) -> int:
        async with self._engine.connect() as connection:
            return int(await connection.scalar(select(func.count()).select_from(TaskSnapshot)) or 0)

    def at_least(self, n: int) -> Callable[[], Awaitable[bool]]:
        async def check() -> bool:
            return await self.count() >= n

        return check

    async def close(self) -> None:
        await self._engine.dispose()


# ---------------------------------------------------------------- the emulators


class IndexedEmulatorState(EmulatorState):
    """The emulator with an e-mail index: its Basic-auth lookup scans every user, which at 10,000
    users would make the emulator, not the bot, the bottleneck. Behaviour is unchanged."""

    def __init__(self) -> None:
        super().__init__()
        self._index: dict[str, int] = {}
        self._indexed_db: object = None
        self._indexed_next = 1

    def user_by_email(self, email: str) -> QUser | None:
        with self.lock:
            if self._indexed_db is not self.db:  # reset() replaced the tables
                self._index, self._indexed_db, self._indexed_next = {}, self.db, 1
            upto = self.db.counters["user"]
            for user_id in range(self._indexed_next, upto):  # users added since the last look
                user = self.db.users.get(user_id)
                if user is not None:
                    self._index[user.email.lower()] = user_id
            self._indexed_next = upto
            found = self._index.get(email.strip().lower())
            return self.db.users.get(found) if found is not None else None


class ListCounter:
    """ASGI wrapper counting answered ``listAllocated``/``listOffered`` calls, with their times."""

    PATHS = ("/API/PE/Workitem/listAllocated", "/API/PE/Workitem/listOffered")

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.times: list[float] = []
        self.failures = 0

    def reset(self) -> None:
        self.times = []
        self.failures = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in self.PATHS:
            await self.app(scope, receive, send)
            return
        status = 0

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        await self.app(scope, receive, capture)
        if status == 200:
            self.times.append(time.perf_counter())
        else:
            self.failures += 1


@dataclass
class Emulators:
    questetra: IndexedEmulatorState
    slack: FakeSlack
    questetra_url: str
    lists: ListCounter
    servers: list[LoopbackServer] = field(default_factory=list)


@contextmanager
def emulators(users: Sequence[BenchUser], *, slack_users: bool = True) -> Iterator[Emulators]:
    """The Questetra emulator (Basic auth on, every user with an API password, one app) and the
    fake Slack (the same users, for users.info and DMs), each a loopback server in a thread."""
    state = IndexedEmulatorState()
    state.basic_auth_enabled = True
    state.add_app(APP_ID, "Expense claim")
    for user in users:
        state.add_user(user.email, user.name, api_password=user.api_password)
    fake = FakeSlack(bot_token=BOT_TOKEN, team_id=TEAM_ID, team_name="Acme")
    if slack_users:
        for user in users:
            fake.add_user(user.slack_user_id, email=user.email, name=f"user{user.index}")
    lists = ListCounter(create_questetra_app(state))
    questetra = LoopbackServer(lists).start()
    slack = LoopbackServer(create_slack_app(fake)).start()
    fake.base_url = slack.url
    try:
        yield Emulators(state, fake, questetra.url, lists, [questetra, slack])
    finally:
        slack.stop()
        questetra.stop()


# ---------------------------------------------------------------- server subprocesses


def bot_env(
    emu: Emulators,
    *,
    database: str,
    encryption_key: str,
    port: int,
    poll_interval: int = 3600,
    log_level: str = "INFO",
) -> dict[str, str]:
    """The environment of one ``python -m bot serve`` (variable names are the contract)."""
    env = {k: v for k, v in os.environ.items() if k not in BOT_VARIABLES}
    env.update(
        {
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_API_URL": emu.slack.api_url,
            "QUESTETRA_BASE_URL": emu.questetra_url,
            "QUESTETRA_BASIC_AUTH": "true",
            "BOT_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "BOT_ENCRYPTION_KEYS": encryption_key,
            "DATABASE_URL": database,
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "POLL_INTERVAL_SECONDS": str(poll_interval),
            "LOG_LEVEL": log_level,
            "LOG_FORMAT": "json",
        }
    )
    return env


class ServerProcess:
    """A server subprocess on 127.0.0.1:port, its log in a file, stopped by its own pid (also on
    leaving a ``with`` block)."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        env: dict[str, str],
        port: int,
        *,
        stop_signal: signal.Signals = signal.SIGTERM,
    ) -> None:
        self.name = name
        self.port = port
        self._stop_signal = stop_signal
        self.url = f"http://127.0.0.1:{port}"
        self._log_path = Path(tempfile.gettempdir()) / f"bench-{name}-{port}.log"
        self._log = self._log_path.open("wb")
        self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and modules
            argv, env=env, cwd=REPO, stdout=self._log, stderr=subprocess.STDOUT
        )

    @classmethod
    def bot(cls, env: dict[str, str], *, profile: Path | None = None) -> ServerProcess:
        """``python -m bot serve``; with ``profile``, under cProfile (stats written at exit)."""
        argv = [sys.executable]
        if profile is not None:
            argv += ["-m", "cProfile", "-o", str(profile)]
        argv += ["-m", "bot", "serve", "--no-migrate"]
        # uvicorn re-raises SIGTERM after its graceful shutdown, which would kill cProfile before
        # it writes; SIGINT becomes a KeyboardInterrupt that cProfile survives.
        stop = signal.SIGINT if profile is not None else signal.SIGTERM
        return cls("bot", argv, env, int(env["PORT"]), stop_signal=stop)

    def wait_ready(self, path: str = "/healthz", timeout: float = 30.0) -> ServerProcess:
        """Wait until ``path`` answers; on failure the process is stopped and the error carries
        the tail of its log."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                tail = self.log_tail()
                self.stop()
                raise RuntimeError(f"{self.name} exited ({self.proc.returncode}):\n{tail}")
            try:
                if httpx2.get(self.url + path, timeout=1.0).status_code < 500:
                    return self
            except httpx2.HTTPError:
                pass
            time.sleep(0.1)
        tail = self.log_tail()
        self.stop()
        raise TimeoutError(f"{self.name} did not answer {path}:\n{tail}")

    def cpu_seconds(self) -> float:
        """User + system CPU time of the process so far."""
        stat = Path(f"/proc/{self.proc.pid}/stat").read_text()
        fields = stat.rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks

    def status_kib(self, key: str) -> int:
        """A ``/proc/<pid>/status`` figure in KiB, e.g. ``VmHWM`` (peak RSS) or ``VmRSS``."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
        raise KeyError(key)

    def log_tail(self, lines: int = 30) -> str:
        if not self._log.closed:
            self._log.flush()
        try:
            return "\n".join(self._log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def log_count(self, needle: str) -> int:
        if not self._log.closed:
            self._log.flush()
        return self._log_path.read_text(errors="replace").count(needle)

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def stop(self, timeout: float = 15.0) -> None:
        """Its stop signal, then SIGKILL after ``timeout`` s; its log closed. Idempotent."""
        if self.proc.poll() is None:
            self.proc.send_signal(self._stop_signal)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()


def new_encryption_key() -> str:
    return Fernet.generate_key().decode()


def work_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="qbench-"))


def log(message: str) -> None:
    """Progress on stderr, so stdout keeps only the tables."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


async def wait_until(
    check: Callable[[], bool | Awaitable[bool]], *, within: float, every: float = 0.1
) -> bool:
    """Wait for ``check()`` (plain or async) with a bound, so a benchmark never hangs; returns
    its last answer."""

    async def answer() -> bool:
        value = check()
        return bool(await value) if inspect.isawaitable(value) else bool(value)

    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await answer():
            return True
        await asyncio.sleep(every)
    return await answer()


def bench_parser(doc: str | None) -> argparse.ArgumentParser:
    """The options every benchmark script takes: which database, and where the JSON goes."""
    parser = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--results", help="JSON file to write (default build/bench/<name>.json)")
    return parser
