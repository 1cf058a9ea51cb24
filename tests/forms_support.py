"""Driving task processing through the real app in tests: lists, buttons, the modal, submits."""

from __future__ import annotations

from typing import Any

import httpx2

from tests.emulators.questetra import Field
from tests.emulators.slack import FakeSlack, SlackSigner

APP = 7
FIELDS = [
    Field("subject", "Subject", "STRING", 1),
    Field("notes", "Notes", "STRING_TEXTAREA", 2),
    Field("amount", "Amount", "DECIMAL", 3, scale=0),
    Field("kind", "Kind", "SELECT", 4, choices={"a": "Travel", "b": "Books"}),
    Field("tags", "Tags", "SELECT_MULTI", 5, choices={"x": "Urgent", "y": "Internal"}),
    Field("due", "Due date", "DATE", 6),
    Field("month", "Month", "DATE", 7, sub_type="DATE_YM"),
    Field("meet", "Meeting", "DATETIME", 8),
    Field("owner", "Owner", "QUSER", 9),
    Field("team", "Team", "QGROUP", 10),
    Field("talk", "Comments", "DISCUSSION", 11),
    Field("items", "Items", "LIST", 12),
    Field("files", "Receipts", "FILE", 13),
]


def texts(blocks: list[dict[str, Any]]) -> str:
    out = []
    for block in blocks:
        if isinstance(block.get("text"), dict):
            out.append(block["text"]["text"])
        for element in block.get("elements", []):
            text = element.get("text")
            out.append(text if isinstance(text, str) else (text or {}).get("text", ""))
    return "\n".join(out)


def buttons(blocks: list[dict[str, Any]], prefix: str | None = None) -> list[dict[str, Any]]:
    found = [e for b in blocks for e in b.get("elements", []) if e.get("type") == "button"]
    return [e for e in found if prefix is None or e["action_id"].startswith(prefix)]


async def post(bot: httpx2.AsyncClient, signer: SlackSigner, payload: dict) -> httpx2.Response:
    body, headers = signer.interactivity(payload)
    response = await bot.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 200
    return response


async def tasks_reply(
    bot: httpx2.AsyncClient, signer: SlackSigner, slack: FakeSlack, user_id: str = "U_EN"
) -> dict[str, Any]:
    url = slack.new_response_url()
    body, headers = signer.slash_command("tasks", user_id=user_id, response_url=url)
    assert (await bot.post("/slack/events", content=body, headers=headers)).status_code == 200
    return (await slack.wait_for_response(url))[-1] | {"_url": url}


async def click(
    bot: httpx2.AsyncClient,
    signer: SlackSigner,
    element: dict[str, Any],
    *,
    user_id: str = "U_EN",
    response_url: str | None = None,
    message: dict[str, Any] | None = None,
    channel_id: str | None = None,
    trigger_id: str = "13345224609.738474920.8088930838d88f008e0",
) -> httpx2.Response:
    payload = SlackSigner.block_actions(
        element["action_id"],
        element.get("value"),
        user_id=user_id,
        response_url=response_url,
        message=message,
        channel_id=channel_id,
        trigger_id=trigger_id,
    )
    return await post(bot, signer, payload)


async def form_view(slack: FakeSlack, count: int = 1) -> dict[str, Any]:
    """The modal after its ``count``-th ``views.update`` (the loading view filled in)."""
    updates = await slack.wait_for("views.update", count=count)
    view_id = updates[count - 1].params["view_id"]
    return slack.views[view_id]


async def open_from_list(
    bot: httpx2.AsyncClient, signer: SlackSigner, slack: FakeSlack, *, user_id: str = "U_EN"
) -> tuple[dict[str, Any], str]:
    """`/questetra tasks`, then Process… on the first card: (the modal, the list's URL)."""
    reply = await tasks_reply(bot, signer, slack, user_id=user_id)
    process = buttons(reply["blocks"], "form_process")[0]
    await click(bot, signer, process, user_id=user_id, response_url=reply["_url"])
    return await form_view(slack), reply["_url"]


async def submit(
    bot: httpx2.AsyncClient,
    signer: SlackSigner,
    view: dict[str, Any],
    values: dict[str, Any],
    *,
    user_id: str = "U_EN",
) -> httpx2.Response:
    """Submit ``view`` with ``values``: {block_id: state dict or plain text}."""
    shaped = {
        block: {"value": v if isinstance(v, dict) else {"type": "plain_text_input", "value": v}}
        for block, v in values.items()
    }
    payload = SlackSigner.view_submission("form_submit", shaped, user_id=user_id, view=view)
    return await post(bot, signer, payload)


def option(value: str, kind: str = "radio_buttons") -> dict[str, Any]:
    return {
        "type": kind,
        "selected_option": {"value": value, "text": {"type": "plain_text", "text": value}},
    }


def input_ids(view: dict[str, Any]) -> list[str]:
    return [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
