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
from dataclasses import asdict, dataclass
from typing import Any

import httpx2

from tests.bench.common import (
    APP_ID,
    BenchUser,
    Emulators,
    ServerProcess,
    SnapshotCounter,
    add_webhook,
    bench_parser,
    bot_env,
    database_url,
    emulators,
    free_port,
    log,
    machine,
    make_users,
    new_encryption_key,
    percentile,
    prepare_database,
    seed_links,
    table,
    verdict,
    wait_until,
    work_dir,
    write_results,
)

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


def alert_times(emu: Emulators) -> dict[int, float]:
    """workitem id → when the fake Slack recorded its alert's chat.postMessage."""
    found: dict[int, float] = {}
    for call in emu.slack.calls_to("chat.postMessage"):
        meta = call.params.get("metadata")
        if not call.ok or not isinstance(meta, dict):
            continue
        if meta.get("event_type") != "questetra_alert":
            continue
        workitem = (meta.get("event_payload") or {}).get("workitem_id")
        if isinstance(workitem, int):
            found.setdefault(workitem, call.at)
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


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    users = make_users(args.users)
    if args.users < 2 * args.tasks:
        raise SystemExit("--users must be at least twice --tasks (one new task per user)")
    workdir = work_dir()
    database = database_url(args.db, workdir)
    key = new_encryption_key()
    token = secrets.token_urlsafe(32)
    rng = random.Random(args.seed)
    info = machine()
    with emulators(users) as emu:
        env = bot_env(
            emu,
            database=database,
            encryption_key=key,
            port=free_port(),
            poll_interval=args.interval,
        )
        log(f"database {args.db}: migrate and seed {len(users)} links and a webhook")
        await prepare_database(database, env)
        await seed_links(database, users, key)
        await add_webhook(database, token, HOOK_CHANNEL)
        bot = ServerProcess.bot(env).wait_ready()
        counter = SnapshotCounter(database)
        try:
            if not await wait_until(counter.at_least(len(users)), within=60.0, every=0.2):
                raise RuntimeError("the baseline poll did not finish")
            drain = args.interval * 1.1 + 10
            log(f"poll interval {args.interval} s: {args.tasks} tasks")
            by_poll = await scenario(
                "poll", emu, users[: args.tasks], rng=rng, drain=drain, hook=None
            )
            log(f"push through /hooks/…: {args.tasks} tasks")
            async with httpx2.AsyncClient(timeout=10.0) as client:
                by_push = await scenario(
                    "push",
                    emu,
                    users[args.tasks : 2 * args.tasks],
                    rng=rng,
                    drain=drain,
                    hook=(client, f"{bot.url}/hooks/{token}"),
                )
        finally:
            await counter.close()
            bot.stop()
    rows = [[s.name, s.tasks, s.delivered, s.p50_s, s.p95_s, s.max_s] for s in (by_poll, by_push)]
    print(f"\nAlert latency ({args.db}; POLL_INTERVAL_SECONDS={args.interval}; {len(users)} links)")
    print(table(["scenario", "tasks", "delivered", "p50 s", "p95 s", "max s"], rows))
    goals = {
        f"p95 <= {args.interval + 1} s by polling": by_poll.p95_s <= args.interval + 1
        and by_poll.delivered == by_poll.tasks,
        "p95 <= 1 s with a push": by_push.p95_s <= 1.0 and by_push.delivered == by_push.tasks,
    }
    print()
    for goal, ok in goals.items():
        print(f"  {verdict(ok):6} {goal}")
    payload = {
        "benchmark": "alerts",
        "machine": info,
        "args": vars(args),
        "poll": asdict(by_poll),
        "push": asdict(by_push),
        "goals": goals,
    }
    print(f"\nresults: {write_results(f'alerts-{args.db}', payload, args.results)}")
    return payload


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
