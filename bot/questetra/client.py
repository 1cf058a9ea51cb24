"""HTTP access to one Questetra tenant. The transport is injectable (tests, emulator).

The client is httpx2's (its API, auth, timeouts and errors everywhere in ``bot/questetra``); the
bytes travel through :class:`AiohttpTransport`, aiohttp's connection pool and C HTTP parser,
which cost a fraction of httpcore2's pure-Python pool, anyio streams and h11 parser per call
(docs/benchmarks.md, "Questetra transport"). :class:`ShardedTransport` was the earlier answer
to httpcore's pool scan and stays for comparison.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import httpx2

from bot.diagnose import cause
from bot.proxy import Proxies
from bot.questetra import answers
from bot.questetra.answers import AnswerKind
from bot.questetra.errors import QuestetraError
from bot.questetra.models import QUser

DEFAULT_TIMEOUT = httpx2.Timeout(10.0, connect=5.0)
# Calls in flight to the tenant at once (also bounded in QuestetraApi, where waiting has a deadline).
MAX_IN_FLIGHT = 128
POOLS = 4


class ShardedTransport(httpx2.AsyncBaseTransport):
    """Several small connection pools in place of one big one; each request goes to the pool
    with the fewest requests in flight.

    httpcore 1.0's pool walks every connection, and every pair of idle connections, each time a
    request starts or ends (encode/httpcore#1035, still open): with 32 connections that was about
    a third of a poll's CPU. Four pools of eight do the same work for a fraction of it.
    """

    def __init__(self, *, pools: int = POOLS, connections: int = MAX_IN_FLIGHT) -> None:
        per_pool = max(1, connections // pools)
        limits = httpx2.Limits(max_connections=per_pool, max_keepalive_connections=per_pool)
        self._pools = [httpx2.AsyncHTTPTransport(limits=limits) for _ in range(pools)]
        self._in_flight = [0] * pools

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        index = min(range(len(self._pools)), key=self._in_flight.__getitem__)
        self._in_flight[index] += 1
        try:
            response = await self._pools[index].handle_async_request(request)
        except BaseException:
            self._in_flight[index] -= 1
            raise
        # In flight until the body is read and closed, not just until the headers arrived.
        assert isinstance(response.stream, httpx2.AsyncByteStream)  # noqa: S101 - httpx's contract
        stream = _Counted(response.stream, lambda: self._done(index))
        return httpx2.Response(
            response.status_code,
            headers=response.headers,
            stream=stream,
            extensions=response.extensions,
        )

    @property
    def in_flight(self) -> tuple[int, ...]:
        return tuple(self._in_flight)

    def _done(self, index: int) -> None:
        self._in_flight[index] -= 1

    async def aclose(self) -> None:
        for pool in self._pools:
            await pool.aclose()


class _Counted(httpx2.AsyncByteStream):
    """A response body that says when it is closed (once)."""

    def __init__(self, stream: httpx2.AsyncByteStream, done: Callable[[], None]) -> None:
        self._stream = stream
        self._done = done
        self._closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            await self._stream.aclose()
        finally:
            self._done()


class AiohttpTransport(httpx2.AsyncBaseTransport):
    """httpx2 requests sent over one aiohttp session (``connections`` keep-alive connections).

    Requests and responses stay httpx2's: the request's headers (auth included) and body go out
    as they are, the response comes back with its raw headers and undecoded body (httpx2
    decodes it), redirects are left to httpx2 (not followed here), and the request's timeouts
    apply (connect, and read per socket read). aiohttp's failures become the httpx2 errors the
    callers catch: :class:`httpx2.ConnectTimeout`, :class:`httpx2.ReadTimeout`,
    :class:`httpx2.ConnectError`, :class:`httpx2.RemoteProtocolError`,
    :class:`httpx2.ReadError`. The session is opened on first use, in the running loop.

    Each request goes through the proxy ``proxies`` names for its URL, or direct
    (:meth:`bot.proxy.Proxies.aiohttp_middlewares`).
    """

    def __init__(self, *, connections: int = MAX_IN_FLIGHT, proxies: Proxies | None = None) -> None:
        self._connections = connections
        self._proxies = proxies or Proxies()
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self._connections, limit_per_host=self._connections
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                auto_decompress=False,  # httpx2 decodes what the headers say
                cookie_jar=aiohttp.DummyCookieJar(),  # no cookies (see QuestetraHttp)
                skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding"),
                middlewares=self._proxies.aiohttp_middlewares(),
            )
        return self._session

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        timeouts = request.extensions.get("timeout") or {}
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=timeouts.get("pool"),
            sock_connect=timeouts.get("connect"),
            sock_read=timeouts.get("read"),
        )
        body = await request.aread()
        headers = [(k, v) for k, v in request.headers.multi_items() if k != "content-length"]
        try:
            async with self._open().request(
                request.method,
                str(request.url),
                data=body or None,
                headers=headers,
                allow_redirects=False,
                timeout=timeout,
            ) as response:
                content = await response.read()
                raw_headers = response.raw_headers
                status = response.status
        except aiohttp.ConnectionTimeoutError as exc:
            raise httpx2.ConnectTimeout(str(exc) or "connect timed out", request=request) from exc
        except (aiohttp.SocketTimeoutError, TimeoutError) as exc:
            raise httpx2.ReadTimeout(str(exc) or "read timed out", request=request) from exc
        except aiohttp.ClientConnectorError as exc:
            raise httpx2.ConnectError(str(exc), request=request) from exc
        except aiohttp.ClientHttpProxyError as exc:
            # Its text names the proxy URL, credentials included: say only what the proxy said.
            raise httpx2.ConnectError(
                f"the proxy refused the connection ({exc.status} {exc.message})", request=request
            ) from exc
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError) as exc:
            raise httpx2.RemoteProtocolError(str(exc), request=request) from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise httpx2.ReadError(str(exc) or type(exc).__name__, request=request) from exc
        return httpx2.Response(
            status,
            headers=list(raw_headers),
            content=content,
            extensions={"http_version": b"HTTP/1.1"},
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            await asyncio.sleep(0)  # let aiohttp close its connections' transports


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    detail: str


class _NoCookies(httpx2.Cookies):
    """A cookie jar that keeps nothing."""

    def extract_cookies(self, response: httpx2.Response) -> None:
        return None


class QuestetraHttp(httpx2.AsyncClient):
    """httpx2's client without a cookie jar.

    One client serves every linked user, each call with its own credentials: a cookie one user's
    answer sets (a servlet container's session id) must never ride along with another user's
    call. httpx2 has no switch for that, so the jar is one that keeps nothing; it also spares
    each answer httpx2's cookie extraction (a ``urllib`` request and an ``email`` message built
    per response)."""

    def __init__(self, **kwargs: Any) -> None:
        self._jar = _NoCookies()
        super().__init__(**kwargs)

    @property
    def cookies(self) -> httpx2.Cookies:
        return self._jar

    @cookies.setter
    def cookies(self, _cookies: Any) -> None:
        pass  # httpx2's constructor sets the jar it was given: there is none to keep


def build_http_client(
    base_url: str,
    *,
    transport: httpx2.AsyncBaseTransport | None = None,
    proxies: Proxies | None = None,
) -> httpx2.AsyncClient:
    # The base may carry a path prefix (on-premise editions): keep its trailing slash so
    # relative paths like "API/User/Quser/self" resolve under it.
    return QuestetraHttp(
        base_url=base_url,
        transport=transport or AiohttpTransport(proxies=proxies),
        timeout=DEFAULT_TIMEOUT,
        follow_redirects=False,
    )


async def probe(http: httpx2.AsyncClient, auth: httpx2.Auth | None = None) -> ProbeResult:
    """Is the tenant's API there?

    Without a credential a live tenant may answer ``Quser/self`` with a 401, a redirect to its
    sign-in page or a 200 sign-in page (questetra-fidelity.md C3: undocumented): each of these is
    a healthy tenant. A redirect to the same path elsewhere means the base URL itself moved.
    With a credential (``auth``), only the JSON user is a success, and any redirect is reported
    as what it is ("the base URL redirects to …", A4).
    """
    path = "API/User/Quser/self"
    try:
        response = await http.get(path, auth=auth) if auth else await http.get(path)
    except httpx2.HTTPError as exc:
        return ProbeResult(
            False,
            f"cannot connect ({cause(exc)}): check QUESTETRA_BASE_URL and the network "
            "(outbound HTTPS, a proxy, Questetra's IP Address Filtering)",
        )
    code = response.status_code
    if code == 404:
        return ProbeResult(False, "no Questetra API at this URL (404): check QUESTETRA_BASE_URL")
    if code >= 500:
        return ProbeResult(False, f"Questetra answered {code}: try again later")
    if auth is not None:
        return _probe_with_credential(path, response)
    if code == 401:
        return ProbeResult(True, "API answers (401 without credentials, as expected)")
    if 300 <= code < 400 or (200 <= code < 300 and answers.is_web_page(response)):
        found = answers.classify(response)
        if found.kind is AnswerKind.REDIRECT:
            return ProbeResult(
                False, f"the base URL redirects to {found.target}: use that as QUESTETRA_BASE_URL"
            )
        where = f" ({found.target})" if found.target else ""
        return ProbeResult(
            True, f"the tenant answers unauthenticated calls with its sign-in page{where}"
        )
    return ProbeResult(False, f"unexpected answer {code}: check QUESTETRA_BASE_URL")


def _probe_with_credential(path: str, response: httpx2.Response) -> ProbeResult:
    code = response.status_code
    if code == 401:
        return ProbeResult(True, "API answers, but refused this credential (401)")
    if 300 <= code < 400:
        found = answers.classify(response)
        return ProbeResult(False, f"{found.describe()}: check QUESTETRA_BASE_URL")
    try:
        QUser.parse(answers.json_body(path, response))
    except QuestetraError as exc:
        return ProbeResult(False, f"{exc}: check QUESTETRA_BASE_URL")
    return ProbeResult(True, "API answers with the signed-in user, as expected")
