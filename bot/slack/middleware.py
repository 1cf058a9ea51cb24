"""Global Bolt middleware."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse

from bot.db import repo
from bot.deps import Deps

log = structlog.stdlib.get_logger(__name__)


def register(app: AsyncApp, deps: Deps) -> None:
    @app.middleware
    async def dedupe_events(
        body: dict[str, Any],
        next: Callable[[], Awaitable[None]],  # noqa: A002 - Bolt's name
    ) -> BoltResponse | None:
        # Slack re-delivers an event when our ack was slow or lost; act on each event_id once.
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id:
            async with deps.sessions() as session, session.begin():
                fresh = await repo.claim_event(
                    session,
                    event_id=str(event_id),
                    team_id=body.get("team_id"),
                    now=deps.clock.now(),
                )
            if not fresh:
                log.info("slack.duplicate_event", event_id=event_id)
                return BoltResponse(status=200, body="")
        await next()
        return None
