"""An operator's first hour: every settings trap, `check` and `serve` as real processes.

Each trap ends in exit code 2 (settings, database) or a FAIL/warning line that names what is wrong
and what to do; never a traceback.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest
from cryptography.fernet import Fernet

from bot.crypto import KeyRing
from tests.conftest import SIGNING_SECRET
from tests.support import ROOT, Served, run_cli, subprocess_env

QUESTETRA_CLIENT = ("bridge-client", "bridge-client-secret-123")


@pytest.fixture
def base(env, tmp_path) -> dict[str, str]:
    """A working configuration against the emulators, on a fresh SQLite file."""
    return {
        **subprocess_env(),
        **env,
        "HOME": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        # Loopback, as tests listen: on 0.0.0.0 `check` fails "/metrics is public" (no token).
        "HOST": "127.0.0.1",
    }


@pytest.fixture
def oauth_client(questetra) -> None:
    if QUESTETRA_CLIENT[0] not in questetra.db.clients:
        questetra.add_client(*QUESTETRA_CLIENT, "http://bot.test/questetra/oauth/callback")


def _no_traceback(result) -> None:
    assert "Traceback" not in result.stdout + result.stderr, result.stderr


# ---------------------------------------------------------------- settings: one list, exit 2


@pytest.mark.parametrize("command", ["serve", "check"])
def test_env_example_as_is_lists_every_placeholder_at_once(command, tmp_path) -> None:
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    result = run_cli([command], subprocess_env(), tmp_path)
    assert result.returncode == 2
    _no_traceback(result)
    lines = result.stderr.splitlines()
    heading, problems = lines[0], [line.removeprefix("  - ") for line in lines[1:]]
    if command == "serve":
        assert heading.startswith("The bridge cannot start")
    else:
        assert "cannot start" not in heading
    placeholders = {p.split(" ", 1)[0] for p in problems if "is a placeholder" in p}
    assert placeholders == {
        "SLACK_SIGNING_SECRET",
        "SLACK_BOT_TOKEN",
        "QUESTETRA_BASE_URL",
        "QUESTETRA_CLIENT_ID",
        "QUESTETRA_CLIENT_SECRET",
        "BOT_PUBLIC_URL",
        "BOT_ENCRYPTION_KEYS",
        "METRICS_TOKEN",
    }
    assert len(problems) == len(placeholders), problems  # nothing else, nothing twice


@pytest.mark.parametrize(("command", "blank"), [("serve", ""), ("check", "   ")])
def test_blank_signing_secret_is_a_settings_error(command, blank, base, tmp_path) -> None:
    result = run_cli([command], {**base, "SLACK_SIGNING_SECRET": blank}, tmp_path)
    assert result.returncode == 2
    _no_traceback(result)
    assert "  - SLACK_SIGNING_SECRET is required (Slack app settings > Basic Information" in (
        result.stderr
    )


@pytest.mark.parametrize("command", ["serve", "check"])
def test_bot_token_and_client_credentials_together_are_refused(command, base, tmp_path) -> None:
    env = {**base, "SLACK_CLIENT_ID": "1111.2222", "SLACK_CLIENT_SECRET": "fake-slack-secret"}
    result = run_cli([command], env, tmp_path)
    assert result.returncode == 2
    _no_traceback(result)
    (problem,) = result.stderr.splitlines()[1:]
    assert problem == (
        "  - SLACK_BOT_TOKEN and SLACK_CLIENT_ID/SLACK_CLIENT_SECRET are both set: keep "
        "SLACK_BOT_TOKEN for one workspace, or SLACK_CLIENT_ID + SLACK_CLIENT_SECRET for "
        '"Add to Slack" in several, and remove the other'
    )
    assert not list(Path(tmp_path).glob(".bolt-app-*"))  # Bolt's file stores in $HOME


def test_a_plain_path_as_database_url_says_how_to_write_it(base, tmp_path) -> None:
    result = run_cli(["serve"], {**base, "DATABASE_URL": "/data/bot.db"}, tmp_path)
    assert result.returncode == 2
    _no_traceback(result)
    assert result.stderr.splitlines()[1:] == [
        "  - DATABASE_URL is a file path, not a URL: write DATABASE_URL=sqlite:////data/bot.db "
        "(three slashes, then the path; an absolute path gives four) (e.g. "
        "sqlite:///./questetra-bot.db or postgresql://user@host/db)"
    ]


def test_every_problem_comes_in_the_first_run(tmp_path) -> None:
    env = {
        **subprocess_env(),
        "SLACK_SIGNING_SECRET": "changeme",
        "SLACK_CLIENT_ID": "1111.2222",
        "QUESTETRA_BASE_URL": "ftp://tenant",
        "BOT_ENCRYPTION_KEYS": "not-a-key",
        "PORT": "eighty",
        "POLL_INTERVAL_SECONDS": "5",
        "LOG_FORMAT": "xml",
        "QUESTETRA_BASIC_AUTH": "perhaps",
    }
    result = run_cli(["serve"], env, tmp_path)
    assert result.returncode == 2
    text = result.stderr
    for expected in (
        "SLACK_SIGNING_SECRET is a placeholder",
        "SLACK_CLIENT_ID is set but SLACK_CLIENT_SECRET is not",
        "QUESTETRA_BASE_URL must be an http(s) URL",
        "QUESTETRA_CLIENT_ID + QUESTETRA_CLIENT_SECRET are required",
        "QUESTETRA_BASIC_AUTH must be true or false",
        "BOT_ENCRYPTION_KEYS holds a value that is not a key from `python -m bot keygen`",
        "PORT must be a whole number",
        "POLL_INTERVAL_SECONDS must be at least 10",
        "LOG_FORMAT is not one of the allowed values (`console` or `json`)",
    ):
        assert expected in text, text
    # Our words only: nothing of pydantic's.
    assert not re.search(r"Input should|validation error|pydantic|Value error", text)
    assert "not-a-key" not in text and "changeme" not in text


def test_unreachable_postgresql_is_one_line_and_exit_2(base, tmp_path) -> None:
    env = {**base, "DATABASE_URL": "postgresql://bridge@127.0.0.1:9/bridge"}
    result = run_cli(["serve"], env, tmp_path)
    assert result.returncode == 2
    _no_traceback(result)
    assert result.stderr.strip().splitlines() == [
        "The bridge cannot start: cannot connect to PostgreSQL at 127.0.0.1:9/bridge "
        "(connection refused, nothing listens there): check DATABASE_URL (is the server "
        "running, is the file's folder there?)"
    ]
    migrate = run_cli(["migrate"], env, tmp_path)
    assert migrate.returncode == 2
    assert migrate.stderr.strip().splitlines() == [
        "Cannot use PostgreSQL at 127.0.0.1:9/bridge (connection refused, nothing listens "
        "there): check DATABASE_URL"
    ]


def test_sqlite_in_a_missing_folder_is_one_line(base, tmp_path) -> None:
    env = {**base, "DATABASE_URL": f"sqlite:///{tmp_path / 'missing' / 'bot.db'}"}
    result = run_cli(["serve"], env, tmp_path)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert "cannot open the file: does its folder exist" in line
    # Said before any connection is tried (no worker thread left to race the closing loop).
    migrate = run_cli(["migrate"], env, tmp_path)
    assert migrate.returncode == 2
    (line,) = migrate.stderr.strip().splitlines()
    assert "cannot open the file: does its folder exist" in line
    check = run_cli(["check"], env, tmp_path)
    assert "FAIL database: cannot connect to SQLite file" in check.stdout
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize("command", ["audit", "rotate-keys", "probe"])
def test_reading_commands_refuse_a_database_that_is_not_the_bridges(
    command, base, tmp_path
) -> None:
    """A typo in DATABASE_URL, or a database `serve` never ran on: one line, exit 2, no SQL
    error, no traceback, and no empty SQLite file left where the typo pointed."""
    missing = tmp_path / "bridge.db"
    result = run_cli([command], {**base, "DATABASE_URL": f"sqlite:///{missing}"}, tmp_path)
    assert result.returncode == 2
    _no_traceback(result)
    assert result.stderr.strip().splitlines() == [
        f"Cannot use SQLite file {missing} (no such file): check DATABASE_URL "
        "(`python -m bot migrate` or `serve` creates it)"
    ]
    assert not missing.exists()
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    result = run_cli([command], {**base, "DATABASE_URL": f"sqlite:///{empty}"}, tmp_path)
    assert result.returncode == 2
    _no_traceback(result)
    assert result.stderr.strip().splitlines() == [
        f"Cannot use SQLite file {empty} (none of the bridge's tables are there): check "
        "DATABASE_URL, or run `python -m bot migrate` first"
    ]


def test_probe_on_an_unreachable_database_is_one_line(base, tmp_path) -> None:
    env = {**base, "DATABASE_URL": "postgresql://bridge@127.0.0.1:9/bridge"}
    result = run_cli(["probe"], env, tmp_path)
    assert result.returncode == 2
    _no_traceback(result)
    assert result.stderr.strip().splitlines() == [
        "Cannot use PostgreSQL at 127.0.0.1:9/bridge (connection refused, nothing listens "
        "there): check DATABASE_URL"
    ]


def test_a_misspelt_name_in_dot_env_is_named(base, tmp_path) -> None:
    """The likeliest reason a setting "is required" when the operator did write it: a typo in
    `.env`. It is named in the list of problems, and by `check` when everything else is sound."""
    env = {k: v for k, v in base.items() if k != "SLACK_BOT_TOKEN"}
    (tmp_path / ".env").write_text(f"SLACK_BOT_TOKN={base['SLACK_BOT_TOKEN']}\n")
    note = (
        "SLACK_BOT_TOKN is not a setting of this bridge and is ignored (a typo? see .env.example)"
    )
    for command in ("serve", "check"):
        result = run_cli([command], env, tmp_path)
        assert result.returncode == 2
        _no_traceback(result)
        problems = result.stderr.splitlines()[1:]
        assert problems[0].startswith("  - SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID")
        assert problems[1:] == [f"  - {note}"]
    (tmp_path / ".env").write_text("QUESTETRA_BASIC_AUTHH=true\n")
    check = run_cli(["check"], base, tmp_path)
    assert f"NOTE {note.replace('SLACK_BOT_TOKN', 'QUESTETRA_BASIC_AUTHH')}" in check.stdout


def test_socket_mode_without_slack_serves_says_so_in_one_line_and_stops(base, tmp_path) -> None:
    """Slack unreachable in Socket Mode: serve still listens, each retry is one line (slack_sdk
    logs a traceback per attempt, every ten seconds), and SIGTERM stops it."""
    env = {
        **base,
        "SLACK_APP_TOKEN": "xapp-1-A0001-1-abcdef",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
        "LOG_FORMAT": "json",
    }
    served = Served(env, tmp_path)  # returns once /healthz answers
    try:
        served.wait_for('"slack.socket_mode_not_connected"')
        served.wait_for("Failed to connect (error:")
    finally:
        output = served.stop()
    assert "Traceback" not in output
    records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert len(records) == len(output.splitlines()), output  # every line is JSON
    retries = [r for r in records if r["event"].startswith("Failed to connect (error:")]
    assert retries and all(r["level"] == "warning" and "exception" not in r for r in retries)
    # Stopped by the SIGTERM, the graceful way (not killed after Served's 20 s).
    assert records[-1]["event"].startswith("Finished server process"), output
    assert "bridge.stopped" in [r["event"] for r in records]


# ---------------------------------------------------------------- serve: a clean start


def test_a_clean_start_says_mode_and_urls_and_warns_of_nothing(base, tmp_path) -> None:
    served = Served({**base, "LOG_FORMAT": "json"}, tmp_path)
    try:
        # The start-up checks run once the server listens: wait for their verdict.
        served.wait_for('"startup.checked"')
        front = httpx2.get(served.url + "/", timeout=5)
        metrics = httpx2.get(served.url + "/metrics", timeout=5).text
        health = httpx2.get(served.url + "/healthz", timeout=5).json()
    finally:
        output = served.stop()
    records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert len(records) == len(output.splitlines()), output  # every line is JSON
    assert [r for r in records if r["level"] in ("warning", "error", "critical")] == []
    (started,) = [r for r in records if r["event"] == "bridge.started"]
    (checked,) = [r for r in records if r["event"] == "startup.checked"]
    assert checked["problems"] == 0
    assert started["mode"] == "HTTP, one workspace"
    assert started["slack_request_url"] == "http://bot.test/slack/events"
    assert started["questetra_redirect_uri"] == "http://bot.test/questetra/oauth/callback"
    assert "slack_redirect_url" not in started
    assert health == {"status": "ok"}
    assert front.status_code == 200
    assert "/questetra help" in front.text and 'lang="ja"' in front.text
    for series in ("process_resident_memory_bytes", "python_info", "python_gc_objects_collected"):
        assert series in metrics


def test_problems_found_at_start_are_one_warning_each(base, tmp_path) -> None:
    # A secret sealed under a key that is no longer configured, and no Questetra there.
    run_cli(["migrate"], base, tmp_path).check_returncode()
    old = KeyRing([Fernet.generate_key().decode()])
    # sqlite3's own `with` commits but does not close (ResourceWarning at GC since 3.13).
    with closing(sqlite3.connect(tmp_path / "bot.db")) as db, db:
        db.execute(
            "INSERT INTO workspaces (team_id, bot_token_enc, installed_at) VALUES (?, ?, ?)",
            ("T0009", old.seal({"bot_token": "xoxb-x"}, owner="workspace/T0009"), "2026-01-01"),
        )
    env = {**base, "QUESTETRA_BASE_URL": "http://127.0.0.1:9/", "LOG_FORMAT": "json"}
    served = Served(env, tmp_path)
    served.wait_for('"startup.checked"')  # the checks run once the server listens
    output = served.stop()
    warnings = [
        json.loads(line)
        for line in output.splitlines()
        if line.startswith("{") and '"warning"' in line
    ]
    by_check = {w["check"]: w["detail"] for w in warnings if w["event"] == "startup.problem"}
    assert set(by_check) == {"stored secrets", "questetra"}, output
    assert by_check["stored secrets"].startswith(
        "1 of the 1 newest stored secrets do not open with BOT_ENCRYPTION_KEYS"
    )
    assert "127.0.0.1:9" in by_check["questetra"]
    assert "connection refused" in by_check["questetra"]


def test_slack_variables_never_reach_bolt_behind_the_settings(base, slack, tmp_path) -> None:
    """Bolt reads SLACK_* by itself (SLACK_SCOPES, SLACK_USER_SCOPES, SLACK_REDIRECT_URI,
    SLACK_INSTALL_PATH…; blank SLACK_CLIENT_ID/SECRET switch on file stores in $HOME). The bridge
    hands Bolt every value itself and keeps the environment from it."""
    env = {
        key: value
        for key, value in base.items()
        if key not in ("SLACK_BOT_TOKEN", "QUESTETRA_CLIENT_ID", "QUESTETRA_CLIENT_SECRET")
    }
    env |= {
        "SLACK_CLIENT_ID": slack.client_id,
        "SLACK_CLIENT_SECRET": slack.client_secret,
        "SLACK_ALLOWED_TEAM_IDS": slack.team_id,
        "QUESTETRA_BASIC_AUTH": "true",
        "BOT_PUBLIC_URL": "https://bot.test",
        "SLACK_SCOPES": "admin,channels:history",
        "SLACK_USER_SCOPES": "search:read",
        "SLACK_REDIRECT_URI": "https://evil.test/steal",
        "SLACK_INSTALL_PATH": "/elsewhere",
        "SLACK_REDIRECT_URI_PATH": "/elsewhere/redirect",
        "SLACK_VERIFICATION_TOKEN": "legacy",
        "LOG_FORMAT": "json",
    }
    served = Served(env, tmp_path)
    try:
        page = httpx2.get(served.url + "/slack/install", timeout=5)
        moved = httpx2.get(served.url + "/elsewhere", timeout=5)
    finally:
        output = served.stop()
    assert page.status_code == 200 and moved.status_code == 404
    authorize = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', page.text)
    assert authorize is not None, page.text
    query = parse_qs(urlsplit(authorize.group(1).replace("&amp;", "&")).query)
    assert query["redirect_uri"] == ["https://bot.test/slack/oauth_redirect"]
    assert "admin" not in query["scope"][0] and "commands" in query["scope"][0]
    assert query.get("user_scope", [""]) == [""]
    assert 'lang="ja"' in page.text  # the bridge's page, not Bolt's
    ignored = [
        json.loads(line)["detail"] for line in output.splitlines() if '"settings.ignored"' in line
    ]
    assert [d.split(" ", 1)[0] for d in ignored] == [
        "SLACK_INSTALL_PATH",
        "SLACK_REDIRECT_URI",
        "SLACK_REDIRECT_URI_PATH",
        "SLACK_SCOPES",
        "SLACK_USER_SCOPES",
        "SLACK_VERIFICATION_TOKEN",
    ]
    assert not list(Path(tmp_path).glob(".bolt-app-*"))


def test_blank_client_variables_do_not_switch_bolt_to_file_stores(
    base, signer, slack, tmp_path
) -> None:
    """`docker run --env-file` passes `SLACK_CLIENT_ID=` as set-but-empty: Bolt took that as
    "use OAuth with file stores in $HOME" and every command got a 500."""
    env = {**base, "SLACK_CLIENT_ID": "", "SLACK_CLIENT_SECRET": ""}
    served = Served(env, tmp_path)
    try:
        url = slack.new_response_url()
        body, headers = signer.slash_command("help", user_id="U_EN", response_url=url)
        response = httpx2.post(served.url + "/slack/events", content=body, headers=headers)
    finally:
        served.stop()
    assert response.status_code == 200
    assert not list(Path(tmp_path).glob(".bolt-app-*"))
    assert SIGNING_SECRET  # the signer and the process share it


# ---------------------------------------------------------------- check


def test_check_passes_on_a_sound_setup(base, oauth_client, tmp_path) -> None:
    result = run_cli(["check"], base, tmp_path)
    assert result.returncode == 0, result.stdout
    lines = result.stdout.splitlines()
    assert lines[0] == "OK   settings: valid"
    assert (
        "OK   slack: bot token works for workspace Acme (T0001), with every scope needed" in lines
    )
    assert any(
        line.startswith("OK   questetra oauth: client bridge-client accepted") for line in lines
    )
    (questetra,) = [line for line in lines if line.startswith("OK   questetra: ")]
    assert questetra.endswith(
        "; checked without a credential (`python -m bot probe` checks as a linked user)"
    )
    assert lines[-1] == "All checks passed."


def test_check_names_a_refused_oauth_client(base, oauth_client, tmp_path) -> None:
    env = {**base, "QUESTETRA_CLIENT_SECRET": "wrong-secret-value"}
    result = run_cli(["check"], env, tmp_path)
    assert result.returncode == 1
    (line,) = [line for line in result.stdout.splitlines() if "questetra oauth" in line]
    assert line.startswith("FAIL questetra oauth: Questetra at 127.0.0.1:")
    assert "refused the OAuth client (invalid_client): check QUESTETRA_CLIENT_ID and " in line
    assert "wrong-secret-value" not in result.stdout


def test_check_finds_missing_scopes(base, oauth_client, slack, tmp_path) -> None:
    granted = slack.scopes
    slack.scopes = tuple(s for s in granted if s != "im:history")
    try:
        result = run_cli(["check"], base, tmp_path)
    finally:
        slack.scopes = granted
    assert result.returncode == 1
    assert (
        "FAIL slack: the bot token for workspace Acme (T0001) lacks the scopes im:history: "
        "update the app from manifest.yml, then OAuth & Permissions > Reinstall to Workspace"
    ) in result.stdout


def test_check_opens_stored_secrets_with_the_configured_keys(base, tmp_path) -> None:
    run_cli(["migrate"], base, tmp_path).check_returncode()
    key = base["BOT_ENCRYPTION_KEYS"]
    with closing(sqlite3.connect(tmp_path / "bot.db")) as db, db:
        db.execute(
            "INSERT INTO workspaces (team_id, bot_token_enc, installed_at) VALUES (?, ?, ?)",
            ("T0009", KeyRing([key]).seal({"bot_token": "x"}, owner="w"), "2026-01-01"),
        )
    good = run_cli(["check"], base, tmp_path)
    assert "OK   stored secrets: the 1 newest open with BOT_ENCRYPTION_KEYS" in good.stdout
    rotated = {**base, "BOT_ENCRYPTION_KEYS": Fernet.generate_key().decode()}
    bad = run_cli(["check"], rotated, tmp_path)
    assert bad.returncode == 1
    assert (
        "FAIL stored secrets: 1 of the 1 newest stored secrets do not open with "
        "BOT_ENCRYPTION_KEYS: the key that sealed them is missing"
    ) in bad.stdout
    # The same keys, new one first: fine again.
    both = {**base, "BOT_ENCRYPTION_KEYS": f"{rotated['BOT_ENCRYPTION_KEYS']},{key}"}
    assert "OK   stored secrets" in run_cli(["check"], both, tmp_path).stdout


def test_check_multi_workspace_asks_slack_about_the_client(base, slack, tmp_path) -> None:
    env = {k: v for k, v in base.items() if k != "SLACK_BOT_TOKEN"}
    good = run_cli(
        ["check"],
        {
            **env,
            "SLACK_CLIENT_ID": slack.client_id,
            "SLACK_CLIENT_SECRET": slack.client_secret,
            "SLACK_ALLOWED_TEAM_IDS": slack.team_id,
        },
        tmp_path,
    )
    assert "OK   slack: SLACK_CLIENT_ID and SLACK_CLIENT_SECRET accepted" in good.stdout
    bad = run_cli(
        ["check"],
        {
            **env,
            "SLACK_CLIENT_ID": slack.client_id,
            "SLACK_CLIENT_SECRET": "not-the-secret",
            "SLACK_ALLOWED_TEAM_IDS": slack.team_id,
        },
        tmp_path,
    )
    assert bad.returncode == 1
    assert "FAIL slack: Slack refused SLACK_CLIENT_ID/SLACK_CLIENT_SECRET (invalid_client_id)" in (
        bad.stdout
    )


def test_check_every_failure_names_host_and_cause(base, tmp_path) -> None:
    env = {
        **base,
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
        "QUESTETRA_BASE_URL": "http://127.0.0.1:9/",
        "DATABASE_URL": "postgresql://bridge@127.0.0.1:9/bridge",
    }
    result = run_cli(["check"], env, tmp_path, timeout=120)
    assert result.returncode == 1
    _no_traceback(result)
    failures = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert {line.split(":", 1)[0] for line in failures} == {
        "FAIL database",
        "FAIL slack",
        "FAIL questetra",
        "FAIL questetra oauth",
    }
    for line in failures:
        assert "127.0.0.1:9" in line and "connection refused" in line, line
        assert not re.search(r"\((Connect|Client\w*|OS)Error\)", line), line
