"""Reading the audit log (admin view, CSV export)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import AuditEntry

_SPAN = re.compile(r"^(\d+)([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
COLUMNS = ("at", "team_id", "actor", "action", "target", "outcome", "detail")


def parse_span(text: str) -> timedelta:
    """``7d`` → 7 days (m, h, d, w)."""
    match = _SPAN.match(text.strip())
    if match is None:
        raise ValueError(f"not a time span: {text!r} (use e.g. 30m, 12h, 7d, 2w)")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


async def entries(
    sessions: async_sessionmaker[AsyncSession],
    *,
    since: datetime | None = None,
    team_id: str | None = None,
    actor_or_target: str | None = None,
    limit: int | None = None,
) -> Sequence[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if team_id is not None:
        query = query.where(AuditEntry.team_id == team_id)
    if actor_or_target is not None:
        query = query.where(
            (AuditEntry.actor == actor_or_target) | (AuditEntry.target == actor_or_target)
        )
    if limit is not None:
        query = query.limit(limit)
    async with sessions() as session:
        return (await session.scalars(query)).all()


# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralize_cell(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs: one starting with ``= + - @``, a tab, a
    carriage return (or their full-width forms, which spreadsheets also read as operators) gets a
    leading ``'``. OWASP "CSV Injection":
    https://owasp.org/www-community/attacks/CSV_Injection"""
    return "'" + value if value.startswith(_FORMULA_START) else value


def to_csv(rows: Sequence[AuditEntry]) -> str:
    """The audit entries as CSV, every cell neutralized (:func:`neutralize_cell`): targets,
    actors and details hold text people typed (e-mails, app names)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows:
        cells = [
            row.at.isoformat(),
            row.team_id or "",
            row.actor,
            row.action,
            row.target or "",
            row.outcome,
            json.dumps(row.detail, ensure_ascii=False) if row.detail else "",
        ]
        writer.writerow([neutralize_cell(str(cell)) for cell in cells])
    return out.getvalue()
