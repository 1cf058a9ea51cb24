"""Builds the Bolt AsyncApp and registers every listener, grouped by surface."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import structlog
from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.error import BoltError
from slack_bolt.oauth.async_callback_options import (
    AsyncCallbackOptions,
    AsyncFailureArgs,
    AsyncSuccessArgs,
)
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore

from bot.deps import Deps
from bot.i18n import t
from bot.pages import install_failed_page, install_page, installed_page
from bot.slack import actions, commands, errors, events, middleware, respond
from bot.slack.clients import EncryptedInstallationStore, slack_error
from bot.slack.errors import report_error
from bot.slack.features import FEATURES
from bot.slack.guard import Gate, GuardedAsyncApp
from bot.slack.teams import TeamPolicy

# The bot scopes of manifest.yml (tests/unit/test_manifest.py keeps the two equal); the README
# says what each one is for.
BOT_SCOPES = (
    "commands",  # the /questetra slash command
    "chat:write",  # chat.postMessage / update / postEphemeral: alerts, replies, channel posts
    "im:write",  # conversations.open: the DM an alert goes to
    "im:history",  # conversations.history in that DM: find an alert posted before a crash
    "users:read",  # users.info: locale, time zone, admin flags, deactivated users
    "users:read.email",  # the profile e-mail a Questetra account must match when linking
)
log = structlog.stdlib.get_logger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"


def build_slack_app(
    deps: Deps,
    store: EncryptedInstallationStore | None = None,
    *,
    gate: Gate | None = None,
    late_after: float | None = None,
) -> AsyncApp:
    """The Bolt app. With ``store`` (multi-workspace mode) Bolt's OAuth flow installs the app
    into workspaces at ``/slack/install``; otherwise the single bot token is used. ``gate``
    bounds the work listeners do after their ack (bot/slack/guard.py); None: unbounded. A gated
    request not answered within ``late_after`` seconds gets the "working on it" note."""
    settings = deps.settings
    oauth_flow = None
    if store is not None:
        install_url = f"{settings.bot_public_url}{INSTALL_PATH}"
        # Every value Bolt would otherwise read from SLACK_* variables is given here.
        oauth_settings = AsyncOAuthSettings(
            client_id=settings.slack_client_id,
            client_secret=(
                settings.slack_client_secret.get_secret_value()
                if settings.slack_client_secret
                else None
            ),
            scopes=list(BOT_SCOPES),
            user_scopes=[],
            redirect_uri=f"{settings.bot_public_url}{REDIRECT_PATH}",
            install_path=INSTALL_PATH,
            redirect_uri_path=REDIRECT_PATH,
            installation_store=store,
            installation_store_bot_only=True,
            # Table created by our migrations (bot.db.models.SlackOAuthState), not by the store.
            state_store=AsyncSQLAlchemyOAuthStateStore(expiration_seconds=600, engine=deps.engine),
            callback_options=_callbacks(install_url),
        )
        oauth_flow = BilingualOAuthFlow(
            client=deps.slack_clients.default,
            logger=logging.getLogger("bot.slack.bolt"),
            settings=oauth_settings,
        )
        oauth_flow.policy = TeamPolicy(settings)
    app = GuardedAsyncApp(
        client=deps.slack_clients.default,
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        logger=logging.getLogger("bot.slack.bolt"),
        installation_store=store,
        oauth_flow=oauth_flow,
        # Unknown requests must not crash anything; Bolt answers 404 and we log a warning.
        raise_error_for_unhandled_request=False,
    )
    app.set_reporter(lambda error, body, context: report_error(deps, error, body, context))
    if gate is not None:
        # Before any listener is registered: each one captures them.
        note = None if late_after is None else respond.late_note(late_after, _note_for(deps))
        app.set_gate(gate, note)
    respond.register(app, deps.slack_clients)
    middleware.register(app, deps)
    commands.register(app, deps)
    actions.register(app, deps)
    for feature in FEATURES:
        feature.register(app, deps)
    events.register(app, deps)
    errors.register(app, deps)
    return app


class TeamNotAllowed(BoltError):
    """An "Add to Slack" from a workspace that SLACK_ALLOWED_TEAM_IDS does not name."""


class BilingualOAuthFlow(AsyncOAuthFlow):
    """Bolt's "Add to Slack" flow with the bridge's own bilingual install page, storing only
    installations into allowed workspaces (bot/slack/teams.py)."""

    policy: TeamPolicy | None = None

    async def build_install_page_html(self, url: str, request: AsyncBoltRequest) -> str:
        return install_page(url)

    async def store_installation(
        self, request: AsyncBoltRequest, installation: Installation
    ) -> None:
        team_id, enterprise_id = installation.team_id, installation.enterprise_id
        if self.policy is not None and not self.policy.allows_install(
            team_id=team_id, enterprise_id=enterprise_id
        ):
            log.warning("slack.install_refused", team_id=team_id, enterprise_id=enterprise_id)
            # Slack already issued the workspace a bot token: give it back, so nothing of the
            # refused install keeps working (https://api.slack.com/methods/auth.revoke).
            if installation.bot_token:
                try:
                    await self.client.auth_revoke(token=installation.bot_token)
                except SlackApiError as exc:
                    log.warning("slack.install_revoke_failed", error=slack_error(exc))
            raise TeamNotAllowed("workspace not in SLACK_ALLOWED_TEAM_IDS")
        await super().store_installation(request, installation)


def _html(status: int, body: str, cookie: str) -> BoltResponse:
    # The state cookie is deleted as Bolt's own pages do: it is single use either way.
    headers: dict[str, str | Sequence[str]] = {
        "Content-Type": "text/html; charset=utf-8",
        "Set-Cookie": cookie,
    }
    return BoltResponse(status=status, headers=headers, body=body)


def _callbacks(install_url: str) -> AsyncCallbackOptions:
    """The end of "Add to Slack", success or failure, as bilingual pages."""

    async def success(args: AsyncSuccessArgs) -> BoltResponse:
        installation = args.installation
        team_id = installation.team_id or installation.enterprise_id or ""
        page = installed_page(
            team=installation.team_name or team_id,
            app_url=f"slack://app?team={team_id}&id={installation.app_id or ''}",
            browser_url=f"https://app.slack.com/client/{team_id}",
        )
        return _html(200, page, args.settings.state_utils.build_set_cookie_for_deletion())

    async def failure(args: AsyncFailureArgs) -> BoltResponse:
        reason = "team_not_allowed" if isinstance(args.error, TeamNotAllowed) else args.reason
        page = install_failed_page(reason, install_url=install_url)
        cookie = args.settings.state_utils.build_set_cookie_for_deletion()
        return _html(args.suggested_status_code, page, cookie)

    return AsyncCallbackOptions(success=success, failure=failure)


def _note_for(deps: Deps) -> Any:
    async def message(context: AsyncBoltContext) -> dict[str, Any]:
        locale = None
        if context.client is not None and context.user_id:
            profile = await deps.profiles.get(context.client, context.team_id, context.user_id)
            locale = profile.locale
        deps.metrics.slack_late_notes.inc()
        return {
            "text": t(locale, "working.note"),
            "response_type": "ephemeral",
            "replace_original": False,  # a button's message stays until the answer replaces it
        }

    return message
