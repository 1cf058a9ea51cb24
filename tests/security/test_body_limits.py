"""Issue #16 item 2: request bodies are limited before they are read or verified, on every route."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.serving import MAX_HOOK_BODY, MAX_SLACK_BODY, body_limit

pytestmark = pytest.mark.usefixtures("app")
CHUNK = 64 * 1024


def _unverified(app) -> float:
    return app.state.deps.metrics.slack_requests.labels(
        kind="unverified", outcome="401"
    )._value.get()


class Stream:
    """A chunked body (no Content-Length) that counts how much of it the server pulled."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.sent < self.total:
            self.sent += CHUNK
            yield b"a" * CHUNK


async def test_a_declared_length_above_the_limit_is_refused_unread(bot, app) -> None:
    before = _unverified(app)
    response = await bot.post(
        "/slack/events",
        content=b"x" * (MAX_SLACK_BODY + 1),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    assert _unverified(app) == before  # refused before signature verification


async def _hook_path(app) -> str:
    url = await app.state.deps.webhooks.create(team_id="T0001", channel_id="C0001", user_id="U_EN")
    return "/" + url.split("/", 3)[3]


@pytest.mark.parametrize(
    ("path", "limit"),
    [("/slack/events", MAX_SLACK_BODY), ("hook", MAX_HOOK_BODY)],
)
async def test_a_streamed_body_is_cut_at_the_limit(bot, app, path, limit) -> None:
    path = await _hook_path(app) if path == "hook" else path
    body = Stream(40 * 1024 * 1024)
    response = await bot.post(path, content=body)
    assert response.status_code == 413
    # The server stopped pulling just past the limit: not 40 MiB.
    assert body.sent <= limit + 2 * CHUNK


@pytest.mark.parametrize(
    "path", ["/hooks/unknown-token", "/questetra/oauth/callback", "/slack/oauth_redirect", "/"]
)
async def test_other_routes_never_pull_a_big_body(bot, path) -> None:
    body = Stream(40 * 1024 * 1024)
    response = await bot.post(path, content=body)
    assert response.status_code >= 400
    assert body.sent <= body_limit(path) + 2 * CHUNK
    declared = await bot.post(path, content=b"x" * (body_limit(path) + 1))
    assert declared.status_code == 413


async def test_a_hook_body_above_its_limit_is_refused(bot) -> None:
    response = await bot.post("/hooks/whatever", content=b"t" * (MAX_HOOK_BODY + 1))
    assert response.status_code == 413


async def test_a_garbage_length_is_refused(bot) -> None:
    response = await bot.post("/slack/events", content=b"x", headers={"Content-Length": "1x"})
    assert response.status_code in (400, 413)


async def test_bodies_within_the_limits_still_work(bot, signer) -> None:
    body, headers = signer.slash_command("help")
    assert (await bot.post("/slack/events", content=body, headers=headers)).status_code == 200
