"""reporting_line: who reports to whom, imported from HR

The matcher never pairs people in the same reporting line. Slack and Teams do
not tell who someone's manager is, so HR's export is imported with
``python app.py import-managers``; a chain runs through people who never use
the bot, hence a table of its own rather than a column of ``person``.

Revision ID: 0004_reporting_line
Revises: 0003_tracks
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_reporting_line"
down_revision: str | None = "0003_tracks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reporting_line",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("workspace", sa.String(length=128), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("manager_user_id", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("platform", "workspace", "user_id"),
    )


def downgrade() -> None:
    op.drop_table("reporting_line")
