"""person.directory_id: the person's id in the organisation's directory

Teams names people to the bot by a Bot Framework id (``29:…``) but admins are
listed by their Entra (AAD) object id (``teams:<tenant>:<aad-object-id>``);
keeping both lets a right, and a notice to the admins, follow the right account.

Revision ID: 0005_directory_id
Revises: 0004_reporting_line
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_directory_id"
down_revision: str | None = "0004_reporting_line"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("directory_id", sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.drop_column("directory_id")
