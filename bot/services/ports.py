"""What the services need from Slack, as narrow protocols the Slack layer implements."""

from __future__ import annotations

from typing import Protocol


class SlackDirectory(Protocol):
    async def email_of(self, team_id: str, user_id: str) -> str | None:
        """The user's current Slack profile e-mail (fresh, not cached), or None."""
        ...


class LinkEvents(Protocol):
    """Told when a link stops (or is about to stop) working, so people hear about it once."""

    async def relink_needed(self, team_id: str, slack_user_id: str) -> None: ...

    async def refresh_expiring(self, team_id: str, slack_user_id: str) -> None: ...

    async def client_refused(self) -> None: ...

    async def client_recovered(self) -> None: ...
