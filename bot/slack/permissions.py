"""Who may use the admin surfaces: Slack workspace admins and owners, plus ADMIN_SLACK_USER_IDS.

Read fresh from ``users.info`` (not the profile cache): a demoted admin loses the rights at once.
Fail closed (issue #16 item 3): a Slack error reads as "not an admin" — a cached ``is_admin`` never
authorizes anything — and so does a user who is not a member of the workspace itself (a Slack
Connect user of another organisation is an admin of *their* workspace, not of this one).
"""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.errors import PermissionDenied


async def is_admin(deps: Deps, client: AsyncWebClient, team_id: str | None, user_id: str) -> bool:
    if not user_id:
        return False
    if user_id in deps.settings.admin_slack_user_ids:
        return True
    profile = await deps.profiles.get(client, team_id, user_id, fresh=True)
    if not profile.vouched_by(team_id):
        return False
    return (profile.is_admin or profile.is_owner) and not profile.deleted


async def require_admin(
    deps: Deps, client: AsyncWebClient, team_id: str | None, user_id: str
) -> None:
    """Raise :class:`PermissionDenied` (a polite "ask your admin") unless the user is an admin."""
    if not await is_admin(deps, client, team_id, user_id):
        raise PermissionDenied("admin.error.not_admin")
