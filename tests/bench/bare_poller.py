"""The baseline of the poll benchmark: a bare httpx2 loop doing what one poll of one user does.

``python -m tests.bench.bare_poller --base URL --users N --concurrency 16``

For every user of ``make_users(N)``: ``API/PE/Workitem/listAllocated`` and ``listOffered`` at the
same time, Basic auth with the user's API password, ``limit=1000``, the JSON read. At most
``concurrency`` users at once, like the bot's poller. Prints one JSON line with the timing.
``--transport aiohttp`` sends the GETs through the bot's own transport
(``bot.questetra.client.AiohttpTransport``), ``sharded`` through the earlier four small pools
(``ShardedTransport``), ``httpx2`` (the default) through httpx2's default single pool. The CPU
reported is the polling's own (``time.process_time`` around it, start-up excluded).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import httpx2

from bot.questetra.client import AiohttpTransport, ShardedTransport
from tests.bench.common import BenchUser, make_users

PATHS = ("API/PE/Workitem/listAllocated", "API/PE/Workitem/listOffered")


async def poll_all(
    base: str, users: list[BenchUser], concurrency: int, *, transport_kind: str = "httpx2"
) -> dict[str, float]:
    queue: asyncio.Queue[BenchUser] = asyncio.Queue()
    for user in users:
        queue.put_nowait(user)
    failures = 0
    tasks = 0
    transport: httpx2.AsyncBaseTransport | None = None
    if transport_kind == "sharded":
        transport = ShardedTransport()
    elif transport_kind == "aiohttp":
        transport = AiohttpTransport()
    timeout = httpx2.Timeout(10.0, connect=5.0)
    async with httpx2.AsyncClient(base_url=base, timeout=timeout, transport=transport) as http:

        async def one(user: BenchUser) -> None:
            nonlocal failures, tasks
            auth = httpx2.BasicAuth(user.email, user.api_password)
            responses = await asyncio.gather(
                *(http.get(p, auth=auth, params={"limit": 1000, "start": 0}) for p in PATHS)
            )
            for response in responses:
                if response.status_code != 200:
                    failures += 1
                    continue
                tasks += len(response.json().get("workitems", []))

        async def worker() -> None:
            while not queue.empty():
                await one(queue.get_nowait())

        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu
    return {
        "cpu_seconds": cpu,
        "users": len(users),
        "seconds": elapsed,
        "users_per_second": len(users) / elapsed,
        "failures": failures,
        "tasks_seen": tasks,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="Questetra base URL (with trailing slash)")
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--transport", choices=["httpx2", "sharded", "aiohttp"], default="httpx2")
    args = parser.parse_args()
    users = make_users(args.users)
    result = asyncio.run(
        poll_all(args.base, users, args.concurrency, transport_kind=args.transport)
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
