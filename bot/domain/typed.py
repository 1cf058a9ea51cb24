"""The parsing boundary: every text a person typed passes through here once, before anything
reads a sub-command, a word, a time, a number, an id, an e-mail or a person out of it.

What it does, and why
---------------------
* **Slack's HTML escaping undone exactly once** (:func:`from_slack`). Slack sends slash command
  text with ``&``, ``<`` and ``>`` as ``&amp;``, ``&lt;`` and ``&gt;`` (and only those three);
  mentions picked from the autocomplete arrive as real ``<@U…>`` markup. ``R&amp;D`` is ``R&D``,
  and ``&amp;lt;`` is what was typed as ``&lt;`` — never ``<``. Modal input values are not escaped
  by Slack, so they are only folded (:func:`fold`). Source:
  https://docs.slack.dev/messaging/formatting-message-text#escaping and
  https://docs.slack.dev/interactivity/implementing-slash-commands/ (``should_escape``).
* **Unicode NFKC** (:func:`fold`): full-width letters and digits from a Japanese IME (``ｔａｓｋｓ``,
  ``２２：３０``), the ideographic space U+3000 and no-break spaces become their ASCII forms;
  zero-width spaces and BOMs are dropped. Characters of category *No* (superscripts ``²``, circled
  ``①``, fractions) are kept as typed: NFKC would turn them into ASCII digits, and an id of
  ``²`` is a typo to answer, not the id 2.
* **Dashes and colons in times and numbers** (:func:`time_range`, :func:`number_text`): NFKC keeps
  ``‐ ‑ ‒ – — ― −`` and the katakana ``ー`` as they are, and those are how people type a range
  (``22:30–06:15``, ``２２：３０ー０６：１５``) or a minus. They are read as ``-`` only where a time
  range or a number is parsed; in free text (a task filter, a title) ``ー`` is a letter.
* **Numbers and ids are ASCII decimal only** (:func:`whole_number`): after folding, ``１２`` is 12,
  but ``²``, ``١٢`` (Arabic-Indic) or ``①`` are not numbers and say so (:class:`NotANumber`),
  never a crash (Python's ``int()`` and ``str.isdigit()`` accept some of them, and disagree).
* **People** (:func:`slack_user`): every mention form Slack sends (``<@U123|carl>``, ``<@U123>``,
  ``<@W123>`` for Enterprise Grid) and a bare user id; a plain ``@carl`` (typed, not picked from
  the autocomplete, so Slack sent no id) is answered with what to do (:class:`NotAMention`).

This module is pure (no I/O): the Slack handlers (bot/slack/commands.py, bot/slack/views.py) and
the domain's validators call it.
"""

from __future__ import annotations

import re
import unicodedata

from bot.errors import BadInput

_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u2060\ufeff\u00ad"))
# Dashes people type for a range or a minus (NFKC already folds the full-width "－" and "﹣").
DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\uff70\u2e3a\u2e3b\ufe58"
# Range marks of Japanese text: 〜 (wave dash) and ～ (full-width tilde, NFKC "~").
RANGE_MARKS = "\u301c~"
COLONS = "\u2236\ua789\ufe55\ufe13"
_TO_ASCII = str.maketrans({**dict.fromkeys(DASHES, "-"), **dict.fromkeys(COLONS, ":")})


def from_slack(text: str) -> str:
    """Text Slack escaped (slash command text): ``&amp; &lt; &gt;`` undone once, then folded."""
    return fold(_ENTITY.sub(lambda m: _ENTITIES[m.group(1)], text))


def _nfkc_keeping_numbers(text: str) -> str:
    if text.isascii():
        return text
    out: list[str] = []
    run: list[str] = []
    for char in text:
        if unicodedata.category(char) == "No":
            out.append(unicodedata.normalize("NFKC", "".join(run)))
            run = []
            out.append(char)
        else:
            run.append(char)
    out.append(unicodedata.normalize("NFKC", "".join(run)))
    return "".join(out)


def fold(text: str) -> str:
    """Typed text in one form: NFKC (except *No* characters), invisible characters dropped,
    ``\\r\\n`` as ``\\n``. Not stripped: callers decide about leading and trailing space."""
    return _nfkc_keeping_numbers(text.translate(_INVISIBLE)).replace("\r\n", "\n")


def words(text: str) -> list[str]:
    """Words of folded text (any Unicode space separates them, U+3000 included)."""
    return fold(text).split()


# In the text Slack sends, "<" only opens Slack's own markup (what people type is escaped):
# a mention keeps its label's spaces in one word (``<@U123|Carl Smith>``).
_SLACK_WORD = re.compile(r"(?:<[^<>]*>|[^\s<]|<)+")


def slack_words(text: str) -> list[str]:
    """The words of a slash command's text as Slack sent it (escaped), each through
    :func:`from_slack`; Slack's markup (mentions, channels, links) stays one word."""
    found = (from_slack(word) for word in _SLACK_WORD.findall(text))
    return [w for word in found for w in ([word] if word.startswith("<") else word.split())]


# ---------------------------------------------------------------------------------------------
# Numbers and ids


class NotANumber(BadInput):
    """A number or an id was expected and the text is not one (in ASCII digits after folding)."""

    key = "input.not_a_number"


def is_ascii_decimal(text: str) -> bool:
    return bool(text) and text.isascii() and text.isdigit()


def looks_like_a_number(text: str) -> bool:
    """Is this text made of digit-like characters (any script, superscripts, circled …) only?
    Such a text is meant as a number; if it is not an ASCII one, say "not a number"."""
    folded = fold(text).strip()
    return bool(folded) and all(unicodedata.category(c).startswith("N") for c in folded)


def whole_number(text: str, *, limit: int = 18) -> int:
    """A non-negative whole number in ASCII digits (after folding: ``１２`` is 12).
    Raises :class:`NotANumber` (``value`` = the text as typed) for anything else."""
    folded = fold(text).strip()
    if not is_ascii_decimal(folded) or len(folded) > limit:
        raise NotANumber(value=text)
    return int(folded)


def number_text(text: str) -> str:
    """A typed number as Questetra reads one: folded, stripped, a typed dash or minus as ``-``.
    Digits stay as typed unless they folded to ASCII: callers match ``[0-9]`` (``re.ASCII``)."""
    return fold(text).strip().translate(_TO_ASCII)


# ---------------------------------------------------------------------------------------------
# Times

_CLOCK = r"([0-9]{1,2}):([0-9]{2})"
_TIME_RANGE = re.compile(rf"^{_CLOCK}\s*[-{re.escape(RANGE_MARKS)}]\s*{_CLOCK}$", re.ASCII)


def time_range(text: str) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """``"22:30-06:15"``, ``"２２：３０－０６：１５"``, ``"22:30 – 6:15"``, ``"22:30〜06:15"`` →
    ``((22, 30), (6, 15))``; None when it is not a range of two valid clock times."""
    folded = fold(text).strip().translate(_TO_ASCII)
    match = _TIME_RANGE.match(folded)
    if match is None:
        return None
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        return None
    return (h1, m1), (h2, m2)


# ---------------------------------------------------------------------------------------------
# People

# Slack ids are upper-case letters and digits; "_" is allowed as the test emulator's ids use it.
_MENTION = re.compile(r"^<@([UW][A-Z0-9_]{2,31})(?:\|[^<>]*)?>$")
_USER_ID = re.compile(r"^[UW][A-Z0-9_]{2,31}$")


class NotAMention(BadInput):
    """A person typed as ``@name`` or a name: Slack sent no user id."""

    key = "input.not_a_mention"


def slack_user(word: str) -> str:
    """A Slack user id from a mention (``<@U123|carl>``, ``<@U123>``, ``<@W123>``) or a bare id.
    Raises :class:`NotAMention` (``name`` = the word) for ``@carl`` or any other text."""
    folded = fold(word).strip()
    match = _MENTION.match(folded)
    if match is not None:
        return match.group(1)
    if _USER_ID.match(folded):
        return folded
    raise NotAMention(name=folded)


# ---------------------------------------------------------------------------------------------
# E-mail addresses

_EMAIL = re.compile(r"^<mailto:([^|<>]+)\|[^<>]*>$")
_ADDRESS = re.compile(r"^[^@\s<>|]+@[^@\s<>|]+\.[^@\s<>|]+$")


def email(word: str) -> str | None:
    """An e-mail address as typed (Slack may send it auto-linked as ``<mailto:a@b|a@b>``,
    full-width as an IME types it); None when the word is not one."""
    folded = fold(word).strip()
    match = _EMAIL.match(folded)
    address = match.group(1) if match else folded
    return address if _ADDRESS.match(address) else None
