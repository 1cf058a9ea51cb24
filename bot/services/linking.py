"""Linking a Slack user to their Questetra account: OAuth consent, API password, unlink, status."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlencode

import structlog
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.crypto import KeyRing
from bot.db import repo
from bot.db.models import EmailMapping, OAuthState, UserLink
from bot.domain.emails import canonical_email
from bot.domain.linking import may_link
from bot.errors import CredentialError, FeatureDisabled
from bot.questetra.api import BearerAuth, QuestetraApi, basic_auth
from bot.questetra.errors import InvalidClient, QuestetraAuthFailed, QuestetraError
from bot.questetra.models import QUser, TokenSet
from bot.questetra.oauth import QuestetraOAuth, new_code_verifier
from bot.services.guards import RateLimiter
from bot.services.ports import SlackDirectory

log = structlog.stdlib.get_logger(__name__)

STATE_TTL = timedelta(minutes=10)
# API-password attempts (issue #16 item 4): per Slack user and per target e-mail address, so
# that neither one person nor many can try passwords against one account.
BASIC_ATTEMPTS = 5
BASIC_WINDOW = timedelta(minutes=15)


class Outcome(StrEnum):
    LINKED = "linked"
    DENIED = "denied"  # the user pressed "deny" on Questetra's consent page
    EXPIRED = "expired"
    INVALID_STATE = "invalid_state"  # unknown, replayed or missing
    EMAIL_MISMATCH = "email_mismatch"
    # Slack did not give the user's e-mail (no users:read.email scope, a guest, no address, or
    # users.info failed): nothing to compare with, so only an admin's mapping can allow the link.
    EMAIL_HIDDEN = "email_hidden"
    WRONG_PASSWORD = "wrong_password"  # noqa: S105 - an outcome name
    # The API-password form only: too many attempts for this user or this e-mail just now.
    THROTTLED = "throttled"
    CLIENT_REFUSED = "client_refused"  # the OAuth client was deactivated or deleted
    QUESTETRA_ERROR = "questetra_error"


@dataclass(frozen=True)
class LinkResult:
    outcome: Outcome
    team_id: str | None = None
    slack_user_id: str | None = None
    quser: QUser | None = None


@dataclass(frozen=True)
class LinkStatus:
    method: str
    status: str
    questetra_name: str
    questetra_email: str
    linked_at: datetime
    access_expires_at: datetime | None
    refresh_issued_at: datetime | None
    last_used_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None


def owner_of(team_id: str, slack_user_id: str) -> str:
    """The identity sealed inside a user's ciphertexts."""
    return f"{team_id}/{slack_user_id}"


def _hash_state(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


class LinkingService:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        keyring: KeyRing,
        clock: Clock,
        api: QuestetraApi,
        oauth: QuestetraOAuth | None,
        directory: SlackDirectory,
        public_url: str,
        basic_auth_default: bool,
        rates: RateLimiter | None = None,
    ) -> None:
        self._sessions = sessions
        self._keyring = keyring
        self._clock = clock
        self._api = api
        self._oauth = oauth
        self._directory = directory
        self._public_url = public_url
        self._basic_default = basic_auth_default
        self._rates = rates

    # ------------------------------------------------------------------ OAuth

    async def begin_oauth(self, *, team_id: str, slack_user_id: str) -> str:
        """A one-time URL that starts the consent for this Slack user."""
        if self._oauth is None:
            raise FeatureDisabled("error.oauth_not_configured")
        state = secrets.token_urlsafe(32)
        now = self._clock.now()
        sealed = self._keyring.seal(
            {"v": new_code_verifier()}, owner=owner_of(team_id, slack_user_id)
        )
        async with self._sessions() as session, session.begin():
            await session.execute(delete(OAuthState).where(OAuthState.expires_at <= now))
            # One live consent link per user (issue #16 item 7): a new one revokes the older,
            # so `connect` run 40 times leaves one link that works, not 40.
            await session.execute(
                delete(OAuthState).where(
                    OAuthState.team_id == team_id, OAuthState.slack_user_id == slack_user_id
                )
            )
            session.add(
                OAuthState(
                    state_hash=_hash_state(state),
                    team_id=team_id,
                    slack_user_id=slack_user_id,
                    code_verifier_enc=sealed,
                    created_at=now,
                    expires_at=now + STATE_TTL,
                )
            )
        return f"{self._public_url}/questetra/oauth/start?{urlencode({'state': state})}"

    async def authorization_url(self, state: str | None) -> str | LinkResult:
        """Where to send the browser for ``state``: Questetra's consent page, or a failed result."""
        if not state or self._oauth is None:
            return LinkResult(Outcome.INVALID_STATE)
        async with self._sessions() as session:
            row = await session.scalar(
                select(OAuthState).where(OAuthState.state_hash == _hash_state(state))
            )
        if row is None:
            return LinkResult(Outcome.INVALID_STATE)
        if row.expires_at <= self._clock.now():
            return LinkResult(Outcome.EXPIRED, row.team_id, row.slack_user_id)
        verifier = self._verifier(row.code_verifier_enc, row.team_id, row.slack_user_id)
        return self._oauth.authorization_url(state=state, code_verifier=verifier)

    async def complete_oauth(
        self, *, state: str | None, code: str | None, error: str | None
    ) -> LinkResult:
        """The callback: consume the state once, exchange the code, check the e-mail, store."""
        if not state or self._oauth is None:
            return LinkResult(Outcome.INVALID_STATE)
        consumed = await self._consume_state(state)
        if consumed is None:
            return LinkResult(Outcome.INVALID_STATE)
        team_id, user_id, sealed_verifier, expires_at = consumed
        if expires_at <= self._clock.now():
            return LinkResult(Outcome.EXPIRED, team_id, user_id)
        if error is not None or not code:
            outcome = Outcome.DENIED if error == "access_denied" else Outcome.QUESTETRA_ERROR
            log.info("link.oauth_not_granted", team_id=team_id, user_id=user_id, error=error)
            return LinkResult(outcome, team_id, user_id)
        verifier = self._verifier(sealed_verifier, team_id, user_id)
        try:
            tokens = await self._oauth.exchange_code(
                code=code, code_verifier=verifier, now=self._clock.now()
            )
            quser = await self._api.self_user(BearerAuth(tokens.access_token))
        except InvalidClient:
            log.warning("link.oauth_client_refused", team_id=team_id)
            return LinkResult(Outcome.CLIENT_REFUSED, team_id, user_id)
        except QuestetraError as exc:
            log.warning("link.oauth_failed", team_id=team_id, user_id=user_id, error=str(exc))
            return LinkResult(Outcome.QUESTETRA_ERROR, team_id, user_id)
        return await self._store(
            team_id, user_id, quser, method="oauth", secret=_oauth_secret(tokens), tokens=tokens
        )

    async def _consume_state(self, state: str) -> tuple[str, str, bytes, datetime] | None:
        # DELETE … RETURNING: of two racing callbacks exactly one gets the row.
        async with self._sessions() as session, session.begin():
            row = (
                await session.execute(
                    delete(OAuthState)
                    .where(OAuthState.state_hash == _hash_state(state))
                    .returning(
                        OAuthState.team_id,
                        OAuthState.slack_user_id,
                        OAuthState.code_verifier_enc,
                        OAuthState.expires_at,
                    )
                )
            ).one_or_none()
        if row is None:
            return None
        return row[0], row[1], row[2], row[3]

    def _verifier(self, sealed: bytes, team_id: str, user_id: str) -> str:
        return str(self._keyring.open(sealed, owner=owner_of(team_id, user_id))["v"])

    # ------------------------------------------------------------------ API password

    async def basic_auth_enabled(self, *, team_id: str) -> bool:
        async with self._sessions() as session:
            workspace = await repo.get_workspace(session, team_id=team_id)
        if workspace is not None and workspace.basic_auth_enabled is not None:
            return workspace.basic_auth_enabled
        return self._basic_default

    async def link_basic(
        self, *, team_id: str, slack_user_id: str, email: str, api_password: str
    ) -> LinkResult:
        """Link with an e-mail and an API password (issue #16 item 4: no password oracle).

        The e-mail rule comes first: only the user's own Slack e-mail (or the address an admin
        mapped for them) is ever sent to Questetra, so nobody can test passwords of someone
        else's account; and whatever the reason, a refusal reads the same (WRONG_PASSWORD).
        Attempts are limited per Slack user and per target e-mail (THROTTLED)."""
        if not await self.basic_auth_enabled(team_id=team_id):
            raise FeatureDisabled("error.basic_disabled")
        address = canonical_email(email)
        buckets = [f"basic-user:{team_id}/{slack_user_id}"]
        if address is not None:
            buckets.append(f"basic-email:{team_id}/{address}")
        if self._rates is not None and not await self._rates.hit(
            *buckets, limit=BASIC_ATTEMPTS, window=BASIC_WINDOW
        ):
            log.warning("link.basic_throttled", team_id=team_id, user_id=slack_user_id)
            return LinkResult(Outcome.THROTTLED, team_id, slack_user_id)
        slack_email, mapped = await self._vouched_emails(team_id, slack_user_id)
        if not (slack_email or "").strip() and mapped is None:
            # Slack gave no e-mail and no admin mapped one: no address may be used, whatever
            # was typed (so this says nothing about any password); the person is told why.
            log.info("link.basic_email_hidden", team_id=team_id, user_id=slack_user_id)
            return LinkResult(Outcome.EMAIL_HIDDEN, team_id, slack_user_id)
        if address is None or not may_link(address, slack_email, mapped_email=mapped):
            log.info("link.basic_not_own_email", team_id=team_id, user_id=slack_user_id)
            return LinkResult(Outcome.WRONG_PASSWORD, team_id, slack_user_id)
        try:
            quser = await self._api.self_user(basic_auth(email.strip(), api_password))
        except QuestetraAuthFailed:
            return LinkResult(Outcome.WRONG_PASSWORD, team_id, slack_user_id)
        result = await self._store(
            team_id,
            slack_user_id,
            quser,
            method="basic",
            secret={"email": email.strip(), "api_password": api_password},
            tokens=None,
        )
        if result.outcome is Outcome.EMAIL_MISMATCH:
            # Questetra's account e-mail differs from the one typed: the same answer as above.
            return LinkResult(Outcome.WRONG_PASSWORD, team_id, slack_user_id)
        return result

    async def _vouched_emails(self, team_id: str, user_id: str) -> tuple[str | None, str | None]:
        """The user's Slack e-mail (``None`` when Slack gave none) and an admin's mapping."""
        slack_email = await self._directory.email_of(team_id, user_id)
        async with self._sessions() as session:
            mapping = await session.get(EmailMapping, (team_id, user_id))
        return slack_email, mapping.questetra_email if mapping is not None else None

    # ------------------------------------------------------------------ storing and forgetting

    async def _store(
        self,
        team_id: str,
        user_id: str,
        quser: QUser,
        *,
        method: str,
        secret: dict[str, str],
        tokens: TokenSet | None,
    ) -> LinkResult:
        slack_email, mapped = await self._vouched_emails(team_id, user_id)
        now = self._clock.now()
        if not may_link(quser.email, slack_email, mapped_email=mapped):
            hidden = not (slack_email or "").strip()
            log.warning(
                "link.email_mismatch", team_id=team_id, user_id=user_id, slack_email_read=not hidden
            )
            async with self._sessions() as session, session.begin():
                await repo.add_audit(
                    session,
                    at=now,
                    team_id=team_id,
                    actor=user_id,
                    action="link",
                    target=quser.email,
                    outcome="denied",
                    detail={"reason": "email_hidden" if hidden else "email_mismatch"},
                )
            outcome = Outcome.EMAIL_HIDDEN if hidden else Outcome.EMAIL_MISMATCH
            return LinkResult(outcome, team_id, user_id, quser)
        values = {
            "method": method,
            "status": "active",
            "questetra_user_id": quser.id,
            "questetra_email": quser.email,
            "questetra_name": quser.name,
            "credential_enc": self._keyring.seal(secret, owner=owner_of(team_id, user_id)),
            "access_expires_at": tokens.expires_at if tokens else None,
            "refresh_issued_at": now if tokens and tokens.refresh_token else None,
            "linked_at": now,
            "last_error": None,
            "last_error_at": None,
            "next_poll_at": now,
            "poll_failures": 0,
        }
        for attempt in range(2):
            try:
                async with self._sessions() as session, session.begin():
                    link = await repo.get_link(session, team_id=team_id, slack_user_id=user_id)
                    if link is None:
                        session.add(UserLink(team_id=team_id, slack_user_id=user_id, **values))
                    else:
                        # Re-linking replaces the old credential.
                        for name, value in values.items():
                            setattr(link, name, value)
                    await repo.add_audit(
                        session,
                        at=now,
                        team_id=team_id,
                        actor=user_id,
                        action="link",
                        target=quser.email,
                        detail={"method": method},
                    )
                break
            except IntegrityError:
                if attempt:  # a concurrent link for the same user won twice: give up
                    raise
        log.info("link.stored", team_id=team_id, user_id=user_id, method=method)
        return LinkResult(Outcome.LINKED, team_id, user_id, quser)

    async def unlink(
        self, *, team_id: str, slack_user_id: str, actor: str, action: str = "unlink"
    ) -> bool:
        async with self._sessions() as session, session.begin():
            link = await repo.get_link(session, team_id=team_id, slack_user_id=slack_user_id)
            if link is None:
                return False
            email = link.questetra_email
            await session.delete(link)
            await repo.add_audit(
                session,
                at=self._clock.now(),
                team_id=team_id,
                actor=actor,
                action=action,
                target=email,
                detail={"slack_user_id": slack_user_id},
            )
        return True

    async def status(self, *, team_id: str, slack_user_id: str) -> LinkStatus | None:
        async with self._sessions() as session:
            link = await repo.get_link(session, team_id=team_id, slack_user_id=slack_user_id)
        if link is None:
            return None
        return LinkStatus(
            method=link.method,
            status=link.status,
            questetra_name=link.questetra_name,
            questetra_email=link.questetra_email,
            linked_at=link.linked_at,
            access_expires_at=link.access_expires_at,
            refresh_issued_at=link.refresh_issued_at,
            last_used_at=link.last_used_at,
            last_error=link.last_error,
            last_error_at=link.last_error_at,
        )


def _oauth_secret(tokens: TokenSet) -> dict[str, str]:
    secret = {"access_token": tokens.access_token}
    if tokens.refresh_token:
        secret["refresh_token"] = tokens.refresh_token
    return secret


__all__ = ["CredentialError", "LinkResult", "LinkStatus", "LinkingService", "Outcome"]
