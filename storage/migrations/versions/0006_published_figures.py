"""published_figure: the feedback figures last shown per scope and period

The memory behind the period rules: an open period repeats its last shown
figures until *k* new answers arrived, and a calendar period is shown only when
it stays consistent with those shown before (docs/feedback-and-stats.md).

Revision ID: 0006_published_figures
Revises: 0101_labels
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_published_figures"
down_revision: str | None = "0101_labels"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "published_figure",
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("shown", sa.Boolean(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("scope", "period"),
    )


def downgrade() -> None:
    op.drop_table("published_figure")
