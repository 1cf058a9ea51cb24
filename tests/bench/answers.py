"""Answers people feel (issue #19): a burst, open-loop capacity, and a peer to beat, in one run.

    python -m tests.bench.answers [--db sqlite|postgresql] [--rates 25,50,100,200,300,400]
                                  [--duration 20] [--burst 500] [--servers bot,peer]

Three servers' worth of the same work, measured the same way in one run:

* ``bot``: ``python -m bot serve`` with its production tuning;
* ``peer``: tests/bench/peer_app.py, a plain Bolt app doing the same work (its docstring says
  how it was written and why it is not a straw man).

Questetra is tests/bench/questetra_stub.py: the emulator's own answers for each user's two task
lists, recorded once and replayed by a separate process after 50–200 ms (``--latency``). Slack is
the fake Slack (``users.info``, ``auth.test``) plus a ``response_url`` receiver in this process
(tests/bench/loadgen.py), which records when each answer arrived and what it was.

1. **Burst** (goal 1): ``--burst`` `/questetra tasks` spread evenly over one second, once per
   server. Reported: real answers, lost (no answer within ``--grace`` seconds), "busy", "working
   on it" notes, and the time from the command to its real answer (p50/p99/max).
2. **Open loop** (goals 2–4): Poisson arrivals at each ``--rates`` level for ``--duration``
   seconds, servers interleaved level by level (the order alternates). Reported per level and
   server: answer latency p50/p99 (command sent → answer at ``response_url``), busy share, lost,
   server CPU per answer (``/proc/<pid>/stat`` over the level, until its last answer).
   A server *sustains* a rate when p99 ≤ 1 s, nothing is lost and nobody is told "busy"; the
   ratio compares the highest rate each sustains.

Every answer of a level is awaited (or counted lost) before the next level starts. The machine's
load average is recorded with every level, because other work on two cores moves the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tests.bench.common import (
    SIGNING_SECRET,
    TEAM_ID,
    BenchUser,
    ServerProcess,
    bench_parser,
    emulators,
    log,
    percentile,
    table,
    wait_until,
)
from tests.bench.harness import (
    Bench,
    add_task_lists,
    module_process,
    print_goals,
    save_results,
    stub_process,
)
from tests.bench.loadgen import Driver, Receiver, Sent, burst_offsets, poisson_offsets, wire
from tests.bench.profiling import PySpy, summarize_stacks
from tests.bench.questetra_stub import record
from tests.emulators.slack import SlackSigner

REAL_MARKER = "Claim "  # every seeded task's title starts with it: the answer lists tasks
P99_GOAL_S = 1.0


@dataclass
class Level:
    server: str
    scenario: str  # "burst" or "poisson"
    rate: float  # offered commands per second
    seconds: float  # of arrivals
    sent: int
    ack_errors: int
    ack_p99_ms: float
    answers: int  # real answers (the task list)
    busy: int
    notes: int  # "working on it" notes
    lost: int  # neither an answer nor "busy" within the grace period
    other: int  # anything else (an error message)
    p50_s: float
    p99_s: float
    max_s: float
    note_p50_s: float  # command → note
    cpu_ms_per_answer: float
    driver_cpu_ms: float
    rss_mib: float
    loadavg: float

    @property
    def sustained(self) -> bool:
        return self.p99_s <= P99_GOAL_S and self.lost == 0 and self.busy == 0 and not self.other


class Commands:
    """Signed `/questetra tasks` commands, each with its own response_url at the receiver."""

    def __init__(self, receiver: Receiver, users: list[BenchUser]) -> None:
        self.receiver = receiver
        self._users = users
        self._signer = SlackSigner(SIGNING_SECRET)
        self._next = 0

    def build(self, server: ServerProcess, n: int) -> list[Sent]:
        """``n`` commands to ``server`` as wire bytes, users taken in turn."""
        out = []
        for _ in range(n):
            index = self._next
            self._next += 1
            user = self._users[index % len(self._users)]
            body, headers = self._signer.slash_command(
                "tasks",
                user_id=user.slack_user_id,
                team_id=TEAM_ID,
                response_url=self.receiver.url(index),
            )
            raw = wire("127.0.0.1", server.port, "/slack/events", body.encode(), headers)
            out.append(Sent(index, raw))
        return out


async def run_level(
    server: ServerProcess,
    commands: Commands,
    offsets: list[float],
    *,
    scenario: str,
    rate: float,
    seconds: float,
    grace: float,
    profile: Path | None = None,
) -> Level:
    """Commands sent at ``offsets`` (s from now), every answer awaited for up to ``grace`` s,
    then the level's figures; ``profile``: py-spy's stacks of ``server`` written there."""
    receiver = commands.receiver
    requests = commands.build(server, len(offsets))
    driver = Driver("127.0.0.1", server.port)
    spy = PySpy(server.proc.pid, profile) if profile is not None else None
    cpu_before, driver_before = server.cpu_seconds(), time.process_time()
    await driver.run(requests, offsets)
    await driver.close()

    def settled() -> bool:
        return all(
            (posts := receiver.posts.get(r.index)) is not None
            and any(kind in ("answer", "busy", "other") for _, kind, _ in posts.items)
            for r in requests
            if r.status == 200
        )

    await wait_until(settled, within=grace, every=0.05)
    if spy is not None:
        spy.stop()
    cpu = server.cpu_seconds() - cpu_before
    driver_cpu = time.process_time() - driver_before
    latencies, note_latencies = [], []
    busy = notes = lost = other = 0
    for r in requests:
        posts = receiver.posts.get(r.index)
        answered = posts.first("answer") if posts else None
        if answered is not None:
            latencies.append(answered - r.sent_at)
        if posts and posts.first("busy") is not None:
            busy += 1
        if posts and (noted := posts.first("note")) is not None:
            notes += 1
            note_latencies.append(noted - r.sent_at)
        if posts and answered is None and any(k == "other" for _, k, _ in posts.items):
            other += 1
        if r.status == 200 and answered is None and not (posts and posts.first("busy")):
            lost += 1
    acks = [(r.acked_at - r.sent_at) * 1000 for r in requests if r.status == 200]
    return Level(
        server=server.name,
        scenario=scenario,
        rate=rate,
        seconds=seconds,
        sent=len(requests),
        ack_errors=sum(r.status != 200 for r in requests),
        ack_p99_ms=percentile(acks, 99),
        answers=len(latencies),
        busy=busy,
        notes=notes,
        lost=lost,
        other=other,
        p50_s=percentile(latencies, 50),
        p99_s=percentile(latencies, 99),
        max_s=max(latencies, default=float("nan")),
        note_p50_s=percentile(note_latencies, 50),
        cpu_ms_per_answer=cpu * 1000 / max(len(latencies), 1),
        driver_cpu_ms=driver_cpu * 1000 / max(len(requests), 1),
        rss_mib=server.status_kib("VmRSS") / 1024,
        loadavg=os.getloadavg()[0],
    )


async def warm_up(servers: list[ServerProcess], commands: Commands, n: int) -> None:
    """One command per user at 50/s: profiles cached, connections open, code paths warm."""
    for server in servers:
        log(f"warm-up {server.name}: {n} commands")
        offsets = [i / 50 for i in range(n)]
        await run_level(
            server, commands, offsets, scenario="warm-up", rate=50, seconds=n / 50, grace=60
        )


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    bench = Bench.create(args.db, args.users)
    users = bench.users
    names = args.servers.split(",")
    rates = [float(r) for r in args.rates.split(",")] if args.rates else []
    rng = random.Random(args.seed)  # arrival times
    levels: list[Level] = []
    with emulators(users) as emu:
        add_task_lists(emu, users, title=REAL_MARKER)  # as in the ack benchmark
        recorded = bench.workdir / "questetra.json"
        log(f"recorded {await record(emu.questetra_url, users, recorded)} Questetra answers")
        stub = stub_process(recorded, args.latency).wait_ready()
        servers: list[ServerProcess] = []
        receiver = await Receiver(real_marker=REAL_MARKER).start()
        try:
            env = bench.env(emu, log_level="WARNING")
            env["QUESTETRA_BASE_URL"] = stub.url + "/"
            await bench.migrate_and_seed(env)
            for name in names:
                if name == "bot":
                    process = ServerProcess.bot(env)
                else:
                    process = module_process("peer", "tests.bench.peer_app", env)
                servers.append(process.wait_ready())
            # The bot polls every link once at start: let that pass before measuring.
            await bench.first_polls(within=60.0, required=False)
            commands = Commands(receiver, users)
            await warm_up(servers, commands, len(users))
            if args.burst:
                for server in servers:
                    log(f"burst {server.name}: {args.burst} commands in 1 s")
                    offsets = burst_offsets(args.burst, 1.0)
                    levels.append(
                        await run_level(
                            server,
                            commands,
                            offsets,
                            scenario="burst",
                            rate=args.burst,
                            seconds=1.0,
                            grace=args.grace,
                        )
                    )
                    receiver.reset()
                    await asyncio.sleep(args.pause)
            for n, rate in enumerate(rates):
                order = servers if n % 2 == 0 else servers[::-1]
                for server in order:
                    log(f"poisson {server.name}: {rate:g}/s for {args.duration:g} s")
                    offsets = poisson_offsets(rate, args.duration, rng)
                    profile = (
                        bench.workdir / f"{server.name}-{rate:g}.stacks" if args.profile else None
                    )
                    levels.append(
                        await run_level(
                            server,
                            commands,
                            offsets,
                            scenario="poisson",
                            rate=rate,
                            seconds=args.duration,
                            grace=args.grace,
                            profile=profile,
                        )
                    )
                    if profile is not None and profile.exists():
                        print(
                            f"\n{server.name} at {rate:g}/s (py-spy):\n{summarize_stacks(profile)}"
                        )
                    receiver.reset()
                    await asyncio.sleep(args.pause)
        finally:
            await receiver.stop()
            for server in servers:
                server.stop()
            stub.stop()
    return report(bench.info, args, levels)


def sustained_rate(levels: list[Level], server: str) -> float:
    """The highest offered rate this server sustained (p99 ≤ 1 s, none lost, none busy)."""
    return max(
        (
            lv.rate
            for lv in levels
            if lv.server == server and lv.scenario == "poisson" and lv.sustained
        ),
        default=0.0,
    )


def report(info: dict[str, Any], args: argparse.Namespace, levels: list[Level]) -> dict[str, Any]:
    headers = [
        "scenario",
        "server",
        "rate/s",
        "sent",
        "answers",
        "lost",
        "busy",
        "notes",
        "p50 s",
        "p99 s",
        "max s",
        "ack p99 ms",
        "cpu ms/answer",
        "RSS MiB",
        "load",
    ]
    rows = [
        [
            lv.scenario,
            lv.server,
            lv.rate,
            lv.sent,
            lv.answers,
            lv.lost,
            lv.busy,
            lv.notes,
            lv.p50_s,
            lv.p99_s,
            lv.max_s,
            lv.ack_p99_ms,
            lv.cpu_ms_per_answer,
            lv.rss_mib,
            lv.loadavg,
        ]
        for lv in levels
    ]
    print(
        f"\nAnswers ({args.db}; Questetra {args.latency} s; {info['cores']} cores, "
        f"load {info['loadavg'][0]:.2f} at the start)"
    )
    print(table(headers, rows))
    goals: dict[str, bool] = {}
    bursts = {lv.server: lv for lv in levels if lv.scenario == "burst"}
    if "bot" in bursts:
        b = bursts["bot"]
        goals[f"burst of {b.sent}: every one answered, none busy, p99 <= 15 s"] = (
            b.answers == b.sent and b.busy == 0 and b.p99_s <= 15
        )
    at_100 = [
        lv for lv in levels if lv.server == "bot" and lv.scenario == "poisson" and lv.rate == 100
    ]
    if at_100:
        goals["100/s: 0 busy and p99 <= 1 s"] = at_100[0].sustained
    ours, peer = sustained_rate(levels, "bot"), sustained_rate(levels, "peer")
    ratio = ours / peer if peer else float("nan")
    if "peer" in args.servers.split(",") and args.rates:
        print(
            f"\nsustained (p99 <= 1 s, none lost or busy): bot {ours:g}/s, peer {peer:g}/s, ratio {ratio:.2f}"
        )
        goals["sustained rate >= 1.5 x the peer's"] = ratio >= 1.5
    cpu = [lv.cpu_ms_per_answer for lv in levels if lv.server == "bot" and lv.scenario == "poisson"]
    if cpu:
        goals["CPU per answer <= 2.5 ms (lowest level)"] = cpu[0] <= 2.5
    print()
    print_goals(goals)
    figures = {
        "levels": [asdict(lv) for lv in levels],
        "sustained": {"bot": ours, "peer": peer, "ratio": ratio},
    }
    return save_results("answers", info, args, figures, goals=goals)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = bench_parser(__doc__)
    parser.add_argument("--rates", default="25,50,100,200,300,400", help="Poisson levels, per s")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per level")
    parser.add_argument("--burst", type=int, default=500, help="commands in one second (0: none)")
    parser.add_argument("--servers", default="bot,peer", help="bot,peer")
    parser.add_argument("--users", type=int, default=200, help="linked users sending commands")
    parser.add_argument("--latency", default="0.05,0.2", help="Questetra's answer time, s")
    parser.add_argument("--grace", type=float, default=60.0, help="s to wait for a level's answers")
    parser.add_argument("--pause", type=float, default=2.0, help="s between levels")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument(
        "--profile", action="store_true", help="py-spy on each server during the Poisson levels"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency of the bot
        return asyncio.run(main_async(parse_args(argv)))
    return uvloop.run(main_async(parse_args(argv)))


if __name__ == "__main__":
    main()
