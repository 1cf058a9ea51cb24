"""request guards: replayed Slack requests and rate-limited actions (issue #16)

Revision ID: 8c4e2d6f1a37
Revises: 5f0c1e7a9b21
Create Date: 2026-11-30 15:33:11.180182+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8c4e2d6f1a37"
down_revision: str | None = "5f0c1e7a9b21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_events")),
    )
    op.create_index(op.f("ix_rate_events_at"), "rate_events", ["at"])
    op.create_index(op.f("ix_rate_events_bucket"), "rate_events", ["bucket", "at"])
    op.create_table(
        "replay_digests",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_replay_digests")),
    )
    op.create_index(op.f("ix_replay_digests_seen_at"), "replay_digests", ["seen_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_replay_digests_seen_at"), table_name="replay_digests")
    op.drop_table("replay_digests")
    op.drop_index(op.f("ix_rate_events_bucket"), table_name="rate_events")
    op.drop_index(op.f("ix_rate_events_at"), table_name="rate_events")
    op.drop_table("rate_events")
