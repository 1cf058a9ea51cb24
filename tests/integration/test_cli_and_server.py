"""The real process: `python -m bot serve|migrate|check|keygen`, uvicorn on loopback."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import time

import httpx2
from cryptography.fernet import Fernet

from bot.app import create_app
from bot.config import Settings
from tests.emulators.server import serve
from tests.support import cli_env, free_port, run_cli, subprocess_env


def test_keygen_prints_a_fernet_key(tmp_path) -> None:
    result = run_cli(["keygen"], subprocess_env(), tmp_path)
    assert result.returncode == 0
    Fernet(result.stdout.strip().encode())


def test_serve_with_missing_settings_lists_them_and_exits_2(tmp_path) -> None:
    env = {**subprocess_env(), "SLACK_SIGNING_SECRET": "changeme"}
    result = run_cli(["serve"], env, tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "SLACK_SIGNING_SECRET is a placeholder" in result.stderr
    assert "QUESTETRA_BASE_URL is required" in result.stderr
    assert "BOT_ENCRYPTION_KEYS is required" in result.stderr


def test_serve_with_only_required_settings_answers_healthz(tmp_path, questetra_url) -> None:
    port = free_port()
    env = {
        **subprocess_env(),
        "SLACK_SIGNING_SECRET": "0123456789abcdef",
        "SLACK_BOT_TOKEN": "xoxb-1-2-3",
        "QUESTETRA_BASE_URL": questetra_url,
        "QUESTETRA_CLIENT_ID": "cid",
        "QUESTETRA_CLIENT_SECRET": "csecret-123",
        "BOT_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "LOG_FORMAT": "json",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx2.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx2.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()  # reading a live process's output would wait forever
                    raise AssertionError(process.communicate(timeout=15)[0]) from None
                time.sleep(0.2)
        assert response.json() == {"status": "ok"}
        ready = httpx2.get(f"http://127.0.0.1:{port}/readyz", timeout=5).json()
        assert ready == {"ready": True, "database": "ok", "migrations": "head"}
        assert (tmp_path / "questetra-bot.db").exists()  # default SQLite, migrated on start
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=15)
    # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit status tells the truth.
    assert process.returncode in (0, -15)
    lines = [line for line in output.splitlines() if line.startswith("{")]
    assert any('"event": "bridge.started"' in line for line in lines), output
    assert any('"event": "bridge.stopped"' in line for line in lines), output
    assert "csecret-123" not in output
    assert "0123456789abcdef" not in output


def test_migrate_then_check_against_the_emulators(tmp_path, slack, questetra_url) -> None:
    env = cli_env(
        tmp_path,
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_API_URL=f"{slack.base_url}api/",
        QUESTETRA_BASE_URL=questetra_url,
        METRICS_TOKEN="metrics-token-0123456789",  # else `check` fails: /metrics is public
    )
    fresh = run_cli(["check"], env, tmp_path)
    assert fresh.returncode == 0, fresh.stdout
    assert "no file yet; `serve` creates it and migrates it at start" in fresh.stdout
    assert "OK   stored secrets: none stored yet (no database file yet)" in fresh.stdout
    assert not (tmp_path / "bot.db").exists()  # `check` looks; it creates nothing
    # An empty file (made by another tool, or a restored empty backup).
    sqlite3.connect(tmp_path / "bot.db").close()
    before = run_cli(["check"], env, tmp_path)
    assert before.returncode == 0, before.stdout
    assert "reachable, empty; `serve` migrates it at start" in before.stdout
    assert "migrate`" not in before.stdout.split("serve` migrates it at start")[0]
    assert run_cli(["migrate"], env, tmp_path).returncode == 0
    result = run_cli(["check"], env, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK   slack: bot token works for workspace Acme (T0001)" in result.stdout
    assert "OK   questetra:" in result.stdout
    broken = run_cli(
        ["check"],
        {**env, "SLACK_BOT_TOKEN": "xoxb-wrong", "QUESTETRA_BASE_URL": "http://127.0.0.1:9/"},
        tmp_path,
    )
    assert broken.returncode == 1
    assert "FAIL slack: Slack refused SLACK_BOT_TOKEN (invalid_auth)" in broken.stdout
    assert "FAIL questetra:" in broken.stdout
    assert "127.0.0.1:9" in broken.stdout and "connection refused" in broken.stdout
    public = run_cli(["check"], {**env, "METRICS_TOKEN": ""}, tmp_path)
    assert public.returncode == 1
    assert "FAIL exposure: /metrics is served to anyone who reaches 0.0.0.0:3000" in public.stdout


async def test_real_server_answers_a_signed_help(env, slack, signer, tmp_path) -> None:
    settings = Settings.model_validate({**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'real.db'}"})
    with serve(create_app(settings)) as server:
        url = slack.new_response_url()
        body, headers = signer.slash_command("help", user_id="U_JA", response_url=url)
        async with httpx2.AsyncClient(base_url=server.url) as client:
            assert (await client.get("readyz")).json()["database"] == "ok"
            response = await client.post("slack/events", content=body, headers=headers)
            assert response.status_code == 200
        (reply,) = await slack.wait_for_response(url)
    assert reply["blocks"][0]["text"]["text"] == "Slack で Questetra"


async def test_sigterm_during_a_poll_releases_every_lease(
    tmp_path, questetra, questetra_url, slack
) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import select

    from bot.crypto import KeyRing
    from bot.db.engine import create_engine
    from bot.db.migrate import upgrade
    from bot.db.models import UserLink

    key = Fernet.generate_key().decode()
    db_url = f"sqlite:///{tmp_path / 'bot.db'}"
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    await upgrade(engine)
    from tests.emulators.questetra.clock import WALL_CLOCK

    # `serve` is a real process on the system clock: the emulator and the seed tell its time.
    questetra.clock.follow(WALL_CLOCK)
    questetra.basic_auth_enabled = True
    quser = questetra.add_user("alice@example.com", "Alice", api_password="pw")
    now = datetime.now(UTC)
    async with engine.begin() as connection:
        await connection.execute(
            UserLink.__table__.insert().values(
                team_id="T0001",
                slack_user_id="U_EN",
                method="basic",
                status="active",
                questetra_user_id=quser.id,
                questetra_email=quser.email,
                questetra_name=quser.name,
                credential_enc=KeyRing([key]).seal(
                    {"email": quser.email, "api_password": "pw"}, owner="T0001/U_EN"
                ),
                linked_at=now,
                updated_at=now,
                next_poll_at=now,
                poll_failures=0,
            )
        )
    questetra.faults.set_latency(3.0)  # the poll is in flight when SIGTERM comes
    env = cli_env(
        tmp_path,
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_API_URL=f"{slack.base_url}api/",
        QUESTETRA_BASE_URL=questetra_url,
        BOT_ENCRYPTION_KEYS=key,
        DATABASE_URL=db_url,
        HOST="127.0.0.1",
        PORT=str(free_port()),
    )
    process = subprocess.Popen(  # noqa: ASYNC220 - a few lines, test only
        [sys.executable, "-m", "bot", "serve"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        owner = None
        deadline = time.monotonic() + 20
        while owner is None and time.monotonic() < deadline:
            async with engine.connect() as connection:
                owner = (await connection.execute(select(UserLink.lease_owner))).scalar()
            await asyncio.sleep(0.05)
        assert owner is not None, "the poll never started"
        process.terminate()
        started = time.monotonic()
        process.wait(timeout=15)
        assert time.monotonic() - started < 10
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)  # reaped, or its Popen warns in a later test
        questetra.faults.clear()
    async with engine.connect() as connection:
        owner, until = (
            await connection.execute(select(UserLink.lease_owner, UserLink.lease_until))
        ).one()
    await engine.dispose()
    assert (owner, until) == (None, None)


async def test_audit_export_as_csv(tmp_path) -> None:
    import csv
    import io
    from datetime import UTC, datetime, timedelta

    from bot.db import repo
    from bot.db.engine import create_engine, create_session_factory
    from bot.db.migrate import upgrade

    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    await upgrade(engine)
    now = datetime.now(UTC)
    async with create_session_factory(engine)() as session, session.begin():
        await repo.add_audit(
            session, at=now - timedelta(days=10), team_id="T1", actor="U1", action="link"
        )
        await repo.add_audit(
            session,
            at=now,
            team_id="T1",
            actor="U2",
            action="accept",
            target="20001",
            detail={"result": "accepted"},
        )
    await engine.dispose()
    env = cli_env(tmp_path)
    result = run_cli(["audit", "--since", "7d", "--format", "csv"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["actor"], r["action"], r["target"]) for r in rows] == [("U2", "accept", "20001")]
    assert rows[0]["detail"] == '{"result": "accepted"}'
    assert run_cli(["audit", "--since", "soon"], env, tmp_path).returncode == 2
    # As text: one line per entry, each ended (the shell prompt does not glue to the last one).
    text = run_cli(["audit", "--since", "30d"], env, tmp_path)
    assert text.returncode == 0, text.stderr
    assert text.stdout.endswith(" T1 U1 link  ok\n") and text.stdout.count("\n") == 2
    assert text.stderr == ""
    # Nothing in the span is said, on stderr: stdout stays what an export expects.
    empty = run_cli(["audit", "--since", "7d", "--team", "T9"], env, tmp_path)
    assert (empty.returncode, empty.stdout) == (0, "")
    assert empty.stderr.startswith("No audit entries since ") and empty.stderr.endswith(" UTC.\n")
