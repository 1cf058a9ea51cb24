"""Polls channel subscriptions (new processes of an app) as their subscribers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

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
        self, *, subscriptions: Subscriptions, owner: str, on_disabled: Disabled, tick: float = 5.0
    ) -> None:
        super().__init__(tick=tick)
        self._subscriptions = subscriptions
        self._owner = owner
        self._on_disabled = on_disabled

    async def run_once(self) -> int:
        due = await self._subscriptions.claim_due(self._owner)
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
        return len(due)
