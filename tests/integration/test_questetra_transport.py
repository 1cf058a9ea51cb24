"""The Questetra transports against the emulator on loopback. Sharded: requests spread over the
pools, and a pool's count comes back to zero however a request ends. aiohttp: httpx2's requests
and answers carried whole, and its failures as httpx2's."""

from __future__ import annotations

import asyncio

import httpx2
import pytest

from bot.questetra.api import QuestetraApi
from bot.questetra.client import AiohttpTransport, ShardedTransport, build_http_client


async def test_requests_spread_over_the_pools_and_are_counted_until_their_body_is_closed(
    questetra, questetra_url
) -> None:
    transport = ShardedTransport(pools=4, connections=8)
    questetra.faults.set_latency(0.3)
    peaks: list[tuple[int, ...]] = []
    async with build_http_client(questetra_url, transport=transport) as http:

        async def one() -> int:
            return (await http.get("API/User/Quser/self")).status_code

        calls = [asyncio.ensure_future(one()) for _ in range(8)]
        # One turn of the loop: each call enters the transport (and is counted) in its first
        # step, before any byte is sent, so all eight are in flight whatever the machine's load.
        # Not a pause of 0.15 s against the emulator's 0.3: a process stalled for longer saw
        # the first answers come back before it looked.
        await asyncio.sleep(0)
        peaks.append(transport.in_flight)
        assert await asyncio.gather(*calls) == [401] * 8
        assert transport.in_flight == (0, 0, 0, 0)

        async with http.stream("GET", "API/User/Quser/self") as response:
            assert sum(transport.in_flight) == 1  # headers in, body not yet read
            await response.aread()
        assert transport.in_flight == (0, 0, 0, 0)
    assert peaks == [(2, 2, 2, 2)]


async def test_a_failed_request_is_not_counted_as_in_flight() -> None:
    transport = ShardedTransport(pools=2, connections=2)
    async with httpx2.AsyncClient(transport=transport, base_url="http://127.0.0.1:9/") as http:
        with pytest.raises(httpx2.ConnectError):
            await http.get("API/User/Quser/self")  # port 9: nobody listens
    assert transport.in_flight == (0, 0)


# ---------------------------------------------------------------- the aiohttp transport


async def test_the_aiohttp_transport_carries_httpx2_requests_and_answers(
    questetra, questetra_url
) -> None:
    questetra.basic_auth_enabled = True
    questetra.add_user("alice@example.com", "Alice Adams", api_password="pw-alice")
    questetra.add_app(7, "Expense claim")
    workitem = questetra.add_task(7, to="alice@example.com", state="OFFERED")
    auth = httpx2.BasicAuth("alice@example.com", "pw-alice")
    transport = AiohttpTransport(connections=4)
    async with build_http_client(questetra_url, transport=transport) as http:
        assert (await http.get("API/User/Quser/self")).status_code == 401  # no credentials
        me = await http.get("API/User/Quser/self", auth=auth)  # auth header went out as set
        assert me.json()["quser"]["email"] == "alice@example.com"
        assert me.headers["content-type"].startswith("application/json")
        offered = await http.get(
            "API/PE/Workitem/listOffered", auth=auth, params={"limit": 1000, "start": 0}
        )
        assert [w["id"] for w in offered.json()["workitems"]] == [workitem]
        # A form POST arrives with its body (Questetra's batchAccept).
        accepted = await http.post(
            "API/PE/Workitem/batchAccept", auth=auth, data={"workitemIds": [workitem]}
        )
        assert accepted.json()["results"][0]["success"] is True
        # Many at once share the few connections.
        statuses = await asyncio.gather(*(http.get("API/User/Quser/self") for _ in range(12)))
        assert [r.status_code for r in statuses] == [401] * 12


async def test_the_aiohttp_transport_fails_as_httpx2_does(questetra, questetra_url) -> None:
    async with httpx2.AsyncClient(
        transport=AiohttpTransport(), base_url="http://127.0.0.1:9/"
    ) as http:
        with pytest.raises(httpx2.ConnectError):
            await http.get("API/User/Quser/self")  # port 9: nobody listens
    questetra.faults.set_latency(1.0)
    timeout = httpx2.Timeout(5.0, read=0.1)
    async with httpx2.AsyncClient(
        transport=AiohttpTransport(), base_url=questetra_url, timeout=timeout
    ) as http:
        with pytest.raises(httpx2.ReadTimeout):
            await http.get("API/User/Quser/self")


async def test_one_users_cookie_never_rides_along_with_another_users_call() -> None:
    seen: list[str | None] = []

    def tenant(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.headers.get("cookie"))
        return httpx2.Response(
            200, json={}, headers={"set-cookie": "JSESSIONID=alice-session; Path=/"}
        )

    transport = httpx2.MockTransport(tenant)
    async with build_http_client("https://t.questetra.net/", transport=transport) as http:
        await http.get("API/User/Quser/self", auth=httpx2.BasicAuth("alice@x", "a"))
        await http.get("API/User/Quser/self", auth=httpx2.BasicAuth("bob@x", "b"))
        assert len(http.cookies.jar) == 0
    assert seen == [None, None]


async def test_urls_are_built_once_per_path_and_parameters(questetra, questetra_url) -> None:
    api = QuestetraApi(build_http_client(questetra_url))
    first = api._url("API/PE/Workitem/listOffered", {"limit": 1000, "start": 0})
    again = api._url("API/PE/Workitem/listOffered", {"start": 0, "limit": 1000})
    assert first is again
    assert str(first) == f"{questetra_url}API/PE/Workitem/listOffered?limit=1000&start=0"
    assert str(api._url("API/X", {"ids": [1, 2]})) == f"{questetra_url}API/X?ids=1&ids=2"
