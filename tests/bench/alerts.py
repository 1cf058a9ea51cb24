"""Alert latency: from a task appearing in Questetra to the DM's ``chat.postMessage`` at Slack
(issue #8), by the poll interval alone and with a push from a workflow.

    python -m tests.bench.alerts [--db sqlite|postgresql] [--interval 10] [--tasks 30]

One ``python -m bot serve`` subprocess with POLL_INTERVAL_SECONDS=10 (the minimum the settings
allow) and ``--users`` linked users, polled from the start so every link has its baseline. Then,
a task at a time at random moments, a new task is allocated to one user in the emulator and the
time until the fake Slack records the alert (found by its ``workitem_id`` metadata) is measured.
The push scenario does the same and posts ``{"title", "email"}`` to the bot's ``/hooks/{token}``
right after creating the task, which marks the user's link due and wakes the poller.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

import httpx2

from tests.bench.common import (
    APP_ID,
    BenchUser,
    Emulators,
    ServerProcess,
    bench_parser,
    emulators,
    log,
    percentile,
    table,
    wait_until,
)
from tests.bench.harness import Bench, print_goals, save_results

HOOK_CHANNEL = "C0HOOKS"


@dataclass
class Scenario:
    name: str
    tasks: int
    delivered: int
    p50_s: float
    p95_s: float
    max_s: float
    latencies_s: list[float]


def alert_posts(emu: Emulators) -> Iterator[tuple[int, float]]:
    """(workitem id, when) for every alert ``chat.postMessage`` the fake Slack accepted, in
    order; a task's alert is known by its ``questetra_alert`` metadata."""
    for call in emu.slack.calls_to("chat.postMessage"):
        meta = call.params.get("metadata")
        if not call.ok or not isinstance(meta, dict):
            continue
        if meta.get("event_type") != "questetra_alert":
            continue
        workitem = (meta.get("event_payload") or {}).get("workitem_id")
        if isinstance(workitem, int):
            yield workitem, call.at


def alert_times(emu: Emulators) -> dict[int, float]:
    """workitem id → when the fake Slack recorded its (first) alert."""
    found: dict[int, float] = {}
    for workitem, at in alert_posts(emu):
        found.setdefault(workitem, at)
    return found


async def scenario(
    name: str,
    emu: Emulators,
    users: list[BenchUser],
    *,
    rng: random.Random,
    drain: float,
    hook: tuple[httpx2.AsyncClient, str] | None,
) -> Scenario:
    created: dict[int, float] = {}
    for user in users:
        at = time.time()
        workitem = emu.questetra.add_task(
            APP_ID, to=user.email, node_name=f"{name} alert", state="ALLOCATED"
        )
        created[workitem] = at
        if hook is not None:
            client, url = hook
            response = await client.post(url, json={"title": "New task", "email": user.email})
            response.raise_for_status()
        await asyncio.sleep(rng.uniform(0.3, 1.3))
    await wait_until(lambda: created.keys() <= alert_times(emu).keys(), within=drain, every=0.05)
    seen = alert_times(emu)
    latencies = sorted(seen[w] - at for w, at in created.items() if w in seen)
    return Scenario(
        name=name,
        tasks=len(created),
        delivered=len(latencies),
        p50_s=percentile(latencies, 50),
        p95_s=percentile(latencies, 95),
        max_s=max(latencies, default=float("nan")),
        latencies_s=[round(x, 3) for x in latencies],
    )


async def poll_and_push(
    bench: Bench, emu: Emulators, env: dict[str, str], tasks: int, *, rng: random.Random, label: str
) -> tuple[Scenario, Scenario]:
    """Both scenarios against one fresh bot: a new database (the links and a webhook), the bot
    started with ``env`` and its baseline poll awaited, then ``tasks`` new tasks found by
    polling (the first users) and ``tasks`` more pushed through ``/hooks/{token}`` (the next
    ones). ``label`` starts the progress lines."""
    token = secrets.token_urlsafe(32)
    await bench.migrate_and_seed(env, webhook=(token, HOOK_CHANNEL))
    # Wait a full interval and some more for the last alert before counting it lost.
    drain = int(env["POLL_INTERVAL_SECONDS"]) * 1.1 + 10
    polled, pushed = bench.users[:tasks], bench.users[tasks : 2 * tasks]
    with ServerProcess.bot(env).wait_ready() as bot:
        await bench.first_polls(within=60.0)
        log(f"{label}: {tasks} tasks by polling")
        by_poll = await scenario("poll", emu, polled, rng=rng, drain=drain, hook=None)
        log(f"{label}: {tasks} tasks pushed through /hooks/…")
        async with httpx2.AsyncClient(timeout=10.0) as client:
            hook = (client, f"{bot.url}/hooks/{token}")
            by_push = await scenario("push", emu, pushed, rng=rng, drain=drain, hook=hook)
    return by_poll, by_push


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    if args.users < 2 * args.tasks:
        raise SystemExit("--users must be at least twice --tasks (one new task per user)")
    bench = Bench.create(args.db, args.users)
    rng = random.Random(args.seed)
    with emulators(bench.users) as emu:
        env = bench.env(emu, poll_interval=args.interval)
        label = f"poll interval {args.interval} s"
        by_poll, by_push = await poll_and_push(bench, emu, env, args.tasks, rng=rng, label=label)
    rows = [[s.name, s.tasks, s.delivered, s.p50_s, s.p95_s, s.max_s] for s in (by_poll, by_push)]
    print(f"\nAlert latency ({args.db}; POLL_INTERVAL_SECONDS={args.interval}; {args.users} links)")
    print(table(["scenario", "tasks", "delivered", "p50 s", "p95 s", "max s"], rows))
    goals = {
        f"p95 <= {args.interval + 1} s by polling": by_poll.p95_s <= args.interval + 1
        and by_poll.delivered == by_poll.tasks,
        "p95 <= 1 s with a push": by_push.p95_s <= 1.0 and by_push.delivered == by_push.tasks,
    }
    print()
    print_goals(goals)
    figures = {"poll": asdict(by_poll), "push": asdict(by_push)}
    return save_results("alerts", bench.info, args, figures, goals=goals)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = bench_parser(__doc__)
    parser.add_argument("--interval", type=int, default=10, help="POLL_INTERVAL_SECONDS (>= 10)")
    parser.add_argument("--users", type=int, default=100, help="linked users")
    parser.add_argument("--tasks", type=int, default=30, help="new tasks per scenario")
    parser.add_argument("--seed", type=int, default=5)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    return asyncio.run(main_async(parse_args(argv)))


if __name__ == "__main__":
    main()
