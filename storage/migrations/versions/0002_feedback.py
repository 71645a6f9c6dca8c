"""feedback: no hidden row order on SQLite, and an index for the statistics

On SQLite an ordinary table has a hidden ``rowid`` that grows with every
insert: it would give away the order in which anonymous answers were
submitted, which the receipts' order could then be lined up with. The table is
rebuilt ``WITHOUT ROWID``, so rows live in the order of their random key.
PostgreSQL has no such column. The ``(period, programme_id)`` index serves the
period filters of ``/mentoring stats``.

Revision ID: 0002_feedback
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002_feedback"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = "id, programme_id, role, period, survey, usefulness, recommend, comment"


def _rebuild_sqlite(without_rowid: bool) -> None:
    suffix = " WITHOUT ROWID" if without_rowid else ""
    op.execute(
        "CREATE TABLE feedback_answer_new ("
        "id VARCHAR(32) NOT NULL PRIMARY KEY, "
        "programme_id INTEGER REFERENCES programme (id), "
        "role VARCHAR(8), "
        "period VARCHAR(8) NOT NULL, "
        "survey VARCHAR(16) NOT NULL, "
        "usefulness INTEGER, "
        "recommend INTEGER, "
        f"comment TEXT){suffix}"
    )
    op.execute(
        f"INSERT INTO feedback_answer_new ({COLUMNS}) "
        f"SELECT {COLUMNS} FROM feedback_answer ORDER BY id"
    )
    op.execute("DROP TABLE feedback_answer")
    op.execute("ALTER TABLE feedback_answer_new RENAME TO feedback_answer")
    op.create_index("ix_feedback_answer_programme_id", "feedback_answer", ["programme_id"])


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(without_rowid=True)
    op.create_index(
        "ix_feedback_answer_period",
        "feedback_answer",
        ["period", "programme_id", "role", "usefulness", "recommend"],
    )


def downgrade() -> None:
    op.drop_index("ix_feedback_answer_period", table_name="feedback_answer")
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(without_rowid=False)
