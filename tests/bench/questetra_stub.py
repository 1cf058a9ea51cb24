"""Questetra's answers, recorded from the emulator and replayed with a latency, in a process.

``python -m tests.bench.questetra_stub --recorded FILE --port N [--latency 0.05,0.2]``

The capacity benchmark (tests/bench/answers.py) sends hundreds of commands a second, each making
two Questetra calls. The emulator (tests/emulators/questetra) would spend more CPU per call than
the bot under test, on the same two cores; so the benchmark asks the emulator once per user and
list, records its answers byte for byte (:func:`record`), and this process replays them: the
answer to ``GET <path>`` with a given ``Authorization`` header (the query is ignored, as a real
tenant ignores paging on these lists), after a delay drawn uniformly from the latency range.
Unknown credentials get 401, unknown paths 404, like the emulator.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
from pathlib import Path
from typing import Any

import httpx2
import uvicorn
from starlette.types import Receive, Scope, Send

from tests.bench.common import BenchUser

PATHS = ("API/PE/Workitem/listAllocated", "API/PE/Workitem/listOffered")


async def record(base_url: str, users: list[BenchUser], target: Path) -> int:
    """Ask the emulator at ``base_url`` for every user's two lists; write them to ``target``."""
    answers: dict[str, str] = {}
    async with httpx2.AsyncClient(base_url=base_url, timeout=30.0) as http:
        for user in users:
            auth = httpx2.BasicAuth(user.email, user.api_password)
            for path in PATHS:
                response = await http.get(path, auth=auth, params={"limit": 1000, "start": 0})
                response.raise_for_status()
                header = response.request.headers["authorization"]
                answers[f"/{path} {header}"] = response.text
    await asyncio.to_thread(target.write_text, json.dumps(answers))
    return len(answers)


class Replay:
    def __init__(self, answers: dict[str, str], low: float, high: float, seed: int = 7) -> None:
        self._answers = {key: body.encode() for key, body in answers.items()}
        self._paths = {key.split(" ", 1)[0] for key in answers}
        self._low, self._high = low, high
        self._rng = random.Random(seed)  # latencies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                kind = message["type"].removeprefix("lifespan.")
                await send({"type": f"lifespan.{kind}.complete"})
                if kind == "shutdown":
                    return
        path = scope["path"]
        if path == "/healthz":
            await _send(send, 200, b"ok", b"text/plain")
            return
        auth = next((v for k, v in scope["headers"] if k == b"authorization"), b"").decode()
        body = self._answers.get(f"{path} {auth}")
        if self._high > 0:
            await asyncio.sleep(self._rng.uniform(self._low, self._high))
        if body is not None:
            await _send(send, 200, body, b"application/json")
        elif path in self._paths:
            await _send(send, 401, b'{"errors":[]}', b"application/json")
        else:
            await _send(send, 404, b"", b"text/plain")


async def _send(send: Send, status: int, body: bytes, content_type: bytes) -> None:
    headers: list[Any] = [
        (b"content-type", content_type),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recorded", required=True, help="JSON file written by record()")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency", default="0.05,0.2", help="low,high seconds (uniform)")
    args = parser.parse_args()
    low, high = (float(x) for x in args.latency.split(","))
    app = Replay(json.loads(Path(args.recorded).read_text()), low, high)
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        timeout_keep_alive=300,
        backlog=4096,
    )


if __name__ == "__main__":
    main()
