"""A real HTTP proxy on loopback for tests: what an enterprise's forward proxy does, small.

It takes absolute-form requests (``GET http://host:port/path HTTP/1.1``, RFC 9112 §3.2.2: how a
client asks a proxy for an ``http://`` URL) and ``CONNECT host:port`` tunnels (RFC 9110 §9.3.6:
how it asks for ``https://`` and ``wss://``), forwards them to the target and records what
passed through, ``Proxy-Authorization`` included. Forwarded requests go one per connection
(``Connection: close`` both ways), which keeps the relay a pair of byte pipes.
Runs its own event loop in a thread, so both in-process tests and ``python -m bot`` processes
can go through it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

_HOP_BY_HOP = {"proxy-authorization", "proxy-connection", "connection", "keep-alive"}


@dataclass(frozen=True)
class Passed:
    """One request the proxy carried: ``method`` and ``target`` as the client sent them (an
    absolute URL, or ``host:port`` for CONNECT), and its Proxy-Authorization, if any."""

    method: str
    target: str
    proxy_authorization: str | None

    @property
    def credentials(self) -> str | None:
        """``user:password`` of a Basic Proxy-Authorization."""
        scheme, _, value = (self.proxy_authorization or "").partition(" ")
        return base64.b64decode(value).decode() if scheme.lower() == "basic" else None


class LoopbackProxy:
    def __init__(self) -> None:
        self.seen: list[Passed] = []
        self.port = 0
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        # The loop keeps only weak references to tasks, and a stream's protocol drops its
        # handler task when the client disconnects: a relay still waiting on its target would
        # then be garbage, and collected mid-flight (asyncio.create_task's docs). Held here.
        self._handlers: set[asyncio.Task[None]] = set()
        self._thread = threading.Thread(target=self._run, name="loopback-proxy", daemon=True)

    def url(self, credentials: str | None = None) -> str:
        """``http://[credentials@]127.0.0.1:port``."""
        return f"http://{credentials + '@' if credentials else ''}127.0.0.1:{self.port}"

    def start(self) -> LoopbackProxy:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the loopback proxy did not start")
        return self

    def stop(self) -> None:
        """Ends every relay and the proxy's loop; a second call does nothing."""
        if self._thread.is_alive() and self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(10)
            if self._thread.is_alive():
                raise RuntimeError("the loopback proxy did not stop in 10 s")

    def _run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        async with server:
            await self._stop.wait()
            server.close()  # no new connection from here on
            for handler in self._handlers:
                handler.cancel()
            await asyncio.gather(*self._handlers, return_exceptions=True)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream: asyncio.StreamWriter | None = None
        handler = asyncio.current_task()
        assert handler is not None
        self._handlers.add(handler)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            line, *lines = head.decode("latin-1").split("\r\n")
            method, target, version = line.split(" ", 2)
            headers = [tuple(h.split(":", 1)) for h in lines if ":" in h]
            auth = next((v.strip() for k, v in headers if k.lower() == "proxy-authorization"), None)
            self.seen.append(Passed(method, target, auth))
            if method == "CONNECT":
                host, _, port = target.rpartition(":")
                up_reader, upstream = await asyncio.open_connection(host, int(port))
                writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
                await writer.drain()
                await _relay(reader, writer, up_reader, upstream, until_either=True)
                return
            url = urlsplit(target)
            up_reader, upstream = await asyncio.open_connection(url.hostname, url.port or 80)
            path = url.path or "/"
            # A WebSocket handshake (ws:// through the proxy) keeps its Connection: Upgrade and
            # then stays open both ways, like a tunnel.
            upgrade = any(k.strip().lower() == "upgrade" for k, _ in headers)
            dropped = _HOP_BY_HOP - ({"connection"} if upgrade else set())
            kept = [f"{k}:{v}" for k, v in headers if k.strip().lower() not in dropped]
            request = [f"{method} {path}{'?' + url.query if url.query else ''} {version}", *kept]
            ending = ["", ""] if upgrade else ["Connection: close", "", ""]
            upstream.write("\r\n".join([*request, *ending]).encode("latin-1"))
            await upstream.drain()
            await _relay(reader, writer, up_reader, upstream, until_either=upgrade)
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        except asyncio.CancelledError:
            # stop(): the handler is its task's outermost frame, so it may end quietly (on
            # Python 3.11 the stream's done-callback calls exception() on a cancelled task).
            pass
        finally:
            for stream in (upstream, writer):
                if stream is not None:
                    stream.close()
                    with contextlib.suppress(ConnectionError):
                        await stream.wait_closed()
            self._handlers.discard(handler)


async def _relay(
    client_reader: asyncio.StreamReader,
    client_writer: asyncio.StreamWriter,
    up_reader: asyncio.StreamReader,
    up_writer: asyncio.StreamWriter,
    *,
    until_either: bool,
) -> None:
    """Bytes both ways; ends when the target closes (or, for a tunnel, either side does)."""
    up = asyncio.ensure_future(_pipe(client_reader, up_writer))
    down = asyncio.ensure_future(_pipe(up_reader, client_writer))
    try:
        if until_either:
            await asyncio.wait({up, down}, return_when=asyncio.FIRST_COMPLETED)
        else:
            await down
    finally:
        for task in (up, down):
            task.cancel()
        await asyncio.gather(up, down, return_exceptions=True)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
