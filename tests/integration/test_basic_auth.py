"""Linking with e-mail + API password (Basic auth), through the modal."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import select

from bot.db.models import UserLink, Workspace
from tests.linking_support import basic_auth_tenant

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
def env(env):
    return {**env, "QUESTETRA_BASIC_AUTH": "true"}


@pytest.fixture(autouse=True)
def tenant(questetra):
    basic_auth_tenant(questetra)
    questetra.add_user("mallory@example.com", "Mallory", api_password="mallory-api-pass")
    return questetra


async def submit(bot, signer, email: str, password: str, user_id: str = "U_EN"):
    payload = signer.view_submission(
        "basic_link",
        {"email": {"email": email}, "api_password": {"api_password": password}},
        user_id=user_id,
    )
    body, headers = signer.interactivity(payload)
    return await bot.post("/slack/events", content=body, headers=headers)


async def test_connect_basic_opens_the_modal(bot, signer, slack) -> None:
    body, headers = signer.slash_command("connect basic", user_id="U_JA")
    assert (await bot.post("/slack/events", content=body, headers=headers)).status_code == 200
    (call,) = await slack.wait_for("views.open")
    view = call.params["view"]
    assert view["callback_id"] == "basic_link"
    assert "API パスワード" in view["blocks"][0]["text"]["text"]
    assert [b["block_id"] for b in view["blocks"][1:]] == ["email", "api_password"]


async def test_right_password_links_and_sends_basic_pre_emptively(
    bot, signer, slack, questetra, engine
) -> None:
    response = await submit(bot, signer, "alice@example.com", "alice-api-pass")
    assert response.status_code == 200
    assert response.content in (b"", b"{}")  # modal closes
    (dm,) = await slack.wait_for("chat.postMessage")
    assert "Alice Adams" in dm.params["text"]
    self_calls = [r for r in questetra.requests if r.path.endswith("API/User/Quser/self")]
    assert [r.auth for r in self_calls] == ["basic"]
    async with engine.connect() as connection:
        (link,) = (await connection.execute(select(UserLink))).all()
        raw = b"".join(bytes(v) for v in (link.credential_enc,))
    assert link.method == "basic"
    assert b"alice-api-pass" not in raw
    assert base64.b64encode(b"alice-api-pass") not in raw


async def test_wrong_password_is_a_field_error(bot, signer, slack, engine) -> None:
    response = await submit(bot, signer, "alice@example.com", "nope")
    assert response.json() == {
        "response_action": "errors",
        "errors": {
            "api_password": (
                "This e-mail and API password did not link. Use the e-mail of your own Slack "
                "profile (or the address your admin mapped for you) and your Questetra API "
                "password."
            )
        },
    }
    async with engine.connect() as connection:
        assert (await connection.execute(select(UserLink))).all() == []


async def test_someone_elses_account_is_refused(bot, signer, engine) -> None:
    response = await submit(bot, signer, "mallory@example.com", "mallory-api-pass")
    # The same answer as a wrong password (no oracle: tests/security/test_basic_oracle.py).
    assert response.json()["errors"]["api_password"].startswith("This e-mail and API password")
    async with engine.connect() as connection:
        assert (await connection.execute(select(UserLink))).all() == []


async def test_invalid_email_is_a_field_error(bot, signer) -> None:
    response = await submit(bot, signer, "not-an-email", "x", user_id="U_JA")
    assert response.json()["errors"] == {"email": "メールアドレスを入力してください。"}


async def test_questetra_down_is_a_field_error_not_a_hang(bot, signer, questetra) -> None:
    questetra.faults.fail_next(1, status=503, path_prefix="/API/")
    response = await submit(bot, signer, "alice@example.com", "alice-api-pass")
    assert "not answering" in response.json()["errors"]["api_password"]


async def test_disabled_by_workspace_admin(bot, signer, slack, engine) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            Workspace.__table__.insert().values(team_id="T0001", basic_auth_enabled=False)
        )
    url = slack.new_response_url()
    body, headers = signer.slash_command("connect basic", user_id="U_EN", response_url=url)
    await bot.post("/slack/events", content=body, headers=headers)
    (reply,) = await slack.wait_for_response(url)
    assert "not enabled" in reply["text"]
    assert slack.calls_to("views.open") == []
