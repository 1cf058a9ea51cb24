"""Run an ASGI app as a real HTTP server on loopback, in a thread with its own event loop.

A thread (not a task in the test's loop) keeps the server independent of whatever the test loop is
doing: a handler that blocks the bot cannot stall the emulator, and session-scoped servers outlive
function-scoped event loops.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn


class LoopbackServer:
    """A uvicorn server bound to 127.0.0.1 on a free port."""

    def __init__(self, app: Any, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Without it every small answer waits ~40 ms for delayed ACKs on loopback.
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock.bind((host, port))
        self.host, self.port = self._sock.getsockname()[:2]
        # Idle keep-alive connections stay open for minutes, not uvicorn's 5 s: on a loaded machine
        # a test's pause must not decide whether a client reuses its connection.
        config = uvicorn.Config(
            app, log_level="warning", access_log=False, lifespan="auto", timeout_keep_alive=300
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name=f"loopback-{self.port}", daemon=True)

    @property
    def url(self) -> str:
        """Base URL with a trailing slash, e.g. ``http://127.0.0.1:41234/``."""
        return f"http://{self.host}:{self.port}/"

    def _run(self) -> None:
        asyncio.run(self._server.serve(sockets=[self._sock]))

    def start(self, timeout: float = 10.0) -> LoopbackServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("loopback server thread died during start-up")
            if time.monotonic() > deadline:
                raise TimeoutError("loopback server did not start")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)
        self._sock.close()


@contextmanager
def serve(app: Any) -> Iterator[LoopbackServer]:
    """Context manager: ``with serve(app) as server: httpx2.get(server.url + "healthz")``."""
    server = LoopbackServer(app).start()
    try:
        yield server
    finally:
        server.stop()
