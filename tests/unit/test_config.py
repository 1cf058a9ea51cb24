from __future__ import annotations

import re
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.config import HINTS, Settings, SettingsError, foreign_variables, load_settings

KEY = Fernet.generate_key().decode()
REQUIRED = {
    "SLACK_SIGNING_SECRET": "a1b2c3d4e5f6",
    "SLACK_BOT_TOKEN": "xoxb-1-2-3",
    "QUESTETRA_BASE_URL": "https://acme.questetra.net",
    "QUESTETRA_CLIENT_ID": "client",
    "QUESTETRA_CLIENT_SECRET": "s3cr3t-value",
    "BOT_ENCRYPTION_KEYS": KEY,
}


def test_defaults_and_derived_values() -> None:
    settings = load_settings(REQUIRED)
    assert settings.questetra_base_url == "https://acme.questetra.net/"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.oauth_redirect_uri == "http://localhost:3000/questetra/oauth/callback"
    assert settings.questetra_scope == "any"
    assert settings.questetra_basic_auth is False
    assert settings.poll_interval_seconds == 60
    assert str(settings.async_database_url) == "sqlite+aiosqlite:///./questetra-bot.db"
    assert settings.log_format == "console"


def test_without_a_public_url_the_bot_is_local_on_its_port() -> None:
    assert load_settings({**REQUIRED, "PORT": "3312"}).oauth_redirect_uri == (
        "http://localhost:3312/questetra/oauth/callback"
    )
    given = load_settings({**REQUIRED, "PORT": "3312", "BOT_PUBLIC_URL": "https://bridge.acme.jp"})
    assert given.bot_public_url == "https://bridge.acme.jp"
    with pytest.raises(SettingsError) as caught:
        load_settings({**REQUIRED, "PORT": "http"})
    assert caught.value.problems == [f"PORT must be a whole number ({HINTS['PORT']})"]


def test_settings_are_frozen() -> None:
    settings = load_settings(REQUIRED)
    with pytest.raises(ValueError, match="frozen"):
        settings.port = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://bot@db/bridge", "postgresql+asyncpg://bot@db/bridge"),
        ("postgres://bot@db/bridge", "postgresql+asyncpg://bot@db/bridge"),
        ("sqlite:////var/lib/bot.db", "sqlite+aiosqlite:////var/lib/bot.db"),
    ],
)
def test_database_url_gets_async_driver(given: str, expected: str) -> None:
    settings = load_settings({**REQUIRED, "DATABASE_URL": given})
    assert settings.async_database_url.render_as_string(hide_password=False) == expected


def test_lists_every_problem_at_once_with_hints() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"SLACK_SIGNING_SECRET": "changeme", "BOT_ENCRYPTION_KEYS": "nope"})
    problems = caught.value.problems
    assert any(p.startswith("SLACK_SIGNING_SECRET is a placeholder") for p in problems)
    assert any(p.startswith("QUESTETRA_BASE_URL is required") for p in problems)
    assert any("BOT_ENCRYPTION_KEYS" in p and "keygen" in p for p in problems)
    assert all("changeme" not in p and "nope" not in p for p in problems)


def test_needs_a_way_to_talk_to_slack_and_to_link() -> None:
    env = {k: v for k, v in REQUIRED.items() if k not in ("SLACK_BOT_TOKEN", "QUESTETRA_CLIENT_ID")}
    with pytest.raises(SettingsError) as caught:
        load_settings(env)
    text = "\n".join(caught.value.problems)
    assert "SLACK_BOT_TOKEN" in text
    assert "QUESTETRA_CLIENT_ID" in text


def test_basic_auth_alone_is_enough_to_link() -> None:
    env = {k: v for k, v in REQUIRED.items() if not k.startswith("QUESTETRA_CLIENT")}
    settings = load_settings({**env, "QUESTETRA_BASIC_AUTH": "true"})
    assert settings.oauth_enabled is False


def test_lists_and_case_are_normalised() -> None:
    other = Fernet.generate_key().decode()
    settings = load_settings(
        {
            **REQUIRED,
            "BOT_ENCRYPTION_KEYS": f"{KEY}, {other}",
            "ADMIN_SLACK_USER_IDS": "U1, U2,,",
            "LOG_LEVEL": "debug",
            "LOG_FORMAT": "JSON",
            "QUESTETRA_SCOPE": "READ",
            "START_EVENTS_FILE": "",
        }
    )
    assert settings.bot_encryption_keys == [KEY, other]
    assert settings.admin_slack_user_ids == ["U1", "U2"]
    assert (settings.log_level, settings.log_format, settings.questetra_scope) == (
        "DEBUG",
        "json",
        "read",
    )
    assert settings.start_events_file is None


def test_secrets_never_in_repr() -> None:
    settings = load_settings(REQUIRED)
    shown = repr(settings) + str(settings)
    for secret in ("a1b2c3d4e5f6", "xoxb-1-2-3", "s3cr3t-value", KEY):
        assert secret not in shown


def test_env_file_is_read_and_environment_wins(tmp_path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("PORT=4000\nHOST=127.0.0.1\n", encoding="utf-8")
    settings = load_settings({**REQUIRED, "PORT": "5000"}, env_file=env_file)
    assert (settings.host, settings.port) == ("127.0.0.1", 5000)


def test_unknown_database_is_refused() -> None:
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        load_settings({**REQUIRED, "DATABASE_URL": "mysql://x@y/z"})


def test_model_validate_uses_the_variable_names() -> None:
    assert Settings.model_validate(REQUIRED).slack_bot_token is not None


def test_database_password_not_in_repr() -> None:
    settings = load_settings({**REQUIRED, "DATABASE_URL": "postgresql://bot:pa55word@db/bridge"})
    assert "pa55word" not in repr(settings)


# ---------------------------------------------------------------- traps (issue #17)

ROOT = Path(__file__).resolve().parents[2]


def _env_example() -> list[tuple[str, str]]:
    """(name, value) of every assignment in .env.example, commented-out ones included."""
    found = []
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^#?\s*([A-Z][A-Z0-9_]+)=(.*)$", line.strip())
        if match:
            found.append((match.group(1), match.group(2).strip()))
    return found


def test_env_example_names_every_setting() -> None:
    names = {name for name, _ in _env_example()}
    # Ours, and the standard proxy variables the settings read too (bot/proxy.py).
    ours = {str(f.alias) for f in Settings.model_fields.values() if f.alias}
    assert names == ours | {"HTTPS_PROXY", "NO_PROXY"}


@pytest.mark.parametrize(("name", "value"), [p for p in _env_example() if p[1]])
def test_every_env_example_value_is_a_default_or_a_refused_placeholder(name, value) -> None:
    field = next(f for f in Settings.model_fields.values() if f.alias == name)
    if str(field.default).lower() == value.lower():
        return  # a default, shown as such
    env = {**REQUIRED, name: value}
    if name.startswith("SLACK_CLIENT"):
        env.pop("SLACK_BOT_TOKEN")
        env |= {
            "SLACK_CLIENT_ID": "1111.2222",
            "SLACK_CLIENT_SECRET": "real-secret-1",
            "SLACK_ALLOWED_TEAM_IDS": "T0001",
            name: value,
        }
    with pytest.raises(SettingsError) as caught:
        load_settings(env)
    assert caught.value.problems == [
        f"{name} is a placeholder, not a real value: put the real one ({HINTS[name]})"
    ]


def test_blank_values_count_as_unset() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({**REQUIRED, "SLACK_SIGNING_SECRET": " ", "PORT": ""})
    assert caught.value.problems == [
        f"SLACK_SIGNING_SECRET is required ({HINTS['SLACK_SIGNING_SECRET']})"
    ]


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("PORT", "http", "PORT must be a whole number"),
        ("PORT", "0", "PORT must be at least 1"),
        ("PORT", "70000", "PORT must be at most 65535"),
        ("POLL_INTERVAL_SECONDS", "1.5", "POLL_INTERVAL_SECONDS must be a whole number"),
        ("QUESTETRA_SCOPE", "write", "QUESTETRA_SCOPE is not one of the allowed values"),
        ("LOG_LEVEL", "loud", "LOG_LEVEL is not one of the allowed values"),
        ("QUESTETRA_BASIC_AUTH", "maybe", "QUESTETRA_BASIC_AUTH must be true or false"),
        ("SLACK_API_URL", "slack.com/api", "SLACK_API_URL must be an http(s) URL"),
        ("SLACK_BOT_TOKEN", "xapp-1-A1-2", "SLACK_BOT_TOKEN must start with xoxb-"),
        ("SLACK_APP_TOKEN", "xoxb-1-2", "SLACK_APP_TOKEN must start with xapp-"),
        ("BOT_PUBLIC_URL", "https://bot.example.com", "BOT_PUBLIC_URL is a placeholder"),
        ("DATABASE_URL", "mysql://x@y/z", "DATABASE_URL names the database 'mysql'"),
        ("DATABASE_URL", "./bot.db", "DATABASE_URL is a file path, not a URL"),
        ("DATABASE_URL", "postgresql://a:b@:x", "DATABASE_URL is not a database URL"),
    ],
)
def test_each_problem_is_one_line_in_our_words(name, value, expected) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({**REQUIRED, name: value})
    (problem,) = caught.value.problems
    assert problem.startswith(expected), problem
    assert not re.search(r"Input should|validation error|pydantic|Value error|type=", problem)


def test_token_and_client_together_is_one_problem_whatever_else_is_wrong() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(
            {**REQUIRED, "SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "x-y", "PORT": "no"}
        )
    assert [p.split(" ", 1)[0] for p in caught.value.problems] == ["SLACK_BOT_TOKEN", "PORT"]


def test_a_plain_path_is_refused_with_the_url_to_write() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({**REQUIRED, "DATABASE_URL": "data/bot.db"})
    assert "write DATABASE_URL=sqlite:///data/bot.db" in caught.value.problems[0]


def test_foreign_variables_are_named() -> None:
    environ = {
        "SLACK_SCOPES": "x",
        "QUESTETRA_CLIENTID": "typo",
        "SLACK_BOT_TOKEN": "x",
        "PATH": "",
    }
    assert foreign_variables(environ) == ["QUESTETRA_CLIENTID", "SLACK_SCOPES"]
