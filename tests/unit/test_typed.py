"""The parsing boundary (bot/domain/typed.py): one normalization for everything people type."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.typed import (
    NotAMention,
    NotANumber,
    email,
    fold,
    from_slack,
    looks_like_a_number,
    number_text,
    slack_user,
    time_range,
    whole_number,
)


@pytest.mark.parametrize(
    ("sent", "typed"),
    [
        ("R&amp;D", "R&D"),
        ("a &lt;b&gt; c", "a <b> c"),
        ("&amp;lt;", "&lt;"),  # typed "&lt;": undone once, not twice
        ("&amp;amp;", "&amp;"),
        ("&quot;&#39;", "&quot;&#39;"),  # Slack escapes only & < >
        ("<@U123|carl>", "<@U123|carl>"),  # real markup stays
    ],
)
def test_slacks_escaping_is_undone_exactly_once(sent, typed) -> None:
    assert from_slack(sent) == typed


def test_fold_is_nfkc_with_spaces_and_invisibles() -> None:
    assert fold("ＴＡＳＫＳ\u3000ｒｅｐｏｒｔ") == "TASKS report"
    assert fold("a\u00a0b\u200bc\ufeff") == "a bc"
    assert fold("ｶﾞｷﾞ") == "ガギ"
    assert fold("line\r\nnext") == "line\nnext"
    assert fold("データ") == "データ"  # ー is a letter in words
    assert fold("👍🏽 e\u0301") == "👍🏽 é"


def test_superscripts_and_circled_digits_are_kept_for_the_number_check() -> None:
    assert fold("x²①½") == "x²①½"


@pytest.mark.parametrize(("typed", "value"), [("12", 12), ("１２", 12), (" 7 ", 7), ("007", 7)])
def test_whole_numbers(typed, value) -> None:
    assert whole_number(typed) == value


@pytest.mark.parametrize("typed", ["²", "١٢", "①", "⁷", "½", "-1", "1.5", "", "12a", "9" * 19])
def test_not_numbers_say_so(typed) -> None:
    with pytest.raises(NotANumber) as caught:
        whole_number(typed)
    assert caught.value.params == {"value": typed}


def test_what_looks_like_a_number() -> None:
    assert looks_like_a_number("²") and looks_like_a_number("١٢") and looks_like_a_number("７")
    assert not looks_like_a_number("Expense claim") and not looks_like_a_number("")


def test_number_text_reads_typed_minus_signs() -> None:
    assert number_text("－１２．５") == "-12.5"
    assert number_text("−3") == "-3"
    assert number_text("ー3") == "-3"
    assert number_text("²") == "²"  # stays: [0-9] patterns refuse it


@pytest.mark.parametrize(
    "typed",
    [
        "22:30-06:15",
        "２２：３０－０６：１５",
        "２２：３０ー０６：１５",
        "22:30 – 6:15",
        "22:30—06:15",
        "22:30‐06:15",
        "22:30‑06:15",
        "22:30‒06:15",
        "22:30―06:15",
        "22:30−06:15",
        "22:30〜06:15",
        "22:30～06:15",
        "22∶30-06∶15",
    ],
)
def test_time_ranges(typed) -> None:
    assert time_range(typed) == ((22, 30), (6, 15))


@pytest.mark.parametrize("typed", ["24:00-06:00", "22:60-06:00", "²²:30-06:15", "22:30", "x"])
def test_not_time_ranges(typed) -> None:
    assert time_range(typed) is None


@pytest.mark.parametrize(
    ("word", "user_id"),
    [
        ("<@U123ABC|carl>", "U123ABC"),
        ("<@U123ABC>", "U123ABC"),
        ("<@W0GRID1>", "W0GRID1"),
        ("U123ABC", "U123ABC"),
    ],
)
def test_mentions(word, user_id) -> None:
    assert slack_user(word) == user_id


@pytest.mark.parametrize("word", ["@carl", "carl", "<#C123|general>", "<!here>", "＠carl"])
def test_not_mentions_say_what_to_do(word) -> None:
    with pytest.raises(NotAMention):
        slack_user(word)


def test_emails_as_slack_links_them() -> None:
    assert email("<mailto:a@b.example|a@b.example>") == "a@b.example"
    assert email("ａ@ｂ.example") == "a@b.example"
    assert email("＠carl") is None and email("<@U1>") is None and email("a@b") is None


def test_slash_command_words_keep_slacks_markup_whole() -> None:
    from bot.domain.typed import slack_words

    assert slack_words("admin map <@U1|Carl Smith> <mailto:c@x.example|c@x.example>") == [
        "admin",
        "map",
        "<@U1|Carl Smith>",
        "<mailto:c@x.example|c@x.example>",
    ]
    assert slack_words("ｔａｓｋｓ\u3000R&amp;D  &lt;b c&gt;") == ["tasks", "R&D", "<b", "c>"]
    assert slack_words("tasks a&amp;lt;b") == ["tasks", "a&lt;b"]
    assert slack_words("") == [] and slack_words(" \u3000 ") == []


# Any text at all: the boundary never raises anything but its own clear answers.


def _slack_escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@given(st.text())
def test_slacks_escaping_is_undone_exactly_once_for_any_text(text: str) -> None:
    assert from_slack(_slack_escaped(text)) == fold(text)


@given(st.text())
def test_any_text_is_a_number_or_a_clear_answer(text: str) -> None:
    try:
        value = whole_number(text)
    except NotANumber:
        return
    assert value >= 0 and fold(text).strip().isascii()


@given(st.text())
def test_any_text_is_a_time_range_or_none_and_a_person_or_a_clear_answer(text: str) -> None:
    parsed = time_range(text)
    assert parsed is None or all(0 <= h < 24 and 0 <= m < 60 for h, m in parsed)
    with contextlib.suppress(NotAMention):
        assert slack_user(text)
    assert fold(fold(text)) == fold(text)  # folding twice changes nothing
