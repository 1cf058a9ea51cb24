"""Calls to ``{base}API/...`` as one Questetra user, with errors mapped onto bot.questetra.errors."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Generator
from typing import Any
from urllib.parse import urlencode

import httpx2

from bot.metrics import Metrics
from bot.questetra import answers
from bot.questetra.client import MAX_IN_FLIGHT
from bot.questetra.errors import (
    QuestetraAuthFailed,
    QuestetraBadRequest,
    QuestetraDown,
    QuestetraForbidden,
    QuestetraNoAnswer,
)
from bot.questetra.models import QUser

FORM = "application/x-www-form-urlencoded; charset=UTF-8"
SLOT_WAIT = 10.0  # seconds a call may wait for a free slot before it counts as "down"
URL_CACHE = 1024  # URLs kept ready (the few lists and pages every poll and answer asks for)


class BearerAuth(httpx2.Auth):
    """``Authorization: Bearer``; the token never shows in ``repr``."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __repr__(self) -> str:
        return "BearerAuth(<token hidden>)"

    def auth_flow(
        self, request: httpx2.Request
    ) -> Generator[httpx2.Request, httpx2.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request


def basic_auth(email: str, api_password: str) -> httpx2.Auth:
    # httpx2 sends Basic credentials pre-emptively, which Questetra needs: it never challenges.
    return httpx2.BasicAuth(email, api_password)


class QuestetraApi:
    def __init__(
        self,
        http: httpx2.AsyncClient,
        metrics: Metrics | None = None,
        *,
        in_flight: int = MAX_IN_FLIGHT,
    ) -> None:
        self._http = http
        self._metrics = metrics
        # A slow tenant must not build an unbounded queue of calls (httpcore's pool queue costs
        # CPU per waiting request and starves the acks): wait a while for a slot, then fail.
        self._slots = asyncio.Semaphore(in_flight)
        self._urls: dict[tuple[str, tuple[tuple[str, Any], ...]], httpx2.URL] = {}

    def _url(self, path: str, params: dict[str, Any] | None) -> httpx2.URL:
        """``path`` under the base URL with ``params``, as httpx2 merges them, built once: every
        poll asks for the same two lists, and httpx2 would parse and merge the URL each time."""
        key = (path, tuple(sorted(params.items())) if params else ())
        try:
            url = self._urls.get(key)
        except TypeError:  # a list among the parameters: not kept
            return self._http.build_request("GET", path, params=params).url
        if url is None:
            if len(self._urls) >= URL_CACHE:
                self._urls.clear()
            url = self._http.build_request("GET", path, params=params).url
            self._urls[key] = url
        return url

    async def call(
        self,
        method: str,
        path: str,
        *,
        auth: httpx2.Auth,
        params: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
    ) -> Any:
        """JSON of a successful call; a :class:`QuestetraError` subclass otherwise."""
        response = await self.send(method, path, auth=auth, params=params, data=data)
        return _parse(path, response)

    async def send(
        self,
        method: str,
        path: str,
        *,
        auth: httpx2.Auth,
        params: dict[str, Any] | None = None,
        data: dict[str, Any] | list[tuple[str, str]] | None = None,
        read_timeout: float | None = None,
    ) -> httpx2.Response:
        """The answer, whatever its status (the caller reads it). Raises :class:`QuestetraDown`
        when nothing was sent (no slot, no connection) and :class:`QuestetraNoAnswer` when the
        request may have reached Questetra but no answer came back (a timeout after connecting,
        a dropped connection): for a write, its outcome is unknown."""
        started = time.perf_counter()
        status = "error"
        try:
            try:
                async with asyncio.timeout(SLOT_WAIT):
                    await self._slots.acquire()
            except TimeoutError:
                status = "busy"
                raise QuestetraDown(f"{path}: too many calls waiting") from None
            extra: dict[str, Any] = {}
            if read_timeout is not None:  # connecting keeps the client's own limit
                extra["timeout"] = httpx2.Timeout(read_timeout, connect=5.0)
            if isinstance(data, list):  # repeated names kept, in order
                extra["content"] = urlencode(data).encode()
                extra["headers"] = {"Content-Type": FORM}
                data = None
            try:
                response = await self._http.request(
                    method, self._url(path, params), auth=auth, data=data, **extra
                )
            except (httpx2.ConnectError, httpx2.ConnectTimeout, httpx2.PoolTimeout) as exc:
                status = "network"
                raise QuestetraDown(f"{path}: {type(exc).__name__}") from None
            except httpx2.TimeoutException:
                status = "timeout"
                raise QuestetraNoAnswer(f"{path}: timed out") from None
            except httpx2.HTTPError as exc:
                status = "network"
                raise QuestetraNoAnswer(f"{path}: {type(exc).__name__}") from None
            finally:
                self._slots.release()
            status = str(response.status_code)
            return response
        finally:
            if self._metrics is not None:
                self._metrics.questetra_calls.labels(path, status).inc()
                self._metrics.questetra_latency.labels(path).observe(time.perf_counter() - started)

    async def self_user(self, auth: httpx2.Auth) -> QUser:
        return QUser.parse(await self.call("GET", "API/User/Quser/self", auth=auth))


def _parse(path: str, response: httpx2.Response) -> Any:
    """Statuses with a meaning of their own first; then the JSON, through the one boundary that
    refuses redirects, web pages and anything else that is not what the call expects."""
    code = response.status_code
    if code == 401:
        raise QuestetraAuthFailed()
    if code == 403:
        raise QuestetraForbidden()
    if code == 400:
        problems = _errors_of(response)
        if problems is None:
            raise answers.unexpected(path, response)
        raise QuestetraBadRequest(problems)
    return answers.json_body(path, response)


def _errors_of(response: httpx2.Response) -> list[dict[str, Any]] | None:
    """The ``{"errors": [...]}`` of a 400, or None when the body is not that JSON at all."""
    if answers.is_web_page(response):
        return None
    try:
        body = response.json()
    except (ValueError, RecursionError):
        return None
    problems = body.get("errors") if isinstance(body, dict) else None
    return [p for p in problems if isinstance(p, dict)] if isinstance(problems, list) else []
