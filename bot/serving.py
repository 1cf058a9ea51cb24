"""HTTP serving concerns in front of the routes: request body limits, the /metrics guard, and
the separate /metrics listener (issue #16 items 2 and 10).

Body limits are enforced in ONE ASGI middleware, before any route reads a body and before any
signature is verified: a ``Content-Length`` above the route's limit is refused with 413 without
reading a byte, and a streamed (chunked) body is cut off with 413 as soon as it passes the limit.
So no route, present or future, can be made to hold an attacker's 40 MiB in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
from collections.abc import Generator

import structlog
import uvicorn
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.stdlib.get_logger(__name__)

# Slack's largest payloads (view submissions with big forms) stay far below 1 MiB.
MAX_SLACK_BODY = 1024 * 1024
# A workflow's push: title, text, a process id, an e-mail.
MAX_HOOK_BODY = 16 * 1024
# Everything else (GET pages, the OAuth callbacks, health) has no business sending a body.
MAX_OTHER_BODY = 8 * 1024


def body_limit(path: str) -> int:
    """The largest request body accepted on ``path``, in bytes."""
    if path == "/slack/events":
        return MAX_SLACK_BODY
    if path.startswith("/hooks/"):
        return MAX_HOOK_BODY
    return MAX_OTHER_BODY


class _TooLarge(Exception):
    pass


async def _send_413(send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b"payload too large"})


class BodyLimitMiddleware:
    """413 for a body above :func:`body_limit`, decided before the route reads it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope.get("path", ""))
        for name, value in scope.get("headers") or []:
            if name == b"content-length" and (not value.isdigit() or int(value) > limit):
                await _send_413(send)
                return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await _send_413(send)


def bearer_matches(header: str | None, token: str) -> bool:
    """``Authorization: Bearer <token>`` carries exactly ``token`` (constant-time compare)."""
    if not header:
        return False
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


class _ListenerServer(uvicorn.Server):
    """A uvicorn server started from the main app's lifespan: the main server owns the signals
    (its shutdown runs the lifespan's end, which stops this one)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class MetricsListener:
    """``/metrics`` alone on ``METRICS_HOST:METRICS_PORT`` (e.g. a loopback or cluster-internal
    address that only Prometheus reaches), so the public listener does not serve it at all."""

    def __init__(self, route: Route, *, host: str, port: int) -> None:
        app = Starlette(routes=[route])
        app.router.redirect_slashes = False  # exact paths, as on PORT (bot.web.exact_paths)
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_config=None,
            access_log=False,
            lifespan="off",
        )
        self.host, self.port = host, port
        self._server = _ListenerServer(config)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Listen, or raise OSError (the port taken, the address not local)."""
        self._task = asyncio.create_task(self._run())
        while not self._server.started:
            if self._task.done():
                self._task.result()  # raises
            await asyncio.sleep(0.02)
        log.info("metrics.listening", host=self.host, port=self.port)

    async def _run(self) -> None:
        try:
            await self._server.serve()
        except SystemExit:  # uvicorn exits when it cannot bind
            raise OSError(
                f"cannot listen on METRICS_HOST:METRICS_PORT ({self.host}:{self.port}): is the "
                "port taken, or the address not one of this machine's?"
            ) from None

    async def stop(self) -> None:
        if self._task is None:
            return
        self._server.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._task, timeout=5)
