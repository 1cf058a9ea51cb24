"""Pure Block Kit builders for tasks: cards, the paged list, the details modal, Home lists."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from bot.domain.tasks import ProcessView, Task, display_value, is_overdue, paginate
from bot.i18n import t
from bot.questetra.urls import my_tasks_url, process_url, task_url
from bot.slack.ids import TaskAction
from bot.slack.render import (
    Block,
    Mrkdwn,
    actions,
    button,
    context,
    cut,
    date,
    divider,
    fmt,
    header,
    join,
    link,
    modal,
    section,
)

PAGE_SIZE = 10  # 3 blocks a card: 10 cards + headings + navigation stay under Slack's 50
HOME_TASKS = 5
DETAILS_MAX_ITEMS = 80  # a modal holds 100 blocks
DETAILS_VALUE_MAX = 2800  # shown per data item; the section's 3,000 holds its name and the link
# What a button value remembers (Slack's 2,000 holds them even when every character is escaped).
VALUE_WORDS_MAX = 150
VALUE_NAME_MAX = 60


def page_value(page: int, words: Sequence[str]) -> str:
    return json.dumps({"p": page, "q": " ".join(words)[:VALUE_WORDS_MAX]}, ensure_ascii=False)


def parse_page_value(value: str | None) -> tuple[int, list[str]]:
    try:
        data = json.loads(value or "{}")
        return int(data.get("p", 0)), str(data.get("q", "")).split()
    except (ValueError, TypeError, AttributeError, RecursionError):
        return 0, []


def accept_value(task: Task, page: int, words: Sequence[str], origin: str = "list") -> str:
    """The Accept button remembers where it sits (a list page, an alert), so the answer
    re-renders that place."""
    return json.dumps(
        {
            "w": task.id,
            "n": task.name[:VALUE_NAME_MAX],
            "p": page,
            "q": " ".join(words)[:VALUE_WORDS_MAX],
            "o": origin,
        },
        ensure_ascii=False,
    )


@dataclass(frozen=True)
class AcceptClick:
    workitem_id: int
    task_name: str
    page: int
    words: list[str]
    origin: str = "list"


def parse_accept_value(value: str | None) -> AcceptClick | None:
    try:
        data = json.loads(value or "")
        return AcceptClick(
            int(data["w"]),
            str(data.get("n") or f"#{data['w']}"),
            int(data.get("p", 0)),
            str(data.get("q", "")).split(),
            str(data.get("o", "list")),
        )
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return None


def details_value(task: Task) -> str:
    return json.dumps({"w": task.id, "p": task.process_id})


def parse_details_value(value: str | None) -> tuple[int, int] | None:
    try:
        data = json.loads(value or "")
        return int(data["w"]), int(data["p"])
    except (ValueError, TypeError, KeyError, RecursionError):
        return None


def task_card(
    locale: str | None,
    base_url: str,
    task: Task,
    now: datetime,
    *,
    notice: str | None = None,
    compact: bool = False,
    page: int = 0,
    words: Sequence[str] = (),
    origin: str = "list",
    with_buttons: bool = True,
    tz: tzinfo | None = None,
) -> list[Block]:
    process = t(
        locale,
        "tasks.card_process",
        app=task.app_name,
        seq=task.process_seq if task.process_seq is not None else task.process_id,
        title=cut(task.process_title, 300),
    )
    text = fmt("*{}*\n{}", link(task_url(base_url, task.id), cut(task.name, 150)), process)
    facts: list[str] = []
    if task.starter_name:
        facts.append(t(locale, "tasks.started_by", name=task.starter_name))
    if task.kind == "offered" and task.offered_at:
        facts.append(t(locale, "tasks.offered_at", when=date(task.offered_at, tz=tz)))
    elif task.allocated_at:
        facts.append(t(locale, "tasks.allocated_at", when=date(task.allocated_at, tz=tz)))
    if task.deadline is not None:
        key = "tasks.overdue" if is_overdue(task, now) else "tasks.deadline"
        facts.append(t(locale, key, when=date(task.deadline, tz=tz)))
    blocks: list[Block] = [section(text)]
    if facts:
        blocks.append(context(join(" · ", facts)))
    elements = [
        button(
            t(locale, "tasks.button_open"),
            TaskAction.OPEN,
            url=task_url(base_url, task.id),
            value=str(task.id),
        ),
    ]
    if not compact:
        elements.append(
            button(t(locale, "tasks.button_details"), TaskAction.DETAILS, value=details_value(task))
        )
    if task.kind == "offered":
        elements.append(
            button(
                t(locale, "tasks.button_accept"),
                TaskAction.ACCEPT,
                value=accept_value(task, page, words, origin),
                style="primary",
            )
        )
    if notice:
        blocks.append(context(notice))
    if with_buttons:
        blocks.append(actions(*elements, block_id=f"task-{task.id}"))
    return blocks


@dataclass(frozen=True)
class ListView:
    text: str  # the message's notification text: rendered by the boundary
    blocks: list[Block]


def tasks_message(
    locale: str | None,
    base_url: str,
    allocated: Sequence[Task],
    offered: Sequence[Task],
    *,
    now: datetime,
    page: int = 0,
    words: Sequence[str] = (),
    notices: Mapping[int, str] | None = None,
    banner: str | None = None,
    tz: tzinfo | None = None,
) -> ListView:
    """The `/questetra tasks` answer: My Tasks then Offered, newest first, 10 cards a page."""
    notices = notices or {}
    blocks: list[Block] = [header(t(locale, "tasks.title"))]
    if banner:
        blocks.append(section(banner))
    if words:
        blocks.append(context(t(locale, "tasks.filtered", words=" ".join(words))))
    everything = [*allocated, *offered]
    if not everything:
        key = "tasks.nothing_matches" if words else "tasks.nothing_waiting"
        blocks.append(section(t(locale, key, words=" ".join(words))))
        blocks.append(
            actions(
                button(
                    t(locale, "tasks.open_all"),
                    TaskAction.OPEN,
                    url=my_tasks_url(base_url),
                    value="all",
                )
            )
        )
        return ListView(t(locale, key, words=" ".join(words)), blocks)
    current = paginate(everything, page, PAGE_SIZE)
    shown_kind = None
    for task in current.items:
        if task.kind != shown_kind:
            shown_kind = task.kind
            key, count = (
                ("tasks.my_tasks", len(allocated))
                if task.kind == "allocated"
                else ("tasks.offered", len(offered))
            )
            blocks.append(divider())
            blocks.append(section(t(locale, key, count=count)))
        blocks.extend(
            task_card(
                locale,
                base_url,
                task,
                now,
                notice=notices.get(task.id),
                page=current.number,
                words=words,
                tz=tz,
            )
        )
    if current.total_pages > 1:
        nav = []
        if current.has_previous:
            nav.append(
                button(
                    t(locale, "tasks.button_previous"),
                    TaskAction.PAGE,
                    value=page_value(current.number - 1, words),
                )
            )
        if current.has_next:
            nav.append(
                button(
                    t(locale, "tasks.button_next"),
                    TaskAction.PAGE,
                    value=page_value(current.number + 1, words),
                )
            )
        blocks.append(
            context(
                t(
                    locale,
                    "tasks.page",
                    page=current.number + 1,
                    pages=current.total_pages,
                    total=current.total_items,
                )
            )
        )
        blocks.append(actions(*nav, block_id="tasks-nav"))
    text = fmt("{}: {} + {}", t(locale, "tasks.title"), len(allocated), len(offered))
    return ListView(text, blocks)


def _details_view(locale: str | None, blocks: list[Block]) -> Block:
    return modal(t(locale, "details.title"), blocks, close=t(locale, "details.close"))


def details_loading_modal(locale: str | None) -> Block:
    return _details_view(locale, [section(t(locale, "details.loading"))])


def details_modal(
    locale: str | None,
    base_url: str,
    process: ProcessView,
    workitem_id: int,
    tz: tzinfo | None = None,
) -> Block:
    whole = link(process_url(base_url, process.id), t(locale, "details.full_text"))
    blocks: list[Block] = [
        section(
            t(
                locale,
                "details.process",
                app=process.app_name,
                seq=process.seq if process.seq is not None else process.id,
                title=cut(process.title, 500),
            )
        ),
        context(
            t(
                locale,
                "details.state",
                state=process.state,
                starter=process.starter_name or "—",
                nodes=", ".join(process.active_nodes) or "—",
            )
        ),
        divider(),
    ]
    if not process.data:
        blocks.append(section(t(locale, "details.no_data")))
    for item in process.data[:DETAILS_MAX_ITEMS]:
        value = display_value(item.data_type, item.value, max_len=DETAILS_VALUE_MAX)
        # A value cut short ends with "…" and a link to the whole process in Questetra.
        shown: Mrkdwn = cut(value, DETAILS_VALUE_MAX, more=whole)
        blocks.append(section(fmt("*{}*\n{}", cut(item.name, 150), shown)))
    if len(process.data) > DETAILS_MAX_ITEMS:
        blocks.append(
            context(t(locale, "details.more_items", count=len(process.data) - DETAILS_MAX_ITEMS))
        )
    blocks.append(
        actions(
            button(
                t(locale, "tasks.button_open"),
                TaskAction.OPEN,
                url=task_url(base_url, workitem_id),
                value=str(workitem_id),
            ),
            button(
                t(locale, "details.open_process"),
                TaskAction.OPEN_PROCESS,
                url=process_url(base_url, process.id),
                value=str(process.id),
            ),
        )
    )
    return _details_view(locale, blocks)


def details_failed_modal(locale: str | None, reason: object) -> Block:
    return _details_view(
        locale, [section(fmt(":warning: {}", t(locale, "details.failed", reason=reason)))]
    )


def home_task_blocks(
    locale: str | None,
    base_url: str,
    command: str,
    allocated: Sequence[Task],
    offered: Sequence[Task],
    now: datetime,
    tz: tzinfo | None = None,
) -> list[Block]:
    """Compact lists for the App Home: a few of each, then a pointer to the full list."""
    blocks: list[Block] = [header(t(locale, "home.tasks_title"))]
    if not allocated and not offered:
        blocks.append(section(t(locale, "tasks.nothing_waiting")))
        return blocks
    for key, tasks in (("tasks.my_tasks", allocated), ("tasks.offered", offered)):
        if not tasks:
            continue
        blocks.append(section(t(locale, key, count=len(tasks))))
        for task in tasks[:HOME_TASKS]:
            blocks.extend(task_card(locale, base_url, task, now, compact=True, tz=tz))
        if len(tasks) > HOME_TASKS:
            blocks.append(
                context(
                    t(locale, "home.more_tasks", count=len(tasks) - HOME_TASKS, command=command)
                )
            )
    return blocks
