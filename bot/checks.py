"""``python -m bot check``: reach every dependency once and say plainly what is wrong.

Each check gives one :class:`CheckResult`; a failure's detail names the host (or file) and the
cause in words, then what to do. ``serve`` runs the cheap ones at start and logs a warning per
failure (``startup_warnings``). Every message is listed in docs/operations.md (a test keeps them
in step).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Mapping
from typing import NamedTuple

import httpx2
from pydantic import SecretStr
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.crypto import KeyRing
from bot.db.engine import create_engine
from bot.db.migrate import current_heads, known_revisions
from bot.diagnose import (
    cause,
    database_target,
    sqlite_file_missing,
    sqlite_file_problem,
    url_target,
)
from bot.errors import ConfigurationError
from bot.questetra.client import build_http_client, probe
from bot.questetra.oauth import QuestetraOAuth, probe_client
from bot.services.keys import SEALED
from bot.services.start import load_events_file
from bot.slack.app import BOT_SCOPES
from bot.slack.clients import slack_error

# How long one check may take before it counts as "no answer".
TIMEOUT = 10.0
# Newest sealed values tried per table: enough to catch a missing key, cheap on any database.
SAMPLE = 3


class CheckResult(NamedTuple):
    name: str
    ok: bool
    detail: str


async def check_database(settings: Settings, engine: AsyncEngine | None = None) -> CheckResult:
    where = database_target(settings.async_database_url)
    if engine is None and (problem := sqlite_file_problem(settings.async_database_url)):
        return CheckResult(
            "database", False, f"cannot connect to {where} ({problem}): check DATABASE_URL"
        )
    if engine is None and sqlite_file_missing(settings.async_database_url):
        return CheckResult(
            "database", True, f"{where}: no file yet; `serve` creates it and migrates it at start"
        )
    own = engine is None
    engine = engine or create_engine(settings.async_database_url)
    try:
        async with asyncio.timeout(TIMEOUT):
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            applied, heads = await current_heads(engine)
    except Exception as exc:  # noqa: BLE001 - report any failure in plain words
        return CheckResult(
            "database", False, f"cannot connect to {where} ({cause(exc)}): check DATABASE_URL"
        )
    finally:
        if own:
            await engine.dispose()
    if applied == heads:
        return CheckResult("database", True, f"{where}: reachable, migrations at head")
    if applied - known_revisions():
        unknown = ", ".join(sorted(applied - known_revisions()))
        return CheckResult(
            "database",
            False,
            f"{where} is at revision {unknown}, which this version of the bridge does not know: "
            "it was migrated by a newer version; run that version (or restore a backup)",
        )
    state = "empty" if not applied else "behind this version"
    return CheckResult(
        "database",
        True,
        f"{where}: reachable, {state}; `serve` migrates it at start (with several replicas, "
        "run `python -m bot migrate` once and start them with --no-migrate)",
    )


async def check_stored_secrets(
    settings: Settings, engine: AsyncEngine | None = None
) -> CheckResult:
    """Do BOT_ENCRYPTION_KEYS open what is stored? The newest few sealed values of each kind."""
    keyring = KeyRing(settings.bot_encryption_keys)
    if engine is None and sqlite_file_missing(settings.async_database_url):
        return CheckResult("stored secrets", True, "none stored yet (no database file yet)")
    own = engine is None
    engine = engine or create_engine(settings.async_database_url)
    tried = unreadable = 0
    try:
        applied, _ = await current_heads(engine)
        if not applied:
            return CheckResult("stored secrets", True, "none stored yet (empty database)")
        async with asyncio.timeout(TIMEOUT), engine.connect() as connection:
            for _model, pk, column in SEALED:
                rows = await connection.execute(
                    select(column).where(column.is_not(None)).order_by(pk.desc()).limit(SAMPLE)
                )
                for (sealed,) in rows:
                    tried += 1
                    unreadable += not keyring.readable(sealed)
    except Exception as exc:  # noqa: BLE001 - tables missing (not migrated yet) or no database
        return CheckResult(
            "stored secrets", True, f"not checked: the database cannot be read yet ({cause(exc)})"
        )
    finally:
        if own:
            await engine.dispose()
    if tried == 0:
        return CheckResult("stored secrets", True, "none stored yet")
    if unreadable:
        return CheckResult(
            "stored secrets",
            False,
            f"{unreadable} of the {tried} newest stored secrets do not open with "
            "BOT_ENCRYPTION_KEYS: the key that sealed them is missing; add it back to the list "
            "(after the new one) and run `python -m bot rotate-keys`",
        )
    return CheckResult("stored secrets", True, f"the {tried} newest open with BOT_ENCRYPTION_KEYS")


def _client(settings: Settings, token: str | None) -> AsyncWebClient:
    client = AsyncWebClient(token=token, base_url=settings.slack_api_url, timeout=int(TIMEOUT))
    client.proxy = settings.proxies.for_url(settings.slack_api_url)  # ours, not os.environ's
    return client


def _via(settings: Settings, url: str) -> str:
    """`` through the proxy http://host:port`` when one carries calls to ``url`` (bot/proxy.py),
    its credentials left out; empty when they go direct."""
    proxy = settings.proxies.shown(url)
    return f" through the proxy {proxy}" if proxy else ""


def _unreachable(settings: Settings, exc: BaseException) -> str:
    via = _via(settings, settings.slack_api_url)
    check = "the proxy (HTTPS_PROXY, NO_PROXY)" if via else "the network"
    return (
        f"cannot reach Slack at {url_target(settings.slack_api_url)}{via} ({cause(exc)}): "
        f"check {check} (and SLACK_API_URL)"
    )


async def check_slack(settings: Settings) -> CheckResult:
    """The bot token (single workspace) and its scopes against the manifest's; the proxy the
    calls went through, if any, named."""
    return _naming_proxy(settings, await _check_slack(settings))


def _naming_proxy(settings: Settings, result: CheckResult) -> CheckResult:
    via = _via(settings, settings.slack_api_url)
    if not via or via in result.detail:
        return result
    return CheckResult(result.name, result.ok, f"{result.detail} (called{via})")


async def _check_slack(settings: Settings) -> CheckResult:
    if settings.slack_bot_token is None:
        return await _check_slack_client(settings)
    client = _client(settings, settings.slack_bot_token.get_secret_value())
    try:
        response = await client.auth_test()
    except SlackApiError as exc:
        return CheckResult(
            "slack",
            False,
            f"Slack refused SLACK_BOT_TOKEN ({slack_error(exc)}): copy the Bot User OAuth Token "
            "again (OAuth & Permissions), or reinstall the app",
        )
    except Exception as exc:  # noqa: BLE001 - network errors of any kind
        return CheckResult("slack", False, _unreachable(settings, exc))
    who = f"workspace {response.get('team')} ({response.get('team_id')})"
    allowed = [t for t in settings.slack_allowed_team_ids if t != "any"]
    own = {response.get("team_id"), response.get("enterprise_id")}
    if allowed and not own & set(allowed):
        return CheckResult(
            "slack",
            False,
            f"SLACK_BOT_TOKEN belongs to {who}, which SLACK_ALLOWED_TEAM_IDS does not name: every "
            "request would be refused; add its team id or unset SLACK_ALLOWED_TEAM_IDS",
        )
    header = response.headers.get("x-oauth-scopes") or response.headers.get("X-OAuth-Scopes")
    if header is None:
        return CheckResult(
            "slack", True, f"bot token works for {who}; its scopes were not reported"
        )
    granted = {s.strip() for s in str(header).split(",") if s.strip()}
    missing = [s for s in BOT_SCOPES if s not in granted]
    if missing:
        return CheckResult(
            "slack",
            False,
            f"the bot token for {who} lacks the scopes {', '.join(missing)}: update the app from "
            "manifest.yml, then OAuth & Permissions > Reinstall to Workspace",
        )
    extra = sorted(granted - set(BOT_SCOPES))
    more = f" (it also has {', '.join(extra)}, which the bridge does not use)" if extra else ""
    return CheckResult("slack", True, f"bot token works for {who}, with every scope needed{more}")


async def _check_slack_client(settings: Settings) -> CheckResult:
    """Multi-workspace: exchange a made-up code with the app's credentials. Slack checks the
    client first: ``invalid_code`` means the id and secret are right."""
    client = _client(settings, None)
    try:
        await client.oauth_v2_access(
            client_id=settings.slack_client_id or "",
            client_secret=(
                settings.slack_client_secret.get_secret_value()
                if settings.slack_client_secret
                else ""
            ),
            code="bridge-check",
        )
    except SlackApiError as exc:
        error = slack_error(exc)
        if error in ("invalid_code", "invalid_grant_type", "bad_redirect_uri"):
            return CheckResult(
                "slack",
                True,
                "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET accepted; workspaces install at "
                f"{settings.bot_public_url}/slack/install",
            )
        return CheckResult(
            "slack",
            False,
            f"Slack refused SLACK_CLIENT_ID/SLACK_CLIENT_SECRET ({error}): copy both again "
            "(Basic Information > App Credentials)",
        )
    except Exception as exc:  # noqa: BLE001
        return CheckResult("slack", False, _unreachable(settings, exc))
    return CheckResult(
        "slack", False, "Slack accepted a made-up install code: is SLACK_API_URL Slack?"
    )


async def check_socket_mode(settings: Settings) -> CheckResult | None:
    if settings.slack_app_token is None:
        return None
    return _naming_proxy(settings, await _check_socket_mode(settings, settings.slack_app_token))


async def _check_socket_mode(settings: Settings, app_token: SecretStr) -> CheckResult:
    client = _client(settings, app_token.get_secret_value())
    try:
        await client.apps_connections_open(app_token=app_token.get_secret_value())
    except SlackApiError as exc:
        return CheckResult(
            "socket mode",
            False,
            f"Slack refused SLACK_APP_TOKEN ({slack_error(exc)}): create an App-Level Token with "
            "connections:write (Basic Information) and enable Socket Mode",
        )
    except Exception as exc:  # noqa: BLE001
        return CheckResult("socket mode", False, _unreachable(settings, exc))
    return CheckResult("socket mode", True, "SLACK_APP_TOKEN opens a Socket Mode connection")


async def check_questetra(
    settings: Settings, transport: httpx2.AsyncBaseTransport | None = None
) -> CheckResult:
    """Quser/self without a credential (C3): reachable, and Questetra's API answers.

    Deliberately unauthenticated: the bridge holds no credential of its own (no admin password
    among the settings), and a linked person's would make a deploy-time check act as them, spend
    a refresh token when the access token has expired (a write, B5) and fail on one person's
    revoked link. ``python -m bot probe`` is the authenticated, read-only check, run on purpose.
    """
    async with build_http_client(
        settings.questetra_base_url, transport=transport, proxies=settings.proxies
    ) as http:
        result = await probe(http)
    via = _via(settings, settings.questetra_base_url)
    detail = f"{settings.questetra_base_url}{via}: {result.detail}"
    if result.ok:
        detail += "; checked without a credential (`python -m bot probe` checks as a linked user)"
    return CheckResult("questetra", result.ok, detail)


async def check_oauth_client(
    settings: Settings, transport: httpx2.AsyncBaseTransport | None = None
) -> CheckResult | None:
    """The Questetra OAuth client, asked about at the token endpoint (nothing is spent)."""
    if not settings.oauth_enabled:
        return None
    oauth = QuestetraOAuth(
        base_url=settings.questetra_base_url,
        client_id=settings.questetra_client_id or "",
        client_secret=(
            settings.questetra_client_secret.get_secret_value()
            if settings.questetra_client_secret
            else ""
        ),
        redirect_uri=settings.oauth_redirect_uri,
        scope=settings.questetra_scope,
        transport=transport,
        timeout=TIMEOUT,
        proxies=settings.proxies,
    )
    where = url_target(settings.questetra_base_url)
    try:
        result = await probe_client(oauth)
    except httpx2.HTTPError as exc:
        return CheckResult(
            "questetra oauth",
            False,
            f"cannot reach the token endpoint at {where}"
            f"{_via(settings, settings.questetra_base_url)} ({cause(exc)}): "
            "check QUESTETRA_BASE_URL",
        )
    if result.accepted:
        return CheckResult(
            "questetra oauth",
            True,
            f"client {settings.questetra_client_id} accepted; its redirect URI must be "
            f"{settings.oauth_redirect_uri}",
        )
    if result.accepted is False:
        return CheckResult(
            "questetra oauth",
            False,
            f"Questetra at {where} refused the OAuth client ({result.answer}): check "
            "QUESTETRA_CLIENT_ID and QUESTETRA_CLIENT_SECRET (System Settings > API Clients; "
            "is the client active?)",
        )
    return CheckResult(
        "questetra oauth",
        False,
        f"the token endpoint at {where} answered {result.answer}, not an OAuth error: check "
        "QUESTETRA_BASE_URL (a proxy or sign-in page in between?)",
    )


_LOOPBACK = ("127.0.0.1", "::1", "localhost")


def check_exposure(settings: Settings) -> CheckResult:
    """Who can read /metrics and who may install the bridge (issue #16)."""
    if settings.any_team_allowed:
        return CheckResult(
            "exposure",
            False,
            "SLACK_ALLOWED_TEAM_IDS=any: every Slack workspace that installs the app can link "
            "any Questetra account its admins give a matching e-mail; name the allowed team ids",
        )
    if (
        not settings.metrics_separate
        and settings.metrics_token is None
        and settings.host not in _LOOPBACK
    ):
        return CheckResult(
            "exposure",
            False,
            f"/metrics is served to anyone who reaches {settings.host}:{settings.port}: set "
            "METRICS_TOKEN (Prometheus sends it as a bearer token), or METRICS_PORT for a "
            "separate listener only Prometheus reaches",
        )
    where = (
        f"its own listener {settings.metrics_host}:{settings.metrics_port}"
        if settings.metrics_separate
        else f"{settings.host}:{settings.port}"
    )
    guard = "with a bearer token" if settings.metrics_token is not None else "without a token"
    return CheckResult("exposure", True, f"/metrics on {where}, {guard}")


def check_start_events(settings: Settings, environ: Mapping[str, str]) -> CheckResult:
    if settings.start_events_file is None:
        return CheckResult(
            "start events", True, "START_EVENTS_FILE not set (admins add events in Slack)"
        )
    try:
        entries = load_events_file(
            settings.start_events_file, base_url=settings.questetra_base_url, environ=environ
        )
    except ConfigurationError as exc:
        return CheckResult("start events", False, str(exc))
    return CheckResult(
        "start events", True, f"{settings.start_events_file}: {len(entries)} event(s), valid"
    )


async def _bounded(check: Awaitable[CheckResult | None], name: str) -> CheckResult | None:
    try:
        async with asyncio.timeout(TIMEOUT + 5):
            return await check
    except TimeoutError:
        return CheckResult(name, False, "no answer in time (timed out)")


async def run_checks(settings: Settings, environ: Mapping[str, str]) -> list[CheckResult]:
    """Every check, concurrently; results in a fixed order."""
    results = await asyncio.gather(
        _bounded(check_database(settings), "database"),
        _bounded(check_stored_secrets(settings), "stored secrets"),
        _bounded(check_slack(settings), "slack"),
        _bounded(check_socket_mode(settings), "socket mode"),
        _bounded(check_questetra(settings), "questetra"),
        _bounded(check_oauth_client(settings), "questetra oauth"),
    )
    return [r for r in results if r is not None] + [
        check_exposure(settings),
        check_start_events(settings, environ),
    ]


async def startup_warnings(settings: Settings, engine: AsyncEngine) -> list[CheckResult]:
    """What ``serve`` can find wrong at start without stopping: the failures among these."""
    results = await asyncio.gather(
        _bounded(check_stored_secrets(settings, engine), "stored secrets"),
        _bounded(check_slack(settings), "slack"),
        _bounded(check_socket_mode(settings), "socket mode"),
        _bounded(check_questetra(settings), "questetra"),
    )
    return [r for r in (*results, check_exposure(settings)) if r is not None and not r.ok]
