"""Health, readiness and metrics."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.usefixtures("app")


async def test_healthz_reports_database(bot) -> None:
    response = await bot.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_readyz_when_migrated(bot) -> None:
    response = await bot.get("/readyz")
    assert response.status_code == 200
    assert response.json()["migrations"] == "head"


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
