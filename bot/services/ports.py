"""What the services need from Slack, as narrow protocols the Slack layer implements."""

from __future__ import annotations

from typing import Protocol


class SlackDirectory(Protocol):
    async def email_of(self, team_id: str, user_id: str) -> str | None:
        """The user's current Slack profile e-mail (fresh, not cached), or None."""
        ...
