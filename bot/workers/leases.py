"""Short leases, renewed while the work is alive: a dead replica's work is taken over fast.

Every claimed row (a link to poll, an outbox message, a subscription) carries ``lease_owner``
and ``lease_until``; other replicas claim only rows whose lease ran out. A long lease makes a
dead replica's work wait that long; a short one alone would let a slow but live replica lose
its work mid-flight. So leases are short (``Tuning.lease_seconds``, 15 s) and the
:class:`LeaseKeeper` renews the leases of what each worker still holds every quarter lease:
while a replica lives its work stays its own (it may miss three renewals in a row), and when it
dies its work is free at most one lease after its last renewal, then claimed at the next tick
of another replica.

Renewal is one ``UPDATE … WHERE id IN (held) AND lease_owner = me`` per worker and round: a row
taken over meanwhile (this replica stalled past its lease) is not taken back, and the worker's
own checks before a side effect (the outbox's per-message renewal) still decide.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import structlog

from bot.workers.loop import Worker

log = structlog.stdlib.get_logger(__name__)


class HoldsLeases(Protocol):
    name: str

    async def renew_leases(self) -> int:
        """Extend the leases of the rows still held; how many were extended."""
        ...


class LeaseKeeper(Worker):
    """Renews every holder's leases every ``every`` seconds (a quarter of the lease)."""

    name = "leases"

    def __init__(self, holders: Sequence[HoldsLeases], *, every: float) -> None:
        super().__init__(tick=every)
        self._holders = holders

    async def run_once(self) -> int:
        for holder in self._holders:
            try:
                await holder.renew_leases()
            except Exception:  # the next round tries again: a lease outlives three rounds
                log.exception("leases.renew_failed", worker=holder.name)
        return 0  # always nap one tick
