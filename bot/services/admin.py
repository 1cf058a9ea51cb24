"""What admins see and switch: counts, linked users, revoke, Basic auth, pause, e-mail mappings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.db import repo
from bot.db.alert_models import OutboxMessage
from bot.db.models import BridgeFlag, EmailMapping, UserLink, Workspace
from bot.domain.emails import canonical_email
from bot.domain.linking import normalise_email
from bot.errors import BadInput

CLIENT_FLAG = "questetra_client"


@dataclass(frozen=True)
class Overview:
    oauth_links: int
    basic_links: int
    needs_relink: int
    alerts_pending: int
    alerts_failed_24h: int
    client_refused_since: str | None
    paused: bool
    basic_auth_enabled: bool


@dataclass(frozen=True)
class LinkedUser:
    slack_user_id: str
    questetra_email: str
    method: str
    status: str
    linked_at: datetime
    last_used_at: datetime | None
    last_error: str | None


class AdminService:
    def __init__(
        self, *, sessions: async_sessionmaker[AsyncSession], clock: Clock, basic_auth_default: bool
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._basic_default = basic_auth_default

    async def _workspace(self, session: AsyncSession, team_id: str) -> Workspace:
        row = await repo.get_workspace(session, team_id=team_id)
        if row is None:
            row = Workspace(team_id=team_id)
            session.add(row)
            await session.flush()
        return row

    async def overview(self, *, team_id: str) -> Overview:
        day_ago = self._clock.now() - timedelta(hours=24)
        async with self._sessions() as session:
            counts = dict(
                (
                    await session.execute(
                        select(UserLink.method, func.count())
                        .where(UserLink.team_id == team_id)
                        .group_by(UserLink.method)
                    )
                ).all()
            )
            relink = await session.scalar(
                select(func.count()).where(
                    UserLink.team_id == team_id, UserLink.status == "needs_relink"
                )
            )
            pending = await session.scalar(
                select(func.count()).where(
                    OutboxMessage.team_id == team_id,
                    OutboxMessage.state.in_(("pending", "held")),
                )
            )
            failed = await session.scalar(
                select(func.count()).where(
                    OutboxMessage.team_id == team_id,
                    OutboxMessage.state == "failed",
                    OutboxMessage.updated_at >= day_ago,
                )
            )
            flag = await session.get(BridgeFlag, CLIENT_FLAG)
            workspace = await repo.get_workspace(session, team_id=team_id)
        refused = (
            flag.value.get("since") if flag is not None and flag.value.get("refused") else None
        )
        basic = self._basic_default
        if workspace is not None and workspace.basic_auth_enabled is not None:
            basic = workspace.basic_auth_enabled
        return Overview(
            oauth_links=int(counts.get("oauth", 0)),
            basic_links=int(counts.get("basic", 0)),
            needs_relink=int(relink or 0),
            alerts_pending=int(pending or 0),
            alerts_failed_24h=int(failed or 0),
            client_refused_since=str(refused) if refused else None,
            paused=bool(workspace and workspace.paused),
            basic_auth_enabled=basic,
        )

    async def linked_users(
        self, *, team_id: str, page: int, size: int
    ) -> tuple[list[LinkedUser], int]:
        async with self._sessions() as session:
            total = int(
                await session.scalar(select(func.count()).where(UserLink.team_id == team_id)) or 0
            )
            rows = (
                await session.scalars(
                    select(UserLink)
                    .where(UserLink.team_id == team_id)
                    .order_by(UserLink.linked_at.desc(), UserLink.id.desc())
                    .offset(max(page, 0) * size)
                    .limit(size)
                )
            ).all()
        users = [
            LinkedUser(
                r.slack_user_id,
                r.questetra_email,
                r.method,
                r.status,
                r.linked_at,
                r.last_used_at,
                r.last_error,
            )
            for r in rows
        ]
        return users, total

    async def set_paused(self, *, team_id: str, paused: bool, actor: str) -> None:
        async with self._sessions() as session, session.begin():
            workspace = await self._workspace(session, team_id)
            workspace.paused = paused
            await repo.add_audit(
                session,
                at=self._clock.now(),
                team_id=team_id,
                actor=actor,
                action="pause" if paused else "resume",
            )

    async def set_basic_auth(self, *, team_id: str, enabled: bool, actor: str) -> list[str]:
        """Switch Basic-auth linking; switching it off drops the Basic links. Returns the Slack
        users whose link was dropped (to be told)."""
        async with self._sessions() as session, session.begin():
            workspace = await self._workspace(session, team_id)
            workspace.basic_auth_enabled = enabled
            dropped: list[str] = []
            if not enabled:
                dropped = list(
                    (
                        await session.scalars(
                            delete(UserLink)
                            .where(UserLink.team_id == team_id, UserLink.method == "basic")
                            .returning(UserLink.slack_user_id)
                        )
                    ).all()
                )
            await repo.add_audit(
                session,
                at=self._clock.now(),
                team_id=team_id,
                actor=actor,
                action="basic_auth_on" if enabled else "basic_auth_off",
                detail={"links_dropped": len(dropped)},
            )
        return dropped

    async def map_email(
        self, *, team_id: str, slack_user_id: str, email: str | None, actor: str
    ) -> None:
        if email is not None and canonical_email(email) is None:
            # Look-alikes and internationalised addresses are refused (bot.domain.emails).
            raise BadInput("admin.error.bad_email", email=email[:100])
        async with self._sessions() as session, session.begin():
            existing = await session.get(EmailMapping, (team_id, slack_user_id))
            if email is None:
                if existing is not None:
                    await session.delete(existing)
            elif existing is None:
                session.add(
                    EmailMapping(
                        team_id=team_id,
                        slack_user_id=slack_user_id,
                        questetra_email=normalise_email(email),
                        created_by=actor,
                        created_at=self._clock.now(),
                    )
                )
            else:
                existing.questetra_email = normalise_email(email)
            await repo.add_audit(
                session,
                at=self._clock.now(),
                team_id=team_id,
                actor=actor,
                action="map_email" if email else "unmap_email",
                target=slack_user_id,
                detail={"email": email} if email else None,
            )
