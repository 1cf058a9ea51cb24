"""What one request waiting in the post-ack line costs in memory (issue #19, the shedding bound).

    python -m tests.bench.queue_memory [--requests 2000]

The bot is built in this process (``create_app``, SQLite, the fake Slack on loopback, no
background jobs), every slot of its post-ack gate is taken, and ``--requests`` signed
`/questetra tasks` commands are sent through ASGI: each is acked and waits in line with its
parsed payload, its Bolt request and context, its listener task and its "working on it" timer.
Reported: RSS and traced Python memory (``tracemalloc``) before and after, per waiting request,
and what the line's bound (``Tuning.post_ack_queue``) costs at most.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import tracemalloc
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx2

from bot.app import Tuning, create_app
from bot.config import load_settings
from tests.bench.common import (
    BOT_TOKEN,
    SIGNING_SECRET,
    bench_parser,
    log,
    machine,
    new_encryption_key,
    table,
    work_dir,
)
from tests.bench.harness import save_results
from tests.emulators.server import LoopbackServer
from tests.emulators.slack import FakeSlack, SlackSigner
from tests.emulators.slack import create_app as create_slack_app
from tests.emulators.slack.defaults import TEAM_ID


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    info = machine()
    workdir = work_dir()
    fake = FakeSlack(bot_token=BOT_TOKEN, team_id=TEAM_ID, team_name="Acme")
    slack = LoopbackServer(create_slack_app(fake)).start()
    fake.base_url = slack.url
    settings = load_settings(
        {
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_API_URL": fake.api_url,
            "QUESTETRA_BASE_URL": "http://127.0.0.1:9/",
            "QUESTETRA_BASIC_AUTH": "true",
            "BOT_ENCRYPTION_KEYS": new_encryption_key(),
            "DATABASE_URL": f"sqlite:///{workdir / 'queue.db'}",
            "BOT_PUBLIC_URL": "http://127.0.0.1:3000",
        }
    )
    # The note stays armed (its timer is part of the cost) but does not fire while measuring.
    tuning = replace(Tuning(), post_ack_queue=args.requests + 1, late_note_after=3600)
    app = create_app(settings, background_jobs=False, tuning=tuning)
    signer = SlackSigner(SIGNING_SECRET)
    bodies = [
        signer.slash_command(
            "tasks", user_id=f"UQ{n:06d}", response_url=f"{fake.base_url}response/none{n}"
        )
        for n in range(args.requests)
    ]
    try:
        async with (
            app.router.lifespan_context(app),
            httpx2.AsyncClient(
                transport=httpx2.ASGITransport(app=app), base_url="http://bot.test"
            ) as bot,
        ):
            gate = app.state.gate
            for _ in range(gate.slots):
                await gate.enter()  # the work ahead: every slot taken
            warm = signer.slash_command("help", user_id="UWARM")
            await bot.post("/slack/events", content=warm[0], headers=warm[1])
            gc.collect()
            tracemalloc.start()
            traced_before, rss_before = tracemalloc.get_traced_memory()[0], rss_kib()
            log(f"{args.requests} commands into the line")
            for body, headers in bodies:
                response = await bot.post("/slack/events", content=body, headers=headers)
                assert response.status_code == 200
            await asyncio.sleep(0.1)
            gc.collect()
            waiting = gate.waiting
            traced_after, rss_after = tracemalloc.get_traced_memory()[0], rss_kib()
            tracemalloc.stop()
            for _ in range(gate.slots + waiting):
                gate.leave()
    finally:
        slack.stop()
    traced_kib = (traced_after - traced_before) / 1024 / max(waiting, 1)
    rss_per = (rss_after - rss_before) / max(waiting, 1)
    bound = Tuning().post_ack_queue
    print(f"\nA request waiting in the post-ack line ({waiting} waiting)")
    print(
        table(
            [
                "measure",
                "before KiB",
                "after KiB",
                "KiB per waiting request",
                f"at the bound ({bound}) MiB",
            ],
            [
                ["RSS", rss_before, rss_after, rss_per, rss_per * bound / 1024],
                [
                    "traced Python objects",
                    traced_before // 1024,
                    traced_after // 1024,
                    traced_kib,
                    traced_kib * bound / 1024,
                ],
            ],
        )
    )
    figures = {
        "waiting": waiting,
        "rss_kib_per_request": rss_per,
        "traced_kib_per_request": traced_kib,
        "bound": bound,
    }
    return save_results("queue_memory", info, args, figures, name="queue-memory")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = bench_parser(__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    return asyncio.run(main_async(parse_args(argv)))


if __name__ == "__main__":
    main()
