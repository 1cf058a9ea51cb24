"""Issue #16 item 4: the API-password form is no password-guessing oracle — the e-mail rule is
checked before Questetra is asked, every refusal reads the same, attempts are limited per user
and per target e-mail (on the injected clock)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.db.models import UserLink
from tests.integration.test_basic_auth import submit
from tests.linking_support import basic_auth_tenant

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
def env(env):
    return {**env, "QUESTETRA_BASIC_AUTH": "true"}


@pytest.fixture(autouse=True)
def tenant(questetra, slack):
    basic_auth_tenant(questetra)
    questetra.add_user("taro@example.jp", "Taro", api_password="taro-api-pass")
    slack.add_user("U_ADMIN", email="admin@example.com", is_admin=True)
    return questetra


def _self_calls(questetra) -> list:
    return [r for r in questetra.requests if r.path.endswith("API/User/Quser/self")]


async def _links(engine) -> int:
    async with engine.connect() as connection:
        return len((await connection.execute(select(UserLink))).all())


async def test_someone_elses_email_never_reaches_questetra_and_reads_like_a_wrong_password(
    bot, signer, questetra
) -> None:
    wrong = (await submit(bot, signer, "alice@example.com", "guess")).json()
    assert len(_self_calls(questetra)) == 1  # own e-mail: Questetra says no
    theirs = (await submit(bot, signer, "taro@example.jp", "guess")).json()
    right = (await submit(bot, signer, "taro@example.jp", "taro-api-pass")).json()
    assert len(_self_calls(questetra)) == 1  # someone else's: never asked
    assert wrong == theirs == right
    assert list(wrong["errors"]) == ["api_password"]


async def test_attempts_are_limited_per_user(bot, signer, questetra, clock, engine) -> None:
    for _ in range(5):
        await submit(bot, signer, "alice@example.com", "guess")
    throttled = (await submit(bot, signer, "alice@example.com", "alice-api-pass")).json()
    assert "Too many attempts" in throttled["errors"]["api_password"]
    assert len(_self_calls(questetra)) == 5
    assert await _links(engine) == 0
    clock.advance(16 * 60)
    assert (await submit(bot, signer, "alice@example.com", "alice-api-pass")).content in (
        b"",
        b"{}",
    )
    assert await _links(engine) == 1


async def test_attempts_are_limited_per_target_email(bot, signer, slack, questetra, engine) -> None:
    """Several Slack users allowed to use one address (admin mappings) share its limit."""
    for user in ("U_M1", "U_M2"):
        slack.add_user(user, email=f"{user.lower()}@example.com")
        url = slack.new_response_url()
        body, headers = signer.slash_command(
            f"admin map <@{user}> alice@example.com", user_id="U_ADMIN", response_url=url
        )
        await bot.post("/slack/events", content=body, headers=headers)
        await slack.wait_for_response(url)
    for _ in range(3):
        await submit(bot, signer, "alice@example.com", "guess", user_id="U_M1")
    for _ in range(2):
        await submit(bot, signer, "alice@example.com", "guess", user_id="U_M2")
    throttled = (
        await submit(bot, signer, "alice@example.com", "alice-api-pass", user_id="U_EN")
    ).json()
    assert "Too many attempts" in throttled["errors"]["api_password"]
    assert len(_self_calls(questetra)) == 5
