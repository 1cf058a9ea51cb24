"""The loop every background worker runs: rounds of work, a nap when a round found nothing."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine, Iterable
from typing import Any

import structlog

log = structlog.stdlib.get_logger(__name__)


async def run_items(worker: str, items: Iterable[Coroutine[Any, Any, Any]]) -> None:
    """Run one round's items concurrently. One item's failure is logged and must not leave its
    siblings running into the next round; cancellation and interpreter exit are re-raised."""
    for result in await asyncio.gather(*items, return_exceptions=True):
        if isinstance(result, Exception):
            log.error("worker.item_failed", worker=worker, error_type=type(result).__name__)
        elif isinstance(result, BaseException):
            raise result


class Worker:
    """Subclasses implement :meth:`run_once` (one round; how many items it handled).

    :meth:`run_forever` repeats rounds back to back while there is work, naps ``tick`` seconds
    when a round found none, wakes early on :meth:`wake`, and ends after the current round on
    :meth:`stop`. A failing round is logged and the loop goes on (e.g. the database restarts).
    """

    name = "worker"

    def __init__(self, *, tick: float) -> None:
        self._tick = tick
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run_once(self) -> int:
        raise NotImplementedError

    async def run_forever(self) -> None:
        while not self._stopping:
            self._wake.clear()  # before the round: a wake-up during the round is not lost
            try:
                handled = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("worker.round_failed", worker=self.name)
                handled = 0
            if handled == 0 and not self._stopping:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self._tick)
