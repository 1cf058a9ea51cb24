"""A linked user's credential, ready to use: opened, refreshed when due, single-flight.

Refresh is single-flight across coroutines (a lock per link) and across processes (a row lock on
PostgreSQL, then a re-check: whoever comes second finds a fresh token and does not call Questetra).
The token POST is never retried: a refresh token sent twice could rotate away under us.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import httpx2
import structlog
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.crypto import KeyRing
from bot.db import repo
from bot.db.models import UserLink, Workspace
from bot.domain.linking import needs_refresh
from bot.errors import FeatureDisabled, NeedsRelink, NotLinked, QuestetraUnavailable
from bot.metrics import Metrics
from bot.questetra.api import BearerAuth, basic_auth
from bot.questetra.errors import InvalidClient, InvalidGrant, QuestetraAuthFailed
from bot.questetra.models import TokenSet
from bot.questetra.oauth import QuestetraOAuth
from bot.services.linking import owner_of
from bot.services.ports import LinkEvents

log = structlog.stdlib.get_logger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class StoredCredential:
    """The columns of a link that its credential needs. The poller reads them with its lease, so
    a poll costs no extra query; everyone else loads them by team and user."""

    link_id: int
    team_id: str
    slack_user_id: str
    method: str
    credential_enc: bytes = field(repr=False)  # sealed, and still kept out of logs
    access_expires_at: datetime | None

    @classmethod
    def from_row(cls, row: Any) -> StoredCredential:
        """From a row that has the :data:`CREDENTIAL_COLUMNS`."""
        return cls(
            row.id,
            row.team_id,
            row.slack_user_id,
            row.method,
            row.credential_enc,
            row.access_expires_at,
        )


# The columns of a StoredCredential, in its fields' order (the poller's claim returns them too).
CREDENTIAL_COLUMNS = (
    UserLink.id,
    UserLink.team_id,
    UserLink.slack_user_id,
    UserLink.method,
    UserLink.credential_enc,
    UserLink.access_expires_at,
)


# A link's credential, its status and its workspace's kill switch, in one query built once (every
# interactive request runs it: no statement to build and no cache key to compute per request).
_LOAD = (
    select(*CREDENTIAL_COLUMNS, UserLink.status, Workspace.paused)
    .outerjoin(Workspace, Workspace.team_id == UserLink.team_id)
    .where(UserLink.team_id == bindparam("team"), UserLink.slack_user_id == bindparam("user"))
)
_PAUSED = select(Workspace.paused).where(Workspace.team_id == bindparam("team"))


class CredentialService:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        keyring: KeyRing,
        clock: Clock,
        oauth: QuestetraOAuth | None,
        events: LinkEvents,
        metrics: Metrics | None = None,
    ) -> None:
        self._sessions = sessions
        self._engine = sessions.kw["bind"]  # what the sessions are bound to (create_app's engine)
        self._keyring = keyring
        self._clock = clock
        self._oauth = oauth
        self._events = events
        self._metrics = metrics
        self._locks: dict[int, asyncio.Lock] = {}

    async def run_as(
        self, *, team_id: str, slack_user_id: str, call: Callable[[httpx2.Auth], Awaitable[T]]
    ) -> T:
        """Run ``call`` with the user's credential. A 401 with an OAuth token gets one forced
        refresh and one retry; a second 401 (or any 401 with an API password) means re-link."""
        return await self.run_with(await self._load(team_id, slack_user_id), call)

    async def run_with(
        self, link: StoredCredential, call: Callable[[httpx2.Auth], Awaitable[T]]
    ) -> T:
        """:meth:`run_as` for a credential already read (by the poller's claim, which only claims
        active links of workspaces that are not paused)."""
        try:
            return await call(await self._auth(link, force_refresh=False))
        except QuestetraAuthFailed:
            if link.method == "oauth":
                try:
                    return await call(await self._auth(link, force_refresh=True))
                except QuestetraAuthFailed:
                    pass
            await self._mark_relink(link.link_id, "Questetra refused the credential (401)")
            raise

    async def auth_for(self, *, team_id: str, slack_user_id: str) -> httpx2.Auth:
        return await self._auth(await self._load(team_id, slack_user_id), force_refresh=False)

    async def _load(self, team_id: str, slack_user_id: str) -> StoredCredential:
        # A Core connection, not an ORM session: a read of plain columns needs no identity map.
        async with self._engine.connect() as connection:
            # One query for the link and the admins' kill switch (nothing goes to Questetra for
            # a paused workspace); a second one only when there is no link.
            row = (
                await connection.execute(_LOAD, {"team": team_id, "user": slack_user_id})
            ).first()
            paused = (
                row.paused
                if row is not None
                else await connection.scalar(_PAUSED, {"team": team_id})
            )
        if paused:
            raise FeatureDisabled("error.paused")
        if row is None:
            raise NotLinked()
        if row.status != "active":
            raise NeedsRelink()
        return StoredCredential.from_row(row)

    async def _auth(self, link: StoredCredential, *, force_refresh: bool) -> httpx2.Auth:
        owner = owner_of(link.team_id, link.slack_user_id)
        secret = self._keyring.open(link.credential_enc, owner=owner)
        if link.method == "basic":
            return basic_auth(secret["email"], secret["api_password"])
        if not force_refresh and not needs_refresh(link.access_expires_at, self._clock.now()):
            return BearerAuth(secret["access_token"])
        return await self._refresh(link.link_id, stale_access=secret["access_token"])

    async def _refresh(self, link_id: int, *, stale_access: str) -> httpx2.Auth:
        if self._oauth is None:
            raise NeedsRelink()
        lock = self._locks.setdefault(link_id, asyncio.Lock())
        async with lock:
            failure: Exception | None = None
            refreshed: httpx2.Auth | None = None
            async with self._sessions() as session, session.begin():
                # Row lock on PostgreSQL (ignored on SQLite, where one process writes at a time).
                link = await session.get(UserLink, link_id, with_for_update=True)
                if link is None:
                    raise NotLinked()
                if link.status != "active":
                    raise NeedsRelink()
                owner = owner_of(link.team_id, link.slack_user_id)
                secret = self._keyring.open(link.credential_enc, owner=owner)
                now = self._clock.now()
                if secret["access_token"] != stale_access and not needs_refresh(
                    link.access_expires_at, now
                ):
                    return BearerAuth(secret["access_token"])  # refreshed while we waited
                refresh_token = secret.get("refresh_token")
                try:
                    tokens = await self._token_refresh(refresh_token, now)
                except QuestetraUnavailable:
                    self._count("unavailable")
                    raise
                except InvalidGrant as exc:
                    link.status = "needs_relink"
                    link.last_error = "refresh token refused (invalid_grant)"
                    link.last_error_at = now
                    failure = exc
                    await self._audit_failure(session, link, "invalid_grant")
                except InvalidClient as exc:
                    link.last_error = "OAuth client refused (invalid_client)"
                    link.last_error_at = now
                    failure = exc
                    await self._audit_failure(session, link, "invalid_client")
                else:
                    secret = {
                        "access_token": tokens.access_token,
                        "refresh_token": refresh_token or "",
                    }
                    if tokens.refresh_token and tokens.refresh_token != refresh_token:
                        secret["refresh_token"] = tokens.refresh_token
                        link.refresh_issued_at = now
                    link.credential_enc = self._keyring.seal(secret, owner=owner)
                    link.access_expires_at = tokens.expires_at
                    team_id, user_id = link.team_id, link.slack_user_id
                    log.info("token.refreshed", team_id=team_id, user_id=user_id)
                    self._count("ok")
                    refreshed = BearerAuth(tokens.access_token)
                team_id, user_id = link.team_id, link.slack_user_id
            if refreshed is not None:
                await self._events.client_recovered()
                return refreshed
            # The failure is committed above; now tell whoever needs to know, once.
            self._count("invalid_client" if isinstance(failure, InvalidClient) else "invalid_grant")
            if isinstance(failure, InvalidClient):
                log.error("token.client_refused", team_id=team_id)
                await self._events.client_refused()
                raise QuestetraUnavailable()
            log.warning("token.refresh_refused", team_id=team_id, user_id=user_id)
            await self._events.relink_needed(team_id, user_id)
            raise NeedsRelink()

    def _count(self, outcome: str) -> None:
        if self._metrics is not None:
            self._metrics.token_refreshes.labels(outcome).inc()

    async def _token_refresh(self, refresh_token: str | None, now: datetime) -> TokenSet:
        if not refresh_token or self._oauth is None:
            raise InvalidGrant("no refresh token stored")
        return await self._oauth.refresh(refresh_token=refresh_token, now=now)

    async def _mark_relink(self, link_id: int, reason: str) -> None:
        async with self._sessions() as session, session.begin():
            link = await session.get(UserLink, link_id, with_for_update=True)
            if link is None or link.status != "active":
                return  # already marked (and the user already told)
            link.status = "needs_relink"
            link.last_error = reason
            link.last_error_at = self._clock.now()
            team_id, user_id = link.team_id, link.slack_user_id
            await self._audit_failure(session, link, "unauthorized")
        await self._events.relink_needed(team_id, user_id)

    async def _audit_failure(self, session: AsyncSession, link: UserLink, reason: str) -> None:
        await repo.add_audit(
            session,
            at=self._clock.now(),
            team_id=link.team_id,
            actor="questetra",
            action="auth_failure",
            target=link.slack_user_id,
            outcome="error",
            detail={"reason": reason, "method": link.method},
        )
