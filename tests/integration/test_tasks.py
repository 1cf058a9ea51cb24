"""`/questetra tasks`, Accept, Details and the App Home against the emulators."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.emulators.questetra import Field
from tests.linking_support import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, link_user

pytestmark = pytest.mark.usefixtures("app")

APP = 7
FIELDS = [
    Field("summary", "Summary", "STRING", 1),
    Field("notes", "Notes", "STRING_TEXTAREA", 2),
    Field("amount", "Amount", "DECIMAL", 3),
    Field("kind", "Kind", "SELECT", 4, choices={"a": "Travel", "b": "Books"}),
    Field("tags", "Tags", "SELECT_MULTI", 5, choices={"x": "Urgent", "y": "Internal"}),
    Field("due", "Due date", "DATE", 6),
    Field("meeting", "Meeting", "DATETIME", 7),
    Field("owner", "Owner", "QUSER", 8),
    Field("team", "Team", "QGROUP", 9),
    Field("talk", "Discussion", "DISCUSSION", 10),
    Field("items", "Items", "LIST", 11),
    Field("files", "Attachments", "FILE", 12),
    Field("secret", "Hidden", "STRING", 13, visible=False),
]


@pytest.fixture(autouse=True)
def tenant(questetra):
    questetra.add_user("alice@example.com", "Alice Adams")
    questetra.add_user("bob@example.com", "Bob")
    questetra.add_client(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI)
    questetra.add_app(APP, "Expense claim", fields=FIELDS)
    questetra.add_app(8, "Purchase order")
    return questetra


@pytest.fixture
async def alice(bot, signer, slack, questetra) -> None:
    await link_user(bot, signer, slack, questetra, user_id="U_EN", email="alice@example.com")


async def tasks_reply(bot, signer, slack, text="tasks", user_id="U_EN") -> dict:
    url = slack.new_response_url()
    body, headers = signer.slash_command(text, user_id=user_id, response_url=url)
    assert (await bot.post("/slack/events", content=body, headers=headers)).status_code == 200
    return (await slack.wait_for_response(url))[-1] | {"_url": url}


def texts(blocks) -> str:
    out = []
    for block in blocks:
        if isinstance(block.get("text"), dict):
            out.append(block["text"]["text"])
        for element in block.get("elements", []):
            text = element.get("text")
            out.append(text if isinstance(text, str) else (text or {}).get("text", ""))
    return "\n".join(out)


def buttons(blocks, action_id=None) -> list[dict]:
    found = [e for b in blocks for e in b.get("elements", []) if e.get("type") == "button"]
    return [e for e in found if action_id is None or e["action_id"] == action_id]


async def click(bot, signer, action: dict, *, response_url=None, container=None, user_id="U_EN"):
    payload = signer.block_actions(
        action["action_id"],
        action.get("value"),
        user_id=user_id,
        response_url=response_url,
        container=container,
    )
    body, headers = signer.interactivity(payload)
    response = await bot.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 200
    return response


async def test_not_linked_gets_a_connect_button(bot, signer, slack) -> None:
    reply = await tasks_reply(bot, signer, slack)
    assert "Link your Questetra account first" in reply["text"]
    assert [b["action_id"] for b in buttons(reply["blocks"])] == ["connect"]


async def test_empty_lists_say_nothing_is_waiting(bot, signer, slack, alice) -> None:
    reply = await tasks_reply(bot, signer, slack)
    assert "Nothing is waiting for you" in texts(reply["blocks"])


async def test_one_offered_task_card(bot, signer, slack, questetra, alice, clock) -> None:
    deadline = clock.now() - timedelta(days=1)
    wid = questetra.add_task(
        APP,
        to="alice@example.com",
        node_name="Approve",
        title="Trip to Osaka",
        state="OFFERED",
        deadline=deadline,
        starter="bob@example.com",
    )
    reply = await tasks_reply(bot, signer, slack)
    blocks = reply["blocks"]
    text = texts(blocks)
    assert "*Offered to you* (1)" in text
    assert "Approve" in text and "Trip to Osaka" in text and "Expense claim" in text
    assert "started by Bob" in text
    assert "overdue" in text
    assert "<!date^" in text  # rendered in the reader's own time zone by Slack
    ids = [b["action_id"] for b in buttons(blocks)]
    assert ids[:3] == ["task_open", "task_details", "task_accept"]
    assert buttons(blocks, "task_open")[0]["url"].endswith(
        f"PE/Workitem/Form/view?workitemId={wid}"
    )


async def test_120_tasks_are_paged(bot, signer, slack, questetra, alice) -> None:
    for n in range(120):
        questetra.add_task(
            APP,
            to="alice@example.com",
            title=f"Claim {n:03}",
            state="ALLOCATED" if n % 2 else "OFFERED",
        )
    reply = await tasks_reply(bot, signer, slack)
    blocks = reply["blocks"]
    assert len(blocks) <= 50
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
    assert "Page 1 of 12 · 120 tasks" in texts(blocks)
    assert "*My Tasks* (60)" in texts(blocks)
    (next_button,) = buttons(blocks, "tasks_page")
    await click(bot, signer, next_button, response_url=reply["_url"])
    (replaced,) = [r for r in await slack.wait_for_response(reply["_url"], count=2)][1:]
    assert replaced["replace_original"] is True
    assert "Page 2 of 12" in texts(replaced["blocks"])
    assert [b["text"]["text"] for b in buttons(replaced["blocks"], "tasks_page")] == [
        "Previous",
        "Next",
    ]


async def test_newest_first(bot, signer, slack, questetra, alice, clock) -> None:
    questetra.add_task(APP, to="alice@example.com", title="older", state="ALLOCATED")
    clock.advance(60)
    questetra.add_task(APP, to="alice@example.com", title="newer", state="ALLOCATED")
    text = texts((await tasks_reply(bot, signer, slack))["blocks"])
    assert text.index("newer") < text.index("older")


async def test_filter_by_app_or_title(bot, signer, slack, questetra, alice) -> None:
    questetra.add_task(APP, to="alice@example.com", title="Trip to Osaka", state="ALLOCATED")
    questetra.add_task(8, to="alice@example.com", title="New laptop", state="OFFERED")
    text = texts((await tasks_reply(bot, signer, slack, "tasks purchase"))["blocks"])
    assert "New laptop" in text and "Trip to Osaka" not in text
    text = texts((await tasks_reply(bot, signer, slack, "tasks OSAKA trip"))["blocks"])
    assert "Trip to Osaka" in text and "New laptop" not in text
    assert "No task matches" in texts(
        (await tasks_reply(bot, signer, slack, "tasks zzz"))["blocks"]
    )


async def test_japanese_user(bot, signer, slack, questetra) -> None:
    await link_user(
        bot, signer, slack, questetra, user_id="U_JA", email="alice@example.com"
    ) if False else None
    questetra.add_user("taro@example.jp", "太郎")
    await link_user(bot, signer, slack, questetra, user_id="U_JA", email="taro@example.jp")
    questetra.add_task(APP, to="taro@example.jp", title="出張申請", state="OFFERED")
    blocks = (await tasks_reply(bot, signer, slack, user_id="U_JA"))["blocks"]
    assert "*引受待ち* (1)" in texts(blocks)
    assert [b["text"]["text"] for b in buttons(blocks)] == [
        "Questetra で開く",
        "詳細",
        "引き受ける",
    ]


async def test_accept_turns_the_card_in_place(bot, signer, slack, questetra, alice) -> None:
    wid = questetra.add_task(APP, to="alice@example.com", node_name="Approve", state="OFFERED")
    reply = await tasks_reply(bot, signer, slack)
    (accept,) = buttons(reply["blocks"], "task_accept")
    await click(bot, signer, accept, response_url=reply["_url"])
    answers = await slack.wait_for_response(reply["_url"], count=2)
    updated = answers[-1]
    assert updated["replace_original"] is True
    assert "Accepted “Approve” — it is now in your My Tasks" in updated["text"]
    assert "*My Tasks* (1)" in texts(updated["blocks"])
    assert buttons(updated["blocks"], "task_accept") == []
    assert questetra.workitems[wid].state == "ALLOCATED"


async def test_accept_race_lost(bot, signer, slack, questetra, alice) -> None:
    wid = questetra.add_task(
        APP, to=["alice@example.com", "bob@example.com"], node_name="Review", state="OFFERED"
    )
    reply = await tasks_reply(bot, signer, slack)
    questetra.allocate_task(wid, "bob@example.com")
    (accept,) = buttons(reply["blocks"], "task_accept")
    await click(bot, signer, accept, response_url=reply["_url"])
    updated = (await slack.wait_for_response(reply["_url"], count=2))[-1]
    assert "Someone else accepted “Review” first" in updated["text"]


async def test_accept_of_a_task_that_is_gone(bot, signer, slack, questetra, alice) -> None:
    wid = questetra.add_task(APP, to="alice@example.com", node_name="Review", state="OFFERED")
    reply = await tasks_reply(bot, signer, slack)
    questetra.remove_task(wid)
    await click(bot, signer, buttons(reply["blocks"], "task_accept")[0], response_url=reply["_url"])
    updated = (await slack.wait_for_response(reply["_url"], count=2))[-1]
    assert "no longer exists" in updated["text"]


async def test_double_click_accepts_once(bot, signer, slack, questetra, alice) -> None:
    wid = questetra.add_task(APP, to="alice@example.com", node_name="Approve", state="OFFERED")
    reply = await tasks_reply(bot, signer, slack)
    (accept,) = buttons(reply["blocks"], "task_accept")
    await click(bot, signer, accept, response_url=reply["_url"])
    await click(bot, signer, accept, response_url=reply["_url"])
    await slack.wait_for_response(reply["_url"], count=3)
    accepts = [r for r in questetra.requests if r.path.endswith("batchAccept")]
    assert len(accepts) == 1
    assert questetra.workitems[wid].state == "ALLOCATED"


async def test_details_show_every_data_type(bot, signer, slack, questetra, alice) -> None:
    owner = questetra.user("bob@example.com")
    wid = questetra.add_task(
        APP,
        to="alice@example.com",
        state="ALLOCATED",
        title="Trip",
        data={
            "summary": "Osaka <sales> & co",
            "notes": "line 1\nline 2",
            "amount": 1234.5,
            "kind": ["a"],
            "tags": ["x", "y"],
            "due": date(2026, 12, 1),
            "meeting": datetime(2026, 12, 1, 10, 30, tzinfo=UTC),
            "owner": owner,
            "team": owner.group,
            "talk": "LGTM",
            "items": [["pen", "2"], ["ink", "1"]] * 4,
            "files": ["receipt.pdf", "map.png"],
            "secret": "nobody sees this",
        },
    )
    pid = questetra.workitems[wid].process_instance_id
    reply = await tasks_reply(bot, signer, slack)
    (details,) = buttons(reply["blocks"], "task_details")
    assert json.loads(details["value"]) == {"w": wid, "p": pid}
    await click(bot, signer, details, response_url=reply["_url"])
    (opened,) = await slack.wait_for("views.open")
    assert "Loading" in opened.params["view"]["blocks"][0]["text"]["text"]
    (update,) = await slack.wait_for("views.update")
    view = update.params["view"]
    assert len(view["title"]["text"]) <= 24
    text = texts(view["blocks"])
    for expected in (
        "*Summary*\nOsaka &lt;sales&gt; &amp; co",
        "*Amount*\n1234.5",
        "*Kind*\nTravel",
        "*Tags*\nUrgent, Internal",
        "*Due date*\n2026-12-01",
        "*Meeting*\n2026-12-01T19:30:00+0900",
        "*Owner*\nBob &lt;bob@example.com&gt;",
        "*Team*\nSales",
        "*Discussion*\nLGTM",
        "*Attachments*\nreceipt.pdf, map.png",
        "pen | 2",
        "… (+3)",
    ):
        assert expected in text, expected
    assert "nobody sees this" not in text


async def test_details_of_a_process_you_may_not_see(bot, signer, slack, questetra, alice) -> None:
    wid = questetra.add_task(APP, to="alice@example.com", state="ALLOCATED")
    reply = await tasks_reply(bot, signer, slack)
    questetra.allocate_task(wid, "bob@example.com")  # alice no longer has a task in it
    await click(
        bot, signer, buttons(reply["blocks"], "task_details")[0], response_url=reply["_url"]
    )
    (update,) = await slack.wait_for("views.update")
    assert "Could not load the process" in texts(update.params["view"]["blocks"])


async def test_slow_questetra_does_not_delay_the_ack(bot, signer, slack, questetra, alice) -> None:
    questetra.faults.set_latency(3.5)
    url = slack.new_response_url()
    body, headers = signer.slash_command("tasks", user_id="U_EN", response_url=url)
    response = await bot.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 200
    assert slack.responses(url) == []  # acked before Questetra answered
    (reply,) = await slack.wait_for_response(url, timeout=15)
    assert "Nothing is waiting" in texts(reply["blocks"])


async def test_questetra_down(bot, signer, slack, questetra, alice) -> None:
    questetra.faults.fail_next(5, status=503)
    reply = await tasks_reply(bot, signer, slack)
    assert reply["text"] == "Questetra is not answering. Please try again in a minute."
    assert "Traceback" not in json.dumps(reply)


async def test_basic_edition_refuses_accept(bot, signer, slack, questetra, alice) -> None:
    questetra.add_task(APP, to="alice@example.com", state="OFFERED")
    reply = await tasks_reply(bot, signer, slack)
    questetra.edition = "basic"
    await click(bot, signer, buttons(reply["blocks"], "task_accept")[0], response_url=reply["_url"])
    answer = (await slack.wait_for_response(reply["_url"], count=2))[-1]
    assert "edition" in answer["text"]


async def test_revoked_token_mid_session_offers_relink(
    bot, signer, slack, questetra, alice
) -> None:
    questetra.revoke_tokens("alice@example.com")
    reply = await tasks_reply(bot, signer, slack)
    assert [b["action_id"] for b in buttons(reply["blocks"])] == ["relink"]
    (dm,) = await slack.wait_for("chat.postMessage")
    assert dm.params["channel"] == "U_EN"


async def test_home_shows_compact_lists_and_accept_there(
    bot, signer, slack, questetra, alice
) -> None:
    questetra.add_task(APP, to="alice@example.com", node_name="Approve", state="OFFERED")
    for n in range(7):
        questetra.add_task(APP, to="alice@example.com", title=f"Mine {n}", state="ALLOCATED")
    body, headers = signer.event(signer.app_home_opened("U_EN"), event_id="EvH1")
    await bot.post("/slack/events", content=body, headers=headers)
    (publish,) = await slack.wait_for("views.publish")
    blocks = publish.params["view"]["blocks"]
    text = texts(blocks)
    assert "Linked as *Alice Adams*" in text
    assert "… 2 more: `/questetra tasks`" in text
    assert {"home_refresh", "home_disconnect"} <= {b["action_id"] for b in buttons(blocks)}
    (accept,) = buttons(blocks, "task_accept")
    await click(bot, signer, accept, container={"type": "view", "view_id": "VHOME"})
    (_, republished) = await slack.wait_for("views.publish", count=2)
    assert "Accepted “Approve”" in texts(republished.params["view"]["blocks"])


async def test_home_when_questetra_is_down_still_shows_the_link(
    bot, signer, slack, questetra, alice
) -> None:
    questetra.faults.fail_next(5, status=502)
    body, headers = signer.event(signer.app_home_opened("U_EN"), event_id="EvH2")
    await bot.post("/slack/events", content=body, headers=headers)
    (publish,) = await slack.wait_for("views.publish")
    text = texts(publish.params["view"]["blocks"])
    assert "could not be loaded right now" in text
    assert "Linked as" in text


async def test_home_disconnect_button(bot, signer, slack, questetra, alice, engine) -> None:
    await click(
        bot,
        signer,
        {"action_id": "home_disconnect", "value": None},
        container={"type": "view", "view_id": "VHOME"},
    )
    (publish,) = await slack.wait_for("views.publish")
    assert "no longer linked" in texts(publish.params["view"]["blocks"])
    assert [b["action_id"] for b in buttons(publish.params["view"]["blocks"])] == ["connect"]
