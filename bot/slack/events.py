"""Events API listeners."""

from __future__ import annotations

from typing import Any

import structlog
from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.db import repo
from bot.deps import Deps
from bot.slack.home import publish_home

log = structlog.stdlib.get_logger(__name__)


def register(app: AsyncApp, deps: Deps) -> None:
    @app.event("app_home_opened")
    async def on_home_opened(
        event: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        if event.get("tab", "home") != "home":
            return
        await publish_home(deps, client, team_id=context.team_id or "", user_id=event["user"])

    async def purge(context: AsyncBoltContext, reason: str) -> None:
        team_id = context.team_id or ""
        async with deps.sessions() as session, session.begin():
            removed = await repo.purge_workspace(session, team_id=team_id)
            await repo.add_audit(
                session,
                at=deps.clock.now(),
                team_id=team_id,
                actor="slack",
                action=reason,
                detail={"links_removed": removed},
            )
        deps.slack_clients.forget(team_id)
        log.info("slack.workspace_purged", team_id=team_id, reason=reason, links_removed=removed)

    @app.event("app_uninstalled")
    async def on_uninstalled(context: AsyncBoltContext) -> None:
        await purge(context, "app_uninstalled")

    @app.event("tokens_revoked")
    async def on_tokens_revoked(event: dict[str, Any], context: AsyncBoltContext) -> None:
        # We hold only the bot token; revoked user tokens are not ours to act on.
        if (event.get("tokens") or {}).get("bot"):
            await purge(context, "tokens_revoked")

    @app.event("user_change")
    async def on_user_change(event: dict[str, Any], context: AsyncBoltContext) -> None:
        user = event.get("user") or {}
        deps.profiles.forget(context.team_id, str(user.get("id", "")))
        if not user.get("deleted"):
            return
        # A deactivated Slack user keeps no link: nobody should act through it any more.
        removed = await deps.linking.unlink(
            team_id=context.team_id or "", slack_user_id=str(user.get("id")), actor="slack"
        )
        if removed:
            log.info("link.removed_deactivated_user", user_id=user.get("id"))
