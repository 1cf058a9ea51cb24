"""Socket Mode on the fake Slack: `apps.connections.open` and a WebSocket a test pushes
envelopes through, collecting the app's acks (the real protocol's hello / envelope / ack)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from typing import Any

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect


class SocketModePeer:
    """The Slack side of Socket Mode. Thread-safe: the server runs in its own thread."""

    def __init__(self, app_token: str = "xapp-1-A0001-test") -> None:  # noqa: S107 - a fake
        self.app_token = app_token
        self._lock = threading.Lock()
        self._outbox: list[dict[str, Any]] = []
        self._acks: dict[str, dict[str, Any]] = {}
        self.connections = 0  # open right now
        # Connections ever opened (the hello sent). The newest alone is sent envelopes: a
        # connection an earlier app closed may not be over on this side yet (the server thread
        # sees the close when it gets to it), and what it took would be lost.
        self.opened = 0

    def send(
        self,
        envelope_type: str,
        payload: dict[str, Any],
        *,
        retry_attempt: int = 0,
        envelope_id: str | None = None,
    ) -> str:
        """Queue an envelope for the connected app; returns its envelope id."""
        envelope_id = envelope_id or uuid.uuid4().hex
        envelope = {
            "envelope_id": envelope_id,
            "type": envelope_type,
            "payload": payload,
            "accepts_response_payload": envelope_type != "events_api",
            "retry_attempt": retry_attempt,
            "retry_reason": "timeout" if retry_attempt else "",
        }
        with self._lock:
            self._outbox.append(envelope)
        return envelope_id

    def ack(self, envelope_id: str) -> dict[str, Any] | None:
        with self._lock:
            return self._acks.get(envelope_id)

    async def wait_for_ack(self, envelope_id: str, within: float = 5.0) -> dict[str, Any]:
        deadline = time.monotonic() + within
        while (ack := self.ack(envelope_id)) is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"no ack for envelope {envelope_id}")
            await asyncio.sleep(0.01)
        return ack

    async def wait_connected(self, within: float = 5.0, *, after: int = 0) -> None:
        """Wait for a connection opened after ``after`` (an earlier value of ``opened``): the
        one the app under test opened, not one an earlier test's app is still closing."""
        deadline = time.monotonic() + within
        while self.opened <= after or self.connections == 0:
            if time.monotonic() > deadline:
                raise AssertionError("the app did not connect over Socket Mode")
            await asyncio.sleep(0.01)

    def _take(self, serial: int) -> dict[str, Any] | None:
        """The next envelope, for the newest connection only."""
        with self._lock:
            if serial != self.opened or not self._outbox:
                return None
            return self._outbox.pop(0)

    def _put_back(self, envelope: dict[str, Any]) -> None:
        with self._lock:
            self._outbox.insert(0, envelope)

    def _record_ack(self, message: dict[str, Any]) -> None:
        with self._lock:
            self._acks[str(message.get("envelope_id"))] = message

    async def endpoint(self, websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text(
            json.dumps(
                {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0001"}}
            )
        )
        with self._lock:
            self.connections += 1
            self.opened += 1
            serial = self.opened

        async def pump() -> None:
            while True:
                envelope = self._take(serial)
                if envelope is None:
                    await asyncio.sleep(0.01)
                    continue
                try:
                    await websocket.send_text(json.dumps(envelope))
                except Exception:
                    self._put_back(envelope)  # not sent: for the next connection
                    raise

        sender = asyncio.create_task(pump())
        try:
            while True:
                text = await websocket.receive_text()
                try:
                    message = json.loads(text)
                except ValueError:
                    continue
                if isinstance(message, dict) and "envelope_id" in message:
                    self._record_ack(message)
        except WebSocketDisconnect:
            pass
        finally:
            sender.cancel()
            # Awaited: a send that failed (the app gone) is this connection's end, not an error
            # for the server's loop to report when it collects the task.
            await asyncio.gather(sender, return_exceptions=True)
            with self._lock:
                self.connections -= 1

    def route(self) -> WebSocketRoute:
        return WebSocketRoute("/socket-mode", self.endpoint)
