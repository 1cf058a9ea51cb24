"""Issue #16 item 7: no amplification — one live consent link per user, a poll per linked user
at most every 30 s from webhook pushes, at most 60 pushes a minute into one channel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from bot.db.models import OAuthState, UserLink
from bot.web import HOOK_POSTS_PER_MINUTE
from tests.linking_support import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, connect_url, link_user

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture(autouse=True)
def tenant(questetra):
    questetra.add_user("alice@example.com", "Alice Adams")
    questetra.add_client(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI)
    return questetra


async def test_connect_forty_times_leaves_one_live_consent_link(bot, signer, slack, engine) -> None:
    urls = [await connect_url(bot, signer, slack, "U_EN") for _ in range(40)]
    async with engine.connect() as connection:
        states = (await connection.execute(select(func.count()).select_from(OAuthState))).scalar()
    assert states == 1
    for old in (urls[0], urls[20], urls[38]):
        page = await bot.get(old)
        assert page.status_code == 400  # the invalid-link page, no redirect to Questetra
    assert (await bot.get(urls[-1])).status_code == 302
    # Another user's consent link is theirs alone: not revoked by U_EN's.
    other = await connect_url(bot, signer, slack, "U_JA")
    await connect_url(bot, signer, slack, "U_EN")
    assert (await bot.get(other)).status_code == 302


async def _hook(app) -> str:
    url = await app.state.deps.webhooks.create(team_id="T0001", channel_id="C0001", user_id="U_EN")
    return "/hooks/" + url.rsplit("/", 1)[1]


async def _postpone(engine, clock) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            update(UserLink).values(next_poll_at=clock.now() + timedelta(hours=1))
        )


async def _due(engine, clock) -> bool:
    async with engine.connect() as connection:
        (at,) = (await connection.execute(select(UserLink.next_poll_at))).one()
    return bool(at <= clock.now() + timedelta(seconds=1))


async def test_pushes_naming_a_user_poll_them_at_most_every_30_seconds(
    bot, app, signer, slack, questetra, engine, clock
) -> None:
    await link_user(bot, signer, slack, questetra, user_id="U_EN", email="alice@example.com")
    path = await _hook(app)
    push = {"title": "New claim", "email": "alice@example.com"}
    await _postpone(engine, clock)
    assert (await bot.post(path, data=push)).status_code == 200
    assert await _due(engine, clock)
    for _ in range(10):
        await _postpone(engine, clock)
        assert (await bot.post(path, data=push)).status_code == 200  # still posted
        assert not await _due(engine, clock)  # but no new poll
    clock.advance(31)
    assert (await bot.post(path, data=push)).status_code == 200
    assert await _due(engine, clock)


async def test_a_channel_takes_at_most_sixty_pushes_a_minute(bot, app, slack, clock) -> None:
    path = await _hook(app)
    for n in range(HOOK_POSTS_PER_MINUTE):
        assert (await bot.post(path, data={"title": f"#{n}"})).status_code == 200
    refused = await bot.post(path, data={"title": "one too many"})
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "60"
    assert len(slack.messages("C0001")) == HOOK_POSTS_PER_MINUTE
    # Another webhook into the same channel shares the channel's budget.
    assert (await bot.post(await _hook(app), data={"title": "other"})).status_code == 429
    clock.advance(61)
    assert (await bot.post(path, data={"title": "later"})).status_code == 200
