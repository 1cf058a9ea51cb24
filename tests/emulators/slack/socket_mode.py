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
        self.connections = 0

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

    async def wait_connected(self, within: float = 5.0) -> None:
        deadline = time.monotonic() + within
        while self.connections == 0:
            if time.monotonic() > deadline:
                raise AssertionError("the app did not connect over Socket Mode")
            await asyncio.sleep(0.01)

    def _take(self) -> list[dict[str, Any]]:
        with self._lock:
            out, self._outbox = self._outbox, []
        return out

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

        async def pump() -> None:
            while True:
                for envelope in self._take():
                    await websocket.send_text(json.dumps(envelope))
                await asyncio.sleep(0.01)

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
            with self._lock:
                self.connections -= 1

    def route(self) -> WebSocketRoute:
        return WebSocketRoute("/socket-mode", self.endpoint)
