"""Health, readiness and metrics."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.usefixtures("app")


async def test_healthz_is_liveness_only(bot) -> None:
    response = await bot.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_without_a_database_healthz_lives_and_readyz_says_why_quietly(
    settings, clock, caplog
) -> None:
    """/healthz does no I/O; /readyz gives up quickly and logs nothing per call."""
    import logging

    import httpx2

    from bot.app import create_app
    from bot.db.engine import create_engine

    engine = create_engine("postgresql+asyncpg://bridge@127.0.0.1:9/bridge")
    app = create_app(
        settings, engine=engine, clock=clock, migrate_on_start=False, background_jobs=False
    )
    transport = httpx2.ASGITransport(app=app)
    try:
        async with httpx2.AsyncClient(transport=transport, base_url="http://bot.test") as client:
            caplog.set_level(logging.DEBUG)
            caplog.clear()
            assert (await client.get("/healthz")).json() == {"status": "ok"}
            ready = await client.get("/readyz")
            assert ready.status_code == 503
            assert ready.json() == {"ready": False, "database": "unreachable"}
            # (the test's own HTTP client logs its requests; the app logs nothing)
            logged = [r for r in caplog.records if not r.name.startswith("httpx2")]
            assert [r for r in logged if r.levelno >= logging.INFO] == []
    finally:
        await engine.dispose()


async def test_front_page_says_what_this_is_in_both_languages(bot) -> None:
    response = await bot.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "Questetra ⇄ Slack bridge" in response.text
    assert "Questetra ⇄ Slack ブリッジ" in response.text
    assert "/questetra help" in response.text
    assert "/slack/install" not in response.text  # one workspace: nothing to install


async def test_metrics_include_process_platform_and_gc(bot) -> None:
    text = (await bot.get("/metrics")).text
    for name in ("process_cpu_seconds_total", "python_info", "python_gc_collections_total"):
        assert name in text, name


async def test_readyz_when_migrated_logs_nothing(bot, caplog) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    caplog.clear()
    response = await bot.get("/readyz")
    assert response.status_code == 200
    assert response.json()["migrations"] == "head"
    # Probed every few seconds: not a line in the log (the test's own client aside).
    logged = [r for r in caplog.records if not r.name.startswith("httpx2")]
    assert [r for r in logged if r.levelno >= logging.INFO] == []


async def test_metrics_count_requests_by_route_and_status(bot, signer) -> None:
    await bot.get("/healthz")
    await bot.get("/nope")
    body, headers = signer.slash_command("help")
    await bot.post(
        "/slack/events", content=body, headers={**headers, "X-Slack-Signature": "v0=bad"}
    )
    text = (await bot.get("/metrics")).text
    assert 'bridge_http_requests_total{method="GET",route="/healthz",status="200"} 1.0' in text
    assert 'bridge_http_requests_total{method="GET",route="unmatched",status="404"} 1.0' in text
    assert (
        'bridge_http_requests_total{method="POST",route="/slack/events",status="401"} 1.0' in text
    )
    assert 'bridge_slack_requests_total{kind="unverified",outcome="401"} 1.0' in text
    assert "bridge_http_request_duration_seconds_bucket" in text


async def test_every_response_carries_a_request_id(bot) -> None:
    generated = (await bot.get("/healthz")).headers["x-request-id"]
    assert len(generated) == 32
    given = (await bot.get("/healthz", headers={"X-Request-Id": "abc-12345678"})).headers[
        "x-request-id"
    ]
    assert given == "abc-12345678"
    odd = (await bot.get("/healthz", headers={"X-Request-Id": "<script>"})).headers["x-request-id"]
    assert odd != "<script>"


async def test_metrics_report_outbox_and_links(bot) -> None:
    text = (await bot.get("/metrics")).text
    assert 'bridge_outbox_messages{state="pending"} 0.0' in text
    assert "bridge_outbox_oldest_pending_seconds 0.0" in text
    for name in (
        "bridge_polls_total",
        "bridge_alerts_total",
        "bridge_token_refreshes_total",
        "bridge_questetra_calls_total",
        "bridge_questetra_call_duration_seconds",
    ):
        assert f"# TYPE {name.removesuffix('_total')}" in text, name
