"""The sweep (issue #15 items 1 and 4): EVERY Block Kit builder of bot/slack, fed hostile and maximal
data in every data slot, finished as it leaves the bot (bot/slack/render.py), then:

* walked whole (top-level ``text``, blocks, modal and Home views, options, confirms) for anything
  live: the only markup allowed is what the builder made on purpose (links to the tenant, mentions
  and channels of the ids it was given, dates);
* validated by ``slack_sdk.models`` (Block / View / Option parse + validate_json) and by what those
  models skip: button text inside actions, option counts, blocks per message / modal, values,
  placeholders, headers, the modal title.

A builder missing here is a builder nobody checked: add it to ``SURFACES``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block as SdkBlock
from slack_sdk.models.blocks import Option
from slack_sdk.models.views import View

from bot.domain.alerts import Prefs
from bot.domain.forms import (
    Choice,
    CurrentValue,
    DataType,
    FormItem,
    FormType,
    Role,
    SaveResult,
    TaskForm,
    UserSelect,
)
from bot.domain.start_events import StartEventSpec, parse_definition
from bot.domain.tasks import DataItem, ProcessView, Table, Task
from bot.errors import NextStep
from bot.i18n import t
from bot.questetra.urls import QuestetraLinks
from bot.services.admin import LinkedUser, Overview
from bot.services.forms import SaveOutcome, SaveReport
from bot.services.start import AdminRow, Started
from bot.slack import admin, admin_panel, alert_blocks, blocks, form_blocks, form_modal, start
from bot.slack import task_blocks as tb
from bot.slack.forms import outcome_text
from bot.slack.render import (
    LIMITS,
    button,
    channel,
    finish_errors,
    finish_message,
    finish_view,
    fmt,
    mention,
    section,
    text_length,
)
from tests.support import block_nodes

BASE = "https://acme.questetra.test/"
LINKS = QuestetraLinks(BASE)
NOW = datetime(2026, 11, 27, 0, 30, tzinfo=UTC)
JST = timezone(timedelta(hours=9))
TOKYO = ZoneInfo("Asia/Tokyo")
# The only ids the builders are given: anything else that becomes a mention came from data.
OUR_USERS = {"U0VIEWER", "U0ADMIN"}
OUR_CHANNELS = {"C0ROOM"}

HOSTILE: dict[str, str] = {
    "channel": "Refund <!channel> now",
    "here": "<!here>",
    "everyone": "<!everyone>",
    "user": "<@U123> approve",
    "grid_user": "<@W123|boss>",
    "chan": "<#C123>",
    "subteam": "<!subteam^S1>",
    "link": "<http://evil|click>",
    "mailto": "<mailto:x@evil.example|admin>",
    "date": "<!date^1700000000^{date}|x>",
    "entity": "&amp; &lt;!here&gt;",
    "format": "*_~` *bold* _it_ ~s~ `c` ```b```",
    "quote": "> quoted\n>>> all",
    "emoji": "👍🏽 e\u0301 👨‍👩‍👧 :rotating_light: 部長 ＜!channel＞",
    "rtl": "\u202e<!here>",
    "long_3100": ("R&D <!here> " * 300)[:3100],
    "long_40000": ("Refund <!channel> & ✓ " * 2000)[:40000],
}


# ---------------------------------------------------------------------------------------------
# Data carrying the hostile text in every slot


def task(h: str, task_id: int = 1, kind: str = "allocated") -> Task:
    return Task(
        id=task_id,
        name=h,
        state="OFFERED" if kind == "offered" else "ALLOCATED",
        kind=kind,  # type: ignore[arg-type]
        process_id=1000 + task_id,
        process_seq=task_id,
        process_title=h,
        app_id=7,
        app_name=h,
        starter_name=h,
        offered_at=NOW,
        allocated_at=NOW,
        deadline=NOW - timedelta(days=1),
    )


def process_view(h: str) -> ProcessView:
    return ProcessView(
        id=1001,
        seq=1,
        title=h,
        state="STARTED",
        app_name=h,
        starter_name=h,
        started_at=NOW,
        active_nodes=[h, h],
        data=[
            DataItem(1, h, "STRING", None, 1, h),
            DataItem(2, h, "SELECT", "SELECT_SINGLE", 2, (h, h)),
            DataItem(3, h, "LIST", None, 3, Table(((h, h), (h, h)), summary=(h, h))),
            DataItem(4, h, "DECIMAL", None, 4, None),
        ]
        * 30,
    )


def task_form(h: str) -> TaskForm:
    choices = tuple(Choice(f"c{n}", h) for n in range(120))
    items = [
        FormItem(1, h, "q_text", DataType.STRING, 3, required=True, description=h,
                 value=CurrentValue(text=h)),
        FormItem(2, h, "q_area", DataType.STRING, 3, form_type=FormType.TEXT_AREA,
                 value=CurrentValue(text=h)),
        FormItem(3, h, "q_pick", DataType.SELECT, 3, form_type=FormType.RADIO, choices=choices,
                 value=CurrentValue(selected=("c1",), display=h)),
        FormItem(4, h, "q_multi", DataType.SELECT, 3, form_type=FormType.CHECKBOX,
                 choices=choices),
        FormItem(5, h, "q_table", DataType.TABLE, 3, value=CurrentValue(rows=((h, h),))),
        FormItem(6, h, "q_files", DataType.FILE, 3,
                 value=CurrentValue(files=(("1", h),), display=h)),
        FormItem(7, h, "q_talk", DataType.DISCUSSION, 3, value=CurrentValue(text=h)),
        FormItem(8, h, "q_num", DataType.NUMBER, 3, scale=2, value=CurrentValue(text=h)),
        FormItem(9, h, "q_ro", DataType.STRING, 1, value=CurrentValue(text=h)),
    ] * 12  # fmt: skip
    return TaskForm(
        workitem_id=1,
        task_name=h,
        title=h,
        title_writable=True,
        items=tuple(items),
        buttons=tuple(UserSelect(str(9000 + n), h) for n in range(30)),
        roles=tuple(Role(str(n), h) for n in range(3)),
    )


def start_raw(h: str) -> dict[str, Any]:
    choices = [h[:200] + str(n) for n in range(3)]
    return {
        "name": "expense",
        "title": {"en": h, "ja": h},
        "description": {"en": h, "ja": h},
        "app_id": 12,
        "node_number": 3,
        "default_title": h,
        "channels": ["C0ROOM"],
        "requester_field": "boss",
        "fields": [
            {"name": "subject", "label": h, "type": "string", "required": True, "default": h,
             "hint": h, "placeholder": h},
            {"name": "memo", "label": h, "type": "textarea", "hint": h},
            {"name": "amount", "label": h, "type": "number", "decimal": False, "min": 1},
            {"name": "kind", "label": h, "type": "select", "choices": choices},
            {"name": "tags", "label": h, "type": "select", "multiple": True, "choices": choices},
            {"name": "due", "label": h, "type": "date", "default": "today"},
            {"name": "meet", "label": h, "type": "datetime", "default": "2026-12-01 10:00"},
            {"name": "owner", "label": h, "type": "user"},
            {"name": "boss", "label": h, "type": "user", "pick": "email"},
            {"name": "dept", "label": h, "type": "organization", "choices": choices},
        ],
    }  # fmt: skip


def spec(h: str) -> StartEventSpec:
    parsed, problems = parse_definition(start_raw(h), base_url=BASE)
    if parsed is None:  # data the rules refuse (too long …): the same surfaces, shorter data
        parsed, problems = parse_definition(start_raw(h[:100]), base_url=BASE)
    assert parsed is not None, problems
    return parsed


# ---------------------------------------------------------------------------------------------
# Every surface: name → builder of (kind, payload) pairs as they leave the bot

Payload = tuple[str, dict[str, Any]]


def msg(
    made: tuple[str, list[dict[str, Any]]] | list[dict[str, Any]], text: object = ""
) -> Payload:
    if isinstance(made, tuple):
        return "message", finish_message({"text": made[0], "blocks": made[1]})
    return "message", finish_message({"text": text or "x", "blocks": made})


def view(made: dict[str, Any]) -> Payload:
    return "view", finish_view(made)


def tasks_surfaces(h: str) -> Iterator[Payload]:
    mine = [task(h, n) for n in range(1, 30)]
    offered = [task(h, n, "offered") for n in range(30, 60)]
    listing = tb.tasks_message(
        "en-US", LINKS, mine, offered, now=NOW, words=[h], banner=h, notices={1: h}, tz=TOKYO
    )
    yield msg((listing.text, listing.blocks))
    yield msg(tb.task_card("ja-JP", LINKS, task(h), NOW, notice=h, words=[h], tz=TOKYO))
    yield view(tb.details_modal("en-US", LINKS, process_view(h), 1, tz=TOKYO))
    yield view(tb.details_failed_modal("ja-JP", h))
    yield view(tb.details_loading_modal("en-US"))


def alert_surfaces(h: str) -> Iterator[Payload]:
    payload = {"processed": {"choice": h, "at": NOW.isoformat(), "save_only": False}}
    for outcome in (None, "accepted", "gone", "processed"):
        yield msg(alert_blocks.alert_message("en-US", LINKS, task(h), NOW, outcome, payload))
    yield msg(alert_blocks.digest_message("ja-JP", LINKS, [task(h, n) for n in range(60)], NOW))
    process = {"id": 5, "title": h, "app_name": h, "seq": 9, "starter": h}
    yield msg(alert_blocks.process_post("en-US", BASE, process))
    yield msg(alert_blocks.webhook_post({"title": h, "text": h, "process_id": 5}, BASE))
    yield msg(alert_blocks.webhook_post({"text": h}, BASE))
    prefs = Prefs(quiet_start="22:00", quiet_end="06:00")
    yield msg(alert_blocks.settings_blocks("en-US", h, prefs, h))


def form_surfaces(h: str) -> Iterator[Payload]:
    summary = {"b": [[str(n), h] for n in range(3)], "one": True}
    elements = form_blocks.process_elements("en-US", task(h), origin="alert", summary=summary)
    yield msg([{"type": "actions", "elements": elements}])
    confirm = form_blocks.one_click_confirm("ja-JP", h, task(h))
    yield msg(
        [
            {"type": "actions", "elements": [button("x", "x", confirm=confirm)]},
            form_blocks.read_only_note("en-US"),
        ]
    )
    line = form_blocks.processed_line("en-US", {"choice": h, "at": NOW.isoformat()}, tz=TOKYO)
    yield msg([], line)
    meta = form_modal.ModalMeta(1, h, "alert", "https://hooks.slack.test/x", words=(h,))
    for locale in ("en-US", "ja-JP"):
        yield view(
            form_modal.form_modal(
                locale, LINKS, task_form(h), meta, tz=JST, today=date(2026, 11, 27),
                process_line=h, banner=[h, h],
            )
        )  # fmt: skip
    yield view(form_modal.notice_modal("en-US", h))
    yield view(form_modal.loading_modal("ja-JP"))
    for outcome in SaveOutcome:
        report = SaveReport(
            outcome, choice=h, result=SaveResult(False, {"q_text": [h]}, [(h, h)]), at=NOW
        )
        yield msg([], outcome_text("en-US", report, h))


def start_surfaces(h: str) -> Iterator[Payload]:
    event = spec(h)
    yield msg(start.picker_blocks("en-US", h, [event] * 60))
    for locale in ("en-US", "ja-JP"):
        yield view(
            start.form_modal(
                locale, event, channel_id="C0ROOM", tz=TOKYO, now=NOW,
                requester_email="a@example.com", banner=[h],
            )
        )  # fmt: skip
    yield view(start.notice_modal("en-US", h))
    started = Started(process_id=77, url=BASE + "x", title=h)
    yield msg(start.started_message("ja-JP", event, started, user_id="U0VIEWER"))
    yield msg(start.failed_message("en-US", event, [h, h], command=h))


def admin_surfaces(h: str) -> Iterator[Payload]:
    yield msg(admin.admin_help_blocks("en-US", "/questetra", h))
    rows = [AdminRow(name=f"e{n}", source="admin", spec=spec(h)) for n in range(25)]
    rows.append(AdminRow(name=h[:100], source="file", spec=None, shadowed=True))
    yield msg(admin.start_events_blocks("ja-JP", "/questetra", rows, banner=h))
    definition = start_raw(h[:150])
    for editing in (None, "expense"):
        yield view(
            admin.start_event_modal(
                "en-US", editing=editing, definition=definition, channel_id="C0ROOM"
            )
        )
    overview = Overview(3, 1, 1, 4, 5, NOW.isoformat(), True, True)
    users = [
        LinkedUser("U0ADMIN", h, "oauth", "active", NOW, NOW, h),
        LinkedUser("U0VIEWER", h, "basic", "needs_relink", NOW, None, None),
    ] * 15
    yield msg(admin_panel.panel_blocks("en-US", overview, users, 1, 100, banner=h))


def general_surfaces(h: str) -> Iterator[Payload]:
    yield msg(blocks.help_blocks("ja-JP", "/questetra"))
    yield msg(blocks.unknown_command_blocks("en-US", "/questetra", h, h))
    for step in NextStep:
        yield msg(blocks.error_blocks("en-US", h, step))
    yield msg(blocks.connect_blocks("en-US", "/q", BASE, current=(h, h), basic_available=True))
    yield view(blocks.basic_link_modal("ja-JP"))
    status = blocks.StatusView(h, h, "oauth", True, NOW, NOW, 3, h, NOW)
    yield msg(blocks.status_blocks("en-US", "/questetra", status, tz=TOKYO))
    mine = [task(h, n) for n in range(1, 40)]
    home_tasks = tb.home_task_blocks("en-US", LINKS, "/q", mine, mine, NOW, TOKYO)
    prefs = alert_blocks.settings_blocks("en-US", "/q", Prefs(), "Asia/Tokyo")
    for link in (None, blocks.HomeLink(h, h, "oauth", False), blocks.HomeLink(h, h, "x", True)):
        made = blocks.home_view(
            "ja-JP", "/q", link, paused=True, notice=h, task_blocks=home_tasks,
            alert_blocks=prefs, updated=NOW, tz=TOKYO,
        )  # fmt: skip
        yield view(made)
    yield msg([], t("en-US", "tasks.started_by", name=h))
    # Catalog messages built in handlers (DMs after linking, mapping, stopped subscriptions).
    for key, params in (
        ("linked.dm", {"name": h, "email": h, "command": "/q"}),
        ("panel.mapped", {"user": mention("U0ADMIN"), "email": h}),
        ("subscription.disabled_dm", {"app": h, "channel": channel("C0ROOM"), "reason": h}),
        ("subscription.created", {"app": h, "app_id": 7, "command": "/q"}),
    ):
        text = t("ja-JP", key, **params)
        yield msg([section(fmt(":white_check_mark: {}", text))], text)


SURFACES: dict[str, Callable[[str], Iterator[Payload]]] = {
    "tasks": tasks_surfaces,
    "alerts": alert_surfaces,
    "forms": form_surfaces,
    "start": start_surfaces,
    "admin": admin_surfaces,
    "general": general_surfaces,
}


# ---------------------------------------------------------------------------------------------
# The checks


_TOKEN = re.compile(r"<([^<>]*)>")


def live_markup(markup: str) -> list[str]:
    """Every control sequence in ``markup`` the builders did not make on purpose."""
    bad = []
    for token in _TOKEN.findall(markup):
        if token.startswith("@"):
            ok = token[1:] in OUR_USERS
        elif token.startswith("#"):
            ok = token[1:] in OUR_CHANNELS
        elif token.startswith("!date^"):
            ok = re.fullmatch(r"!date\^\d+\^[^|]*(\|[^<>]*)?", token) is not None
        elif token.startswith(("http://", "https://")):
            url = token.split("|", 1)[0]
            ok = url.startswith((BASE, "https://hooks.slack.test/")) or url == BASE.rstrip("/")
        else:
            ok = False
        if not ok:
            bad.append(token)
    rest = _TOKEN.sub("", markup)
    if "<" in rest or ">" in rest:
        bad.append(rest)
    if re.search(r"&(?!amp;|lt;|gt;)", markup):
        bad.append("bare &")
    return bad


def mrkdwn_texts(node: object, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
            yield path, node["text"]
        for key, value in node.items():
            yield from mrkdwn_texts(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from mrkdwn_texts(value, f"{path}[{i}]")


def check_limits(kind: str, payload: dict[str, Any]) -> None:
    """What slack_sdk's models do not check, by Slack's documented limits."""
    cap = LIMITS["message.blocks"] if kind == "message" else LIMITS["view.blocks"]
    assert len(payload.get("blocks") or []) <= cap
    if kind == "message":
        assert text_length(str(payload.get("text") or "")) <= LIMITS["message.text"]
    elif payload["type"] == "modal":
        assert text_length(payload["title"]["text"]) <= LIMITS["view.title"]
        for name in ("submit", "close"):
            if name in payload:
                assert text_length(payload[name]["text"]) <= LIMITS[f"view.{name}"]
        assert len(payload.get("private_metadata", "")) <= LIMITS["view.private_metadata"]
    for node in block_nodes(payload.get("blocks") or []):
        kind_of = node.get("type")
        if kind_of == "header":
            assert text_length(node["text"]["text"]) <= LIMITS["header.text"]
        if kind_of == "button":
            assert text_length(node["text"]["text"]) <= LIMITS["button.text"]
            assert len(node.get("value", "")) <= LIMITS["button.value"]
        if kind_of in ("section",) and "text" in node:
            assert text_length(node["text"]["text"]) <= LIMITS["section.text"]
        if kind_of in ("mrkdwn", "plain_text"):
            assert node["text"], "empty text object"
            assert text_length(node["text"]) <= LIMITS["text"]
        if "placeholder" in node:
            assert text_length(node["placeholder"]["text"]) <= LIMITS["placeholder"]
        if "initial_value" in node and isinstance(node["initial_value"], str):
            assert len(node["initial_value"]) <= LIMITS["plain_text_input.initial_value"]
        if kind_of == "actions":
            assert len(node["elements"]) <= LIMITS["actions.elements"]
        if kind_of == "context":
            assert len(node["elements"]) <= LIMITS["context.elements"]
        for key in ("options", "initial_options"):
            if key in node and isinstance(node[key], list):
                cap = {"radio_buttons": 10, "checkboxes": 10, "overflow": 5}.get(kind_of, 100)
                assert len(node[key]) <= cap, (kind_of, len(node[key]))
                for item in node[key]:
                    Option.parse_all([item])[0].validate_json()  # type: ignore[index]
                    assert text_length(item["text"]["text"]) <= LIMITS["option.text"]
                    assert len(item["value"]) <= LIMITS["option.value"]


def validate(kind: str, payload: dict[str, Any]) -> None:
    if kind == "view":
        View(**payload).validate_json()
    else:
        for block in payload.get("blocks") or []:
            SdkBlock.parse(block).validate_json()  # type: ignore[union-attr]
    check_limits(kind, payload)


@pytest.mark.parametrize("surface", sorted(SURFACES))
@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_no_data_comes_alive_and_every_limit_holds(surface: str, kind: str) -> None:
    hostile = HOSTILE[kind]
    made = list(SURFACES[surface](hostile))
    assert made
    for payload_kind, payload in made:
        if payload_kind == "message":
            assert live_markup(str(payload.get("text") or "")) == [], payload.get("text")
        for path, text in mrkdwn_texts(payload):
            assert live_markup(text) == [], (path, text[:300])
        for node in block_nodes(payload):
            if node.get("type") == "mrkdwn":
                assert node.get("verbatim") is True, node
        validate(payload_kind, payload)


def test_the_sweep_sees_the_data_it_hides() -> None:
    """The walk is not blind: the hostile text does reach the surfaces (inert)."""
    _, payload = next(alert_surfaces(HOSTILE["channel"]))
    assert "Refund &lt;!channel&gt; now" in payload["text"]
    assert any("&lt;!channel&gt;" in text for _, text in mrkdwn_texts(payload))
    assert live_markup("Refund <!channel> now") == ["!channel"]


def test_modal_errors_are_plain_text_capped() -> None:
    errors = finish_errors(start.field_errors("en-US", []) | {"x": HOSTILE["long_40000"]})
    assert all(len(v) <= LIMITS["view_error"] for v in errors.values())
    assert all(len(v) <= LIMITS["view_error"] for v in admin.problem_errors("en-US", []).values())


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1) | st.from_regex(r"<[!@#][a-z^A-Z0-9|@ ]{0,20}>", fullmatch=True))
def test_any_text_in_alerts_and_hooks_stays_inert(data: str) -> None:
    for surface in (alert_surfaces, tasks_surfaces):
        for kind, payload in surface(data):
            if kind == "message":
                assert live_markup(str(payload.get("text") or "")) == []
            for _, text in mrkdwn_texts(payload):
                assert live_markup(text) == [], text
