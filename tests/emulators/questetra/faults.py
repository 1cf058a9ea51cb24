"""Fault switches: latency, error statuses and torn-down connections, by path prefix."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Literal


@dataclass
class _Rule:
    prefix: str
    remaining: int
    kind: Literal["fail", "reset"]
    status: int = 503
    after_processing: bool = False


@dataclass(frozen=True)
class FaultPlan:
    """What to do to one request."""

    latency: float = 0.0
    action: Literal["fail", "reset"] | None = None
    status: int = 0
    after_processing: bool = False


class Faults:
    """Thread-safe fault switches. Prefixes are relative to the tenant base ("/API/", "/oauth2/").

    Rules fire in the order they were added; each ``fail_next``/``reset_next`` call covers the
    next ``n`` matching requests. Paths under ``/_emulator/`` are never affected.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latency: dict[str, float] = {}
        self._rules: list[_Rule] = []

    def set_latency(self, seconds: float, path_prefix: str = "/API/") -> None:
        """Delay every matching request by ``seconds`` (0 clears this prefix)."""
        with self._lock:
            if seconds <= 0:
                self._latency.pop(_norm(path_prefix), None)
            else:
                self._latency[_norm(path_prefix)] = float(seconds)

    def fail_next(self, n: int, status: int = 503, path_prefix: str = "/API/") -> None:
        """Answer the next ``n`` matching requests with ``status`` and a small HTML page."""
        with self._lock:
            self._rules.append(_Rule(_norm(path_prefix), n, "fail", status))

    def reset_next(
        self, n: int, path_prefix: str = "/API/", *, after_processing: bool = False
    ) -> None:
        """Tear down the connection of the next ``n`` matching requests mid-response.

        With ``after_processing`` the request takes effect first (the answer is what gets
        lost), which is how a client learns to stay idempotent.
        """
        with self._lock:
            self._rules.append(_Rule(_norm(path_prefix), n, "reset", 0, after_processing))

    def clear(self) -> None:
        with self._lock:
            self._latency.clear()
            self._rules.clear()

    def take(self, path: str) -> FaultPlan:
        """Plan for a request to ``path``, consuming one matching rule."""
        with self._lock:
            latency = max((s for p, s in self._latency.items() if path.startswith(p)), default=0.0)
            for rule in self._rules:
                if rule.remaining > 0 and path.startswith(rule.prefix):
                    rule.remaining -= 1
                    return FaultPlan(latency, rule.kind, rule.status, rule.after_processing)
            self._rules = [r for r in self._rules if r.remaining > 0]
            return FaultPlan(latency)

    def snapshot(self) -> dict[str, object]:
        with self._lock:
            return {
                "latency": dict(self._latency),
                "pending": [
                    {"kind": r.kind, "path_prefix": r.prefix, "remaining": r.remaining}
                    for r in self._rules
                    if r.remaining > 0
                ],
            }


def _norm(prefix: str) -> str:
    return prefix if prefix.startswith("/") else "/" + prefix
