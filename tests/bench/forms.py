"""Task buttons on alerts (issue #14): what reading each new task's form (``Form/viewXml``, once,
when its alert is posted) costs the poller and the alerts, next to the same runs without.

    python -m tests.bench.forms [--db sqlite|postgresql] [--users 2000] [--tasks 20] [--rounds 2]

1. **Poll with alerts.** ``--users`` linked users; one in ten has a new allocated task (two
   buttons) that the first poll finds (each link starts from an empty snapshot, not from a
   baseline), so while the poll runs the sender posts ``users/10`` alerts. The rate is counted
   at the emulator as in tests/bench/poll.py (list calls, two per user); also the time until the
   last alert reached Slack and how many forms were read. The bot runs alternately with
   ``ALERT_TASK_BUTTONS=false`` and ``true`` (``--rounds`` each, a fresh database every run),
   next to a bare httpx2 loop doing the same list calls (tests/bench/bare_poller.py).
2. **Alert latency**, as tests/bench/alerts.py (100 links, ``POLL_INTERVAL_SECONDS=10``, a task
   at a time, by polling and with a push), with the two settings alternating in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select

from bot.config import to_async_database_url
from bot.db.alert_models import TaskSnapshot
from bot.db.engine import create_engine
from bot.db.models import UserLink
from tests.bench.alerts import alert_times, poll_and_push
from tests.bench.common import (
    Emulators,
    ServerProcess,
    bench_parser,
    emulators,
    log,
    machine,
    table,
    wait_until,
)
from tests.bench.harness import Bench, allocate_tasks, save_results
from tests.bench.poll import clear_recorded, rate_from, run_bare
from tests.support import free_port

VIEW_PATH = "/API/PE/Workitem/Form/viewXml"


async def seed_empty_snapshots(url: str) -> None:
    """Every link starts from empty lists, so the first poll announces the tasks it finds."""
    engine = create_engine(to_async_database_url(url))
    now = datetime.now(UTC)
    try:
        async with engine.begin() as connection:
            ids = list(await connection.scalars(select(UserLink.id)))
            rows = [
                {"link_id": i, "tasks": {"allocated": [], "offered": []}, "taken_at": now}
                for i in ids
            ]
            for start in range(0, len(rows), 1000):
                await connection.execute(insert(TaskSnapshot), rows[start : start + 1000])
    finally:
        await engine.dispose()


def form_reads(emu: Emulators) -> int:
    with emu.questetra.lock:
        return sum(1 for r in emu.questetra.db.requests if r.path == VIEW_PATH)


async def poll_run(
    bench: Bench, emu: Emulators, env: dict[str, str], buttons: bool, within: float
) -> dict[str, Any]:
    """One bot on a fresh database, every link from empty lists: its first poll, and alerts."""
    links = len(bench.users)
    await bench.migrate_and_seed(env)
    await seed_empty_snapshots(bench.database)
    emu.slack.reset(keep_users=True)
    clear_recorded(emu)
    expected = set(emu_tasks(emu))
    with ServerProcess.bot({**env, "ALERT_TASK_BUTTONS": str(buttons).lower()}) as bot:
        bot.wait_ready()
        started = time.time()
        cpu_before = bot.cpu_seconds()
        await wait_until(lambda: len(emu.lists.times) >= 2 * links, within=within, every=0.05)
        rate, seconds = rate_from(emu, links)
        delivered = await wait_until(
            lambda: expected <= alert_times(emu).keys(), within=within, every=0.05
        )
        cpu = bot.cpu_seconds() - cpu_before
        times = alert_times(emu)
        last = max((times[w] for w in expected if w in times), default=float("nan"))
    return {
        "alert_task_buttons": buttons,
        "users_per_second": rate,
        "seconds": seconds,
        "alerts": len(expected & alert_times(emu).keys()),
        "all_delivered": delivered,
        "last_alert_s": last - started,
        "form_reads": form_reads(emu),
        "cpu_ms_per_user": cpu * 1000 / links,
    }


def emu_tasks(emu: Emulators) -> list[int]:
    with emu.questetra.lock:
        return [w.id for w in emu.questetra.db.workitems.values() if w.state == "ALLOCATED"]


async def part_poll(args: argparse.Namespace) -> dict[str, Any]:
    bench = Bench.create(args.db, args.users)
    with emulators(bench.users) as emu:
        allocate_tasks(emu, bench.users[::10], flows=("Approve", "Reject"))
        env = bench.env(emu)
        log(f"bare loop, {len(bench.users)} users")
        bare = run_bare(emu, len(bench.users), args.timeout)
        runs = []
        for round_ in range(args.rounds):
            for buttons in (False, True):
                log(f"round {round_ + 1}: bot, ALERT_TASK_BUTTONS={str(buttons).lower()}")
                env["PORT"] = str(free_port())
                runs.append(await poll_run(bench, emu, env, buttons, args.timeout))
    return {"bare": bare, "runs": runs}


async def part_latency(args: argparse.Namespace) -> list[dict[str, Any]]:
    bench = Bench.create(args.db, max(100, 2 * args.tasks))
    rng = random.Random(args.seed)
    results = []
    with emulators(bench.users) as emu:
        for buttons in (False, True):
            env = bench.env(emu, poll_interval=10)
            env["ALERT_TASK_BUTTONS"] = str(buttons).lower()
            label = f"ALERT_TASK_BUTTONS={env['ALERT_TASK_BUTTONS']}"
            found = await poll_and_push(bench, emu, env, args.tasks, rng=rng, label=label)
            results += [{"alert_task_buttons": buttons, **asdict(each)} for each in found]
    return results


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    info = machine()
    parts = set(args.parts.split(","))
    poll = await part_poll(args) if "poll" in parts else {"bare": {}, "runs": []}
    latency = await part_latency(args) if "latency" in parts else []
    bare_rate = poll["bare"].get("users_per_second", float("nan"))
    print(f"\nPoll with alerts ({args.db}; {args.users} users, {args.users // 10} new tasks)")
    print(
        table(
            ["run", "users/s", "× bare", "last alert s", "alerts", "forms read", "cpu ms/user"],
            [["bare loop", bare_rate, 1.0, "", "", "", poll["bare"].get("cpu_ms_per_user", "")]]
            + [
                [
                    f"bot, buttons {'on' if r['alert_task_buttons'] else 'off'}",
                    r["users_per_second"],
                    r["users_per_second"] / bare_rate,
                    r["last_alert_s"],
                    r["alerts"],
                    r["form_reads"],
                    r["cpu_ms_per_user"],
                ]
                for r in poll["runs"]
            ],
        )
    )
    print(f"\nAlert latency ({args.db}; POLL_INTERVAL_SECONDS=10; {args.tasks} tasks each)")
    print(
        table(
            ["buttons", "scenario", "delivered", "p50 s", "p95 s", "max s"],
            [
                [
                    "on" if r["alert_task_buttons"] else "off",
                    r["name"],
                    f"{r['delivered']}/{r['tasks']}",
                    r["p50_s"],
                    r["p95_s"],
                    r["max_s"],
                ]
                for r in latency
            ],
        )
    )
    return save_results("forms", info, args, {"poll": poll, "latency": latency})


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = bench_parser(__doc__)
    parser.add_argument("--users", type=int, default=2000, help="linked users (poll part)")
    parser.add_argument("--tasks", type=int, default=20, help="new tasks per latency scenario")
    parser.add_argument("--rounds", type=int, default=2, help="poll runs per setting")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--parts", default="poll,latency", help="poll, latency or both")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    return asyncio.run(main_async(parse_args(argv)))


if __name__ == "__main__":
    main()
