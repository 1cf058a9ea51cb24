"""Publishing the App Home tab."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.db import repo
from bot.deps import Deps
from bot.slack.blocks import HomeLink, home_view
from bot.slack.ids import DEFAULT_COMMAND


async def publish_home(deps: Deps, client: AsyncWebClient, *, team_id: str, user_id: str) -> None:
    profile = await deps.profiles.get(client, team_id, user_id)
    async with deps.sessions() as session:
        link = await repo.get_link(session, team_id=team_id, slack_user_id=user_id)
        workspace = await repo.get_workspace(session, team_id=team_id)
    home_link = (
        HomeLink(
            name=link.questetra_name,
            email=link.questetra_email,
            method=link.method,
            needs_relink=link.status == "needs_relink",
        )
        if link is not None
        else None
    )
    paused = bool(workspace and workspace.paused)
    view = home_view(profile.locale, DEFAULT_COMMAND, home_link, paused=paused)
    await client.views_publish(user_id=user_id, view=view)
