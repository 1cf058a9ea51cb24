"""form saves

Revision ID: 5f0c1e7a9b21
Revises: bd1376aa0b55
Create Date: 2026-11-28 09:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5f0c1e7a9b21"
down_revision: str | None = "bd1376aa0b55"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "form_saves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_key", sa.String(length=100), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("slack_user_id", sa.String(length=32), nullable=False),
        sa.Column("workitem_id", sa.Integer(), nullable=False),
        sa.Column("save_only", sa.Boolean(), nullable=False),
        sa.Column("choice", sa.String(length=200), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="1", nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('sending', 'done', 'refused', 'unknown', 'gone')",
            name=op.f("ck_form_saves_state"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_saves")),
        sa.UniqueConstraint("claim_key", name=op.f("uq_form_saves_claim_key")),
    )


def downgrade() -> None:
    op.drop_table("form_saves")
