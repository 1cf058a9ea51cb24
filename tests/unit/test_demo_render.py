"""The Block Kit renderer (bot/demo/render.py, bot/demo/mrkdwn.py) on fixtures: every block and
element the bot builds, through the bot's own builders, plus Slack's other elements; mrkdwn and
date tokens in the viewer's time zone and language; the demo front's Slack-shaped values."""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.demo.front import split_command, state_values
from bot.demo.mrkdwn import Viewer, format_date, to_html
from bot.demo.render import element_types, render_blocks, render_document, render_view
from bot.domain.start_events import parse_file
from bot.domain.tasks import DataItem, ProcessView, Task
from bot.errors import NextStep
from bot.slack.admin import start_event_modal
from bot.slack.alert_blocks import alert_message
from bot.slack.blocks import (
    HomeLink,
    basic_link_modal,
    connect_blocks,
    error_blocks,
    help_blocks,
    home_view,
)
from bot.slack.start import form_modal
from bot.slack.task_blocks import details_modal, home_task_blocks, tasks_message
from tests.emulators.slack import FakeSlack

NOW = datetime(2026, 11, 27, 0, 30, tzinfo=UTC)  # 09:30 in Tokyo, 19:30 the day before in NY
TOKYO = Viewer(tz=ZoneInfo("Asia/Tokyo"), locale="ja-JP", now=NOW, users={"U1": "佐藤 花子"})
NEW_YORK = Viewer(tz=ZoneInfo("America/New_York"), locale="en-US", now=NOW, users={"U1": "Hanako"})
BASE = "https://acme.questetra.net/"

# Every type the renderer draws (blocks and elements); a type outside it renders as a red box.
SUPPORTED = {
    "header",
    "section",
    "context",
    "divider",
    "actions",
    "input",
    "image",
    "rich_text",
    "rich_text_section",
    "rich_text_list",
    "rich_text_quote",
    "rich_text_preformatted",
    "text",
    "link",
    "user",
    "usergroup",
    "channel",
    "emoji",
    "date",
    "broadcast",
    "button",
    "static_select",
    "multi_static_select",
    "users_select",
    "multi_users_select",
    "conversations_select",
    "multi_conversations_select",
    "channels_select",
    "multi_channels_select",
    "external_select",
    "overflow",
    "datepicker",
    "timepicker",
    "datetimepicker",
    "checkboxes",
    "radio_buttons",
    "plain_text_input",
    "number_input",
    "email_text_input",
    "url_text_input",
    "modal",
    "home",
}


def _task(task_id: int, kind: str, name: str = "Approve") -> Task:
    return Task(
        id=task_id,
        name=name,
        state="OFFERED" if kind == "offered" else "ALLOCATED",
        kind=kind,  # type: ignore[arg-type]
        process_id=1000 + task_id,
        process_seq=task_id,
        process_title=f"Trip <{task_id}> & co",
        app_id=1,
        app_name="Expense",
        starter_name="Dana",
        offered_at=NOW,
        allocated_at=NOW,
        deadline=NOW,
    )


def _start_form() -> dict:
    from bot.demo.world import start_events_yaml

    entries, problems = parse_file(
        yaml.safe_load(start_events_yaml()),
        base_url=BASE,
        environ={"DEMO_EXPENSE_START_KEY": "k" * 32, "DEMO_LEAVE_START_KEY": "k" * 32},
    )
    assert problems == []
    return {
        entry.spec.name: form_modal(
            "en-US",
            entry.spec,
            channel_id="C1",
            tz=ZoneInfo("Asia/Tokyo"),
            now=NOW,
            requester_email="alex@example.com",
        )
        for entry in entries
    }


@functools.cache
def bot_surfaces() -> dict[str, list]:
    """What the bot builds, through its own pure builders (messages, modals, Home)."""
    mine, offered = [_task(1, "allocated")], [_task(2, "offered", "Check receipt")]
    forms = _start_form()
    return {
        "help": help_blocks("en-US", "/questetra"),
        "connect": connect_blocks(
            "ja-JP", "/questetra", "http://bot/x", current=("A", "a@x"), basic_available=True
        ),
        "error": error_blocks("en-US", "Not linked", NextStep.CONNECT),
        "tasks": tasks_message("en-US", BASE, mine, offered, now=NOW).blocks,
        "alert": alert_message("en-US", BASE, offered[0], NOW)[1],
        "alert_gone": alert_message("en-US", BASE, offered[0], NOW, "gone")[1],
        "home": home_view(
            "en-US",
            "/questetra",
            HomeLink("Alex", "alex@x", "oauth", False),
            task_blocks=home_task_blocks("en-US", BASE, "/questetra", mine, offered, NOW),
            updated=NOW,
        )["blocks"],
        "basic_modal": basic_link_modal("en-US")["blocks"],
        "details": details_modal(
            "ja-JP",
            BASE,
            ProcessView(
                id=1002,
                seq=2,
                title="Books <for> the team",
                state="STARTED",
                app_name="Expense",
                starter_name="Dana",
                started_at=NOW,
                active_nodes=["Check receipt"],
                data=[
                    DataItem(1, "amount", "DECIMAL", None, 1, "4800"),
                    DataItem(
                        2, "kind", "SELECT", "SINGLE", 2, [{"value": "books", "display": "Books"}]
                    ),
                ],
            ),
            2,
        )["blocks"],
        "start_expense": forms["expense"]["blocks"],
        "start_leave": forms["leave"]["blocks"],
        "admin_event": start_event_modal("en-US", editing=None, definition=None, channel_id="C1")[
            "blocks"
        ],
    }


KITCHEN_SINK = [
    {"type": "header", "text": {"type": "plain_text", "text": "Header :tada:"}},
    {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "*bold* _it_ ~gone~ `code`"},
        "fields": [{"type": "mrkdwn", "text": "*A*\n1"}, {"type": "plain_text", "text": "B"}],
        "accessory": {
            "type": "overflow",
            "action_id": "more",
            "options": [{"text": {"type": "plain_text", "text": "Edit"}, "value": "edit"}],
        },
    },
    {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "img"},
        "accessory": {"type": "image", "image_url": "https://x/i.png", "alt_text": "a chart"},
    },
    {"type": "divider"},
    {
        "type": "context",
        "elements": [
            {"type": "image", "image_url": "https://x", "alt_text": "logo"},
            {"type": "mrkdwn", "text": "ctx"},
        ],
    },
    {
        "type": "actions",
        "block_id": "acts",
        "elements": [
            {
                "type": "button",
                "action_id": "ok",
                "text": {"type": "plain_text", "text": "OK"},
                "style": "primary",
                "value": "1",
            },
            {
                "type": "button",
                "action_id": "rm",
                "text": {"type": "plain_text", "text": "Remove"},
                "style": "danger",
                "confirm": {
                    "title": {"type": "plain_text", "text": "Sure?"},
                    "text": {"type": "mrkdwn", "text": "*Really*"},
                    "confirm": {"type": "plain_text", "text": "Yes"},
                    "deny": {"type": "plain_text", "text": "No"},
                    "style": "danger",
                },
            },
            {
                "type": "button",
                "action_id": "open",
                "text": {"type": "plain_text", "text": "Open"},
                "url": "https://q/x",
            },
            {
                "type": "static_select",
                "action_id": "pick",
                "option_groups": [
                    {
                        "label": {"type": "plain_text", "text": "G"},
                        "options": [{"text": {"type": "plain_text", "text": "One"}, "value": "1"}],
                    }
                ],
            },
            {"type": "datepicker", "action_id": "day", "initial_date": "2026-12-24"},
            {"type": "users_select", "action_id": "who"},
            {"type": "conversations_select", "action_id": "where"},
        ],
    },
    {
        "type": "input",
        "block_id": "r",
        "label": {"type": "plain_text", "text": "Choice"},
        "element": {
            "type": "radio_buttons",
            "action_id": "v",
            "options": [
                {
                    "text": {"type": "plain_text", "text": "Approve"},
                    "value": "a",
                    "description": {"type": "mrkdwn", "text": "flows on"},
                },
                {"text": {"type": "plain_text", "text": "Reject"}, "value": "r"},
            ],
            "initial_option": {"text": {"type": "plain_text", "text": "Reject"}, "value": "r"},
        },
    },
    {
        "type": "input",
        "block_id": "c",
        "optional": True,
        "label": {"type": "plain_text", "text": "Tags"},
        "element": {
            "type": "checkboxes",
            "action_id": "v",
            "options": [{"text": {"type": "plain_text", "text": "Urgent"}, "value": "u"}],
        },
    },
    {
        "type": "input",
        "block_id": "t",
        "label": {"type": "plain_text", "text": "At"},
        "element": {"type": "timepicker", "action_id": "v", "initial_time": "09:30"},
    },
    {
        "type": "input",
        "block_id": "dt",
        "label": {"type": "plain_text", "text": "When"},
        "element": {
            "type": "datetimepicker",
            "action_id": "v",
            "initial_date_time": int(NOW.timestamp()),
        },
    },
    {
        "type": "input",
        "block_id": "mu",
        "label": {"type": "plain_text", "text": "People"},
        "element": {"type": "multi_users_select", "action_id": "v", "initial_users": ["U1"]},
    },
    {
        "type": "input",
        "block_id": "u",
        "label": {"type": "plain_text", "text": "Site"},
        "element": {"type": "url_text_input", "action_id": "v"},
    },
    {
        "type": "image",
        "image_url": "https://x/big.png",
        "alt_text": "process map",
        "title": {"type": "plain_text", "text": "Map"},
    },
    {
        "type": "rich_text",
        "elements": [
            {
                "type": "rich_text_section",
                "elements": [
                    {"type": "text", "text": "Hi ", "style": {"bold": True}},
                    {"type": "user", "user_id": "U1"},
                    {"type": "emoji", "name": "wave"},
                    {"type": "link", "url": "https://q", "text": "q"},
                ],
            },
            {
                "type": "rich_text_list",
                "style": "ordered",
                "elements": [
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": "first"}]}
                ],
            },
            {"type": "rich_text_quote", "elements": [{"type": "text", "text": "quoted"}]},
            {"type": "rich_text_preformatted", "elements": [{"type": "text", "text": "pre"}]},
        ],
    },
]


@pytest.mark.parametrize("name", sorted(bot_surfaces()))
def test_every_block_and_element_the_bot_builds_renders(name: str) -> None:
    blocks = bot_surfaces()[name]
    assert element_types(blocks) <= SUPPORTED
    for viewer in (TOKYO, NEW_YORK):
        out = render_blocks(blocks, viewer)
        assert "bk-unknown" not in out
        assert "<script" not in out


def test_the_bot_uses_the_elements_the_issue_names() -> None:
    used = set().union(*(element_types(b) for b in bot_surfaces().values()))
    assert {
        "header",
        "section",
        "context",
        "divider",
        "actions",
        "input",
        "button",
        "static_select",
        "multi_static_select",
        "datepicker",
        "number_input",
        "plain_text_input",
        "email_text_input",
    } <= used


def test_kitchen_sink_renders_every_other_element() -> None:
    out = render_blocks(KITCHEN_SINK, TOKYO)
    assert "bk-unknown" not in out
    assert element_types(KITCHEN_SINK) <= SUPPORTED
    assert '<h3>Header <span class="bk-emoji" title=":tada:">🎉</span></h3>' in out
    assert "<b>bold</b> <i>it</i> <s>gone</s> <code>code</code>" in out
    assert 'class="bk-button bk-primary bk-el"' in out and 'data-value="1"' in out
    assert 'class="bk-button bk-danger bk-el"' in out
    assert '<template class="bk-confirm">' in out and "<b>Really</b>" in out
    assert 'data-url="https://q/x"' in out and "↗" in out
    assert '<optgroup label="G"><option value="1">One</option></optgroup>' in out
    assert 'type="date"' in out and 'value="2026-12-24"' in out
    assert '<option value="U1">佐藤 花子</option>' in out
    assert 'type="radio"' in out and 'value="r" checked' in out and "flows on" in out
    assert "（任意）" in out  # optional, in the viewer's language
    assert 'type="time"' in out and 'value="09:30"' in out
    assert 'type="datetime-local"' in out and 'value="2026-11-27T09:30"' in out  # Tokyo time
    assert '<option value="U1" selected>佐藤 花子</option>' in out
    assert "🖼 a chart" in out and "🖼 process map" in out and "🖼 logo" in out
    assert '<b>Hi </b><span class="bk-mention">@佐藤 花子</span>' in out
    assert "<ol" in out and "<blockquote>quoted</blockquote>" in out and "<pre>pre</pre>" in out


def test_unknown_blocks_and_elements_are_shown_not_dropped() -> None:
    out = render_blocks(
        [{"type": "video_v9"}, {"type": "actions", "elements": [{"type": "slider"}]}]
    )
    assert out.count("bk-unknown") == 2
    assert "video_v9" in out and "slider" in out


def test_field_errors_go_under_their_inputs() -> None:
    modal = _start_form()["expense"]
    amount = next(b for b in modal["blocks"] if b.get("label", {}).get("text") == "Amount (JPY)")
    out = render_view(modal, NEW_YORK, errors={amount["block_id"]: "Enter 1 or more."})
    assert out.count('role="alert"') == 1
    block = re.search(r'<div class="bk-input-block bk-has-error".*?</div></div>', out, re.DOTALL)
    assert (
        block is not None
        and "Amount (JPY)" in block.group(0)
        and "Enter 1 or more." in block.group(0)
    )


def test_mrkdwn_escapes_links_and_mentions() -> None:
    out = to_html(
        "a &lt;b&gt; &amp; <https://q.example/x?a=1&amp;b=2|the &lt;task&gt;> <@U1> <#C9|sales> <!here> <javascript:alert(1)|x>",
        NEW_YORK,
    )
    assert "a &lt;b&gt; &amp; " in out
    assert (
        '<a href="https://q.example/x?a=1&amp;b=2" target="_blank" rel="noopener noreferrer">the &lt;task&gt;</a>'
        in out
    )
    assert '<span class="bk-mention">@Hanako</span>' in out
    assert '<span class="bk-mention">#sales</span>' in out
    assert "@here" in out
    assert "javascript" not in out
    assert to_html("<script>alert(1)</script>").count("<script") == 0


def test_mrkdwn_styles_need_a_boundary_as_in_slack() -> None:
    assert to_html("a *b* c") == "a <b>b</b> c"
    assert to_html("文字*太字*文字") == "文字*太字*文字"
    assert to_html("文字 *太字* 文字") == "文字 <b>太字</b> 文字"
    assert to_html("snake_case_name") == "snake_case_name"
    assert to_html("line1\n&gt; quoted\nafter") == "line1<blockquote>quoted</blockquote>after"
    assert to_html("```*not bold*\ncode```") == "<pre>*not bold*\ncode</pre>"


def test_date_tokens_follow_the_viewer() -> None:
    ts = int(datetime(2026, 11, 27, 0, 30, tzinfo=UTC).timestamp())
    token = f"<!date^{ts}^{{date_short_pretty}} {{time}}|2026-11-27 00:30 UTC>"
    assert ">today 7:30 PM<" in to_html(token, NEW_YORK)  # 19:30 on the 26th in New York
    later = Viewer(tz=NEW_YORK.tz, now=datetime(2026, 11, 28, 12, tzinfo=UTC))
    assert ">Nov 26, 2026 7:30 PM<" in to_html(token, later)
    assert ">今日 09:30<" in to_html(token, TOKYO)
    assert format_date(ts, "{date_long}", TOKYO) == "2026年11月27日金曜日"
    assert format_date(ts, "{date}", NEW_YORK) == "November 26th, 2026"
    assert format_date(ts, "{date_num} {time_secs}", NEW_YORK) == "2026-11-26 7:30:00 PM"
    assert format_date(ts - 7200, "{ago}", TOKYO) == "2時間前"
    assert format_date(ts + 180, "{ago}", NEW_YORK) == "in 3 minutes"
    assert format_date(ts, "{nonsense}", TOKYO) is None
    assert to_html(f"<!date^{ts}^{{nonsense}}|fallback text>", TOKYO) == "fallback text"
    linked = to_html(f"<!date^{ts}^{{date}}^https://q.example/p|x>", TOKYO)
    assert 'href="https://q.example/p"' in linked


def test_a_test_can_render_any_message_to_a_page(tmp_path) -> None:
    page = render_document(bot_surfaces()["tasks"], NEW_YORK, title="tasks")
    assert page.startswith("<!doctype html>") and ".bk-button" in page
    (tmp_path / "tasks.html").write_text(page, encoding="utf-8")


def test_split_command_keeps_what_people_type() -> None:
    assert split_command("/questetra tasks urgent") == ("/questetra", "tasks urgent")
    assert split_command("/questetra　ｔａｓｋｓ　急ぎ") == ("/questetra", "ｔａｓｋｓ　急ぎ")
    assert split_command("／ｑｕｅｓｔｅｔｒａ tasks") == ("/questetra", "tasks")
    assert split_command("/questetra") == ("/questetra", "")
    assert split_command("hello /questetra") is None


def test_state_values_have_slacks_shapes() -> None:
    tz = ZoneInfo("Asia/Tokyo")
    raw = [
        {"block_id": "r", "action_id": "v", "values": ["a"]},
        {"block_id": "c", "action_id": "v", "values": ["u"]},
        {"block_id": "t", "action_id": "v", "value": "09:30"},
        {"block_id": "dt", "action_id": "v", "value": "2026-11-27T09:30"},
        {"block_id": "mu", "action_id": "v", "values": ["U1", "U2"]},
        {"block_id": "u", "action_id": "v", "value": ""},
        {"block_id": "acts", "action_id": "pick", "value": "1"},
        {"block_id": "acts", "action_id": "day", "value": "2026-12-24"},
        {"block_id": "acts", "action_id": "who", "value": "U1"},
        {"block_id": "acts", "action_id": "where", "value": "C1"},
    ]
    values = state_values(KITCHEN_SINK, raw, tz)
    assert values["r"]["v"] == {
        "type": "radio_buttons",
        "selected_option": {
            "text": {"type": "plain_text", "text": "Approve"},
            "value": "a",
            "description": {"type": "mrkdwn", "text": "flows on"},
        },
    }
    assert values["c"]["v"]["selected_options"][0]["value"] == "u"
    assert values["t"]["v"] == {"type": "timepicker", "selected_time": "09:30"}
    assert values["dt"]["v"] == {
        "type": "datetimepicker",
        "selected_date_time": int(NOW.timestamp()),
    }
    assert values["mu"]["v"] == {"type": "multi_users_select", "selected_users": ["U1", "U2"]}
    assert values["u"]["v"] == {"type": "url_text_input", "value": None}
    assert values["acts"]["pick"]["selected_option"]["value"] == "1"
    assert values["acts"]["day"] == {"type": "datepicker", "selected_date": "2026-12-24"}
    assert values["acts"]["who"] == {"type": "users_select", "selected_user": "U1"}
    assert values["acts"]["where"] == {
        "type": "conversations_select",
        "selected_conversation": "C1",
    }


def test_the_fake_slack_directory_feeds_the_viewer() -> None:
    from bot.demo.world import PEOPLE, Keys, slack_workspace

    slack: FakeSlack = slack_workspace(Keys.generate())
    assert {u for u in slack._users} >= {p.slack_id for p in PEOPLE}
