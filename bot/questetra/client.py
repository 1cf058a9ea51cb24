"""HTTP access to one Questetra tenant. The transport is injectable (tests, emulator)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
# Calls in flight to the tenant at once (also bounded in QuestetraApi, where waiting has a deadline).
MAX_IN_FLIGHT = 32


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    detail: str


def build_http_client(
    base_url: str, *, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    # The base may carry a path prefix (on-premise editions): keep its trailing slash so
    # relative paths like "API/User/Quser/self" resolve under it.
    return httpx.AsyncClient(
        base_url=base_url,
        transport=transport,
        timeout=DEFAULT_TIMEOUT,
        follow_redirects=False,
        limits=httpx.Limits(max_connections=MAX_IN_FLIGHT, max_keepalive_connections=MAX_IN_FLIGHT),
    )


async def probe(http: httpx.AsyncClient) -> ProbeResult:
    """Is the tenant's API there? Without credentials a live tenant answers 401 to ``Quser/self``."""
    try:
        response = await http.get("API/User/Quser/self")
    except httpx.HTTPError as exc:
        return ProbeResult(False, f"cannot connect ({type(exc).__name__})")
    if response.status_code == 401:
        return ProbeResult(True, "API answers (401 without credentials, as expected)")
    if response.status_code == 404:
        return ProbeResult(False, "no Questetra API at this URL (404): check QUESTETRA_BASE_URL")
    if response.status_code >= 500:
        return ProbeResult(False, f"Questetra answered {response.status_code}: try again later")
    return ProbeResult(False, f"unexpected answer {response.status_code}: check QUESTETRA_BASE_URL")
