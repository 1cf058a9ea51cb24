"""email mappings

Revision ID: bd1376aa0b55
Revises: c88749861806
Create Date: 2026-11-27 03:12:47.047205+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "bd1376aa0b55"
down_revision: str | None = "c88749861806"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "email_mappings",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("slack_user_id", sa.String(length=32), nullable=False),
        sa.Column("questetra_email", sa.String(length=320), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "slack_user_id", name=op.f("pk_email_mappings")),
    )


def downgrade() -> None:
    op.drop_table("email_mappings")
