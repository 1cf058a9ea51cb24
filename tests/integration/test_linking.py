"""Account linking end to end: the bot in process, Questetra and Slack as real loopback servers."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from bot.db.base import Base
from bot.db.models import AuditEntry, OAuthState, UserLink
from tests.linking_support import (
    CLIENT_ID,
    CLIENT_SECRET,
    REDIRECT_URI,
    connect_url,
    consent,
    query_of,
)

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture(autouse=True)
def tenant(questetra):
    questetra.add_user("alice@example.com", "Alice Adams", api_password="alice-api-pass")
    questetra.add_user("mallory@example.com", "Mallory", api_password="mallory-api-pass")
    questetra.add_client(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI)
    questetra.sign_in("alice@example.com")
    return questetra


async def links(engine) -> list[UserLink]:
    async with engine.connect() as connection:
        return list((await connection.execute(select(UserLink))).all())


async def raw_dump(engine) -> str:
    """Every value of every row of every table, as text: for plaintext-secret scans."""
    parts = []
    async with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in (await connection.execute(select(table))).all():
                parts.extend(
                    v.decode("latin-1") if isinstance(v, bytes | memoryview) else str(v)
                    for v in (bytes(x) if isinstance(x, memoryview) else x for x in row)
                )
    return "\n".join(parts)


async def test_oauth_happy_path(bot, signer, slack, questetra, engine) -> None:
    start = await connect_url(bot, signer, slack)
    assert start.startswith("http://bot.test/questetra/oauth/start?state=")
    callback = await consent(bot, start)
    assert callback.startswith(REDIRECT_URI)
    page = await bot.get(callback)
    assert page.status_code == 200
    assert "Linked as Alice Adams (alice@example.com)" in page.text
    assert page.headers["cache-control"] == "no-store"

    (dm,) = await slack.wait_for("chat.postMessage")
    assert dm.params["channel"] == "U_EN"
    assert "Linked as *Alice Adams* (alice@example.com)" in dm.params["text"]
    await slack.wait_for("views.publish")

    (link,) = await links(engine)
    assert (link.method, link.status, link.questetra_email) == (
        "oauth",
        "active",
        "alice@example.com",
    )
    # PKCE S256 and client_secret_post reached the token endpoint.
    (token_call,) = questetra.token_requests
    assert token_call.client_auth == "post"
    assert token_call.code_verifier
    # No token in the database in plaintext.
    dump = await raw_dump(engine)
    for token in [*questetra.db.access_tokens, *questetra.db.refresh_tokens]:
        assert token not in dump
    async with engine.connect() as connection:
        audit = (await connection.execute(select(AuditEntry.action, AuditEntry.outcome))).all()
    assert ("link", "ok") in audit


async def test_status_after_linking(bot, signer, slack) -> None:
    await bot.get(await consent(bot, await connect_url(bot, signer, slack)))
    url = slack.new_response_url()
    body, headers = signer.slash_command("status", user_id="U_EN", response_url=url)
    await bot.post("/slack/events", content=body, headers=headers)
    (reply,) = await slack.wait_for_response(url)
    text_ = reply["blocks"][0]["text"]["text"]
    assert "Linked as *Alice Adams* (alice@example.com) with OAuth" in text_
    assert "Access token valid until" in text_
    assert "Refresh token issued 0 day(s) ago" in text_


async def test_deny_stores_nothing(bot, signer, slack, engine) -> None:
    callback = await consent(bot, await connect_url(bot, signer, slack), decision="deny")
    assert query_of(callback)["error"] == "access_denied"
    page = await bot.get(callback)
    assert "Linking was cancelled" in page.text
    assert await links(engine) == []
    assert slack.calls_to("chat.postMessage") == []


async def test_state_replay_is_refused(bot, signer, slack, engine) -> None:
    callback = await consent(bot, await connect_url(bot, signer, slack))
    assert (await bot.get(callback)).status_code == 200
    replay = await bot.get(callback)
    assert replay.status_code == 400
    assert "not valid" in replay.text
    assert len(await links(engine)) == 1


async def test_unknown_and_missing_state(bot, engine) -> None:
    for url in (
        "/questetra/oauth/callback?code=x&state=forged",
        "/questetra/oauth/callback",
        "/questetra/oauth/start?state=forged",
        "/questetra/oauth/start",
    ):
        page = await bot.get(url)
        assert page.status_code == 400
        assert "/questetra connect" in page.text
    assert await links(engine) == []


async def test_state_expires_after_ten_minutes(bot, signer, slack, clock, engine) -> None:
    start = await connect_url(bot, signer, slack)
    clock.advance(10 * 60 + 1)
    page = await bot.get(start)
    assert page.status_code == 400
    assert "expired" in page.text
    # also at the callback: consent obtained in time, callback too late
    clock.advance(-(10 * 60 + 1))
    callback = await consent(bot, start)
    clock.advance(10 * 60 + 1)
    late = await bot.get(callback)
    assert "expired" in late.text
    assert await links(engine) == []


async def test_two_concurrent_callbacks_with_one_state_link_once(
    bot, signer, slack, engine
) -> None:
    callback = await consent(bot, await connect_url(bot, signer, slack))
    first, second = await asyncio.gather(bot.get(callback), bot.get(callback))
    assert sorted([first.status_code, second.status_code]) == [200, 400]
    assert len(await links(engine)) == 1
    assert len([c for c in slack.calls_to("chat.postMessage")]) <= 1


async def test_forwarded_link_is_refused(bot, signer, slack, questetra, engine) -> None:
    # Alice's consent link, opened by Mallory who is signed in to Questetra as herself.
    start = await connect_url(bot, signer, slack, user_id="U_EN")
    questetra.sign_in("mallory@example.com")
    page = await bot.get(await consent(bot, start))
    assert page.status_code == 400
    assert "mallory@example.com" in page.text
    assert await links(engine) == []
    async with engine.connect() as connection:
        audit = (await connection.execute(select(AuditEntry.action, AuditEntry.outcome))).all()
    assert audit == [("link", "denied")]


async def test_pkce_enforced_by_questetra_still_links(
    bot, signer, slack, questetra, engine
) -> None:
    questetra.delete_client(CLIENT_ID)
    questetra.add_client(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, require_pkce=True)
    start = await connect_url(bot, signer, slack)
    authorize = (await bot.get(start)).headers["location"]
    assert query_of(authorize)["code_challenge_method"] == "S256"
    assert (await bot.get(await consent(bot, start))).status_code == 200
    assert len(await links(engine)) == 1


async def test_relinking_replaces_the_credential(bot, signer, slack, engine) -> None:
    await bot.get(await consent(bot, await connect_url(bot, signer, slack)))
    (before,) = await links(engine)
    start = await connect_url(bot, signer, slack)
    await bot.get(await consent(bot, start))
    (after,) = await links(engine)
    assert after.credential_enc != before.credential_enc


async def test_disconnect_forgets_the_link(bot, signer, slack, engine) -> None:
    await bot.get(await consent(bot, await connect_url(bot, signer, slack)))
    url = slack.new_response_url()
    body, headers = signer.slash_command("disconnect", user_id="U_EN", response_url=url)
    await bot.post("/slack/events", content=body, headers=headers)
    (reply,) = await slack.wait_for_response(url)
    assert "no longer linked" in reply["text"]
    assert await links(engine) == []
    async with engine.connect() as connection:
        assert (await connection.execute(select(OAuthState))).all() == []


async def test_connect_without_oauth_client_says_ask_admin(
    env, engine, slack, signer, clock
) -> None:
    import httpx2

    from bot.app import create_app
    from bot.config import Settings

    settings = Settings.model_validate(
        {k: v for k, v in env.items() if not k.startswith("QUESTETRA_CLIENT")}
        | {"QUESTETRA_BASIC_AUTH": "true"}
    )
    application = create_app(settings, engine=engine, clock=clock, migrate_on_start=False)
    async with (
        application.router.lifespan_context(application),
        httpx2.AsyncClient(
            transport=httpx2.ASGITransport(app=application), base_url="http://bot.test"
        ) as client,
    ):
        url = slack.new_response_url()
        body, headers = signer.slash_command("connect", response_url=url, user_id="U_JA")
        await client.post("/slack/events", content=body, headers=headers)
        (reply,) = await slack.wait_for_response(url)
    assert "管理者" in reply["text"]
