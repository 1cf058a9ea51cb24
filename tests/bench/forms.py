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
import secrets
import time
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import httpx2
from sqlalchemy import insert, select

from bot.config import to_async_database_url
from bot.db.alert_models import TaskSnapshot
from bot.db.engine import create_engine
from bot.db.models import UserLink
from tests.bench.alerts import HOOK_CHANNEL, alert_times, scenario
from tests.bench.common import (
    APP_ID,
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
    prepare_database,
    seed_links,
    table,
    wait_until,
    work_dir,
    write_results,
)
from tests.bench.poll import clear_recorded, rate_from, run_bare

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
    emu: Emulators, env: dict[str, str], users: list[Any], key: str, buttons: bool, within: float
) -> dict[str, Any]:
    database = env["DATABASE_URL"]
    await prepare_database(database, env)
    await seed_links(database, users, key)
    await seed_empty_snapshots(database)
    emu.slack.reset(keep_users=True)
    clear_recorded(emu)
    expected = set(emu_tasks(emu))
    bot = ServerProcess.bot({**env, "ALERT_TASK_BUTTONS": str(buttons).lower()})
    try:
        bot.wait_ready()
        started = time.time()
        cpu_before = bot.cpu_seconds()
        await wait_until(lambda: len(emu.lists.times) >= 2 * len(users), within=within, every=0.05)
        rate, seconds = rate_from(emu, len(users))
        delivered = await wait_until(
            lambda: expected <= alert_times(emu).keys(), within=within, every=0.05
        )
        cpu = bot.cpu_seconds() - cpu_before
        times = alert_times(emu)
        last = max((times[w] for w in expected if w in times), default=float("nan"))
    finally:
        bot.stop()
    return {
        "alert_task_buttons": buttons,
        "users_per_second": rate,
        "seconds": seconds,
        "alerts": len(expected & alert_times(emu).keys()),
        "all_delivered": delivered,
        "last_alert_s": last - started,
        "form_reads": form_reads(emu),
        "cpu_ms_per_user": cpu * 1000 / len(users),
    }


def emu_tasks(emu: Emulators) -> list[int]:
    with emu.questetra.lock:
        return [w.id for w in emu.questetra.db.workitems.values() if w.state == "ALLOCATED"]


async def part_poll(args: argparse.Namespace, key: str) -> dict[str, Any]:
    users = make_users(args.users)
    database = database_url(args.db, work_dir())
    with emulators(users) as emu:
        for user in users[::10]:
            emu.questetra.add_task(
                APP_ID, to=user.email, state="ALLOCATED", flows=("Approve", "Reject")
            )
        env = bot_env(emu, database=database, encryption_key=key, port=free_port())
        log(f"bare loop, {len(users)} users")
        bare = run_bare(emu, len(users), args.timeout)
        runs = []
        for round_ in range(args.rounds):
            for buttons in (False, True):
                log(f"round {round_ + 1}: bot, ALERT_TASK_BUTTONS={str(buttons).lower()}")
                env["PORT"] = str(free_port())
                runs.append(await poll_run(emu, env, users, key, buttons, args.timeout))
    return {"bare": bare, "runs": runs}


async def part_latency(args: argparse.Namespace, key: str) -> list[dict[str, Any]]:
    users = make_users(max(100, 2 * args.tasks))
    database = database_url(args.db, work_dir())
    rng = random.Random(args.seed)
    token = secrets.token_urlsafe(32)
    results = []
    with emulators(users) as emu:
        for buttons in (False, True):
            env = bot_env(
                emu, database=database, encryption_key=key, port=free_port(), poll_interval=10
            )
            env["ALERT_TASK_BUTTONS"] = str(buttons).lower()
            await prepare_database(database, env)
            await seed_links(database, users, key)
            await add_webhook(database, token, HOOK_CHANNEL)
            bot = ServerProcess.bot(env).wait_ready()
            counter = SnapshotCounter(database)
            try:
                if not await wait_until(counter.at_least(len(users)), within=60.0, every=0.2):
                    raise RuntimeError("the baseline poll did not finish")
                drain = 10 * 1.1 + 10
                log(f"ALERT_TASK_BUTTONS={str(buttons).lower()}: {args.tasks} tasks by polling")
                by_poll = await scenario(
                    "poll", emu, users[: args.tasks], rng=rng, drain=drain, hook=None
                )
                log(f"ALERT_TASK_BUTTONS={str(buttons).lower()}: {args.tasks} tasks pushed")
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
            for found in (by_poll, by_push):
                results.append({"alert_task_buttons": buttons, **asdict(found)})
    return results


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    key = new_encryption_key()
    info = machine()
    parts = set(args.parts.split(","))
    poll = await part_poll(args, key) if "poll" in parts else {"bare": {}, "runs": []}
    latency = await part_latency(args, key) if "latency" in parts else []
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
    payload = {
        "benchmark": "forms",
        "machine": info,
        "args": vars(args),
        "poll": poll,
        "latency": latency,
    }
    print(f"\nresults: {write_results(f'forms-{args.db}', payload, args.results)}")
    return payload


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
