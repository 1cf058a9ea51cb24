"""Ack latency and throughput of ``python -m bot serve`` against a bare Bolt app (issue #5).

    python -m tests.bench.ack [--db sqlite|postgresql] [--duration 4] [--levels 1,10,50]

Signed ``/questetra tasks`` slash commands and signed ``tasks_page`` button clicks go to one bot
process and to ``tests/bench/bare_app.py`` (a Bolt AsyncApp that only acks), both uvicorn
subprocesses, at fixed concurrency levels, interleaved level by level in the same run. Measured:
requests/s and p50/p99/max time to the HTTP response (the ack), server CPU per request, and for
the bot the rate at which the real answers (response_url posts) arrive. Last, Questetra is made
to answer in 5 s and the bot is loaded at 50 concurrent again: every ack must stay under 3 s.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx2

from bot.i18n import t
from bot.slack.task_blocks import page_value
from tests.bench.common import (
    SIGNING_SECRET,
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
from tests.bench.harness import Bench, add_task_lists, module_process, print_goals, save_results
from tests.bench.profiling import print_profile
from tests.emulators.slack import SlackSigner

KINDS = ("command", "action", "help")
# "command" is `/questetra tasks`, "action" a `tasks_page` click (both: Questetra, DB, an answer
# to response_url); "help" is `/questetra help`, whose answer needs neither Questetra nor the DB.
SLOW_LATENCY = 5.0
BUSY = {t("en", "error.busy"), t("ja", "error.busy")}


@dataclass(frozen=True)
class Request:
    body: bytes
    headers: dict[str, str]
    response_url: str


@dataclass
class Level:
    server: str
    kind: str
    concurrency: int
    requests: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    cpu_ms_per_request: float
    driver_cpu_ms_per_request: float  # this process: load generator + emulators
    replies: int | None = None  # bot: response_url answers that arrived
    busy: int | None = None  # bot: of those, "busy, try again" (shed after the ack)
    end_to_end_rps: float | None = None  # bot: requests / time until the last answer


class Traffic:
    """Signed requests as Slack sends them, each with its own response_url at the fake Slack."""

    def __init__(self, emu: Emulators, users: list[BenchUser]) -> None:
        self._emu = emu
        self._users = itertools.cycle(users)
        self._signer = SlackSigner(SIGNING_SECRET)

    def build(self, kind: str, n: int) -> list[Request]:
        out = []
        for _ in range(n):
            user = next(self._users)
            url = self._emu.slack.new_response_url()
            if kind in ("command", "help"):
                body, headers = self._signer.slash_command(
                    "tasks" if kind == "command" else "help",
                    user_id=user.slack_user_id,
                    response_url=url,
                )
            else:
                payload = self._signer.block_actions(
                    "tasks_page",
                    page_value(1, []),
                    user_id=user.slack_user_id,
                    response_url=url,
                    channel_id="C0001",
                )
                body, headers = self._signer.interactivity(payload)
            out.append(Request(body.encode(), headers, url))
        return out

    def answered(self, urls: list[str]) -> int:
        return self._count(urls, lambda bodies: bool(bodies))

    def busy(self, urls: list[str]) -> int:
        """Answers that were the bridge's "busy, try again" (post-ack backpressure)."""
        return self._count(urls, lambda bodies: any(b.get("text") in BUSY for b in bodies))

    def _count(self, urls: list[str], counts: Callable[[list[dict[str, Any]]], bool]) -> int:
        """How many of ``urls`` had answers that ``counts``."""
        fake = self._emu.slack
        with fake.lock:
            total = 0
            for url in urls:
                state = fake.response_url_state(url)
                total += counts(state.bodies if state is not None else [])
            return total


async def drive(
    url: str, requests: list[Request], concurrency: int, duration: float
) -> tuple[list[float], int, float, int]:
    """Send ``requests`` with ``concurrency`` workers for at most ``duration`` seconds.
    Returns (latencies in ms, errors, elapsed seconds, requests sent).

    Each worker has its own client and connection: one shared httpx2 pool costs the driver
    O(connections) per request, which at 50 workers made the driver the bottleneck."""
    latencies: list[float] = []
    errors = 0
    index = itertools.count()
    one = httpx2.Limits(max_connections=1, max_keepalive_connections=1)
    clients = [httpx2.AsyncClient(limits=one, timeout=30.0) for _ in range(concurrency)]
    started = time.perf_counter()
    deadline = started + duration

    async def worker(client: httpx2.AsyncClient) -> None:
        nonlocal errors
        while True:
            i = next(index)
            if i >= len(requests) or time.perf_counter() > deadline:
                return
            request = requests[i]
            sent = time.perf_counter()
            try:
                response = await client.post(url, content=request.body, headers=request.headers)
                ok = response.status_code == 200
            except httpx2.HTTPError:
                ok = False
            latencies.append((time.perf_counter() - sent) * 1000)
            errors += not ok

    try:
        await asyncio.gather(*(worker(c) for c in clients))
        elapsed = time.perf_counter() - started
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))
    return latencies, errors, elapsed, len(latencies)


async def run_level(
    server: ServerProcess,
    traffic: Traffic,
    kind: str,
    concurrency: int,
    *,
    duration: float,
    max_requests: int,
    wait_replies: bool,
) -> Level:
    endpoint = server.url + "/slack/events"
    # Warm-up: connections open, Bolt's auth.test and the profile cache filled.
    warm = traffic.build(kind, max(20, 2 * concurrency))
    await drive(endpoint, warm, concurrency, 10.0)
    if wait_replies:
        warm_urls = [r.response_url for r in warm]
        await wait_until(lambda: traffic.answered(warm_urls) == len(warm_urls), within=30.0)
    requests = traffic.build(kind, max_requests)
    cpu_before, driver_before = server.cpu_seconds(), time.process_time()
    started = time.perf_counter()
    latencies, errors, elapsed, sent = await drive(endpoint, requests, concurrency, duration)
    replies: int | None = None
    busy: int | None = None
    end_to_end: float | None = None
    if wait_replies:
        urls = [r.response_url for r in requests[:sent]]
        await wait_until(lambda: traffic.answered(urls) == sent, within=60.0, every=0.02)
        finished = time.perf_counter()
        replies = traffic.answered(urls)
        busy = traffic.busy(urls)
        end_to_end = replies / (finished - started)
    cpu = server.cpu_seconds() - cpu_before
    driver = time.process_time() - driver_before
    return Level(
        server=server.name,
        kind=kind,
        concurrency=concurrency,
        requests=sent,
        errors=errors,
        seconds=round(elapsed, 2),
        rps=sent / elapsed,
        p50_ms=percentile(latencies, 50),
        p99_ms=percentile(latencies, 99),
        max_ms=max(latencies),
        cpu_ms_per_request=cpu * 1000 / max(sent, 1),
        driver_cpu_ms_per_request=driver * 1000 / max(sent, 1),
        replies=replies,
        busy=busy,
        end_to_end_rps=end_to_end,
    )


def start_servers(env: dict[str, str], profile: Path | None) -> tuple[ServerProcess, ServerProcess]:
    bot = ServerProcess.bot(env, profile=profile)
    bare = module_process("bare", "tests.bench.bare_app", env)
    try:
        return bot.wait_ready(), bare.wait_ready()
    except BaseException:
        bot.stop()
        bare.stop()
        raise


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    levels = [int(x) for x in args.levels.split(",")]
    bench = Bench.create(args.db, args.users)
    users = bench.users
    with emulators(users) as emu:
        add_task_lists(emu, users, title="Claim ")
        env = bench.env(emu)
        await bench.migrate_and_seed(env)
        profile = bench.workdir / "bot.prof" if args.profile else None
        bot, bare = start_servers(env, profile)
        with bot, bare:
            # The first poll of every link happens at start; let it pass before measuring.
            await bench.first_polls(within=30.0, required=False)
            traffic = Traffic(emu, users)
            results: list[Level] = []
            for concurrency in levels:
                for kind in args.kinds.split(","):
                    for server in (bare, bot):
                        log(f"{server.name} {kind} c={concurrency}")
                        results.append(
                            await run_level(
                                server,
                                traffic,
                                kind,
                                concurrency,
                                duration=args.duration,
                                max_requests=args.max_requests,
                                wait_replies=server is bot,
                            )
                        )
                emu.slack.reset(keep_users=True)  # drop recorded traffic between levels
            log(f"bot command c={args.slow_concurrency}, Questetra answering in {SLOW_LATENCY} s")
            emu.questetra.faults.set_latency(SLOW_LATENCY)
            slow = await run_level(
                bot,
                traffic,
                "command",
                args.slow_concurrency,
                duration=args.slow_duration,
                max_requests=args.slow_requests,
                wait_replies=False,
            )
            slow.server = f"bot, Questetra {SLOW_LATENCY:.0f} s"
            emu.questetra.faults.set_latency(0)
    if profile is not None:
        print_profile(profile)
    return report(bench.info, args, results, slow)


def report(
    info: dict[str, Any], args: argparse.Namespace, results: list[Level], slow: Level
) -> dict[str, Any]:
    rows = []
    ratios: dict[str, float] = {}
    by_key = {(r.server, r.kind, r.concurrency): r for r in results}
    kinds = [k for k in KINDS if any(r.kind == k for r in results)]
    for kind in kinds:
        for concurrency in sorted({r.concurrency for r in results}):
            bare, bot = by_key[("bare", kind, concurrency)], by_key[("bot", kind, concurrency)]
            ratio = bot.rps / bare.rps
            ratios[f"{kind}@{concurrency}"] = ratio
            rows.append(
                [
                    kind,
                    concurrency,
                    bare.rps,
                    bot.rps,
                    f"{ratio:.2f}",
                    bare.p50_ms,
                    bare.p99_ms,
                    bot.p50_ms,
                    bot.p99_ms,
                    bot.max_ms,
                    bare.cpu_ms_per_request,
                    bot.cpu_ms_per_request,
                    bare.driver_cpu_ms_per_request,
                    bot.end_to_end_rps or 0.0,
                    f"{100 * (bot.busy or 0) / max(bot.replies or 0, 1):.0f} %",
                    bare.errors + bot.errors,
                ]
            )
    headers = [
        "kind",
        "conc",
        "bare req/s",
        "bot req/s",
        "ratio",
        "bare p50 ms",
        "bare p99 ms",
        "bot p50 ms",
        "bot p99 ms",
        "bot max ms",
        "bare cpu ms/req",
        "bot cpu ms/req",
        "driver cpu ms/req (bare)",
        "bot answers/s",
        "busy answers",
        "errors",
    ]
    print(f"\nAck benchmark ({args.db}; {info['cores']} cores, Python {info['python']})")
    print(table(headers, rows))
    print(
        f"\nWith Questetra answering in {SLOW_LATENCY:.0f} s:\n"
        + table(
            ["scenario", "conc", "requests", "req/s", "p50 ms", "p99 ms", "max ms", "errors"],
            [
                [
                    slow.server,
                    slow.concurrency,
                    slow.requests,
                    slow.rps,
                    slow.p50_ms,
                    slow.p99_ms,
                    slow.max_ms,
                    slow.errors,
                ]
            ],
        )
    )
    top = max(r.concurrency for r in results)
    judged = [k for k in ("command", "action") if k in kinds]
    p99_top = max(by_key[("bot", kind, top)].p99_ms for kind in judged)
    # The goal "throughput >= 0.7 x bare" is retired (issue #19, docs/benchmarks.md): the ratios
    # are still printed, as information.
    goals = {
        f"p99 <= 300 ms at {top} concurrent": p99_top <= 300,
        "every ack < 3 s with Questetra at 5 s": slow.max_ms < 3000 and slow.errors == 0,
    }
    print()
    print_goals(goals)
    figures = {
        "levels": [asdict(r) for r in results],
        "slow_questetra": asdict(slow),
        "ratios": ratios,
    }
    return save_results("ack", info, args, figures, goals=goals)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = bench_parser(__doc__)
    parser.add_argument("--levels", default="1,10,50", help="concurrency levels")
    parser.add_argument("--kinds", default=",".join(KINDS), help="command,action,help")
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per level at most")
    parser.add_argument("--max-requests", type=int, default=3000, help="per level at most")
    parser.add_argument("--users", type=int, default=50, help="linked users sending requests")
    parser.add_argument("--slow-concurrency", type=int, default=50)
    parser.add_argument("--slow-requests", type=int, default=4000)
    parser.add_argument(
        "--slow-duration", type=float, default=8.0, help="seconds of the 5 s Questetra scenario"
    )
    parser.add_argument(
        "--profile", action="store_true", help="run the bot under cProfile and print the top"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    return asyncio.run(main_async(parse_args(argv)))


if __name__ == "__main__":
    main()
