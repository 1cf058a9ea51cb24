"""Builds the Bolt AsyncApp and registers every listener, grouped by surface."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore

from bot.deps import Deps
from bot.i18n import t
from bot.slack import actions, commands, errors, events, middleware, respond
from bot.slack.clients import EncryptedInstallationStore
from bot.slack.errors import report_error
from bot.slack.features import FEATURES
from bot.slack.guard import Gate, GuardedAsyncApp

# The bot scopes of manifest.yml (tests/unit/test_manifest.py keeps the two equal).
BOT_SCOPES = (
    "commands",
    "chat:write",
    "im:write",
    "im:history",
    "users:read",
    "users:read.email",
    "channels:read",
    "groups:read",
)
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
    oauth_settings = None
    if store is not None:
        oauth_settings = AsyncOAuthSettings(
            client_id=settings.slack_client_id,
            client_secret=(
                settings.slack_client_secret.get_secret_value()
                if settings.slack_client_secret
                else None
            ),
            scopes=list(BOT_SCOPES),
            redirect_uri=f"{settings.bot_public_url}{REDIRECT_PATH}",
            install_path=INSTALL_PATH,
            redirect_uri_path=REDIRECT_PATH,
            installation_store=store,
            installation_store_bot_only=True,
            # Table created by our migrations (bot.db.models.SlackOAuthState), not by the store.
            state_store=AsyncSQLAlchemyOAuthStateStore(expiration_seconds=600, engine=deps.engine),
        )
    app = GuardedAsyncApp(
        client=deps.slack_clients.default,
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        logger=logging.getLogger("bot.slack.bolt"),
        installation_store=store,
        oauth_settings=oauth_settings,
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
