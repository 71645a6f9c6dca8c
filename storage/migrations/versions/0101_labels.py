"""labels: how a programme's topics and priority tracks read in each language

``programme.labels`` maps a language to ``{value: label}``, e.g.
``{"fr": {"AI": "IA"}}``; a topic without a label is shown as written. Existing
programmes get the French labels of the default topics they still use, so the
demo programme reads "IA, Réseaux sociaux" to French readers at once.

Revision ID: 0101_labels
Revises: 0005_directory_id
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0101_labels"
down_revision: str | None = "0005_directory_id"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A copy, not an import: a migration must keep meaning what it meant when it was written.
DEFAULT_FRENCH = {
    "AI": "IA",
    "Social media": "Réseaux sociaux",
    "Hybrid work": "Travail hybride",
    "Diversity & inclusion": "Diversité et inclusion",
    "Gen Z culture": "Culture de la génération Z",
    "Digital tools": "Outils numériques",
    "Sustainability": "Développement durable",
    "Career paths": "Parcours professionnels",
}


def upgrade() -> None:
    op.add_column("programme", sa.Column("labels", sa.JSON(), nullable=True))
    programme = sa.table(
        "programme", sa.column("id", sa.Integer()), sa.column("topics", sa.JSON())
    )
    connection = op.get_bind()
    for row in connection.execute(sa.select(programme.c.id, programme.c.topics)).all():
        topics = row.topics
        if isinstance(topics, str):  # JSON read back as text by some drivers
            topics = json.loads(topics)
        french = {t: DEFAULT_FRENCH[t] for t in topics or [] if t in DEFAULT_FRENCH}
        if french:
            connection.execute(
                sa.text("UPDATE programme SET labels = :labels WHERE id = :id").bindparams(
                    sa.bindparam("labels", type_=sa.JSON())
                ),
                {"labels": {"fr": french}, "id": row.id},
            )


def downgrade() -> None:
    # In place (SQLite 3.35+), like 0003_tracks.
    op.drop_column("programme", "labels")
