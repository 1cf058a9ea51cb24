"""``python -m bot probe``: find the credential, then run :func:`bot.questetra.probe.run_probe`.

The credential is one linked user's (from the database, refreshed when due), or an e-mail and
API password the operator types in (the CLI asks; they are never command-line arguments, so they
stay out of shell history and process lists). Nothing here writes to Slack.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx2
from sqlalchemy import select

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.crypto import KeyRing
from bot.db.engine import create_engine, create_session_factory
from bot.db.models import UserLink
from bot.errors import BridgeError, CredentialError, NeedsRelink, UserFacingError
from bot.i18n import t
from bot.questetra.api import basic_auth
from bot.questetra.client import build_http_client
from bot.questetra.oauth import QuestetraOAuth
from bot.questetra.probe import run_probe
from bot.questetra.probe_report import Report
from bot.questetra.urls import DEFAULT_TASK_URL
from bot.services.credentials import CredentialService


class ProbeSetupError(BridgeError):
    """The probe cannot start: no link to use, or the link's credential does not open."""


@dataclass(frozen=True)
class LinkChoice:
    team_id: str | None = None
    slack_user_id: str | None = None


class _Quiet:
    """LinkEvents that tell nobody: the probe is an operator's tool, not a Slack surface."""

    async def relink_needed(self, team_id: str, slack_user_id: str) -> None:
        return None

    async def refresh_expiring(self, team_id: str, slack_user_id: str) -> None:
        return None

    async def client_refused(self) -> None:
        return None

    async def client_recovered(self) -> None:
        return None


def oauth_of(
    settings: Settings, transport: httpx2.AsyncBaseTransport | None = None
) -> QuestetraOAuth | None:
    if not settings.oauth_enabled:
        return None
    secret = settings.questetra_client_secret
    return QuestetraOAuth(
        base_url=settings.questetra_base_url,
        client_id=settings.questetra_client_id or "",
        client_secret=secret.get_secret_value() if secret else "",
        redirect_uri=settings.oauth_redirect_uri,
        scope=settings.questetra_scope,
        transport=transport,
        proxies=settings.proxies,
    )


async def probe_with_password(
    settings: Settings,
    *,
    email: str,
    api_password: str,
    checks: bool,
    transport: httpx2.AsyncBaseTransport | None = None,
) -> Report:
    return await _probe(settings, basic_auth(email, api_password), checks, transport)


async def probe_with_link(
    settings: Settings,
    choice: LinkChoice,
    *,
    checks: bool,
    clock: Clock | None = None,
    transport: httpx2.AsyncBaseTransport | None = None,
) -> Report:
    """As one linked user: ``choice`` names them, else the active link used most recently."""
    engine = create_engine(settings.async_database_url)
    try:
        sessions = create_session_factory(engine)
        async with sessions() as session:
            query = select(UserLink.team_id, UserLink.slack_user_id).where(
                UserLink.status == "active"
            )
            if choice.team_id:
                query = query.where(UserLink.team_id == choice.team_id)
            if choice.slack_user_id:
                query = query.where(UserLink.slack_user_id == choice.slack_user_id)
            query = query.order_by(
                UserLink.last_used_at.desc().nulls_last(), UserLink.linked_at.desc()
            )
            row = (await session.execute(query.limit(1))).first()
        if row is None:
            raise ProbeSetupError(
                "no active linked user"
                + (f" {choice.slack_user_id}" if choice.slack_user_id else "")
                + ": link one in Slack first, or use --basic"
            )
        credentials = CredentialService(
            sessions=sessions,
            keyring=KeyRing(settings.bot_encryption_keys),
            clock=clock or SystemClock(),
            oauth=oauth_of(settings, transport),
            events=_Quiet(),
        )
        try:
            auth = await credentials.auth_for(team_id=row.team_id, slack_user_id=row.slack_user_id)
        except NeedsRelink:
            raise ProbeSetupError(
                f"the link of {row.slack_user_id} no longer works: they must re-link in Slack "
                "(or use --basic)"
            ) from None
        except UserFacingError as exc:
            # In words (the English catalog text), never the bare i18n key.
            raise ProbeSetupError(
                f"could not use the link of {row.slack_user_id}: {t('en', exc.key, **exc.params)}"
            ) from None
        except CredentialError:
            raise ProbeSetupError(
                f"the stored credential of {row.slack_user_id} does not open with "
                "BOT_ENCRYPTION_KEYS: add back the key that sealed it (after the new one), "
                "or use --basic"
            ) from None
    finally:
        await engine.dispose()
    return await _probe(settings, auth, checks, transport)


async def _probe(
    settings: Settings,
    auth: httpx2.Auth,
    checks: bool,
    transport: httpx2.AsyncBaseTransport | None,
) -> Report:
    async with build_http_client(
        settings.questetra_base_url, transport=transport, proxies=settings.proxies
    ) as http:
        return await run_probe(
            http,
            auth,
            checks=checks,
            oauth=oauth_of(settings, transport),
            task_url_is_default=settings.questetra_links.task_template == DEFAULT_TASK_URL,
        )
