"""Black-box: `python -m bot serve` at LOG_LEVEL=DEBUG, driven over HTTP like Slack, a workflow
and Prometheus would; no secret of any kind reaches its output."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx2

from tests.conftest import BOT_TOKEN, ENCRYPTION_KEY, SIGNING_SECRET
from tests.support import Served, subprocess_env

API_PASSWORD = "alice-api-pass-Zq81"
METRICS_TOKEN = "metrics-token-Xy77-long-enough"


async def test_debug_output_holds_no_secret(env, slack, questetra, signer, tmp_path) -> None:
    questetra.basic_auth_enabled = True
    questetra.add_user("alice@example.com", "Alice Adams", api_password=API_PASSWORD)
    questetra.add_client(
        "bridge-client", "bridge-client-secret-123", "http://bot.test/questetra/oauth/callback"
    )
    served = Served(
        {
            **subprocess_env(),
            **env,
            "HOME": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
            "LOG_LEVEL": "DEBUG",
            "LOG_FORMAT": "json",
            "QUESTETRA_BASIC_AUTH": "true",
            "METRICS_TOKEN": METRICS_TOKEN,
        },
        tmp_path,
    )
    secrets = [
        SIGNING_SECRET,
        BOT_TOKEN,
        ENCRYPTION_KEY,
        "bridge-client-secret-123",
        API_PASSWORD,
        METRICS_TOKEN,
    ]
    try:
        async with httpx2.AsyncClient(base_url=served.url, timeout=20) as bot:
            # A consent link: its state is a secret too.
            url = slack.new_response_url()
            body, headers = signer.slash_command("connect", user_id="U_EN", response_url=url)
            assert (
                await bot.post("/slack/events", content=body, headers=headers)
            ).status_code == 200
            (reply,) = await slack.wait_for_response(url, timeout=20)
            start = next(
                e["url"] for b in reply["blocks"] for e in b.get("elements", []) if e.get("url")
            )
            state = parse_qs(urlsplit(start).query)["state"][0]
            secrets.append(state)
            start_page = await bot.get(urlsplit(start).path + "?" + urlsplit(start).query)
            assert start_page.status_code == 302
            # A forged callback, the state used twice.
            for _ in range(2):
                await bot.get(
                    "/questetra/oauth/callback", params={"state": state, "code": "stolen-code-991"}
                )
            secrets.append("stolen-code-991")
            # Linking with an API password.
            payload = signer.view_submission(
                "basic_link",
                {
                    "email": {"email": "alice@example.com"},
                    "api_password": {"api_password": API_PASSWORD},
                },
                user_id="U_EN",
            )
            body, headers = signer.interactivity(payload)
            assert (
                await bot.post("/slack/events", content=body, headers=headers)
            ).status_code == 200
            await slack.wait_for("chat.postMessage", timeout=20)
            # A webhook: its URL is a secret.
            url = slack.new_response_url()
            body, headers = signer.slash_command("webhook", user_id="U_EN", response_url=url)
            await bot.post("/slack/events", content=body, headers=headers)
            (reply,) = await slack.wait_for_response(url, timeout=20)
            text = json.dumps(reply)
            found = re.search(r"/hooks/([A-Za-z0-9_-]{20,})", text)
            assert found is not None, text
            token, hook = found.group(1), found.group(0)
            secrets.append(token)
            pushed = await bot.post(hook, data={"title": "pushed", "email": "alice@example.com"})
            assert pushed.status_code == 200
            # Forged and garbage requests.
            await bot.post(
                "/slack/events", content=body, headers={**headers, "X-Slack-Signature": "v0=00"}
            )
            # Answered 413 before the upload ends: a client may see the reset instead.
            with contextlib.suppress(httpx2.TransportError):
                await bot.post("/slack/events", content=b"x" * 2_000_000)
            assert (await bot.get("/metrics")).status_code == 401
            assert (
                await bot.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
            ).status_code == 200
            await asyncio.sleep(1)
    finally:
        output = served.stop()
    if os.environ.get("SECURITY_BLACKBOX_LOG"):  # to read what was logged
        Path(os.environ["SECURITY_BLACKBOX_LOG"]).write_text(output)  # noqa: ASYNC240
    assert '"level": "debug"' in output  # DEBUG was on
    leaked = [s[:6] + "…" for s in secrets if s in output]
    assert leaked == [], leaked
