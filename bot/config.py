"""Typed, frozen settings.

The environment variable names are a contract (design.md §2). Only ``bot.__main__`` reads the real
environment; everything else receives a :class:`Settings`. :func:`load_settings` turns a mapping of
variables into settings or raises :class:`SettingsError` carrying *every* problem at once, each with
where to get the right value, so an operator fixes the configuration in one go.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from cryptography.fernet import Fernet
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from sqlalchemy.engine import URL, make_url

from bot.questetra.urls import DEFAULT_TASK_URL, QuestetraLinks, template_problem

__all__ = ["Settings", "SettingsError", "load_settings", "to_async_database_url"]

# Values people paste from examples and forget to replace; refusing them beats a confusing 401 later.
_PLACEHOLDER = re.compile(
    r"^(changeme|change-me|changethis|replace-?me|todo|xxx+|secret|password|example|"
    r"your[-_].*|<.*>|\.\.\.|x{3,}.*)$",
    re.IGNORECASE,
)

# Where to get each value: shown next to the variable when it is missing or wrong.
HINTS: dict[str, str] = {
    "SLACK_SIGNING_SECRET": "Slack app settings > Basic Information > App Credentials > Signing Secret",
    "SLACK_BOT_TOKEN": "Slack app settings > OAuth & Permissions > Bot User OAuth Token (xoxb-…)",
    "SLACK_CLIENT_ID": "Slack app settings > Basic Information > App Credentials > Client ID",
    "SLACK_CLIENT_SECRET": "Slack app settings > Basic Information > App Credentials > Client Secret",
    "SLACK_APP_TOKEN": "Slack app settings > Basic Information > App-Level Tokens (xapp-…)",
    "SLACK_API_URL": "normally https://slack.com/api/",
    "QUESTETRA_BASE_URL": "your tenant URL, e.g. https://example.questetra.net/",
    "QUESTETRA_CLIENT_ID": "Questetra System Settings > API Clients > OAuth 2.0 client id",
    "QUESTETRA_CLIENT_SECRET": "Questetra System Settings > API Clients > OAuth 2.0 client secret",
    "QUESTETRA_SCOPE": "`any` or `read`",
    "QUESTETRA_BASIC_AUTH": "`true` or `false`",
    "BOT_PUBLIC_URL": "the https URL browsers use to reach this bot",
    "BOT_ENCRYPTION_KEYS": "run `python -m bot keygen` and paste the key (comma-separated, newest first)",
    "DATABASE_URL": "e.g. sqlite:///./questetra-bot.db or postgresql://user@host/db",
    "POLL_INTERVAL_SECONDS": "a whole number of seconds, at least 10",
    "START_EVENTS_FILE": "path to a YAML file of start events",
    "QUESTETRA_TASK_URL": (
        "a template such as {base}PE/Workitem/Form/viewIframe?workitemId={workitem_id}, or unset "
        "to link tasks to their process page"
    ),
}


class SettingsError(Exception):
    """The configuration is unusable; ``problems`` lists every reason, one readable line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid settings:\n" + "\n".join(f"  - {p}" for p in problems))
        self.problems = problems


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _not_placeholder(value: SecretStr | None) -> SecretStr | None:
    if value is not None and _PLACEHOLDER.match(value.get_secret_value().strip()):
        raise ValueError("is a placeholder, not a real value")
    return value


def _empty_to_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


Secret = Annotated[SecretStr, AfterValidator(_not_placeholder)]
OptionalSecret = Annotated[
    SecretStr | None, BeforeValidator(_empty_to_none), AfterValidator(_not_placeholder)
]
OptionalStr = Annotated[str | None, BeforeValidator(_empty_to_none)]
CsvList = Annotated[list[str], BeforeValidator(_split_csv)]


def to_async_database_url(url: str) -> URL:
    """Pick the async driver for a plain ``sqlite://`` or ``postgresql://`` URL."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite")
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+asyncpg")
    raise ValueError(f"unsupported database {backend!r}: use sqlite or postgresql")


class Settings(BaseModel):
    """Every setting of design.md §2; field aliases are the environment variable names."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    slack_signing_secret: Secret = Field(alias="SLACK_SIGNING_SECRET")
    slack_bot_token: OptionalSecret = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_client_id: OptionalStr = Field(default=None, alias="SLACK_CLIENT_ID")
    slack_client_secret: OptionalSecret = Field(default=None, alias="SLACK_CLIENT_SECRET")
    slack_app_token: OptionalSecret = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_api_url: Annotated[str, AfterValidator(_with_slash)] = Field(
        default="https://slack.com/api/", alias="SLACK_API_URL"
    )
    questetra_base_url: Annotated[str, AfterValidator(_with_slash)] = Field(
        alias="QUESTETRA_BASE_URL"
    )
    questetra_client_id: OptionalStr = Field(default=None, alias="QUESTETRA_CLIENT_ID")
    questetra_client_secret: OptionalSecret = Field(default=None, alias="QUESTETRA_CLIENT_SECRET")
    questetra_scope: Literal["any", "read"] = Field(default="any", alias="QUESTETRA_SCOPE")
    questetra_basic_auth: bool = Field(default=False, alias="QUESTETRA_BASIC_AUTH")
    questetra_task_url: OptionalStr = Field(default=None, alias="QUESTETRA_TASK_URL")
    bot_public_url: str = Field(default="http://localhost:3000", alias="BOT_PUBLIC_URL")
    bot_encryption_keys: Annotated[
        CsvList, AfterValidator(lambda keys: [_check_fernet_key(k) for k in keys])
    ] = Field(alias="BOT_ENCRYPTION_KEYS", min_length=1, repr=False)
    # repr=False: a PostgreSQL URL may carry a password.
    database_url: str = Field(
        default="sqlite:///./questetra-bot.db", alias="DATABASE_URL", repr=False
    )
    host: str = Field(default="0.0.0.0", alias="HOST")  # noqa: S104 - a server listens on all interfaces by default
    port: int = Field(default=3000, alias="PORT", ge=1, le=65535)
    poll_interval_seconds: int = Field(default=60, alias="POLL_INTERVAL_SECONDS", ge=10)
    # New-task alerts carry the task's own buttons (Approve / Reject…), read from its form
    # (Form/viewXml) when the alert is posted; false: alerts offer "Process…" only.
    alert_task_buttons: bool = Field(default=True, alias="ALERT_TASK_BUTTONS")
    admin_slack_user_ids: CsvList = Field(default_factory=list, alias="ADMIN_SLACK_USER_IDS")
    start_events_file: Annotated[Path | None, BeforeValidator(_empty_to_none)] = Field(
        default=None, alias="START_EVENTS_FILE"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", alias="LOG_LEVEL"
    )
    log_format: Literal["console", "json"] = Field(default="console", alias="LOG_FORMAT")

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("log_format", "questetra_scope", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("questetra_base_url", "slack_api_url", "bot_public_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("must be an http(s) URL")
        return value

    @field_validator("questetra_task_url")
    @classmethod
    def _task_url_template(cls, value: str | None) -> str | None:
        if value is not None:
            value = value.strip()
            problem = template_problem(value)
            if problem is not None:
                raise ValueError(problem)
        return value

    @field_validator("bot_public_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        to_async_database_url(value)
        return value

    @model_validator(mode="after")
    def _coherent(self) -> Settings:
        problems = []
        if self.slack_bot_token is None and not (self.slack_client_id and self.slack_client_secret):
            problems.append(
                "SLACK_BOT_TOKEN (single workspace) or SLACK_CLIENT_ID + SLACK_CLIENT_SECRET "
                "(multi-workspace install) is required"
            )
        if not (self.questetra_client_id and self.questetra_client_secret) and not (
            self.questetra_basic_auth
        ):
            problems.append(
                "QUESTETRA_CLIENT_ID + QUESTETRA_CLIENT_SECRET are required for OAuth linking "
                "(or set QUESTETRA_BASIC_AUTH=true to link with API passwords only)"
            )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # Derived values, kept here so every caller agrees on them.
    @property
    def async_database_url(self) -> URL:
        return to_async_database_url(self.database_url)

    @property
    def oauth_redirect_uri(self) -> str:
        return f"{self.bot_public_url}/questetra/oauth/callback"

    @property
    def questetra_links(self) -> QuestetraLinks:
        """The tenant pages Slack messages link to."""
        return QuestetraLinks(self.questetra_base_url, self.questetra_task_url or DEFAULT_TASK_URL)

    @property
    def oauth_enabled(self) -> bool:
        return bool(self.questetra_client_id and self.questetra_client_secret)

    @property
    def multi_workspace(self) -> bool:
        return self.slack_bot_token is None


def _check_fernet_key(key: str) -> str:
    try:
        Fernet(key.encode())
    except (ValueError, TypeError) as exc:
        raise ValueError("holds a value that is not a Fernet key") from exc
    return key


def load_settings(environ: Mapping[str, str], *, env_file: str | Path | None = None) -> Settings:
    """Build settings from ``environ`` (and an optional ``.env`` file, which the environment overrides).

    Raises :class:`SettingsError` listing every missing or invalid variable with a hint.
    """
    values: dict[str, Any] = {}
    if env_file is not None and Path(env_file).is_file():
        from dotenv import dotenv_values

        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update({k: v for k, v in environ.items() if k in _ALIASES})
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        raise SettingsError([_describe(err) for err in exc.errors()]) from None


_ALIASES = {str(f.alias) for f in Settings.model_fields.values()}


def _describe(err: Any) -> str:
    loc = err.get("loc") or ()
    name = str(loc[0]) if loc else ""
    message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
    if err.get("type") == "missing":
        message = "is required"
    if not name:
        return message
    hint = HINTS.get(name)
    return f"{name} {message}" + (f" ({hint})" if hint else "")
