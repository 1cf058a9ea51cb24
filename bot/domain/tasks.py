"""Pure rules for task lists: order, filter, pages, deadlines, and how data values read."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

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
class DataItem:
    number: int
    name: str
    data_type: str
    sub_type: str | None
    order: int
    value: Any


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
    """Every word must appear in the app name or the process title (case-insensitive)."""
    haystack = f"{task.app_name}\n{task.process_title}".casefold()
    return all(word.casefold() in haystack for word in words)


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


def display_value(data_type: str, value: Any, *, max_rows: int = 5, max_len: int = 500) -> str:
    """A data item's value as short plain text, whatever shape Questetra sends (tolerant on
    purpose: the shapes per type are partly inferred)."""
    if value is None or value == "" or value == []:
        return "—"
    text: str
    if isinstance(value, list):
        parts = []
        for item in value:
            if isinstance(item, dict):
                parts.append(
                    str(item.get("display") or item.get("name") or item.get("value") or "")
                )
            else:
                parts.append(str(item))
        text = ", ".join(p for p in parts if p) or "—"
    elif isinstance(value, dict):
        rows = value.get("rows")
        if isinstance(rows, list):
            shown = [
                " | ".join(str(c) for c in row) if isinstance(row, list) else str(row)
                for row in rows[:max_rows]
            ]
            more = len(rows) - len(shown)
            text = "\n".join(shown) + (f"\n… (+{more})" if more > 0 else "")
        elif "name" in value:
            email = value.get("email")
            text = f"{value['name']} <{email}>" if email else str(value["name"])
        else:
            text = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = str(value)
    return text if len(text) <= max_len else text[: max_len - 1] + "…"
