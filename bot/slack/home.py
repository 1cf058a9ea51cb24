"""Publishing the App Home tab: link status, the user's tasks, alert settings."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.db import repo
from bot.deps import Deps
from bot.errors import UserFacingError
from bot.i18n import t
from bot.slack.alert_blocks import settings_blocks
from bot.slack.blocks import HomeLink, home_view
from bot.slack.ids import DEFAULT_COMMAND
from bot.slack.render import Block, section
from bot.slack.task_blocks import home_task_blocks


async def publish_home(
    deps: Deps, client: AsyncWebClient, *, team_id: str, user_id: str, notice: str | None = None
) -> None:
    profile = await deps.profiles.get(client, team_id, user_id)
    locale = profile.locale
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
    task_blocks: list[Block] | None = None
    if home_link is not None and not home_link.needs_relink and not paused:
        try:
            lists = await deps.tasks.lists(team_id=team_id, slack_user_id=user_id)
        except UserFacingError as exc:
            # The Home tab still shows the link and its buttons when Questetra is not answering.
            reason = t(locale, exc.key, **exc.params)
            task_blocks = [section(t(locale, "home.tasks_unavailable", reason=reason))]
        else:
            task_blocks = home_task_blocks(
                locale,
                deps.settings.questetra_base_url,
                DEFAULT_COMMAND,
                lists.allocated,
                lists.offered,
                deps.clock.now(),
            )
    alert_blocks = None
    if home_link is not None:
        prefs = await deps.alert_prefs.get(team_id=team_id, slack_user_id=user_id)
        alert_blocks = settings_blocks(locale, DEFAULT_COMMAND, prefs, profile.tz)
    view = home_view(
        locale,
        DEFAULT_COMMAND,
        home_link,
        paused=paused,
        notice=notice,
        task_blocks=task_blocks,
        alert_blocks=alert_blocks,
        updated=deps.clock.now(),
    )
    await client.views_publish(user_id=user_id, view=view)
