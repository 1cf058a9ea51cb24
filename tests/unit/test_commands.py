from __future__ import annotations

import pytest

from bot.slack.commands import COMMAND_PATTERN, handlers, parse, suggest
from bot.slack.ids import SubCommand


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ("help", [])),
        ("   ", ("help", [])),
        ("Tasks  urgent sales", ("tasks", ["urgent", "sales"])),
        ("connect basic", ("connect", ["basic"])),
    ],
)
def test_parse(text: str, expected: tuple[str, list[str]]) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("typo", "meant"), [("halp", "help"), ("task", "tasks"), ("conect", "connect")]
)
def test_suggest_close_matches(typo: str, meant: str) -> None:
    assert suggest(typo) == meant


def test_no_suggestion_for_nonsense() -> None:
    assert suggest("zzzzzz") is None


def test_every_sub_command_has_a_handler() -> None:
    assert set(handlers()) == {s.value for s in SubCommand}


def test_command_pattern_accepts_renamed_commands() -> None:
    assert COMMAND_PATTERN.match("/questetra")
    assert COMMAND_PATTERN.match("/qbpms-dev")
    assert not COMMAND_PATTERN.match("questetra")
