"""tracks: the programme priority track of an enrolment and of a feedback answer

A track is a coarse attribute like the role: the first of the programme's
priority tracks that a self-description given with explicit consent mentions
(None otherwise). The statistics split by it, with the same anonymity rules
as the other splits. Adding a nullable column keeps SQLite's ``feedback_answer``
a WITHOUT ROWID table (migration 0002_feedback): no rebuild is needed.

Revision ID: 0003_tracks
Revises: 0002_feedback
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_tracks"
down_revision: str | None = "0002_feedback"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("enrolment", sa.Column("track", sa.String(length=80), nullable=True))
    op.add_column("feedback_answer", sa.Column("track", sa.String(length=80), nullable=True))


def downgrade() -> None:
    # In place (SQLite 3.35+): a batch rebuild would lose WITHOUT ROWID.
    op.drop_column("feedback_answer", "track")
    op.drop_column("enrolment", "track")
