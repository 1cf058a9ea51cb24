"""Issue #16 item 10: /metrics behind a bearer token (METRICS_TOKEN) and/or on its own listener
(METRICS_HOST/METRICS_PORT), never public by accident."""

from __future__ import annotations

import socket

import httpx2
import pytest

from bot.config import Settings
from tests.conftest import bot_app
from tests.support import free_port

TOKEN = "metrics-token-7f3a9c1e5b"


async def test_a_token_guards_metrics(env, engine, clock) -> None:
    application = bot_app(Settings.model_validate({**env, "METRICS_TOKEN": TOKEN}), engine, clock)
    async with (
        application.router.lifespan_context(application),
        httpx2.AsyncClient(
            transport=httpx2.ASGITransport(app=application), base_url="http://bot.test"
        ) as bot,
    ):
        anonymous = await bot.get("/metrics")
        assert anonymous.status_code == 401
        assert anonymous.headers["www-authenticate"].startswith("Bearer")
        assert "process_cpu_seconds_total" not in anonymous.text
        wrong = await bot.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}x"})
        assert wrong.status_code == 401
        basic = await bot.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"})
        assert basic.status_code == 401
        good = await bot.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert good.status_code == 200
        assert "process_cpu_seconds_total" in good.text
        assert TOKEN not in good.text


async def test_a_separate_listener_takes_metrics_off_the_public_port(env, engine, clock) -> None:
    port = free_port()
    settings = Settings.model_validate(
        {**env, "METRICS_HOST": "127.0.0.1", "METRICS_PORT": str(port), "METRICS_TOKEN": TOKEN}
    )
    application = bot_app(settings, engine, clock)
    async with (
        application.router.lifespan_context(application),
        httpx2.AsyncClient(
            transport=httpx2.ASGITransport(app=application), base_url="http://bot.test"
        ) as bot,
        httpx2.AsyncClient(base_url=f"http://127.0.0.1:{port}") as prometheus,
    ):
        assert (
            await bot.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        ).status_code == 404
        assert (await prometheus.get("/metrics")).status_code == 401
        scraped = await prometheus.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert scraped.status_code == 200 and "process_cpu_seconds_total" in scraped.text
        assert (await prometheus.get("/healthz")).status_code == 404  # metrics only
    with pytest.raises(httpx2.ConnectError):  # the listener stopped with the app
        async with httpx2.AsyncClient() as late:
            await late.get(f"http://127.0.0.1:{port}/metrics")


async def test_a_taken_metrics_port_stops_the_start_with_a_clear_line(env, engine, clock) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings = Settings.model_validate({**env, "METRICS_PORT": str(port)})
        application = bot_app(settings, engine, clock)
        with pytest.raises(OSError, match="METRICS_HOST:METRICS_PORT"):
            async with application.router.lifespan_context(application):
                pass
