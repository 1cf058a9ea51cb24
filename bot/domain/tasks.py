"""Pure rules for task lists: order, filter, pages, deadlines, and how data values read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from bot.domain.typed import fold

ListKind = Literal["allocated", "offered"]


@dataclass(frozen=True)
class Task:
    id: int
    name: str
    state: str
    kind: ListKind
    process_id: int
    process_seq: int | None
    process_title: str
    app_id: int | None
    app_name: str
    starter_name: str | None
    offered_at: datetime | None
    allocated_at: datetime | None
    deadline: datetime | None

    @property
    def listed_at(self) -> datetime | None:
        """When it reached the user's list: allocation for My Tasks, the offer otherwise."""
        if self.kind == "allocated":
            return self.allocated_at or self.offered_at
        return self.offered_at


@dataclass(frozen=True)
class Table:
    """A table data item (LIST): rows of cells, and the summary row when the app has one."""

    rows: tuple[tuple[str, ...], ...]
    summary: tuple[str, ...] | None = None


# A data item's value as people read it: a text, several texts (choices, files, people), a table,
# or nothing entered. bot/questetra/values.py reads every wire shape into one of these.
Readable = str | tuple[str, ...] | Table | None


@dataclass(frozen=True)
class DataItem:
    number: int
    name: str
    data_type: str
    sub_type: str | None
    order: int
    value: Readable


@dataclass(frozen=True)
class ProcessView:
    id: int
    seq: int | None
    title: str
    state: str
    app_name: str
    starter_name: str | None
    started_at: datetime | None
    active_nodes: list[str]
    data: list[DataItem]


@dataclass(frozen=True)
class ProcessSummary:
    id: int
    seq: int | None
    title: str
    app_id: int | None
    app_name: str
    starter_name: str | None
    started_at: datetime | None


@dataclass(frozen=True)
class AcceptResult:
    workitem_id: int
    success: bool
    error_code: str | None


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def newest_first(tasks: Sequence[Task]) -> list[Task]:
    return sorted(tasks, key=lambda t: (t.listed_at or _EPOCH, t.id), reverse=True)


def matches(task: Task, words: Sequence[str]) -> bool:
    """Every word must appear in the app name or the process title (case-insensitive, both sides
    folded by the parsing boundary: ``ＲＥＰＯＲＴ`` finds "Report")."""
    haystack = fold(f"{task.app_name}\n{task.process_title}").casefold()
    return all(fold(word).casefold() in haystack for word in words)


def filter_tasks(tasks: Sequence[Task], words: Sequence[str]) -> list[Task]:
    return [t for t in tasks if matches(t, words)] if words else list(tasks)


def is_overdue(task: Task, now: datetime) -> bool:
    return task.deadline is not None and task.deadline < now


@dataclass(frozen=True)
class Page:
    items: list[Task]
    number: int  # 0-based
    total_pages: int
    total_items: int

    @property
    def has_previous(self) -> bool:
        return self.number > 0

    @property
    def has_next(self) -> bool:
        return self.number + 1 < self.total_pages


def paginate(tasks: Sequence[Task], page: int, size: int) -> Page:
    total_pages = max(1, -(-len(tasks) // size))
    number = min(max(page, 0), total_pages - 1)
    return Page(list(tasks[number * size : (number + 1) * size]), number, total_pages, len(tasks))


def display_value(value: Readable, *, max_rows: int = 5, max_len: int = 500) -> str:
    """A data item's value as short plain text: lists joined, tables one row a line (then the
    summary row), at most ``max_rows`` rows and ``max_len`` characters."""
    if value is None or value == "" or value == ():
        return "—"
    if isinstance(value, Table):
        shown = [" | ".join(row) for row in value.rows[:max_rows]]
        more = len(value.rows) - len(shown)
        if more > 0:
            shown.append(f"… (+{more})")
        if value.summary is not None:
            shown.append("Σ " + " | ".join(value.summary))
        text = "\n".join(shown) or "—"
    elif isinstance(value, tuple):
        text = ", ".join(v for v in value if v) or "—"
    else:
        text = value
    return text if len(text) <= max_len else text[: max_len - 1] + "…"
