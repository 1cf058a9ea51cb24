"""Questetra transports compared (issue #17 item 1): one httpx2 pool against the sharded one.

    python -m tests.bench.transport [--requests 4000] [--concurrency 32,128] [--rounds 3]

The same GETs (a user's task list, Basic auth, as a poll sends them) through:

* ``pool``: one ``httpx2.AsyncHTTPTransport`` with ``max_connections = concurrency`` (what
  httpx2 gives without tuning, sized like the bot's);
* ``sharded``: ``bot.questetra.client.ShardedTransport`` (pools of eight, least busy first);
* ``aiohttp``: ``bot.questetra.client.AiohttpTransport`` (httpx2's client over aiohttp's pool
  and parser: what the bot uses);

each in a fresh interpreter (so its CPU time is its own), at each concurrency, against the
recorded-answers stub (tests/bench/questetra_stub.py, answering at once, or after
``--latency``). The order rotates each of ``--rounds`` rounds; the table has every run and
the medians. Reported: client CPU per request (``time.process_time``), requests/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from typing import Any

import httpx2

from bot.questetra.client import AiohttpTransport, ShardedTransport
from tests.bench.common import bench_parser, emulators, log, machine, make_users, table, work_dir
from tests.bench.harness import run_json, save_results, stub_process
from tests.bench.questetra_stub import PATHS, record

KINDS = ("pool", "sharded", "aiohttp")


async def client_run(base: str, kind: str, requests: int, concurrency: int, users: int) -> dict:
    transport: httpx2.AsyncBaseTransport
    if kind == "sharded":
        transport = ShardedTransport(connections=concurrency)
    elif kind == "aiohttp":
        transport = AiohttpTransport(connections=concurrency)
    else:
        limits = httpx2.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        transport = httpx2.AsyncHTTPTransport(limits=limits)
    people = make_users(users)
    timeout = httpx2.Timeout(10.0, connect=5.0)
    failures = 0
    async with httpx2.AsyncClient(base_url=base, transport=transport, timeout=timeout) as http:
        queue = list(range(requests))

        async def worker() -> None:
            nonlocal failures
            while queue:
                n = queue.pop()
                user = people[n % len(people)]
                auth = httpx2.BasicAuth(user.email, user.api_password)
                response = await http.get(
                    PATHS[n % 2], auth=auth, params={"limit": 1000, "start": 0}
                )
                response.json()
                failures += response.status_code != 200

        await asyncio.gather(*(worker() for _ in range(concurrency)))  # connections open
        queue = list(range(requests))
        cpu, started = time.process_time(), time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
    return {
        "cpu_us_per_request": cpu * 1e6 / requests,
        "requests_per_second": requests / seconds,
        "failures": failures,
    }


def one(base: str, kind: str, requests: int, concurrency: int, users: int) -> dict[str, Any]:
    """One measured client (``client_run``) in a fresh interpreter: its CPU is its own."""
    argv = ["--client", kind, "--base", base, "--requests", str(requests)]
    argv += ["--concurrency", str(concurrency), "--users", str(users)]
    return run_json("tests.bench.transport", argv)


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    info = machine()
    users = make_users(args.users)
    workdir = work_dir()
    with emulators(users, slack_users=False) as emu:
        recorded = workdir / "questetra.json"
        await record(emu.questetra_url, users, recorded)
    stub = stub_process(recorded, args.latency).wait_ready()
    runs: list[dict[str, Any]] = []
    try:
        for concurrency in (int(c) for c in args.concurrency.split(",")):
            for n in range(args.rounds):
                for kind in KINDS[n % len(KINDS) :] + KINDS[: n % len(KINDS)]:
                    log(f"{kind} at {concurrency}, round {n + 1}")
                    result = one(stub.url + "/", kind, args.requests, concurrency, args.users)
                    runs.append({"kind": kind, "concurrency": concurrency, **result})
    finally:
        stub.stop()
    rows, medians = [], {}
    for concurrency in sorted({r["concurrency"] for r in runs}):
        for kind in KINDS:
            mine = [r for r in runs if r["kind"] == kind and r["concurrency"] == concurrency]
            cpu = statistics.median(r["cpu_us_per_request"] for r in mine)
            rate = statistics.median(r["requests_per_second"] for r in mine)
            medians[f"{kind}@{concurrency}"] = {"cpu_us": cpu, "rps": rate}
            rows.append(
                [
                    kind,
                    concurrency,
                    " / ".join(f"{r['cpu_us_per_request']:.0f}" for r in mine),
                    cpu,
                    rate,
                    sum(r["failures"] for r in mine),
                ]
            )
    print(f"\nQuestetra transport ({info['cores']} cores, load {info['loadavg'][0]:.2f})")
    print(
        table(
            ["transport", "conc", "CPU µs/request, each run", "median", "req/s", "failures"],
            rows,
        )
    )
    for concurrency in sorted({r["concurrency"] for r in runs}):
        pool = medians[f"pool@{concurrency}"]["cpu_us"]
        for kind in KINDS[1:]:
            ratio = medians[f"{kind}@{concurrency}"]["cpu_us"] / pool
            print(f"  at {concurrency}: {kind} / pool CPU = {ratio:.2f}")
    return save_results("transport", info, args, {"runs": runs}, name="transport")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = bench_parser(__doc__)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", default="32,128")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--latency", default="0,0", help="the stub's answer time, low,high s")
    parser.add_argument("--client", choices=KINDS, help=argparse.SUPPRESS)
    parser.add_argument("--base", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any] | None:
    args = parse_args(argv)
    if args.client:  # one measured client, in its own interpreter
        import uvloop

        result = uvloop.run(
            client_run(args.base, args.client, args.requests, int(args.concurrency), args.users)
        )
        print(json.dumps(result))
        return None
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
