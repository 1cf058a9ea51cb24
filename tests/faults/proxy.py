"""A small TCP proxy for fault injection, in a thread with its own event loop.

Put it between the bot and anything it talks to (the Questetra emulator, the fake Slack,
PostgreSQL) and break the network on purpose while a test runs::

    with TcpProxy("127.0.0.1", 5432) as proxy:   # listens on 127.0.0.1:<free port>
        url = f"postgresql://postgres@{proxy.host}:{proxy.port}/db"
        proxy.set_latency(0.2)   # every chunk waits 0.2 s before it is forwarded (both ways)
        proxy.reset()            # RST every live connection now (SO_LINGER 0), once
        proxy.refuse()           # stop listening: new connections get ECONNREFUSED
        proxy.blackhole()        # accept and read, forward nothing (a network partition)
        proxy.cut_responses(1, match=b"chat.postMessage")
                                 # that request reaches the server; its answer is replaced by
                                 # a RST (the "done, but the client never heard" fault)
        proxy.heal()             # a plain pipe again, on the same port

Like tests/emulators/server.py it runs in a thread (not in the test's loop): a test blocked on
a hung connection cannot stall the proxy, and the proxy outlives function-scoped event loops.
Every control call returns once the proxy's loop has applied it.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar

T = TypeVar("T")

_CHUNK = 65536
_CALL_TIMEOUT = 5.0


def _abort(writer: asyncio.StreamWriter | None) -> None:
    """Close abruptly: SO_LINGER 0 makes close() send RST instead of FIN."""
    if writer is None:
        return
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def _nodelay(writer: asyncio.StreamWriter) -> None:
    # Without it every small answer waits ~40 ms for delayed ACKs on loopback.
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


@dataclass(eq=False)
class _Pipe:
    """One accepted client connection and its upstream connection."""

    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter | None = None
    tainted: bool = False  # bytes were swallowed: this byte stream is broken for good
    cut_next: bool = False  # the next answer from upstream is replaced by a RST

    def abort(self) -> None:
        _abort(self.client)
        _abort(self.upstream)

    async def close(self) -> None:
        for writer in (self.client, self.upstream):
            if writer is None:
                continue
            if not writer.transport.is_closing():
                writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()


@dataclass
class _Cut:
    remaining: int
    match: bytes | None


class TcpProxy:
    """Forwards 127.0.0.1:<port> to ``target_host:target_port``; faults switch on at runtime."""

    def __init__(self, target_host: str, target_port: int, *, host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.host = host
        self._sock: socket.socket | None = self._bind(0)
        self.port: int = self._sock.getsockname()[1]
        self.accepted = 0  # connections accepted so far (any mode)
        self._latency = 0.0
        self._blackhole = False
        self._cuts: list[_Cut] = []
        self._pipes: set[_Pipe] = set()
        self._handlers: set[asyncio.Task[None]] = set()
        self._server: asyncio.AbstractServer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=f"proxy-{self.port}", daemon=True)

    # ------------------------------------------------------------------ life cycle

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>/`` (for HTTP targets)."""
        return f"http://{self.host}:{self.port}/"

    def start(self, timeout: float = 10.0) -> TcpProxy:
        self._thread.start()
        if not self._ready.wait(timeout):
            raise TimeoutError("proxy did not start")
        if self._failure is not None:
            raise RuntimeError("proxy failed to start") from self._failure
        return self

    def stop(self, timeout: float = 10.0) -> None:
        if self._loop is not None and self._stop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout)
        if self._sock is not None:  # never handed to a server
            self._sock.close()
            self._sock = None

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # noqa: BLE001 - reported to start()
            self._failure = exc
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        await self._listen()
        self._ready.set()
        await self._stop.wait()
        await self._close_listener()
        for pipe in list(self._pipes):
            pipe.abort()
        if self._handlers:
            _done, late = await asyncio.wait(self._handlers, timeout=2)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    # ------------------------------------------------------------------ controls (any thread)

    def set_latency(self, seconds: float) -> None:
        """Delay every chunk by ``seconds`` before forwarding it, both ways (0 clears it)."""
        self._apply(lambda: setattr(self, "_latency", max(0.0, float(seconds))))

    def reset(self) -> int:
        """Abort every live connection, both sides, with a RST; the number reset."""

        def run() -> int:
            pipes = list(self._pipes)
            for pipe in pipes:
                pipe.abort()
            return len(pipes)

        return self._apply(run)

    def refuse(self) -> None:
        """Close the listening socket: new connections are refused (live ones carry on)."""
        self._apply_async(self._close_listener)

    def blackhole(self) -> None:
        """Forward nothing more, either way, on live and new connections (bytes are swallowed)."""
        self._apply(lambda: setattr(self, "_blackhole", True))

    def cut_responses(self, count: int = 1, *, match: bytes | None = None) -> None:
        """The next ``count`` requests (client chunks containing ``match``, or any chunk) reach
        the server; the first bytes of each answer are replaced by a RST to the client."""
        self._apply(lambda: self._cuts.append(_Cut(count, match)))

    def heal(self) -> None:
        """A plain pipe again: no latency, no pending cuts, listening on the same port.

        Connections that lost bytes to the blackhole are reset: the partition is over and the
        peers have forgotten them (what a client sees once its TCP retransmissions give up)."""

        async def run() -> None:
            self._latency = 0.0
            self._blackhole = False
            self._cuts.clear()
            for pipe in list(self._pipes):
                if pipe.tainted:
                    pipe.abort()
            if self._server is None:
                await self._listen()

        self._apply_async(run)

    @property
    def live(self) -> int:
        """Connections open right now."""
        return self._apply(lambda: len(self._pipes))

    def _apply(self, fn: Callable[[], T]) -> T:
        async def run() -> T:
            return fn()

        return self._apply_async(run)

    def _apply_async(self, fn: Callable[[], Coroutine[Any, Any, T]]) -> T:
        if self._loop is None:
            raise RuntimeError("proxy not started")
        return asyncio.run_coroutine_threadsafe(fn(), self._loop).result(_CALL_TIMEOUT)

    # ------------------------------------------------------------------ listening

    def _bind(self, port: int) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, port))
        except OSError:
            sock.close()
            raise
        return sock

    async def _listen(self) -> None:
        sock, self._sock = self._sock or self._bind(self.port), None
        self._server = await asyncio.start_server(self._handle, sock=sock)

    async def _close_listener(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            # close() stops listening at once. Not wait_closed(): since Python 3.12.1 it also
            # waits for the live connections, which refuse() keeps on purpose (and stop()
            # aborts right after).
            server.close()

    # ------------------------------------------------------------------ forwarding

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        self.accepted += 1
        _nodelay(writer)
        pipe = _Pipe(writer)
        self._pipes.add(pipe)
        try:
            if self._blackhole:
                pipe.tainted = True
                await self._pump(pipe, reader, None, upstream=True)
                return
            try:
                up_reader, up_writer = await asyncio.open_connection(*self.target)
            except OSError:
                pipe.abort()  # the target is down: so is the proxy, for this client
                return
            pipe.upstream = up_writer
            _nodelay(up_writer)
            pumps = {
                asyncio.create_task(self._pump(pipe, reader, up_writer, upstream=True)),
                asyncio.create_task(self._pump(pipe, up_reader, writer, upstream=False)),
            }
            try:
                await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for pump in pumps:
                    pump.cancel()
                await asyncio.gather(*pumps, return_exceptions=True)
        finally:
            self._pipes.discard(pipe)
            await pipe.close()
            if task is not None:
                self._handlers.discard(task)

    async def _pump(
        self,
        pipe: _Pipe,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter | None,
        *,
        upstream: bool,
    ) -> None:
        try:
            while True:
                data = await reader.read(_CHUNK)
                if not data:
                    return
                if self._latency > 0:
                    await asyncio.sleep(self._latency)
                if self._blackhole or writer is None:
                    pipe.tainted = True
                    continue
                if not upstream and pipe.cut_next:
                    pipe.abort()
                    return
                writer.write(data)
                if upstream and self._take_cut(data):
                    pipe.cut_next = True
                await writer.drain()
        except (ConnectionError, OSError):
            return

    def _take_cut(self, data: bytes) -> bool:
        for cut in self._cuts:
            if cut.remaining > 0 and (cut.match is None or cut.match in data):
                cut.remaining -= 1
                return True
        return False
