"""Poll throughput: linked users polled per second by ``python -m bot serve`` against a bare
httpx2 loop doing the same two GETs per user at the same concurrency (issue #8).

    python -m tests.bench.poll [--db sqlite|postgresql] [--users 2000] [--profile]

Both run as subprocesses against one Questetra emulator (a loopback server in this process). The
bot runs with its production tuning (16 users at once, batches of 50) and a poll interval of an
hour, so every link is polled exactly once; the bare loop (tests/bench/bare_poller.py) uses 16
at once too. The rate is counted at the emulator, the same way for both: from the first list
call to the last, two calls per user. For the bot, the time until every link has its first task
snapshot in the database is reported as well (the poll is done only when that is written).
A third bare run sends the same GETs through the bot's own transport (``AiohttpTransport``):
issue #19's goal compares the bot with that one (rate ≥ 0.9 ×, CPU per user ≤ 1.1 ×). CPU is
the polling's own for the bare loops, from ready to the last snapshot for the bot.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path
from typing import Any

from tests.bench.common import (
    Emulators,
    ServerProcess,
    SnapshotCounter,
    bench_parser,
    emulators,
    log,
    table,
    wait_until,
    work_dir,
)
from tests.bench.harness import Bench, allocate_tasks, print_goals, run_json, save_results
from tests.bench.profiling import PySpy, print_profile, summarize_stacks

CONCURRENCY = 16  # bot.app.Tuning.poll_concurrency, what `serve` uses


def rate_from(emu: Emulators, users: int) -> tuple[float, float]:
    """(users per second, seconds) from the emulator's list-call times."""
    times = emu.lists.times
    calls = min(len(times), 2 * users)
    if calls < 2:
        return 0.0, float("nan")
    seconds = times[calls - 1] - times[0]
    return calls / 2 / seconds, seconds


def clear_recorded(emu: Emulators) -> None:
    emu.lists.reset()
    with emu.questetra.lock:
        emu.questetra.db.requests.clear()


def run_bare(
    emu: Emulators, users: int, timeout: float, *, transport: str = "httpx2"
) -> dict[str, Any]:
    clear_recorded(emu)
    argv = ["--base", emu.questetra_url, "--users", str(users), "--concurrency", str(CONCURRENCY)]
    own = run_json("tests.bench.bare_poller", [*argv, "--transport", transport], timeout=timeout)
    rate, seconds = rate_from(emu, users)
    return {
        "users_per_second": rate,
        "seconds": seconds,
        "own_users_per_second": own["users_per_second"],
        "cpu_ms_per_user": own["cpu_seconds"] * 1000 / users,  # its polling's, start-up excluded
        "failures": own["failures"] + emu.lists.failures,
    }


async def run_bot(
    emu: Emulators,
    env: dict[str, str],
    users: int,
    within: float,
    profile: bool,
    spy: Path | None = None,
) -> dict[str, Any]:
    clear_recorded(emu)
    counter = SnapshotCounter(env["DATABASE_URL"])
    profile_path = work_dir() / "bot.prof" if profile else None
    bot = ServerProcess.bot(env, profile=profile_path)
    try:
        bot.wait_ready()
        sampler = PySpy(bot.proc.pid, spy) if spy is not None else None
        started = time.perf_counter()
        cpu_before = bot.cpu_seconds()
        await wait_until(lambda: len(emu.lists.times) >= 2 * users, within=within, every=0.05)
        polled = await wait_until(counter.at_least(users), within=30.0, every=0.05)
        stored = time.perf_counter()
        cpu = bot.cpu_seconds() - cpu_before
        if sampler is not None:
            sampler.stop()
        snapshots = await counter.count()
        rate, seconds = rate_from(emu, users)
        first_call = emu.lists.times[0] if emu.lists.times else started
    finally:
        await counter.close()
        bot.stop()
    if profile_path is not None:
        print_profile(profile_path)
    if spy is not None:
        print(f"\nbot polling (py-spy):\n{await asyncio.to_thread(summarize_stacks, spy)}")
    return {
        "users_per_second": rate,
        "seconds": seconds,
        "stored_users_per_second": snapshots / (stored - first_call),
        "all_stored": polled,
        "snapshots": snapshots,
        "cpu_ms_per_user": cpu * 1000 / max(snapshots, 1),
        "failures": emu.lists.failures,
        "poll_errors_logged": bot.log_count("poller.poll_failed"),
    }


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    bench = Bench.create(args.db, args.users)
    users = bench.users
    with emulators(users, slack_users=False) as emu:
        allocate_tasks(emu, users[::10])  # a few tasks, so the lists are not all empty
        env = bench.env(emu)
        await bench.migrate_and_seed(env)
        log(f"bare httpx2 loop, {len(users)} users, {CONCURRENCY} at once")
        bare_before = run_bare(emu, len(users), args.timeout)
        log(f"bot, {len(users)} users")
        spy = bench.workdir / "poll.stacks" if args.spy else None
        bot = await run_bot(emu, env, len(users), args.timeout, args.profile, spy)
        log("bare httpx2 loop again")
        bare_after = run_bare(emu, len(users), args.timeout)
        log("bare loop through the bot's transport (aiohttp)")
        bare_same = run_bare(emu, len(users), args.timeout, transport="aiohttp")
    bare_rate = (bare_before["users_per_second"] + bare_after["users_per_second"]) / 2
    ratio = bot["users_per_second"] / bare_rate
    stored_ratio = bot["stored_users_per_second"] / bare_rate
    print(f"\nPoll benchmark ({args.db}; {len(users)} users; {CONCURRENCY} at once)")
    print(
        table(
            ["run", "users/s", "seconds", "cpu ms/user", "failures"],
            [
                [
                    "bare (before)",
                    bare_before["users_per_second"],
                    bare_before["seconds"],
                    bare_before["cpu_ms_per_user"],
                    bare_before["failures"],
                ],
                [
                    "bot (list calls)",
                    bot["users_per_second"],
                    bot["seconds"],
                    bot["cpu_ms_per_user"],
                    bot["failures"],
                ],
                ["bot (snapshots stored)", bot["stored_users_per_second"], "", "", ""],
                [
                    "bare (after)",
                    bare_after["users_per_second"],
                    bare_after["seconds"],
                    bare_after["cpu_ms_per_user"],
                    bare_after["failures"],
                ],
                [
                    "bare, the bot's transport",
                    bare_same["users_per_second"],
                    bare_same["seconds"],
                    bare_same["cpu_ms_per_user"],
                    bare_same["failures"],
                ],
            ],
        )
    )
    same_ratio = bot["users_per_second"] / bare_same["users_per_second"]
    cpu_ratio = bot["cpu_ms_per_user"] / bare_same["cpu_ms_per_user"]
    goals = {
        "bot >= 0.9 x the bare loop through the same transport": same_ratio >= 0.9,
        "bot CPU per polled user <= 1.1 x that loop's": cpu_ratio <= 1.1,
    }
    print(
        f"\n  to the plain httpx2 loops {ratio:.2f} (stored: {stored_ratio:.2f}); to the loop"
        f" through the same transport {same_ratio:.2f}, CPU per user {cpu_ratio:.2f} x"
    )
    print_goals(goals)
    figures = {
        "bare_before": bare_before,
        "bot": bot,
        "bare_after": bare_after,
        "bare_same_transport": bare_same,
        "ratio": ratio,
        "stored_ratio": stored_ratio,
        "same_transport_ratio": same_ratio,
        "cpu_ratio": cpu_ratio,
    }
    return save_results("poll", bench.info, args, figures, goals=goals)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = bench_parser(__doc__)
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--timeout", type=float, default=100.0, help="seconds per run at most")
    parser.add_argument("--profile", action="store_true", help="run the bot under cProfile")
    parser.add_argument("--spy", action="store_true", help="py-spy on the bot while it polls")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    return asyncio.run(main_async(parse_args(argv)))


if __name__ == "__main__":
    main()
