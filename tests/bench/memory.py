"""Peak RSS of one ``python -m bot serve`` with 10,000 linked users being polled (issue #8).

    python -m tests.bench.memory [--db sqlite|postgresql] [--users 10000] [--within 110]

The links are seeded all due at once, the poll interval is an hour (each link is polled once),
and the process's ``VmHWM`` (peak resident set) is read from /proc when every link has its first
task snapshot, or when ``--within`` seconds have passed, whichever is first.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from tests.bench.common import ServerProcess, SnapshotCounter, bench_parser, emulators, table
from tests.bench.harness import Bench, allocate_tasks, print_goals, save_results

GOAL_MIB = 300


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    bench = Bench.create(args.db, args.users)
    users = bench.users
    samples: list[tuple[float, int, int]] = []  # (seconds, polled links, VmRSS KiB)
    with emulators(users, slack_users=False) as emu:
        allocate_tasks(emu, users[::20])
        env = bench.env(emu)
        await bench.migrate_and_seed(env)
        bot = ServerProcess.bot(env).wait_ready()
        counter = SnapshotCounter(bench.database)
        started = time.perf_counter()
        try:
            ready_rss = bot.status_kib("VmRSS")
            polled = 0
            while time.perf_counter() - started < args.within:
                polled = await counter.count()
                samples.append(
                    (round(time.perf_counter() - started, 1), polled, bot.status_kib("VmRSS"))
                )
                if polled >= len(users):
                    break
                await asyncio.sleep(1.0)
            elapsed = time.perf_counter() - started
            peak = bot.status_kib("VmHWM")
            rss = bot.status_kib("VmRSS")
        finally:
            await counter.close()
            bot.stop()
    peak_mib = peak / 1024
    print(f"\nPeak RSS ({args.db}; {len(users)} links; POLL_INTERVAL_SECONDS=3600)")
    print(
        table(
            ["links polled", "seconds", "RSS at ready MiB", "RSS at end MiB", "peak (VmHWM) MiB"],
            [[f"{polled}/{len(users)}", elapsed, ready_rss / 1024, rss / 1024, peak_mib]],
        )
    )
    goals = {
        f"peak RSS <= {GOAL_MIB} MB": peak_mib <= GOAL_MIB,
        "every link polled within the bound": polled >= len(users),
    }
    print()
    print_goals(goals)
    figures = {
        "polled": polled,
        "seconds": elapsed,
        "users_per_second": polled / elapsed,
        "rss_ready_kib": ready_rss,
        "rss_end_kib": rss,
        "vmhwm_kib": peak,
        "samples": samples,
    }
    return save_results("memory", bench.info, args, figures, goals=goals)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = bench_parser(__doc__)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--within", type=float, default=110.0, help="seconds to wait at most")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    return asyncio.run(main_async(parse_args(argv)))


if __name__ == "__main__":
    main()
