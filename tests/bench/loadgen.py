"""An open-loop load generator for Slack requests and the ``response_url`` endpoint they answer to.

The driver sends pre-signed requests at given instants (Poisson arrivals, or a burst) whether or
not earlier ones were answered: the way Slack's users send them, unlike a closed loop of N
workers that slows down with the server and hides its queue. Each request goes over a raw
HTTP/1.1 keep-alive connection (taken from an idle list, or opened), because an httpx2 client
costs the driver about a millisecond of CPU per request and the driver shares two cores with the
server it measures.

The :class:`Receiver` is the ``response_url`` side: a uvicorn server in the driver's own event
loop that records, per request, when each answer arrived and what it was (a real answer, the
"working on it" note, "busy", or something else). Both sides read ``time.monotonic()`` in one
process, so "command sent → answer at response_url" is one clock.
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.types import Receive, Scope, Send

from bot.i18n import t


@dataclass
class Sent:
    """One request: its wire bytes, when it left, when its ack came, and with which status."""

    index: int
    raw: bytes
    sent_at: float = 0.0
    acked_at: float = 0.0
    status: int = 0


@dataclass
class Posts:
    """What reached one response_url: (arrival time, kind, text) in arrival order."""

    items: list[tuple[float, str, str]] = field(default_factory=list)

    def first(self, kind: str) -> float | None:
        return next((at for at, k, _ in self.items if k == kind), None)


def _texts(key: str, **params: Any) -> set[str]:
    return {t("en", key, **params), t("ja", key, **params)}


class Receiver:
    """Records every POST to ``/r/<index>``; answers 200 ``ok`` like Slack's response_url."""

    def __init__(self, *, real_marker: str) -> None:
        self.posts: dict[int, Posts] = {}
        self._real = real_marker
        self._busy = _texts("error.busy")
        self._note = self._note_texts()
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self.arrived = asyncio.Event()

    @staticmethod
    def _note_texts() -> set[str]:
        try:
            return _texts("working.note")
        except KeyError:  # a bot without the note
            return set()

    def url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.port}/r/{index}"

    def kind_of(self, body: dict[str, Any]) -> str:
        text = str(body.get("text") or "")
        if text in self._busy:
            return "busy"
        if text in self._note:
            return "note"
        if self._real in json.dumps(body.get("blocks") or []):
            return "answer"
        return "other"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        at = time.monotonic()
        raw = b"".join(chunks)
        try:
            index = int(scope["path"].rsplit("/", 1)[1])
            body = json.loads(raw)
        except (ValueError, IndexError):
            await _reply(send, 400, b"invalid_payload")
            return
        kind = self.kind_of(body) if isinstance(body, dict) else "other"
        text = str(body.get("text") or "") if isinstance(body, dict) else ""
        self.posts.setdefault(index, Posts()).items.append((at, kind, text))
        self.arrived.set()
        await _reply(send, 200, b"ok")

    async def start(self) -> Receiver:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self, log_level="warning", access_log=False, lifespan="on", timeout_keep_alive=300
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:  # noqa: ASYNC110 - uvicorn offers no event for it
            await asyncio.sleep(0.01)
        return self

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task

    def reset(self) -> None:
        self.posts = {}


async def _reply(send: Send, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def wire(host: str, port: int, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    """A whole HTTP/1.1 POST, ready to write."""
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    lines += [f"Content-Length: {len(body)}", "", ""]
    return "\r\n".join(lines).encode() + body


class Driver:
    """Sends pre-built requests to one server at given offsets (seconds from the start)."""

    def __init__(self, host: str, port: int, *, timeout: float = 30.0) -> None:
        self._host = host
        self._port = port
        self._timeout = timeout
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.errors = 0

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        while self._idle:
            reader, writer = self._idle.pop()
            if not writer.is_closing() and not reader.at_eof():
                return reader, writer
        reader, writer = await asyncio.open_connection(self._host, self._port)
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return reader, writer

    async def _exchange(self, request: Sent) -> None:
        for attempt in (1, 2):  # an idle connection the server closed meanwhile: once more
            reader, writer = await self._connection()
            try:
                writer.write(request.raw)
                status_line = await reader.readline()
                if not status_line:
                    raise ConnectionResetError("closed before the answer")
                status = int(status_line.split()[1])
                length = 0
                close = False
                while True:
                    line = await reader.readline()
                    if line in (b"\r\n", b"\n", b""):
                        break
                    name, _, value = line.partition(b":")
                    name = name.strip().lower()
                    if name == b"content-length":
                        length = int(value.strip())
                    elif name == b"connection" and value.strip().lower() == b"close":
                        close = True
                if length:
                    await reader.readexactly(length)
            except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
                writer.close()
                if attempt == 2 or request.acked_at:
                    raise
                continue
            request.status = status
            request.acked_at = time.monotonic()
            if close:
                writer.close()
            else:
                self._idle.append((reader, writer))
            return

    async def _one(self, request: Sent) -> None:
        request.sent_at = time.monotonic()
        try:
            async with asyncio.timeout(self._timeout):
                await self._exchange(request)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            self.errors += 1

    async def run(self, requests: Sequence[Sent], offsets: Sequence[float]) -> float:
        """Send ``requests[i]`` at ``offsets[i]`` seconds from now; wait for every ack. Returns
        the time the first one was sent."""
        started = time.monotonic()
        tasks = []
        for request, offset in zip(requests, offsets, strict=True):
            delay = started + offset - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(self._one(request)))
        await asyncio.gather(*tasks)
        return started

    async def close(self) -> None:
        for _reader, writer in self._idle:
            writer.close()
        self._idle = []


def poisson_offsets(rate: float, seconds: float, rng: random.Random) -> list[float]:
    """Arrival instants of a Poisson process of ``rate`` per second over ``seconds``."""
    offsets, at = [], 0.0
    while True:
        at += rng.expovariate(rate)
        if at >= seconds:
            return offsets
        offsets.append(at)


def burst_offsets(count: int, seconds: float) -> list[float]:
    """``count`` arrivals evenly spread over ``seconds``."""
    return [seconds * i / count for i in range(count)]
