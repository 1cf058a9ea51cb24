"""Slack Web API clients per workspace, and the installation store behind multi-workspace mode.

Single workspace (``SLACK_BOT_TOKEN``): one client for everything. Multi-workspace
(``SLACK_CLIENT_ID`` + ``SLACK_CLIENT_SECRET``): Bolt's OAuth flow installs the app; each
workspace's bot token is sealed into ``workspaces.bot_token_enc`` and background work (alerts,
DMs, webhook posts) asks for the client of the team it works for.

Every client posts through one aiohttp session opened by the app's lifespan
(:meth:`SlackClients.open_session`): without it slack_sdk makes a session and a TCP (and TLS)
connection per call. Before the lifespan runs, or after it ended, ``session`` is None and the
clients fall back to that per-call behaviour, so nothing depends on a server being up.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import aiohttp
import structlog
from aiohttp import ClientConnectorError
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.crypto import KeyRing
from bot.db.models import Workspace
from bot.errors import CredentialError
from bot.proxy import Proxies
from bot.slack.render import finish_message, finish_view

log = structlog.stdlib.get_logger(__name__)


# Posting twice is worse than posting late: for these methods a connection error after the
# request went out may mean Slack did post, so only "could not connect" is retried here; the
# outbox retries the rest itself, after looking for the message by its metadata.
NOT_IDEMPOTENT = ("chat.postMessage", "chat.postEphemeral", "views.open", "conversations.open")


class SafeConnectionRetryHandler(AsyncConnectionErrorRetryHandler):
    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if request.url.rstrip("/").endswith(NOT_IDEMPOTENT) and not isinstance(
            error, ClientConnectorError
        ):
            return False
        return bool(
            await super()._can_retry_async(
                state=state, request=request, response=response, error=error
            )
        )


# Web API methods that carry a message or a view: finished by the rendering boundary on the way out.
MESSAGE_METHODS = ("chat.postMessage", "chat.postEphemeral", "chat.update", "chat.scheduleMessage")
VIEW_METHODS = ("views.open", "views.push", "views.update", "views.publish")


class RenderingWebClient(AsyncWebClient):
    """An AsyncWebClient whose messages and views pass the rendering boundary
    (:func:`bot.slack.render.finish_message` / :func:`~bot.slack.render.finish_view`) before they
    leave: whatever a builder forgot is escaped and capped here, for every caller."""

    async def api_call(
        self, api_method: str, *, json: dict[str, Any] | None = None, **kwargs: Any
    ) -> Any:
        if json is not None:
            if api_method in MESSAGE_METHODS:
                json = finish_message(json)
            elif api_method in VIEW_METHODS and isinstance(json.get("view"), dict):
                json = {**json, "view": finish_view(json["view"])}
        return await super().api_call(api_method, json=json, **kwargs)


def rendering(client: AsyncWebClient) -> RenderingWebClient:
    """The same client behind the rendering boundary. Bolt makes a plain AsyncWebClient per request
    (bot.slack.respond's middleware passes it here); RenderingWebClient adds behaviour and no
    state, so the client changes class in place instead of being rebuilt (token, session, retry
    handlers and default params stay exactly Bolt's)."""
    if not isinstance(client, RenderingWebClient):
        client.__class__ = RenderingWebClient
    return cast(RenderingWebClient, client)


# slack_sdk's own per-call timeout; with a session of ours, the session's timeout applies instead.
TIMEOUT_SECONDS = 30


def build_client(
    base_url: str,
    token: str | None,
    session: aiohttp.ClientSession | None = None,
    proxies: Proxies | None = None,
) -> AsyncWebClient:
    """A Web API client whose proxy is the one ``proxies`` names for ``base_url`` (bot/proxy.py).

    slack_sdk reads ``HTTPS_PROXY``/``HTTP_PROXY`` from ``os.environ`` itself when given no proxy
    (``load_http_proxy_from_env``, which ignores ``NO_PROXY`` and logs the URL with its
    credentials at debug level), and passes its proxy to every ``session.request``, a session
    of ours included: the attribute is set after construction so ours always decides."""
    client = RenderingWebClient(
        token=token,
        base_url=base_url,
        timeout=TIMEOUT_SECONDS,
        session=session,
        retry_handlers=[
            SafeConnectionRetryHandler(max_retry_count=2),
            AsyncRateLimitErrorRetryHandler(max_retry_count=3),
        ],
    )
    client.proxy = (proxies or Proxies()).for_url(base_url)
    return client


def slack_error(exc: SlackApiError) -> str:
    """Slack's error code, or ``http_<status>`` when the answer was not Slack's JSON (a bare 5xx
    from a proxy, say)."""
    data = exc.response.data
    error = data.get("error") if isinstance(data, dict) else None
    return str(error) if error else f"http_{exc.response.status_code}"


def _owner(team_id: str) -> str:
    return f"workspace/{team_id}"


class EncryptedInstallationStore(AsyncInstallationStore):
    """Bolt's installation store on our ``workspaces`` table, bot tokens sealed at rest."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], keyring: KeyRing) -> None:
        self._sessions = sessions
        self._keyring = keyring

    @property
    def logger(self) -> Any:
        return log

    async def async_save(self, installation: Installation) -> None:
        await self.async_save_bot(installation.to_bot())

    async def async_save_bot(self, bot: Bot) -> None:
        team_id = bot.team_id or bot.enterprise_id or ""
        sealed = self._keyring.seal(
            {"bot_token": bot.bot_token, "bot_id": bot.bot_id, "app_id": bot.app_id or ""},
            owner=_owner(team_id),
        )
        async with self._sessions() as session, session.begin():
            row = await session.scalar(select(Workspace).where(Workspace.team_id == team_id))
            if row is None:
                row = Workspace(team_id=team_id)
                session.add(row)
            row.enterprise_id = bot.enterprise_id
            row.team_name = bot.team_name
            row.bot_user_id = bot.bot_user_id
            row.bot_scopes = ",".join(bot.bot_scopes or [])
            row.bot_token_enc = sealed
        log.info("slack.installed", team_id=team_id)

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        key = team_id or enterprise_id or ""
        async with self._sessions() as session:
            row = await session.scalar(select(Workspace).where(Workspace.team_id == key))
        if row is None or row.bot_token_enc is None:
            return None
        try:
            secret = self._keyring.open(row.bot_token_enc, owner=_owner(key))
        except CredentialError:
            log.warning("slack.bot_token_unreadable", team_id=key)
            return None
        return Bot(
            app_id=secret.get("app_id") or None,
            enterprise_id=row.enterprise_id,
            team_id=row.team_id,
            team_name=row.team_name,
            bot_token=str(secret["bot_token"]),
            bot_id=str(secret.get("bot_id") or ""),
            bot_user_id=row.bot_user_id or "",
            bot_scopes=(row.bot_scopes or "").split(","),
            installed_at=row.installed_at.timestamp()
            if row.installed_at
            else datetime.now(UTC).timestamp(),
        )

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        bot = await self.async_find_bot(enterprise_id=enterprise_id, team_id=team_id)
        if bot is None:
            return None
        return Installation(
            app_id=bot.app_id,
            enterprise_id=bot.enterprise_id,
            team_id=bot.team_id,
            team_name=bot.team_name,
            bot_token=bot.bot_token,
            bot_id=bot.bot_id,
            bot_user_id=bot.bot_user_id,
            bot_scopes=bot.bot_scopes,
            user_id=user_id or "",
            installed_at=bot.installed_at,
        )

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(
                delete(Workspace).where(Workspace.team_id == (team_id or enterprise_id or ""))
            )

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        if user_id is None:
            await self.async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)


class SlackClients:
    """The Web API client to use for a workspace, and the one HTTP session they all share."""

    def __init__(self, settings: Settings, store: EncryptedInstallationStore | None = None) -> None:
        token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
        self.proxies = settings.proxies
        self.default = build_client(settings.slack_api_url, token, proxies=self.proxies)
        self._base_url = settings.slack_api_url
        self._store = store
        self._cache: dict[str, AsyncWebClient] = {}
        # Also what response_url answers post through (bot/slack/respond.py).
        self.session: aiohttp.ClientSession | None = None

    async def open_session(self) -> aiohttp.ClientSession:
        """Open the shared session and hand it to every client. A coroutine because aiohttp binds
        the session to the running loop. Bolt copies the default client's session into its
        per-request clients; aiohttp's default pool (100 connections) is the bound."""
        if self.session is None or self.session.closed:
            self.session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS),
                # Every request on it (Web API, Bolt's per-request clients, response_url posts)
                # takes the proxy the settings name for its URL, whatever slack_sdk passes.
                middlewares=self.proxies.aiohttp_middlewares(),
            )
        self._share(self.session)
        return self.session

    async def close_session(self) -> None:
        session, self.session = self.session, None
        self._share(None)
        if session is not None:
            await session.close()

    def _share(self, session: aiohttp.ClientSession | None) -> None:
        for client in (self.default, *self._cache.values()):
            client.session = session

    async def for_team(self, team_id: str) -> AsyncWebClient:
        if self._store is None:
            return self.default
        if team_id not in self._cache:
            bot = await self._store.async_find_bot(enterprise_id=None, team_id=team_id)
            if bot is None:
                # Uninstalled: callers get Slack's own not_authed error and handle it as such.
                return self.default
            self._cache[team_id] = build_client(
                self._base_url, bot.bot_token, self.session, self.proxies
            )
        return self._cache[team_id]

    def forget(self, team_id: str) -> None:
        self._cache.pop(team_id, None)
