"""The task-form save log: one row per save the bridge sends, which is also its claim.

A completion is keyed by the task (``form:{team}:{workitem}``), a "save without completing" by
the modal it came from (``form-save:{team}:{view id}``): the unique key makes a double click, a
double submit or two replicas send one ``Form/save``. ``state`` says what became of it:
``sending`` (in flight), ``done`` (completed or saved), ``refused`` (Questetra said no, or it
never left: the person may try again), ``unknown`` (sent, no answer: resolved by re-reading the
person's lists before anything is sent again), ``gone`` (resolved: the task left their lists).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base
from bot.db.models import SlackId

SAVE_STATES = ("sending", "done", "refused", "unknown", "gone")


class FormSaveRecord(Base):
    __tablename__ = "form_saves"
    __table_args__ = (
        UniqueConstraint("claim_key"),
        CheckConstraint("state IN ('sending', 'done', 'refused', 'unknown', 'gone')", name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_key: Mapped[str] = mapped_column(String(100))
    team_id: Mapped[str] = mapped_column(SlackId)
    slack_user_id: Mapped[str] = mapped_column(SlackId)
    workitem_id: Mapped[int]
    save_only: Mapped[bool]
    choice: Mapped[str | None] = mapped_column(String(200))  # the button's name, if any
    state: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(server_default="1")
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"FormSaveRecord(key={self.claim_key!r}, state={self.state!r})"
