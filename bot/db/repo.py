"""Small keyword-only repository functions. Callers own the session and the transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.alert_models import AlertSettings, OutboxMessage, Subscription, Webhook
from bot.db.form_models import FormSaveRecord
from bot.db.models import (
    AuditEntry,
    EmailMapping,
    OAuthState,
    ProcessedSlackEvent,
    StartEventDefinition,
    UserLink,
    Workspace,
)


async def get_link(session: AsyncSession, *, team_id: str, slack_user_id: str) -> UserLink | None:
    return await session.scalar(
        select(UserLink).where(UserLink.team_id == team_id, UserLink.slack_user_id == slack_user_id)
    )


async def get_workspace(session: AsyncSession, *, team_id: str) -> Workspace | None:
    return await session.scalar(select(Workspace).where(Workspace.team_id == team_id))


async def claim_event(
    session: AsyncSession, *, event_id: str, team_id: str | None, now: datetime
) -> bool:
    """Record an Events API delivery; False when this ``event_id`` was handled before."""
    try:
        async with session.begin_nested():
            session.add(ProcessedSlackEvent(event_id=event_id, team_id=team_id, received_at=now))
    except IntegrityError:
        return False
    return True


async def purge_workspace(session: AsyncSession, *, team_id: str) -> int:
    """Forget everything about a workspace (app uninstalled, bot token revoked); returns links removed."""
    removed = await session.execute(delete(UserLink).where(UserLink.team_id == team_id))
    await session.execute(delete(OAuthState).where(OAuthState.team_id == team_id))
    await session.execute(
        delete(StartEventDefinition).where(StartEventDefinition.team_id == team_id)
    )
    await session.execute(delete(EmailMapping).where(EmailMapping.team_id == team_id))
    for model in (Subscription, Webhook, AlertSettings, OutboxMessage, FormSaveRecord):
        await session.execute(delete(model).where(model.team_id == team_id))
    await session.execute(delete(Workspace).where(Workspace.team_id == team_id))
    return removed.rowcount or 0  # type: ignore[attr-defined]


async def add_audit(
    session: AsyncSession,
    *,
    at: datetime,
    team_id: str | None,
    actor: str,
    action: str,
    outcome: str = "ok",
    target: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEntry(
            at=at,
            team_id=team_id,
            actor=actor,
            action=action,
            target=target,
            outcome=outcome,
            detail=detail,
        )
    )


async def renew_leases(
    session: AsyncSession, model: Any, ids: list[int], *, owner: str, until: datetime
) -> int:
    """Extend the leases of ``model`` rows ``ids`` that ``owner`` still holds to ``until``; how
    many were extended (a row taken over meanwhile is not taken back)."""
    if not ids:
        return 0
    result = await session.execute(
        update(model)
        .where(model.id.in_(ids), model.lease_owner == owner)
        .values(lease_until=until)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
