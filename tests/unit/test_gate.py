"""The post-ack gate's line (bot/slack/guard.py): order, bound, waits, hand-over, cancellation.

No timing is asserted: waits are either far longer than the test (never reached) or the point of
the test (a short wait that must run out), and order is observed, not timed."""

from __future__ import annotations

import asyncio

import pytest

from bot.errors import BridgeBusy
from bot.slack.guard import Gate

FOREVER = 3600.0


def gate(slots: int = 1, queue: int = 10, wait: float = FOREVER, urgent_wait: float = FOREVER):
    shed: list[int] = []
    g = Gate(
        slots=slots,
        queue=queue,
        wait=wait,
        urgent_wait=urgent_wait,
        on_shed=lambda: shed.append(1),
    )
    return g, shed


async def queued(g: Gate, order: list[str], name: str, *, urgent: bool = False) -> asyncio.Task:
    async def enter() -> None:
        await g.enter(urgent=urgent)
        order.append(name)

    task = asyncio.create_task(enter())
    await asyncio.sleep(0)  # in line before the next one
    return task


async def test_first_come_first_served_urgent_first() -> None:
    g, shed = gate()
    await g.enter()
    order: list[str] = []
    tasks = [
        await queued(g, order, "a"),
        await queued(g, order, "b"),
        await queued(g, order, "modal", urgent=True),
        await queued(g, order, "c"),
    ]
    assert (g.busy, g.waiting) == (1, 4)
    for expected in (["modal"], ["modal", "a"], ["modal", "a", "b"], ["modal", "a", "b", "c"]):
        g.leave()
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert order == expected
    await asyncio.gather(*tasks)
    g.leave()
    assert (g.busy, g.waiting, shed) == (0, 0, [])


async def test_a_slot_given_back_goes_to_the_line_not_to_a_newcomer() -> None:
    g, _ = gate()
    await g.enter()
    order: list[str] = []
    waiting = await queued(g, order, "waiting")
    g.leave()  # handed over: still busy, nothing free for a newcomer
    newcomer = asyncio.create_task(g.enter())
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert order == ["waiting"]
    assert not newcomer.done()
    await waiting
    g.leave()
    await newcomer
    assert (g.busy, g.waiting) == (1, 0)


async def test_past_the_bound_a_newcomer_is_shed_at_once() -> None:
    g, shed = gate(queue=2)
    await g.enter()
    order: list[str] = []
    tasks = [await queued(g, order, "a"), await queued(g, order, "b")]
    with pytest.raises(BridgeBusy):
        await g.enter()
    assert shed == [1]
    assert g.waiting == 2  # the line is untouched
    g.leave()
    g.leave()
    g.leave()
    await asyncio.gather(*tasks)
    assert order == ["a", "b"]


async def test_a_bound_of_zero_sheds_whoever_finds_no_free_slot() -> None:
    g, shed = gate(slots=2, queue=0)
    await g.enter()
    await g.enter()
    with pytest.raises(BridgeBusy):
        await g.enter()
    assert shed == [1]


async def test_a_waiter_past_its_wait_is_shed_and_leaves_the_line() -> None:
    g, shed = gate(wait=0.05, urgent_wait=0.05)
    await g.enter()
    for urgent in (False, True):
        with pytest.raises(BridgeBusy):
            await g.enter(urgent=urgent)
    assert shed == [1, 1]
    assert g.waiting == 0
    g.leave()
    assert g.busy == 0


async def test_an_urgent_wait_runs_out_while_a_normal_one_goes_on() -> None:
    g, shed = gate(wait=FOREVER, urgent_wait=0.05)
    await g.enter()
    normal = asyncio.create_task(g.enter())
    with pytest.raises(BridgeBusy):
        await g.enter(urgent=True)
    assert shed == [1]
    assert not normal.done()
    g.leave()
    await normal
    assert g.busy == 1


async def test_a_waiter_cancelled_in_line_leaves_it_and_a_handed_slot_is_passed_on() -> None:
    g, _ = gate()
    await g.enter()
    order: list[str] = []
    gone = await queued(g, order, "gone")
    gone.cancel()
    with pytest.raises(asyncio.CancelledError):
        await gone
    assert g.waiting == 0
    # Handed a slot, then cancelled before it could run: the slot goes to the next in line.
    first = await queued(g, order, "first")
    second = await queued(g, order, "second")
    g.leave()  # the slot is first's now
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    await second
    assert order == ["second"]
    assert (g.busy, g.waiting) == (1, 0)
