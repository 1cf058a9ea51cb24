"""Message Start Event (HTTP): ``POST {base}System/Event/MessageStart/{app}/{node}/start``.

The wire format (questetra-api.md §4): a form-encoded ``key``, ``title`` and ``q_{field}``
parameters (repeated for several choices); 200 with the new process id as text, or 400 with
``<message-start-event-errors><error><key/><detail/></error>…``. No user credential is involved:
the event's API key is the only check, so it must never reach a log line or an exception text.

Failures, mapped for the caller::

    400 + XML                       → StartEventRejected (Questetra's error list)
    400 unreadable, 404             → StartEventRejected (one synthetic error)
    connection refused/reset, 401,
    403, a redirect (IP filtering)  → StartEventRefused  (the request did not start anything)
    read timeout                    → StartEventTimedOut (the outcome is unknown)
    5xx                             → QuestetraDown
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx2

from bot import errors
from bot.metrics import Metrics
from bot.questetra.errors import QuestetraDown, QuestetraError

METRIC_ENDPOINT = "System/Event/MessageStart"
# Our own tenant answers, but a proxy or a broken page could send anything: read little.
MAX_ERROR_BODY = 64 * 1024
MAX_ERRORS = 50
FORM = "application/x-www-form-urlencoded; charset=UTF-8"


@dataclass(frozen=True)
class StartEventError:
    """One ``<error>``: ``key`` is an error type or the offending parameter name."""

    key: str
    detail: str


class StartEventRejected(QuestetraError, errors.QuestetraRejected):
    """Questetra answered 400: the process was not started, for the listed reasons."""

    key = "start.error.rejected"

    def __init__(self, problems: list[StartEventError]) -> None:
        errors.QuestetraRejected.__init__(self)
        self.errors = problems

    def __str__(self) -> str:
        return "start event refused: " + (", ".join(e.key for e in self.errors) or "no reason")


class StartEventRefused(QuestetraError, errors.QuestetraUnavailable):
    """The tenant would not take the request at all (network, IP filtering); nothing started."""

    key = "start.error.refused"
    next_step = errors.NextStep.ASK_ADMIN

    def __init__(self, detail: str) -> None:
        errors.QuestetraUnavailable.__init__(self)
        self.detail = detail

    def __str__(self) -> str:
        return f"start event connection refused: {self.detail}"


class StartEventTimedOut(QuestetraError, errors.QuestetraUnavailable):
    """The request went out and no answer came: the process may or may not have started."""

    key = "start.error.timeout"
    next_step = errors.NextStep.NONE

    def __str__(self) -> str:
        return "start event timed out waiting for Questetra's answer"


def start_path(app_id: int, node_number: int) -> str:
    # Relative, so a tenant base with a path prefix (on-premise) is kept.
    return f"System/Event/MessageStart/{app_id}/{node_number}/start"


def start_form(*, key: str, title: str, params: tuple[tuple[str, str], ...]) -> bytes:
    """The body, in order; a repeated ``q_x`` stays repeated (several choices)."""
    return urlencode([("key", key), ("title", title), *params]).encode()


def parse_errors(body: bytes) -> list[StartEventError] | None:
    """The ``<error>`` list of a 400 answer, or None when the body is not that XML."""
    if len(body) > MAX_ERROR_BODY or b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        return None  # no DTDs: nothing to expand, nothing to fetch
    try:
        # Our own tenant's answer, size-capped and DTD-free (checked above).
        root = ET.fromstring(body)  # noqa: S314
    except ET.ParseError:
        return None
    if not root.tag.endswith("errors"):
        return None
    found = [
        StartEventError((e.findtext("key") or "").strip(), (e.findtext("detail") or "").strip())
        for e in root.iter("error")
    ]
    return found[:MAX_ERRORS]


def parse_process_id(text: str) -> int | None:
    """The new process id; INFERRED format, so anything else is a success without an id."""
    value = text.strip()
    return int(value) if value.isdigit() else None


class StartEventClient:
    def __init__(self, http: httpx2.AsyncClient, metrics: Metrics | None = None) -> None:
        self._http = http
        self._metrics = metrics

    def __repr__(self) -> str:
        return f"StartEventClient(base_url={str(self._http.base_url)!r})"

    async def start(
        self,
        *,
        app_id: int,
        node_number: int,
        key: str,
        title: str,
        params: tuple[tuple[str, str], ...],
    ) -> int | None:
        """Start a process; returns its id (None if Questetra's answer carries none)."""
        started = time.perf_counter()
        status = "error"
        try:
            try:
                response = await self._http.post(
                    start_path(app_id, node_number),
                    content=start_form(key=key, title=title, params=params),
                    headers={"Content-Type": FORM},
                )
            except (httpx2.ConnectError, httpx2.ConnectTimeout) as exc:
                status = "refused"
                raise StartEventRefused(type(exc).__name__) from None
            except httpx2.TimeoutException:
                status = "timeout"
                raise StartEventTimedOut() from None
            except httpx2.HTTPError as exc:
                # Reset or torn-down connections: how a filtering proxy usually says no.
                status = "network"
                raise StartEventRefused(type(exc).__name__) from None
            status = str(response.status_code)
            return _answer(response)
        finally:
            if self._metrics is not None:
                self._metrics.questetra_calls.labels(METRIC_ENDPOINT, status).inc()
                self._metrics.questetra_latency.labels(METRIC_ENDPOINT).observe(
                    time.perf_counter() - started
                )


def _answer(response: httpx2.Response) -> int | None:
    code = response.status_code
    if code == 200:
        return parse_process_id(response.text)
    if code == 400:
        found = parse_errors(response.content)
        raise StartEventRejected(found if found else [StartEventError("HTTP_400", "")])
    if code == 404:
        raise StartEventRejected([StartEventError("HTTP_404", "")])
    if code in (401, 403) or 300 <= code < 400:
        raise StartEventRefused(f"HTTP {code}")
    if code >= 500:
        raise QuestetraDown(f"{METRIC_ENDPOINT}: HTTP {code}")
    raise StartEventRejected([StartEventError(f"HTTP_{code}", "")])
