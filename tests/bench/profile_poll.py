"""Where a poll's time goes: the bot's poller in this process under cProfile.

    python -m tests.bench.profile_poll [--db sqlite|postgresql] [--users 1000] [--concurrency 16]

``create_app(settings, background_jobs=False, tuning=Tuning(poll_concurrency=…))`` with its
lifespan running, then ``app.state.poller.run_once()`` until no link is due (each link polled
once). Only this thread is profiled: the Questetra emulator runs in its own thread and is not
counted. Prints users/s, CPU per user (this process, emulator included), the functions with the
most time of their own and the time by package; ``--plain`` measures without the profiler.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import re
import sys
import time
from typing import Any

from bot.app import Tuning, create_app
from bot.config import Settings
from tests.bench.common import emulators, log, table
from tests.bench.harness import Bench, allocate_tasks


def by_package(stats: pstats.Stats) -> list[tuple[str, float]]:
    """Own time grouped by site-package / bot / stdlib module."""
    totals: dict[str, float] = {}
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    for (filename, _line, name), (_cc, _nc, own, _cum, _callers) in raw.items():
        found = re.search(r"site-packages/([^/]+)", filename)
        if found:
            key = found.group(1)
        elif "/bot/" in filename:
            key = "bot"
        elif filename == "~":
            key = name if "poll" in name or "select" in name else "builtins"
        elif "python3" in filename:
            key = "stdlib:" + filename.rsplit("/", 1)[-1]
        else:
            key = filename
        totals[key] = totals.get(key, 0.0) + own
    return sorted(totals.items(), key=lambda item: item[1], reverse=True)[:15]


async def main_async(args: argparse.Namespace) -> None:
    bench = Bench.create(args.db, args.users)
    users = bench.users
    with emulators(users, slack_users=False) as emu:
        allocate_tasks(emu, users[::10])
        env = bench.env(emu)
        await bench.migrate_and_seed(env)
        settings = Settings.model_validate(env)
        tuning = Tuning(poll_concurrency=args.concurrency, poll_batch=args.batch)
        app = create_app(settings, migrate_on_start=False, background_jobs=False, tuning=tuning)
        async with app.router.lifespan_context(app):
            log(f"polling {len(users)} links in process ({args.db})")
            profiler = cProfile.Profile()
            cpu, started = time.process_time(), time.perf_counter()
            if not args.plain:
                profiler.enable()
            polled = 0
            while batch := await app.state.poller.run_once():
                polled += batch
            profiler.disable()
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        table(
            ["links", "seconds", "users/s", "process cpu ms/user"],
            [[polled, elapsed, polled / elapsed, cpu * 1000 / max(polled, 1)]],
        )
    )
    if args.plain:
        return
    stats = pstats.Stats(profiler, stream=sys.stdout)
    print("\nOwn time by package (this thread):")
    print(table(["package", "seconds"], [[k, round(v, 2)] for k, v in by_package(stats)]))
    stats.strip_dirs().sort_stats("tottime").print_stats(args.top)
    if args.dump:
        stats.dump_stats(args.dump)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--dump", help="also write the raw profile here (pstats)")
    parser.add_argument("--plain", action="store_true", help="no profiler: the speed alone")
    asyncio.run(main_async(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
