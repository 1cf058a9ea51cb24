"""Builds the Bolt AsyncApp and registers every listener, grouped by surface."""

from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.deps import Deps
from bot.slack import actions, commands, errors, events, middleware
from bot.slack.features import FEATURES


def build_slack_client(settings: Settings) -> AsyncWebClient:
    """The Web API client; its base URL is a setting, so tests point it at the fake Slack."""
    return AsyncWebClient(
        token=settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None,
        base_url=settings.slack_api_url,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncRateLimitErrorRetryHandler(max_retry_count=3),
        ],
    )


def build_slack_app(deps: Deps) -> AsyncApp:
    settings = deps.settings
    app = AsyncApp(
        client=deps.slack_client,
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        logger=logging.getLogger("bot.slack.bolt"),
        # Unknown requests must not crash anything; Bolt answers 404 and we log a warning.
        raise_error_for_unhandled_request=False,
    )
    middleware.register(app, deps)
    commands.register(app, deps)
    actions.register(app, deps)
    for feature in FEATURES:
        feature.register(app, deps)
    events.register(app, deps)
    errors.register(app, deps)
    return app
