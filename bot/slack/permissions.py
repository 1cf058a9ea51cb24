"""Who may use the admin surfaces: Slack workspace admins and owners, plus ADMIN_SLACK_USER_IDS.

Read fresh from ``users.info`` (not the profile cache): a demoted admin loses the rights at once.
Fail closed (issue #16 item 3): a Slack error reads as "not an admin" — a cached ``is_admin`` never
authorizes anything — and so does a user who is not a member of the workspace itself (a Slack
Connect user of another organisation is an admin of *their* workspace, not of this one).
"""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.errors import PermissionDenied, RightsUnverified


async def _rights(
    deps: Deps, client: AsyncWebClient, team_id: str | None, user_id: str
) -> bool | None:
    """True (admin), False (not), None (Slack did not answer just now: unknown)."""
    if not user_id:
        return False
    if user_id in deps.settings.admin_slack_user_ids:
        return True
    profile = await deps.profiles.get(client, team_id, user_id, fresh=True)
    if not profile.current:
        return None
    if not profile.belongs_to(team_id):
        return False
    return (profile.is_admin or profile.is_owner) and not profile.deleted


async def is_admin(deps: Deps, client: AsyncWebClient, team_id: str | None, user_id: str) -> bool:
    return bool(await _rights(deps, client, team_id, user_id))


async def require_admin(
    deps: Deps, client: AsyncWebClient, team_id: str | None, user_id: str
) -> None:
    """Raise :class:`PermissionDenied` (a polite "ask your admin") unless the user is an admin,
    :class:`RightsUnverified` ("try again") when Slack could not say."""
    rights = await _rights(deps, client, team_id, user_id)
    if rights is None:
        raise RightsUnverified
    if not rights:
        raise PermissionDenied("admin.error.not_admin")
