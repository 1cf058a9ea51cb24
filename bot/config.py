"""Typed, frozen settings.

The environment variable names are a contract (design.md §2). Only ``bot.__main__`` reads the real
environment; everything else receives a :class:`Settings`. :func:`load_settings` turns a mapping of
variables into settings or raises :class:`SettingsError` carrying *every* problem at once (each
variable's own, and the ones between variables), one line each in our words with where to get the
right value, so an operator fixes the configuration in one go.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

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
from sqlalchemy.exc import ArgumentError

from bot.proxy import Proxies
from bot.questetra.urls import DEFAULT_TASK_URL, QuestetraLinks, template_problem

__all__ = [
    "Settings",
    "SettingsError",
    "foreign_variables",
    "load_settings",
    "read_env_file",
    "to_async_database_url",
]

# Values people paste from examples and forget to replace; refusing them beats a confusing 401 later.
# `.env.example` ships values of these shapes (tests/unit/test_config.py reads it and checks that
# every one of them is refused).
_PLACEHOLDER = re.compile(
    r"^(changeme|change-me|changethis|replace-?me|todo|xxx+|secret|password|example|"
    r"your[-_].*|<.*>|\.\.\.|x{3,}.*|paste[-_].*|(xox[abp]|xapp)-(your|paste|x{3,})[-_a-z0-9]*)$",
    re.IGNORECASE,
)
# Host names of examples (README, manifest, .env.example): never a real tenant or bot.
_PLACEHOLDER_HOST = re.compile(
    r"^(example\.questetra\.net|your[-_a-z0-9]*\.questetra\.net|(.+\.)?example\.(com|org|net))$",
    re.IGNORECASE,
)

# Where to get each value: shown next to the variable when it is missing or wrong.
HINTS: dict[str, str] = {
    "SLACK_SIGNING_SECRET": "Slack app settings > Basic Information > App Credentials > Signing Secret",
    "SLACK_BOT_TOKEN": "Slack app settings > OAuth & Permissions > Bot User OAuth Token, xoxb-…",
    "SLACK_CLIENT_ID": "Slack app settings > Basic Information > App Credentials > Client ID",
    "SLACK_CLIENT_SECRET": "Slack app settings > Basic Information > App Credentials > Client Secret",
    "SLACK_APP_TOKEN": "Slack app settings > Basic Information > App-Level Tokens, xapp-…",
    "SLACK_API_URL": "normally https://slack.com/api/",
    "QUESTETRA_BASE_URL": "your tenant URL, e.g. https://acme.questetra.net/",
    "QUESTETRA_CLIENT_ID": "Questetra System Settings > API Clients > OAuth 2.0 client id",
    "QUESTETRA_CLIENT_SECRET": "Questetra System Settings > API Clients > OAuth 2.0 client secret",
    "QUESTETRA_SCOPE": "`any` or `read`",
    "QUESTETRA_BASIC_AUTH": "`true` or `false`",
    "ALERT_TASK_BUTTONS": "`true` or `false`",
    "BOT_PUBLIC_URL": "the https address Slack and browsers reach this bot at, e.g. https://bridge.acme.com",
    "BOT_ENCRYPTION_KEYS": "run `python -m bot keygen` and paste the key; several keys: comma-separated, newest first",
    "DATABASE_URL": "e.g. sqlite:///./questetra-bot.db or postgresql://user@host/db",
    "HOST": "an address to listen on, e.g. 0.0.0.0",
    "PORT": "a port number, e.g. 3000",
    "POLL_INTERVAL_SECONDS": "a whole number of seconds, at least 10",
    "ADMIN_SLACK_USER_IDS": "Slack member ids such as U0123ABCD, comma-separated",
    "START_EVENTS_FILE": "path to a YAML file of start events",
    "LOG_LEVEL": "DEBUG, INFO, WARNING or ERROR",
    "LOG_FORMAT": "`console` or `json`",
    "SLACK_ALLOWED_TEAM_IDS": (
        "the workspace ids (T…) and Enterprise Grid org ids (E…) allowed to install and use the "
        "bridge, comma-separated (Slack: About this workspace; or `any`, which lets every "
        "workspace's admins vouch for e-mails)"
    ),
    "METRICS_TOKEN": "a long random string Prometheus sends as `Authorization: Bearer …`",
    "METRICS_HOST": "the address of the separate /metrics listener, e.g. 127.0.0.1",
    "METRICS_PORT": "the port of the separate /metrics listener, e.g. 9100 (not PORT)",
    "LOG_SQL": "`true` only while debugging the database: SQL statements with their values",
    "QUESTETRA_TASK_URL": (
        "a template such as {base}PE/Workitem/Form/viewIframe?workitemId={workitem_id}, or unset "
        "to link tasks to their process page"
    ),
}

# Settings whose value is free text an example could have filled in (not numbers, not choices).
_PLACEHOLDER_CHECKED = (
    "SLACK_SIGNING_SECRET",
    "SLACK_BOT_TOKEN",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "SLACK_APP_TOKEN",
    "QUESTETRA_BASE_URL",
    "QUESTETRA_CLIENT_ID",
    "QUESTETRA_CLIENT_SECRET",
    "BOT_PUBLIC_URL",
    "BOT_ENCRYPTION_KEYS",
    "METRICS_TOKEN",
)
_TRUE = ("1", "true", "yes", "on")


class SettingsError(Exception):
    """The configuration is unusable; ``problems`` lists every reason, one readable line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid settings:\n" + "\n".join(f"  - {p}" for p in problems))
        self.problems = problems


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def is_placeholder(value: str) -> bool:
    """True for a value copied from an example: ``changeme``, ``your-…``, ``<…>``, an
    ``example.com`` or ``example.questetra.net`` URL, ``xoxb-your-…``."""
    text = value.strip()
    if _PLACEHOLDER.match(text):
        return True
    if re.match(r"^https?://", text, re.IGNORECASE):
        return bool(_PLACEHOLDER_HOST.match(urlsplit(text).hostname or ""))
    return any(_PLACEHOLDER.match(part.strip()) for part in text.split(",") if "," in text)


def _not_placeholder(value: SecretStr | None) -> SecretStr | None:
    if value is not None and is_placeholder(value.get_secret_value()):
        raise ValueError("is a placeholder, not a real value")
    if value is not None and not value.get_secret_value().strip():
        raise ValueError("is required")
    return value


def _empty_to_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def _prefixed(prefix: str, what: str) -> Any:
    def check(value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(prefix):
            raise ValueError(f"must start with {prefix} ({what})")
        return value

    return AfterValidator(check)


Secret = Annotated[SecretStr, AfterValidator(_not_placeholder)]
OptionalSecret = Annotated[
    SecretStr | None, BeforeValidator(_empty_to_none), AfterValidator(_not_placeholder)
]
OptionalStr = Annotated[str | None, BeforeValidator(_empty_to_none)]
CsvList = Annotated[list[str], BeforeValidator(_split_csv)]


def to_async_database_url(url: str) -> URL:
    """Pick the async driver for a plain ``sqlite://`` or ``postgresql://`` URL.

    Raises ValueError, in words fit for an operator, for a file path or another database.
    """
    if "://" not in url:
        raise ValueError(
            f"is a file path, not a URL: write DATABASE_URL=sqlite:///{url} "
            "(three slashes, then the path; an absolute path gives four)"
        )
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise ValueError(
            "is not a database URL: use sqlite:///path/to/file.db or postgresql://user@host/db"
        ) from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite")
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+asyncpg")
    raise ValueError(f"names the database {backend!r}: only sqlite and postgresql are supported")


ANY_TEAM = "any"
_TEAM_ID = re.compile(r"^[TE][A-Z0-9]{2,20}$")


def _check_team_ids(ids: list[str]) -> list[str]:
    if any(i.lower() == ANY_TEAM for i in ids):
        if len(ids) > 1:
            raise ValueError("mixes `any` with ids: write either `any` or the ids")
        return [ANY_TEAM]
    wrong = [i for i in ids if not _TEAM_ID.match(i)]
    if wrong:
        raise ValueError(
            f"holds {', '.join(repr(w[:24]) for w in wrong[:3])}: not a Slack team id (T…) or "
            "Enterprise org id (E…)"
        )
    return ids


class Settings(BaseModel):
    """Every setting of design.md §2; field aliases are the environment variable names."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    slack_signing_secret: Secret = Field(alias="SLACK_SIGNING_SECRET")
    slack_bot_token: Annotated[OptionalSecret, _prefixed("xoxb-", "the Bot User OAuth Token")] = (
        Field(default=None, alias="SLACK_BOT_TOKEN")
    )
    slack_client_id: OptionalStr = Field(default=None, alias="SLACK_CLIENT_ID")
    slack_client_secret: OptionalSecret = Field(default=None, alias="SLACK_CLIENT_SECRET")
    slack_app_token: Annotated[OptionalSecret, _prefixed("xapp-", "an App-Level Token")] = Field(
        default=None, alias="SLACK_APP_TOKEN"
    )
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
    # Who may install and use the bridge (design.md §3 Security): team ids, Enterprise org ids,
    # or ["any"]. Empty: single-workspace mode trusts its own token's team only.
    slack_allowed_team_ids: Annotated[CsvList, AfterValidator(_check_team_ids)] = Field(
        default_factory=list, alias="SLACK_ALLOWED_TEAM_IDS"
    )
    # /metrics: a bearer token, and/or its own listener (then not served on PORT at all).
    metrics_token: OptionalSecret = Field(default=None, alias="METRICS_TOKEN", repr=False)
    metrics_host: str = Field(default="127.0.0.1", alias="METRICS_HOST")
    metrics_port: int | None = Field(default=None, alias="METRICS_PORT", ge=1, le=65535)
    # SQL statements with their parameters in the log: never unless asked (values are secrets).
    log_sql: bool = Field(default=False, alias="LOG_SQL")
    start_events_file: Annotated[Path | None, BeforeValidator(_empty_to_none)] = Field(
        default=None, alias="START_EVENTS_FILE"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", alias="LOG_LEVEL"
    )
    log_format: Literal["console", "json"] = Field(default="console", alias="LOG_FORMAT")
    # The outbound proxy: the standard HTTPS_PROXY / HTTP_PROXY / NO_PROXY variables (any case),
    # not a setting of ours; load_settings reads them (bot/proxy.py). Its repr hides credentials.
    proxies: Proxies = Field(default_factory=Proxies)

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
        if is_placeholder(value):
            raise ValueError("is a placeholder, not a real value")
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

    @model_validator(mode="before")
    @classmethod
    def _local_url_on_port(cls, data: Any) -> Any:
        """Without BOT_PUBLIC_URL the bot is reached on this machine, on the port it listens
        on: the start-up line and the pages then name ``http://localhost:<PORT>``."""
        if not isinstance(data, Mapping) or any(
            data.get(key) is not None for key in ("BOT_PUBLIC_URL", "bot_public_url")
        ):
            return data
        port = data.get("PORT", data.get("port"))
        if port is None or not str(port).strip().isascii() or not str(port).strip().isdigit():
            return data  # the default's port; a bad PORT is said by its own validator
        return {**data, "BOT_PUBLIC_URL": f"http://localhost:{int(str(port).strip())}"}

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        to_async_database_url(value)
        return value

    @model_validator(mode="after")
    def _coherent(self) -> Settings:
        problems = coherence_problems(self.model_dump(by_alias=True, exclude_none=True))
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

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    @property
    def any_team_allowed(self) -> bool:
        """SLACK_ALLOWED_TEAM_IDS=any: every workspace that installs the app is trusted."""
        return self.slack_allowed_team_ids == [ANY_TEAM]

    @property
    def metrics_separate(self) -> bool:
        """/metrics is served on its own listener (METRICS_PORT), not on PORT."""
        return self.metrics_port is not None


def _check_fernet_key(key: str) -> str:
    try:
        Fernet(key.encode())
    except (ValueError, TypeError) as exc:
        raise ValueError(
            "holds a value that is not a key from `python -m bot keygen` (44 characters of base64)"
        ) from exc
    return key


def coherence_problems(values: Mapping[str, Any]) -> list[str]:
    """Problems *between* variables, judged on which ones are set (whatever their values), so
    they come in the same list as each variable's own problems."""

    def given(name: str) -> bool:
        value = values.get(name)
        return value is not None and (not isinstance(value, str) or bool(value.strip()))

    problems = []
    token, cid, csecret = (
        given(n) for n in ("SLACK_BOT_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")
    )
    if token and (cid or csecret):
        problems.append(
            "SLACK_BOT_TOKEN and SLACK_CLIENT_ID/SLACK_CLIENT_SECRET are both set: keep "
            "SLACK_BOT_TOKEN for one workspace, or SLACK_CLIENT_ID + SLACK_CLIENT_SECRET for "
            '"Add to Slack" in several, and remove the other'
        )
    elif cid != csecret:
        have, missing = (
            ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")
            if cid
            else ("SLACK_CLIENT_SECRET", "SLACK_CLIENT_ID")
        )
        problems.append(
            f"{have} is set but {missing} is not: a multi-workspace install needs both "
            f"({HINTS[missing]})"
        )
    elif not token and not cid:
        problems.append(
            "SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID + SLACK_CLIENT_SECRET "
            f"(several workspaces) is required ({HINTS['SLACK_BOT_TOKEN']})"
        )
    qid, qsecret = given("QUESTETRA_CLIENT_ID"), given("QUESTETRA_CLIENT_SECRET")
    basic = values.get("QUESTETRA_BASIC_AUTH")
    basic_on = basic is True or (isinstance(basic, str) and basic.strip().lower() in _TRUE)
    if qid != qsecret:
        have, missing = (
            ("QUESTETRA_CLIENT_ID", "QUESTETRA_CLIENT_SECRET")
            if qid
            else ("QUESTETRA_CLIENT_SECRET", "QUESTETRA_CLIENT_ID")
        )
        problems.append(
            f"{have} is set but {missing} is not: OAuth linking needs both ({HINTS[missing]})"
        )
    elif not qid and not basic_on:
        problems.append(
            "QUESTETRA_CLIENT_ID + QUESTETRA_CLIENT_SECRET are required for OAuth linking "
            "(or set QUESTETRA_BASIC_AUTH=true to link with API passwords only)"
        )
    if not token and (cid or csecret) and not given("SLACK_ALLOWED_TEAM_IDS"):
        problems.append(
            "SLACK_ALLOWED_TEAM_IDS is required with SLACK_CLIENT_ID/SLACK_CLIENT_SECRET: without "
            "it any Slack workspace could install the bridge and vouch for any e-mail address "
            f"({HINTS['SLACK_ALLOWED_TEAM_IDS']})"
        )
    if (
        given("METRICS_PORT")
        and str(values.get("METRICS_PORT")).strip() == str(values.get("PORT", 3000)).strip()
    ):
        problems.append(
            "METRICS_PORT is the same as PORT: give /metrics its own port, or unset METRICS_PORT "
            "to serve it on PORT"
        )
    return problems


_ALIASES = {str(f.alias): name for name, f in Settings.model_fields.items() if f.alias}
_ORDER = {alias: index for index, alias in enumerate(_ALIASES)}


def foreign_variables(environ: Mapping[str, str]) -> list[str]:
    """Variables that look like ours (SLACK_, QUESTETRA_, BOT_) but are no setting of this bridge:
    a typo, or a variable Bolt's examples read (SLACK_SCOPES, SLACK_REDIRECT_URI…) that the bridge
    never passes on. Callers warn about them; they change nothing."""
    return sorted(
        name
        for name in environ
        if name.startswith(("SLACK_", "QUESTETRA_", "BOT_")) and name not in _ALIASES
    )


def read_env_file(env_file: str | Path | None) -> dict[str, str]:
    """The variables of a ``.env`` file (every name, ours or not); empty when there is none."""
    if env_file is None or not Path(env_file).is_file():
        return {}
    from dotenv import dotenv_values

    return {k: v for k, v in dotenv_values(env_file).items() if v is not None}


def load_settings(environ: Mapping[str, str], *, env_file: str | Path | None = None) -> Settings:
    """Build settings from ``environ`` (and an optional ``.env`` file, which the environment overrides).

    A blank value counts as unset. Raises :class:`SettingsError` listing every problem: missing,
    placeholder or invalid values and settings that contradict each other.
    """
    values: dict[str, str] = read_env_file(env_file)
    # The standard proxy variables (bot/proxy.py), the environment's over .env's.
    proxies = Proxies(
        {**Proxies.from_environ(values).variables, **Proxies.from_environ(environ).variables}
    )
    values.update({k: v for k, v in environ.items() if k in _ALIASES})
    values = {k: v.strip() for k, v in values.items() if k in _ALIASES and v.strip()}

    found: list[tuple[str, str]] = []  # (variable, problem)
    for name in _PLACEHOLDER_CHECKED:
        if name in values and is_placeholder(values[name]):
            found.append(
                (
                    name,
                    f"{name} is a placeholder, not a real value: put the real one ({HINTS[name]})",
                )
            )
            del values[name]
    for problem in coherence_problems({**values, **{n: "x" for n, _ in found}}):
        found.append((problem.split(" ", 1)[0], problem))
    reported = {name for name, _ in found}
    try:
        settings = Settings.model_validate({**values, "proxies": proxies})
    except ValidationError as exc:
        for err in exc.errors():
            loc = err.get("loc") or ()
            name = str(loc[0]) if loc else ""
            if not name or (name in reported and err.get("type") == "missing"):
                continue  # the model's own coherence check, or a placeholder already said
            found.append((name, _describe(name, err)))
    else:
        if not found:
            return settings
    found.sort(key=lambda item: _ORDER.get(item[0], len(_ORDER)))
    raise SettingsError(list(dict.fromkeys(problem for _, problem in found)))


def _describe(name: str, err: Any) -> str:
    """One line in our words (never pydantic's) for one invalid variable."""
    kind = err.get("type")
    ctx = err.get("ctx") or {}
    if kind == "missing" or kind == "too_short":
        message = "is required"
    elif kind == "value_error":
        message = str(ctx.get("error") or err.get("msg", "")).removeprefix("Value error, ")
    elif kind in ("int_parsing", "int_from_float", "int_type"):
        message = "must be a whole number"
    elif kind == "greater_than_equal":
        message = f"must be at least {ctx.get('ge')}"
    elif kind == "less_than_equal":
        message = f"must be at most {ctx.get('le')}"
    elif kind in ("bool_parsing", "bool_type"):
        message = "must be true or false"
    elif kind == "literal_error":
        message = "is not one of the allowed values"
    else:
        message = "is not a valid value"
    hint = HINTS.get(name)
    return f"{name} {message}" + (f" ({hint})" if hint else "")
