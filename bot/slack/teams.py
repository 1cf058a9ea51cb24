"""Which Slack workspaces may use the bridge (issue #16, item 1).

Trust model: the bridge links a Slack user to the Questetra account with *the same e-mail
address*, and the e-mail comes from the user's Slack profile. Whoever administers a workspace
decides which e-mail addresses its members have, so a workspace admin can vouch for any address.
That is acceptable only for workspaces the operator trusts: ``SLACK_ALLOWED_TEAM_IDS`` names them
(team ids ``T…`` and Enterprise Grid org ids ``E…``), and nothing from any other workspace is
installed, answered or acted on.

- Multi-workspace mode: the setting is required (``bot/config.py``); ``any`` trusts every
  workspace and is logged as a warning at every start.
- Single-workspace mode: unset means the bot token's own workspace (``auth.test``) only.

A request is allowed when its workspace (``team_id``) or its org (``enterprise_id``) is allowed,
and, when the payload names the acting user's own team (``user.team_id``, Slack Connect users of
another organisation), that team is allowed too. Team ids in Slack payloads:
https://api.slack.com/interactivity/handling#payloads and
https://api.slack.com/enterprise/grid/developing (``enterprise_id``, ``is_enterprise_install``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import structlog

from bot.config import Settings
from bot.i18n import t

log = structlog.stdlib.get_logger(__name__)


class TeamPolicy:
    """The allow-list of workspaces and Enterprise orgs (``SLACK_ALLOWED_TEAM_IDS``)."""

    def __init__(self, settings: Settings) -> None:
        self.any = settings.any_team_allowed
        self.explicit = frozenset(settings.slack_allowed_team_ids) - {"any"}

    def allowed(self, own: Iterable[str | None] = ()) -> frozenset[str]:
        """The ids allowed: the explicit list, else ``own`` (the single bot token's team)."""
        return self.explicit or frozenset(i for i in own if i)

    def allows(
        self,
        *,
        team_id: str | None,
        enterprise_id: str | None,
        user_team_id: str | None = None,
        own: Iterable[str | None] = (),
    ) -> bool:
        """True when the request comes from an allowed workspace (or org) and its user belongs
        to one. ``own``: the ids of the single bot token's installation (single-workspace
        mode without an explicit list)."""
        if self.any:
            return True
        allowed = self.allowed(own)
        if not allowed:
            return False  # fail closed: nothing known to trust
        if not (team_id in allowed or (enterprise_id and enterprise_id in allowed)):
            return False
        if user_team_id and user_team_id != team_id:
            return user_team_id in allowed or bool(enterprise_id and enterprise_id in allowed)
        return True

    def allows_install(self, *, team_id: str | None, enterprise_id: str | None) -> bool:
        """An "Add to Slack" may be stored: the workspace or its org is on the list."""
        if self.any:
            return True
        return bool(
            (team_id and team_id in self.explicit)
            or (enterprise_id and enterprise_id in self.explicit)
        )


def request_teams(body: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(team_id, enterprise_id, user's own team_id) as a Slack request states them, for every
    shape: slash commands (flat form fields), interactivity (``team``, ``user``, ``enterprise``
    objects), Events API envelopes (``team_id``, ``enterprise_id``, ``authorizations``)."""

    def text(value: object) -> str | None:
        return value if isinstance(value, str) and value else None

    def obj_id(value: object) -> str | None:
        return text(value.get("id")) if isinstance(value, dict) else None

    team = text(body.get("team_id")) or obj_id(body.get("team"))
    enterprise = text(body.get("enterprise_id")) or obj_id(body.get("enterprise"))
    user = body.get("user")
    user_team = text(user.get("team_id")) if isinstance(user, dict) else None
    if body.get("type") == "event_callback":
        event = body.get("event")
        if isinstance(event, dict):
            user_team = user_team or text(event.get("user_team"))
    return team, enterprise, user_team


def refusal_text() -> str:
    """What a refused request is told, in both languages (its user's locale cannot be read: the
    bridge does not call the Slack API of a workspace it does not trust)."""
    return f"{t('en', 'error.team_not_allowed')}\n{t('ja', 'error.team_not_allowed')}"
