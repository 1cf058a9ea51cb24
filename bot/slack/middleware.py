"""Global Bolt middleware."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.db import repo
from bot.deps import Deps
from bot.services.guards import request_digest
from bot.slack.teams import TeamPolicy, refusal_text, request_teams

log = structlog.stdlib.get_logger(__name__)


def register(app: AsyncApp, deps: Deps) -> None:
    policy = TeamPolicy(deps.settings)

    @app.middleware
    async def allowed_teams(
        body: dict[str, Any],
        context: AsyncBoltContext,
        next: Callable[[], Awaitable[None]],  # noqa: A002 - Bolt's name
    ) -> BoltResponse | None:
        # First of all: a workspace the operator did not allow gets no work done, whatever
        # its request (bot/slack/teams.py explains the trust model).
        team_id, enterprise_id, user_team = request_teams(body)
        result = context.authorize_result
        own = (result.team_id, result.enterprise_id) if result is not None else ()
        event = body.get("event") if body.get("type") == "event_callback" else None
        event_type = event.get("type") if isinstance(event, dict) else None
        if event_type in _FORGET_EVENTS or policy.allows(
            team_id=team_id, enterprise_id=enterprise_id, user_team_id=user_team, own=own
        ):
            await next()
            return None
        deps.metrics.refused.labels("team").inc()
        log.warning(
            "slack.team_refused",
            team_id=team_id,
            enterprise_id=enterprise_id,
            user_team_id=user_team,
            kind=str(body.get("type") or ("command" if "command" in body else "unknown")),
        )
        if "command" in body:
            return BoltResponse(status=200, body=refusal_text())
        return BoltResponse(status=200, body="")

    @app.middleware
    async def refuse_replays(
        body: dict[str, Any],
        req: AsyncBoltRequest,
        next: Callable[[], Awaitable[None]],  # noqa: A002 - Bolt's name
    ) -> BoltResponse | None:
        # A signed request is valid for 5 minutes: whoever saw one could send it again. Slack
        # never sends a command or an interaction twice, so a second copy is refused, whatever
        # it would do (revoke, pause, map, accept, start, save…). Events keep their own
        # handling (Slack's retries, deduplicated by event_id below); Socket Mode carries no
        # signature (the WebSocket is ours).
        timestamp = _header(req, "x-slack-request-timestamp")
        if timestamp and body.get("type") not in _NOT_GUARDED and req.mode == "http":
            digest = request_digest(timestamp, req.raw_body.encode())
            if not await deps.replays.first_time(digest):
                deps.metrics.refused.labels("replay").inc()
                log.warning(
                    "slack.replay_refused",
                    kind=str(body.get("type") or ("command" if "command" in body else "unknown")),
                    team_id=request_teams(body)[0],
                )
                return BoltResponse(status=200, body="")
        await next()
        return None

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


# Events that only make the bridge forget a workspace: welcome from any workspace that has data.
_FORGET_EVENTS = ("app_uninstalled", "tokens_revoked")

# Kinds of request the replay guard leaves alone: Events API deliveries (deduplicated by
# event_id, retried by Slack on purpose) and the URL checks.
_NOT_GUARDED = ("event_callback", "url_verification", "app_rate_limited")


def _header(req: AsyncBoltRequest, name: str) -> str | None:
    values = req.headers.get(name)
    return values[0] if values else None
