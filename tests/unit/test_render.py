"""The rendering boundary (bot/slack/render.py): escaping, catalog messages, markup helpers, cuts
and every Block Kit limit, swept over tables of real-world hostile and maximal inputs."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.models.blocks import Block as SdkBlock
from slack_sdk.models.views import View

from bot.i18n import Ref, Text, t
from bot.slack import render
from bot.slack.render import (
    LIMITS,
    Mrkdwn,
    button,
    context,
    cut,
    date,
    escape,
    finish_errors,
    finish_message,
    finish_view,
    fmt,
    header,
    link,
    mention,
    mrkdwn,
    option,
    plain,
    section,
)

# Real-world kinds of text that must never come alive in Slack (from public bug reports of Slack
# apps: mentions, broadcasts, links, dates, entities, formatting, Japanese input).
HOSTILE: list[str] = [
    "Refund <!channel> now",
    "<!here> please",
    "<!everyone>",
    "<!here|here>",
    "<!channel|@channel>",
    "<@U0ADMIN> approve",
    "<@W0ADMIN|boss>",
    "<#C0GENERAL>",
    "<#C0GENERAL|general>",
    "<!subteam^S0TEAM|@devs>",
    "<!subteam^S0TEAM>",
    "<https://evil.example/login|Questetra sign-in>",
    "<http://evil.example>",
    "<mailto:phish@evil.example|your admin>",
    "<!date^1700000000^{date}|2023>",
    "&lt;!channel&gt;",  # already escaped by someone else: must stay visible as typed
    "R&D <team>",
    "a > b < c",
    "<<!channel>>",
    "<!channel",
    "!channel>",
    "&amp;",
    "*bold* _it_ ~strike~ `code`",
    "```block```",
    "> quoted\n> lines",
    "＊全角＊ ＿下線＿",
    "Tab\there\nnew line",
    "emoji :rotating_light: <!here>",
    "田中 <@U123|部長>",
    "\u202eRTL override <!here>",
]


def assert_inert(markup: str) -> None:
    """Nothing in ``markup`` is a Slack control sequence; every & starts one of the 3 entities."""
    assert "<" not in markup, markup
    assert ">" not in markup, markup
    assert not re.search(r"&(?!amp;|lt;|gt;)", markup), markup


@pytest.mark.parametrize("data", HOSTILE)
def test_escape_makes_every_hostile_kind_inert(data: str) -> None:
    markup = escape(data)
    assert_inert(markup)
    assert markup.plain == data


@pytest.mark.parametrize("data", HOSTILE)
def test_catalog_parameters_are_data(data: str) -> None:
    text = t("en-US", "tasks.started_by", name=data)
    assert str(text) == f"started by {data}"  # the plain reading keeps it as typed
    rendered = mrkdwn(text)
    assert rendered.startswith("started by ")
    assert_inert(rendered.removeprefix("started by "))


@pytest.mark.parametrize("data", HOSTILE)
def test_plain_strings_given_as_mrkdwn_are_escaped_whole(data: str) -> None:
    """Forgetting to escape is safe: a str that is not Mrkdwn is data."""
    block = section(data)
    assert_inert(block["text"]["text"])
    assert block["text"]["verbatim"] is True


@pytest.mark.parametrize("data", HOSTILE)
def test_concatenating_a_message_makes_data(data: str) -> None:
    text = t("en-US", "tasks.started_by", name=data) + " " + data
    assert_inert(mrkdwn(text))


def test_template_formatting_is_kept_and_template_brackets_escaped() -> None:
    rendered = mrkdwn(t("en-US", "tasks.my_tasks", count=3))
    assert rendered == "*My Tasks* (3)"
    usage = mrkdwn(t("en-US", "subscription.usage", command="/questetra"))
    assert "`/questetra subscribe &lt;app id or name&gt;`" in usage


def test_trusted_markup_passes_and_reads_plainly() -> None:
    text = Text("Removed {user}'s link.", {"user": mention("U0BOB")})
    assert mrkdwn(text) == "Removed <@U0BOB>'s link."
    assert str(text) == "Removed @U0BOB's link."


def test_refs_from_services_become_mentions() -> None:
    text = Text(
        "`{name}` can only be started in {channels}.",
        {"name": "x", "channels": [Ref("C1"), Ref("C2")]},
    )
    assert mrkdwn(text) == "`x` can only be started in <#C1>, <#C2>."
    assert str(text) == "`x` can only be started in #C1, #C2."


@pytest.mark.parametrize("bad", ["U1>", "<!here>", "U1|x", "u1", "", "U" + "1" * 40])
def test_mentions_of_anything_but_an_id_are_text(bad: str) -> None:
    assert_inert(mention(bad))
    assert_inert(render.channel(bad))


@pytest.mark.parametrize("label", HOSTILE)
def test_link_labels_are_escaped(label: str) -> None:
    made = link("https://q.example/OR/ProcessInstance/view?processInstanceId=1&x=2", label)
    assert made.startswith(
        "<https://q.example/OR/ProcessInstance/view?processInstanceId=1&amp;x=2|"
    )
    assert made.endswith(">")
    assert_inert(made[made.index("|") + 1 : -1])


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "https://q.example/a|<!here>",
        "https://q.example/a b>c",
        "ftp://q.example/",
        "<!here>",
    ],
)
def test_link_urls_cannot_break_out(url: str) -> None:
    made = link(url, "label")
    inside = made[1:-1] if made.startswith("<") else made
    assert "<" not in inside
    assert ">" not in inside
    assert inside.count("|") <= 1


def test_urls_and_emails_keep_every_character() -> None:
    for data in (
        "https://bot.test/hooks/_a-b_c~d",
        "first_last@example.co.jp",
        "_x_@example.com",
        "mailto:a_b@example.com",
    ):
        assert escape(data) == data


def test_names_with_formatting_characters_cannot_restyle_the_message() -> None:
    for data in ("*boss*", "_admin", "~old~", "a`b", "`rm -rf`", "＊大事＊", "*", "_"):
        rendered = fmt("*{}* and `x`", data)
        inner = rendered[1 : rendered.index("* and")]
        assert not set(inner) & set("*_~`＊＿｀"), inner
    assert escape("first_last a*b") == "first_last a*b"  # inside words Slack never formats


def test_lines_of_data_never_become_quotes() -> None:
    assert not escape("> note").startswith("&gt;")
    assert "\n&gt;" not in escape("a\n> b")


@pytest.mark.parametrize(
    ("when", "tz", "fallback"),
    [
        # Questetra answers with +09:00: the fallback says the real zone, not "UTC".
        (
            datetime(2026, 11, 27, 18, 0, tzinfo=timezone(timedelta(hours=9))),
            None,
            "2026-11-27 09:00 UTC",
        ),
        (
            datetime(2026, 11, 27, 9, 0, tzinfo=UTC),
            ZoneInfo("Asia/Tokyo"),
            "2026-11-27 18:00 UTC+09:00",
        ),
        (
            datetime(2026, 7, 1, 12, 0, tzinfo=UTC),
            ZoneInfo("America/New_York"),
            "2026-07-01 08:00 UTC-04:00",
        ),
        (
            datetime(2026, 1, 1, 12, 0, tzinfo=UTC),
            ZoneInfo("Asia/Kolkata"),
            "2026-01-01 17:30 UTC+05:30",
        ),
        (datetime(2026, 11, 27, 9, 0), None, "2026-11-27 09:00 UTC"),  # naive = UTC (our clock)
    ],
)
def test_date_fallback_is_the_same_moment_in_a_truthful_zone(when, tz, fallback) -> None:
    made = date(when, tz=tz)
    aware = when if when.tzinfo else when.replace(tzinfo=UTC)
    assert made == f"<!date^{int(aware.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"
    assert made.plain == fallback


@pytest.mark.parametrize(
    "value",
    [
        "x" * 5000,
        "&" * 5000,  # escapes to 5 characters each
        "<!here>" * 800,
        "😀" * 3000,  # 2 UTF-16 units each
        "日本語" * 2000,
    ],
)
@pytest.mark.parametrize("limit", [24, 75, 150, 2000, 3000])
def test_cut_keeps_the_limit_and_never_splits_an_entity(value: str, limit: int) -> None:
    made = cut(value, limit)
    assert render.text_length(made) <= limit
    assert made.endswith("…")
    assert not re.search(r"&(?!amp;|lt;|gt;)", made)
    assert_inert(made)


def test_cut_with_a_link_to_the_full_text() -> None:
    more = link("https://q.example/p?id=1", "read it all in Questetra")
    made = cut("word " * 1000, 3000, more=more)
    assert render.text_length(made) <= 3000
    assert made.endswith("… <https://q.example/p?id=1|read it all in Questetra>")


def test_cut_never_splits_a_link() -> None:
    made = cut(fmt("{} {}", "a" * 60, link("https://q.example/x", "b" * 30)), 80)
    assert "<https" not in made  # the link did not fit: it is left out, never half-written
    assert made.endswith("…")


MAXIMAL = "Ｘ" * 4000 + " <!channel> & *"


def _validate_blocks(blocks: list[dict], limit: int) -> None:
    assert len(blocks) <= limit
    for block in blocks:
        SdkBlock.parse(block).validate_json()


def test_finish_message_keeps_every_limit_with_maximal_text() -> None:
    payload = {
        "text": MAXIMAL * 20,
        "blocks": [
            header(MAXIMAL),
            section(MAXIMAL, accessory=button(MAXIMAL, "a" * 300, value="v" * 3000)),
            {"type": "section", "fields": [{"type": "mrkdwn", "text": MAXIMAL}] * 12},
            context(*[MAXIMAL] * 12),
            {"type": "actions", "elements": [button(MAXIMAL, f"b{i}") for i in range(30)]},
            *[section(str(i)) for i in range(60)],
        ],
    }
    done = finish_message(payload)
    assert render.text_length(done["text"]) <= LIMITS["message.text"]
    _validate_blocks(done["blocks"], LIMITS["message.blocks"])
    assert done["blocks"][-1]["elements"][0]["text"] == "…"  # what was left out says so
    actions = done["blocks"][4]
    assert len(actions["elements"]) == 25
    # What the SDK models do not check: button text inside actions.
    assert all(len(e["text"]["text"]) <= 75 for e in actions["elements"])
    assert len(done["blocks"][1]["accessory"]["value"]) <= 2000
    assert len(done["blocks"][1]["accessory"]["action_id"]) <= 255


def test_finish_view_keeps_modal_limits() -> None:
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": MAXIMAL},
        "submit": {"type": "plain_text", "text": MAXIMAL},
        "close": {"type": "plain_text", "text": MAXIMAL},
        "private_metadata": "m" * 5000,
        "blocks": [
            {
                "type": "input",
                "block_id": "b" * 300,
                "label": {"type": "plain_text", "text": MAXIMAL},
                "hint": {"type": "plain_text", "text": MAXIMAL},
                "element": {
                    "type": "static_select",
                    "action_id": "x",
                    "placeholder": {"type": "plain_text", "text": MAXIMAL},
                    "options": [option(MAXIMAL, f"{i}" * 200) for i in range(150)],
                },
            },
            *[section(str(i)) for i in range(120)],
        ],
    }
    done = finish_view(view)
    View(**done).validate_json()
    assert len(done["blocks"]) == LIMITS["view.blocks"]
    assert len(done["title"]["text"]) <= 24
    element = done["blocks"][0]["element"]
    assert len(element["options"]) == 100
    assert all(len(o["text"]["text"]) <= 75 and len(o["value"]) <= 150 for o in element["options"])
    assert len(element["placeholder"]["text"]) <= 150


def test_plain_text_shows_data_literally_and_trusted_markup_plainly() -> None:
    assert header("<!here> R&D")["text"]["text"] == "<!here> R&D"
    revoked = Text("Removed {user}'s link.", {"user": mention("U1")})
    assert button(revoked, "x")["text"]["text"] == "Removed @U1's link."
    assert plain(Mrkdwn("<@U1>", "@U1")) == "@U1"


def test_empty_texts_are_never_sent_empty() -> None:
    assert header("")["text"]["text"]
    assert button("  ", "x")["text"]["text"]
    assert section("")["text"]["text"]


def test_modal_errors_are_plain_and_capped() -> None:
    errors = finish_errors({"q_a": Text("{x}", {"x": "y" * 5000}), "q_b": "<!here>"})
    assert len(errors["q_a"]) <= LIMITS["view_error"]
    assert errors["q_b"] == "<!here>"  # shown as typed: errors are plain text


def test_finishing_twice_changes_nothing() -> None:
    payload = {"text": t("en-US", "tasks.started_by", name="<b>"), "blocks": [section("R&D")]}
    once = finish_message(payload)
    assert finish_message(once) == once


def test_number_inputs_only_start_from_numbers() -> None:
    """Slack refuses a whole view whose number input starts from a non-number (found by the
    sweep: a Questetra value of 3,100 characters in a numeric field)."""

    def element(**fields: object) -> dict:
        block = {
            "type": "input",
            "block_id": "n",
            "label": {"type": "plain_text", "text": "N"},
            "element": {"type": "number_input", "action_id": "n", **fields},
        }
        done = finish_view({"type": "modal", "title": "T", "blocks": [block]})
        return done["blocks"][0]["element"]

    assert "initial_value" not in element(is_decimal_allowed=False, initial_value="R&D" * 1100)
    assert "initial_value" not in element(is_decimal_allowed=False, initial_value="1.5")
    assert "initial_value" not in element(is_decimal_allowed=True, initial_value="１２")
    assert element(is_decimal_allowed=True, initial_value="-1.5")["initial_value"] == "-1.5"
    kept = element(is_decimal_allowed=False, initial_value="12", min_value="x", max_value="99")
    assert (kept["initial_value"], kept.get("min_value"), kept["max_value"]) == ("12", None, "99")


def test_long_texts_read_whole_across_sections_then_end_visibly() -> None:
    from bot.slack.render import sections

    text = ("R&D <!here> 説明文 " * 400)[:3100]
    made = sections(text)
    assert len(made) == 2
    joined = "".join(b["text"]["text"] for b in made)
    assert "…" not in joined
    assert joined.replace(" ", "") == escape(text).replace(" ", "")  # nothing lost
    assert all(len(b["text"]["text"]) <= 3000 for b in made)
    for block in made:
        assert_inert(block["text"]["text"])  # never split inside an entity
    huge = sections("word " * 8000, max_blocks=3, more=link("https://q.example/x", "all"))
    assert len(huge) == 3
    assert huge[-1]["text"]["text"].endswith("… <https://q.example/x|all>")
    assert sections("short") == [section("short")]
