"""Message Start Event (HTTP): ``POST {base}System/Event/MessageStart/{app}/{node}/start``.

The wire format (questetra-api.md §4): a form-encoded ``key``, ``title`` and ``q_{field}``
parameters (repeated for several choices); 200 with the new process id as text, or 400 with
``<message-start-event-errors><error><key/><detail/></error>…``. No user credential is involved:
the event's API key is the only check, so it must never reach a log line or an exception text.

Success is a 2xx whose body is the new process id, a number ([MSE-CURL], [WPFORM]); anything
else, a 200 web page from a proxy or a single sign-on gateway included, means nothing started
(issue #15 item 6; the decision is :mod:`bot.questetra.answers`'). Failures, for the caller::

    400 + XML                       → StartEventRejected (Questetra's error list)
    400 unreadable, 404             → StartEventRejected (one synthetic error)
    connection refused/reset        → StartEventRefused  reason CONNECTION
    401, 403 (IP filtering)         → StartEventRefused  reason IP_FILTER
    a sign-in redirect or page      → StartEventRefused  reason SIGN_IN (also a 200 HTML page)
    a redirect of the base URL      → StartEventRefused  reason REDIRECT
    2xx without a process id        → StartEventRefused  reason UNEXPECTED
    read timeout                    → StartEventTimedOut (the outcome is unknown)
    5xx                             → QuestetraDown

The raw answer of every refusal goes to the log only.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlencode

import httpx2

from bot import errors
from bot.metrics import Metrics
from bot.questetra import answers
from bot.questetra.answers import AnswerKind
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


class RefusalReason(StrEnum):
    """Why a start request started nothing although no 400 came back."""

    CONNECTION = "connection"  # refused, reset or torn down before an answer
    IP_FILTER = "ip_filter"  # 401 or 403: IP Address Filtering, or the event refuses the caller
    SIGN_IN = "sign_in"  # a sign-in page or a redirect to one (SSO, a proxy)
    REDIRECT = "redirect"  # the base URL redirects elsewhere
    UNEXPECTED = "unexpected"  # a 2xx without a process id


_REFUSAL_KEYS = {
    RefusalReason.CONNECTION: "start.error.connection",
    RefusalReason.IP_FILTER: "start.error.refused",
    RefusalReason.SIGN_IN: "start.error.sign_in_page",
    RefusalReason.REDIRECT: "start.error.redirect",
    RefusalReason.UNEXPECTED: "start.error.unexpected_answer",
}


class StartEventRefused(QuestetraError, errors.QuestetraUnavailable):
    """The tenant (or something in front of it) did not start a process; ``reason`` says why."""

    key = "start.error.refused"
    next_step = errors.NextStep.ASK_ADMIN

    def __init__(self, reason: RefusalReason, detail: str) -> None:
        errors.QuestetraUnavailable.__init__(self, _REFUSAL_KEYS[reason])
        self.reason = reason
        self.detail = detail

    def __str__(self) -> str:
        return f"start event not started ({self.reason}): {self.detail}"


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
    if len(body) > MAX_ERROR_BODY:
        return None
    root = answers.safe_xml(body)
    if root is None or not root.tag.endswith("errors"):
        return None
    found = [
        StartEventError((e.findtext("key") or "").strip(), (e.findtext("detail") or "").strip())
        for e in root.iter("error")
    ]
    return found[:MAX_ERRORS]


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
    ) -> int:
        """Start a process; returns its id (see the module docstring for every failure)."""
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
                raise StartEventRefused(RefusalReason.CONNECTION, type(exc).__name__) from None
            except httpx2.TimeoutException:
                status = "timeout"
                raise StartEventTimedOut() from None
            except httpx2.HTTPError as exc:
                # Reset or torn-down connections: how a filtering proxy usually says no.
                status = "network"
                raise StartEventRefused(RefusalReason.CONNECTION, type(exc).__name__) from None
            status = str(response.status_code)
            return _answer(response)
        finally:
            if self._metrics is not None:
                self._metrics.questetra_calls.labels(METRIC_ENDPOINT, status).inc()
                self._metrics.questetra_latency.labels(METRIC_ENDPOINT).observe(
                    time.perf_counter() - started
                )


def _answer(response: httpx2.Response) -> int:
    code = response.status_code
    process_id = answers.process_id_of(response)
    if process_id is not None:
        return process_id
    if code == 400:
        found = parse_errors(response.content)
        if not found:
            answers.log_raw("start_event.unreadable_refusal", METRIC_ENDPOINT, response)
        raise StartEventRejected(found if found else [StartEventError("HTTP_400", "")])
    if code >= 500:
        raise QuestetraDown(f"{METRIC_ENDPOINT}: HTTP {code}")
    answers.log_raw("start_event.not_started", METRIC_ENDPOINT, response)
    if code == 404:
        raise StartEventRejected([StartEventError("HTTP_404", "")])
    if code in (401, 403):
        raise StartEventRefused(RefusalReason.IP_FILTER, f"HTTP {code}")
    if 200 <= code < 400:
        found_answer = answers.classify(response)
        raise StartEventRefused(
            _REASONS.get(found_answer.kind, RefusalReason.UNEXPECTED), found_answer.describe()
        )
    raise StartEventRejected([StartEventError(f"HTTP_{code}", "")])


_REASONS = {
    AnswerKind.REDIRECT: RefusalReason.REDIRECT,
    AnswerKind.SIGN_IN: RefusalReason.SIGN_IN,
    AnswerKind.WEB_PAGE: RefusalReason.SIGN_IN,  # a proxy's or a portal's page stands in the way
}
