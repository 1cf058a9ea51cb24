"""What people type, through signed requests and the real app (issue #15 items 2, 3, 5; #16.9):
Slack's escaping undone once, full-width input, numbers in other digits, every mention form,
Slack's ssl_check."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.db.models import EmailMapping
from tests.integration.test_start_admin import form_values, open_admin_form, save
from tests.linking_support import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, link_user

pytestmark = pytest.mark.usefixtures("app")

APP = 7


@pytest.fixture(autouse=True)
def tenant(questetra, slack):
    questetra.add_user("alice@example.com", "Alice Adams")
    questetra.add_client(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI)
    questetra.add_app(APP, "Expense claim")
    slack.add_user("U_ADMIN", email="admin@example.com", name="admin", is_admin=True)
    return questetra


async def run(bot, signer, slack, text, *, user_id="U_EN", channel_id="C0001") -> dict:
    url = slack.new_response_url(channel=channel_id, user_id=user_id)
    body, headers = signer.slash_command(
        text, user_id=user_id, channel_id=channel_id, response_url=url
    )
    assert (await bot.post("/slack/events", content=body, headers=headers)).status_code == 200
    return (await slack.wait_for_response(url))[-1]


def everything(reply: dict) -> str:
    """The notification text and every text object of the blocks."""
    found = [reply.get("text") or ""]

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(reply.get("blocks") or [])
    return "\n".join(found)


# ---------------------------------------------------------------- ssl_check (item 5)


async def test_ssl_check_is_answered_before_the_signature_and_does_nothing(bot, slack) -> None:
    form = {"content-type": "application/x-www-form-urlencoded"}
    response = await bot.post("/slack/events", content=b"ssl_check=1&token=legacy", headers=form)
    assert response.status_code == 200
    assert response.text == ""
    assert slack.calls == []
    # Anything else unsigned is still refused, even with ssl_check in it.
    for body in (
        b"command=%2Fquestetra&text=help&user_id=U1&team_id=T1",
        b"ssl_check=1&command=%2Fquestetra&text=help&user_id=U1&team_id=T1",
        b"ssl_check=0&token=legacy",
    ):
        assert (await bot.post("/slack/events", content=body, headers=form)).status_code == 401
    json_body = {"content-type": "application/json"}
    assert (
        await bot.post("/slack/events", content=b'{"ssl_check": "1"}', headers=json_body)
    ).status_code == 401
    assert slack.calls == []


# ---------------------------------------------------------------- escaping undone once


async def test_tasks_filter_with_slacks_escaping_finds_r_and_d_and_shows_it_once(
    bot, signer, slack, questetra
) -> None:
    await link_user(bot, signer, slack, questetra, user_id="U_EN", email="alice@example.com")
    questetra.add_task(APP, to="alice@example.com", title="R&D budget", state="ALLOCATED")
    questetra.add_task(APP, to="alice@example.com", title="Sales trip", state="ALLOCATED")
    questetra.add_task(APP, to="alice@example.com", title="R&amp;D typed as an entity")
    # Slack sends "R&D" typed in the command as "R&amp;D".
    reply = await run(bot, signer, slack, "tasks R&amp;D")
    shown = everything(reply)
    assert "R&amp;D budget" in shown  # escaped once on the way out
    assert "Sales trip" not in shown
    # "R&amp;D" typed literally arrives as "R&amp;amp;D" and finds only the literal title.
    assert "typed as an entity" not in shown
    filter_line = next(
        e["text"]
        for b in reply["blocks"]
        if b["type"] == "context"
        for e in b["elements"]
        if "R&amp;D" in e["text"]
    )
    assert "&amp;amp;" not in filter_line
    literal = everything(await run(bot, signer, slack, "tasks R&amp;amp;D"))
    assert "R&amp;amp;D typed as an entity" in literal
    assert "R&amp;D budget" not in literal


async def test_full_width_sub_commands_and_words(bot, signer, slack, questetra) -> None:
    await link_user(bot, signer, slack, questetra, user_id="U_EN", email="alice@example.com")
    questetra.add_task(APP, to="alice@example.com", title="Report 2026", state="ALLOCATED")
    reply = await run(bot, signer, slack, "ＴＡＳＫＳ\u3000ｒｅｐｏｒｔ\u3000２０２６")
    assert "Report 2026" in everything(reply)


# ---------------------------------------------------------------- times


@pytest.mark.parametrize(
    "typed",
    [
        "２２：３０－０６：１５",
        "22:30–06:15",
        "22:30 — 6:15",
        "２２：３０ー０６：１５",
        "22:30〜06:15",
        "22∶30−06∶15",
    ],
)
async def test_quiet_hours_in_any_width_and_dash(bot, signer, slack, typed) -> None:
    reply = await run(bot, signer, slack, f"alerts quiet {typed}")
    shown = everything(reply)
    assert "Saved." in shown, shown
    assert "22:30–06:15" in shown


async def test_quiet_hours_that_are_not_times_get_the_format(bot, signer, slack) -> None:
    for typed in ("２５：００－０６：００", "²²:30-06:15", "22:30"):
        shown = everything(await run(bot, signer, slack, f"alerts quiet {typed}"))
        assert "Give quiet hours as HH:MM-HH:MM" in shown, typed


# ---------------------------------------------------------------- numbers (#16.9)


@pytest.mark.parametrize("typed", ["²", "١٢", "①", "⁷"])
async def test_ids_in_other_digits_are_answered_not_a_number(
    bot, signer, slack, questetra, typed
) -> None:
    await link_user(bot, signer, slack, questetra, user_id="U_EN", email="alice@example.com")
    for command in (f"subscribe {typed}", f"unsubscribe {typed}"):
        shown = everything(await run(bot, signer, slack, command))
        assert f"“{typed}” is not a number" in shown, (command, shown)
        assert "went wrong" not in shown
    shown = everything(await run(bot, signer, slack, f"admin users {typed}", user_id="U_ADMIN"))
    assert f"“{typed}” is not a number" in shown


async def test_full_width_app_ids_are_numbers(bot, signer, slack, questetra) -> None:
    questetra.add_human_start_event(APP, 1)
    await link_user(bot, signer, slack, questetra, user_id="U_EN", email="alice@example.com")
    shown = everything(await run(bot, signer, slack, "subscribe ７"))
    assert "now gets new processes of *Expense claim*" in shown, shown


async def test_admin_form_app_id_in_superscript_is_a_field_error(bot, signer, slack) -> None:
    view = await open_admin_form(bot, signer, slack, "admin start-events add")
    values = form_values(se_app_id={"type": "number_input", "value": "²"})
    answer = (await save(bot, signer, view, values)).json()
    assert answer["response_action"] == "errors"
    assert answer["errors"]["se_app_id"] == "must be a whole number"
    values = form_values(se_app_id={"type": "number_input", "value": "７"})
    assert (await save(bot, signer, view, values)).content in (b"", b"{}")


# ---------------------------------------------------------------- mentions (item 3)


@pytest.mark.parametrize("who", ["<@U_EN|alice>", "<@U_EN|Alice Adams>", "<@U_EN>", "U_EN"])
async def test_map_and_unmap_take_every_mention_form(bot, signer, slack, engine, who) -> None:
    reply = await run(
        bot,
        signer,
        slack,
        f"admin map {who} <mailto:a@corp.example|a@corp.example>",
        user_id="U_ADMIN",
    )
    assert "may now link the Questetra account a@corp.example" in everything(reply)
    async with engine.connect() as connection:
        mapped = (await connection.execute(select(EmailMapping.slack_user_id))).scalars().all()
    assert mapped == ["U_EN"]
    reply = await run(bot, signer, slack, f"admin unmap {who}", user_id="U_ADMIN")
    async with engine.connect() as connection:
        assert (await connection.execute(select(EmailMapping))).all() == []
    assert "<@U_EN>" in everything(reply)


async def test_enterprise_grid_user_ids(bot, signer, slack) -> None:
    reply = await run(bot, signer, slack, "admin audit <@W012ABCDEF>", user_id="U_ADMIN")
    assert "went wrong" not in everything(reply)
    reply = await run(bot, signer, slack, "admin revoke <@W012ABCDEF|grid.user>", user_id="U_ADMIN")
    assert "<@W012ABCDEF>" in everything(reply)


@pytest.mark.parametrize(
    "verb", ["map @carl carl@example.com", "unmap @carl", "revoke @carl", "audit @carl"]
)
async def test_a_typed_at_name_says_to_pick_the_person(bot, signer, slack, verb) -> None:
    shown = everything(await run(bot, signer, slack, f"admin {verb}", user_id="U_ADMIN"))
    assert "I cannot tell who “@carl” is" in shown
    assert "pick the person from Slack's list" in shown


async def test_a_typed_at_name_in_japanese(bot, signer, slack) -> None:
    slack.add_user(
        "U_ADMIN_JA", email="kanri@example.jp", name="kanri", is_admin=True, locale="ja-JP"
    )
    shown = everything(await run(bot, signer, slack, "admin revoke @太郎", user_id="U_ADMIN_JA"))
    assert "「@太郎」が誰なのか分かりません" in shown
    shown = everything(await run(bot, signer, slack, "admin users ²", user_id="U_ADMIN_JA"))
    assert "「²」は数値ではありません" in shown
