"""Structure checks on the pure Block Kit builders (ids, limits), not whole-JSON snapshots."""

from __future__ import annotations

from typing import Any

from bot.errors import NextStep
from bot.slack.blocks import HomeLink, error_blocks, help_blocks, home_view, unknown_command_blocks
from bot.slack.ids import ActionId, SubCommand


def _texts(blocks: list[dict[str, Any]]) -> list[str]:
    out = []
    for block in blocks:
        if "text" in block:
            out.append(block["text"]["text"])
        for element in block.get("elements", []):
            if "text" in element and isinstance(element["text"], str):
                out.append(element["text"])
            elif "text" in element:
                out.append(element["text"]["text"])
    return out


def _action_ids(blocks: list[dict[str, Any]]) -> list[str]:
    return [e["action_id"] for b in blocks for e in b.get("elements", []) if "action_id" in e]


def _within_limits(blocks: list[dict[str, Any]]) -> None:
    assert len(blocks) <= 50
    for block in blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150


def test_help_lists_every_sub_command_in_both_languages() -> None:
    for locale in ("en-US", "ja-JP"):
        blocks = help_blocks(locale, "/questetra")
        _within_limits(blocks)
        listing = blocks[2]["text"]["text"]
        for sub in SubCommand:
            assert f"`/questetra {sub.value}" in listing


def test_help_language_follows_locale() -> None:
    assert help_blocks("ja-JP", "/q")[0]["text"]["text"] == "Slack で Questetra"
    assert help_blocks("en-US", "/q")[0]["text"]["text"] == "Questetra in Slack"


def test_unknown_command_offers_suggestion_and_help() -> None:
    text = " ".join(_texts(unknown_command_blocks("en-US", "/q", "halp", "help")))
    assert "`/q halp`" in text
    assert "`/q help`" in text
    without = " ".join(_texts(unknown_command_blocks("en-US", "/q", "zz", None)))
    assert "Did you mean" not in without


def test_error_blocks_carry_the_next_step_button() -> None:
    assert _action_ids(error_blocks("en", "x", NextStep.CONNECT)) == [ActionId.CONNECT]
    assert _action_ids(error_blocks("en", "x", NextStep.RELINK)) == [ActionId.RELINK]
    assert _action_ids(error_blocks("en", "x", NextStep.RETRY_LATER)) == []


def test_home_not_linked_has_connect_button() -> None:
    view = home_view("en-US", "/questetra", None)
    assert view["type"] == "home"
    _within_limits(view["blocks"])
    assert _action_ids(view["blocks"]) == [ActionId.CONNECT]


def test_home_linked_and_needs_relink() -> None:
    link = HomeLink(name="Alice", email="alice@example.com", method="oauth", needs_relink=False)
    linked = home_view("ja-JP", "/questetra", link)
    assert any("alice@example.com" in text for text in _texts(linked["blocks"]))
    assert _action_ids(linked["blocks"]) == ["home_refresh", "home_disconnect"]
    stale = home_view("en-US", "/questetra", HomeLink("A", "a@x", "basic", needs_relink=True))
    assert _action_ids(stale["blocks"]) == [ActionId.RELINK]


def test_home_shows_pause() -> None:
    view = home_view("en-US", "/questetra", None, paused=True)
    assert any("paused" in text for text in _texts(view["blocks"]))
