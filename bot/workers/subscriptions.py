"""Polls channel subscriptions (new processes of an app) as their subscribers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

import structlog

from bot.db.alert_models import Subscription
from bot.errors import NeedsRelink, NotLinked, QuestetraUnavailable, UserFacingError
from bot.services.notifications import Subscriptions
from bot.workers.loop import Worker

log = structlog.stdlib.get_logger(__name__)

Disabled = Callable[[Subscription, str], Awaitable[None]]


class SubscriptionPoller(Worker):
    name = "subscriptions"

    def __init__(
        self,
        *,
        subscriptions: Subscriptions,
        owner: str,
        on_disabled: Disabled,
        tick: float = 5.0,
        lease: timedelta = timedelta(seconds=15),
    ) -> None:
        super().__init__(tick=tick)
        self._subscriptions = subscriptions
        self._owner = owner
        self._on_disabled = on_disabled
        self._lease = lease
        self.held: set[int] = set()  # claimed this round, not released yet (renewed)

    async def renew_leases(self) -> int:
        return await self._subscriptions.renew_leases(self._owner, self.held, self._lease)

    async def run_once(self) -> int:
        due = await self._subscriptions.claim_due(self._owner, lease=self._lease)
        self.held = {subscription.id for subscription in due}
        try:
            await self._poll_all(due)
        finally:
            self.held.clear()
        return len(due)

    async def _poll_all(self, due: list[Subscription]) -> None:
        for subscription in due:
            ok = True
            try:
                await self._subscriptions.poll(subscription)
            except (NeedsRelink, NotLinked):
                disabled = await self._subscriptions.disable(subscription.id, "link")
                if disabled is not None:
                    await self._on_disabled(disabled, "link")
            except (QuestetraUnavailable, UserFacingError) as exc:
                ok = False
                log.warning(
                    "subscriptions.poll_failed",
                    subscription_id=subscription.id,
                    error=type(exc).__name__,
                )
            await self._subscriptions.release(subscription, ok=ok)
            self.held.discard(subscription.id)
