"""local chat: the messages shown in the local web chat and its simulated clock

Revision ID: 0002_local_chat
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0002_local_chat"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "local_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("viewer", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_local_message_conversation", "local_message", ["conversation", "id"], unique=False
    )
    op.create_table(
        "local_clock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("offset_seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("local_clock")
    op.drop_index("ix_local_message_conversation", table_name="local_message")
    op.drop_table("local_message")
