"""Two ``serve`` replicas on PostgreSQL: what polling costs with two against one, and a SIGKILL.

    python -m tests.bench.replicas [--users 1000] [--tasks 100] [--interval 10]

1. Two replicas poll ``--users`` links every ``--interval`` seconds. For ``--window`` seconds the
   CPU of both (``/proc/<pid>/stat``) and the polls answered (list calls at the emulator / 2)
   are counted: CPU per polled user with two replicas.
2. ``--tasks`` new tasks (one per user) appear at once; when a third of their alerts are in
   Slack, replica 0 is SIGKILLed (leases, polls and posts in flight with it). Reported: alerts
   delivered, doubled, and the time from the kill to the last alert (the dead replica's work
   is taken over one lease after its last renewal: 20 s, bot/workers/leases.py).
3. The survivor alone: the same count over ``--window`` seconds, CPU per polled user with one.

The ratio of 1 to 3 is the cost of a second replica per polled user (both run on the same two
cores here, so it is cost, not speed-up). PostgreSQL only (replicas share work through it).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import time
from collections import Counter
from typing import Any

from tests.bench.alerts import alert_posts, alert_times
from tests.bench.common import (
    APP_ID,
    Emulators,
    ServerProcess,
    bench_parser,
    emulators,
    log,
    table,
    wait_until,
)
from tests.bench.harness import Bench, print_goals, save_results
from tests.support import free_port

# Replicas share their work through the database's row locks and leases: PostgreSQL only.
DATABASE = "postgresql"


def doubled(emu: Emulators) -> int:
    """Alerts posted more than once for the same task (each extra post counts one)."""
    posts = Counter(workitem for workitem, _ in alert_posts(emu))
    return sum(n - 1 for n in posts.values() if n > 1)


async def window(emu: Emulators, replicas: list[ServerProcess], seconds: float) -> dict[str, float]:
    """CPU of the live replicas and polls answered over ``seconds``."""
    emu.lists.reset()
    cpu = sum(r.cpu_seconds() for r in replicas)
    await asyncio.sleep(seconds)
    cpu = sum(r.cpu_seconds() for r in replicas) - cpu
    polled = len(emu.lists.times) / 2
    return {
        "seconds": seconds,
        "polled": polled,
        "cpu_s": cpu,
        "cpu_ms_per_user": cpu * 1000 / max(polled, 1),
        "loadavg": os.getloadavg()[0],
    }


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    bench = Bench.create(DATABASE, args.users)
    users = bench.users
    with emulators(users) as emu:
        env = bench.env(emu, poll_interval=args.interval, log_level="WARNING")
        await bench.migrate_and_seed(env)
        replicas = [ServerProcess.bot({**env, "PORT": str(free_port())}) for _ in range(2)]
        try:
            for replica in replicas:
                replica.wait_ready()
            await bench.first_polls(within=120.0)
            log(f"two replicas: {args.window:g} s of polling")
            two = await window(emu, replicas, args.window)
            log(f"{args.tasks} new tasks; SIGKILL replica 0 after a third are delivered")
            created = {
                emu.questetra.add_task(
                    APP_ID, to=user.email, node_name="Replica alert", state="ALLOCATED"
                ): time.time()
                for user in users[: args.tasks]
            }
            third = args.tasks // 3
            await wait_until(
                lambda: len(created.keys() & alert_times(emu).keys()) >= third,
                within=args.interval * 3 + 30,
                every=0.02,
            )
            before = len(created.keys() & alert_times(emu).keys())
            replicas[0].proc.send_signal(signal.SIGKILL)
            killed_at = time.time()
            replicas[0].proc.wait(10)
            await wait_until(
                lambda: created.keys() <= alert_times(emu).keys(), within=180.0, every=0.05
            )
            seen = alert_times(emu)
            delivered = len(created.keys() & seen.keys())
            last = max((seen[w] for w in created if w in seen), default=float("nan"))
            log(f"the survivor alone: {args.window:g} s of polling")
            one = await window(emu, replicas[1:], args.window)
        finally:
            for replica in replicas:
                replica.stop()
    kill = {
        "tasks": args.tasks,
        "delivered_before_kill": before,
        "delivered": delivered,
        "doubled": doubled(emu),
        "last_alert_after_kill_s": last - killed_at,
    }
    ratio = two["cpu_ms_per_user"] / one["cpu_ms_per_user"]
    print(f"\nReplicas (PostgreSQL; {len(users)} links, POLL_INTERVAL_SECONDS={args.interval})")
    print(
        table(
            ["replicas", "seconds", "polled", "CPU s", "CPU ms/user", "load"],
            [
                [
                    "two",
                    two["seconds"],
                    two["polled"],
                    two["cpu_s"],
                    two["cpu_ms_per_user"],
                    two["loadavg"],
                ],
                [
                    "one",
                    one["seconds"],
                    one["polled"],
                    one["cpu_s"],
                    one["cpu_ms_per_user"],
                    one["loadavg"],
                ],
            ],
        )
    )
    print(f"  CPU per polled user, two / one = {ratio:.2f}")
    print(
        "\n"
        + table(
            ["tasks", "delivered before kill", "delivered", "doubled", "last alert after kill s"],
            [[kill["tasks"], before, delivered, kill["doubled"], kill["last_alert_after_kill_s"]]],
        )
    )
    goals = {
        "CPU per polled user with two replicas <= 1.1 x one": ratio <= 1.1,
        "no alert lost or doubled across a SIGKILL": delivered == args.tasks
        and not kill["doubled"],
        "the dead replica's work resumes within 30 s": kill["last_alert_after_kill_s"] <= 30,
    }
    print()
    print_goals(goals)
    figures = {"two": two, "one": one, "ratio": ratio, "kill": kill}
    return save_results(
        "replicas", bench.info, args, figures, goals=goals, name=f"replicas-{DATABASE}"
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = bench_parser(__doc__)
    parser.add_argument("--users", type=int, default=1000, help="linked users")
    parser.add_argument("--tasks", type=int, default=100, help="new tasks (one per user)")
    parser.add_argument("--interval", type=int, default=10, help="POLL_INTERVAL_SECONDS")
    parser.add_argument("--window", type=float, default=20.0, help="s of polling measured")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    return asyncio.run(main_async(parse_args(argv)))


if __name__ == "__main__":
    main()
