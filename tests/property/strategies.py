"""Hypothesis settings and strategies shared by the property tests: JSON values, odd strings."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# The suite's policy (no example database, no "explain" phase, no deadline, no too_slow, the
# examples derived from the test names in CI) is the profile tests/conftest.py loads for every
# @given; these only say how many examples.
PURE = settings(settings.get_profile("bridge"), max_examples=200)
HTTP = settings(
    PURE,
    max_examples=100,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
APP = settings(HTTP, max_examples=60)

# Strings that tend to break parsers: digits that are not ASCII, signs, blanks, dates, huge numbers.
TRICKY_STRINGS = st.sampled_from(
    [
        "",
        " ",
        "0",
        "-1",
        "+1",
        "1.5",
        "1e3",
        "²",  # str.isdigit() says yes, int() says no
        "١٢٣",  # Arabic-Indic digits: int() accepts them
        "１２",  # full-width digits
        "NaN",
        "Infinity",
        "null",
        "true",
        "{}",
        "[]",
        "2024-05-01T10:00:00+0900",
        "2024-05-01T10:00:00",
        "2024-13-45T99:99:99+9999",
        "\x00",
        "\ud800",  # a lone surrogate: not encodable as UTF-8
        "<script>",
        "*bold* <@U1> <!channel>",
        "a@b",
        "日本語",
    ]
)

# Beyond int()'s default digit limit (4300): int() raises ValueError.
HUGE_NUMERALS = st.integers(min_value=4301, max_value=4400).map(lambda n: "9" * n)
TEXT = st.one_of(st.text(max_size=30), TRICKY_STRINGS, HUGE_NUMERALS)
# What a JSON decoder can hand back: ints of any size, every float (json.loads("1e400") is inf,
# and Python's decoder also accepts NaN / Infinity).
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    TEXT,
)
JSON = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(TEXT, children, max_size=4),
    ),
    max_leaves=12,
)
JSON_OBJECTS = st.dictionaries(TEXT, JSON, max_size=5)

# JSON a real sender can encode (Slack never sends NaN, and json.dumps would write it bare).
FINITE_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.floats(allow_nan=False, allow_infinity=False),
    TEXT.filter(lambda s: "\ud800" not in s),
)
FINITE_TEXT = TEXT.filter(lambda s: "\ud800" not in s)
FINITE_JSON = st.recursive(
    FINITE_SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(FINITE_TEXT, children, max_size=4),
    ),
    max_leaves=12,
)


def optional_fields(names: list[str], values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Objects with any subset of ``names`` (each with a value from ``values``) plus extra keys."""
    known = st.fixed_dictionaries({}, optional=dict.fromkeys(names, values))
    extra = st.dictionaries(FINITE_TEXT, FINITE_JSON, max_size=2)
    return st.builds(lambda k, e: {**e, **k}, known, extra)


def dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
