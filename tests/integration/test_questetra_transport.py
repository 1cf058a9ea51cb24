"""The sharded transport against the Questetra emulator on loopback: requests spread over the
pools, and a pool's count comes back to zero however a request ends."""

from __future__ import annotations

import asyncio

import httpx2
import pytest

from bot.questetra.client import ShardedTransport, build_http_client


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
        await asyncio.sleep(0.15)  # all eight are waiting for the emulator's answer
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
