"""Programmes: their settings and status."""

from __future__ import annotations

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.tables import Enrolment, Programme

DEFAULT_TOPICS = [
    "AI",
    "Social media",
    "Hybrid work",
    "Diversity & inclusion",
    "Gen Z culture",
    "Digital tools",
    "Sustainability",
    "Career paths",
]
# The default topics as French readers see them (``Programme.labels``).
DEFAULT_LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "AI": "IA",
        "Social media": "Réseaux sociaux",
        "Hybrid work": "Travail hybride",
        "Diversity & inclusion": "Diversité et inclusion",
        "Gen Z culture": "Culture de la génération Z",
        "Digital tools": "Outils numériques",
        "Sustainability": "Développement durable",
        "Career paths": "Parcours professionnels",
    }
}


async def all_programmes(session: AsyncSession) -> list[Programme]:
    """Every programme, oldest first."""
    return list((await session.exec(select(Programme).order_by(col(Programme.id)))).all())


async def open_programmes(session: AsyncSession) -> list[Programme]:
    """Programmes people can join, oldest first."""
    result = await session.exec(
        select(Programme).where(Programme.status == "open").order_by(col(Programme.id))
    )
    return list(result.all())


async def find_programme(session: AsyncSession, ref: str) -> Programme | None:
    """A programme by id or by name (case-insensitive)."""
    ref = ref.strip()
    if ref.isdigit():
        found = await session.get(Programme, int(ref))
        if found is not None:
            return found
    result = await session.exec(select(Programme).where(func.lower(Programme.name) == ref.lower()))
    return result.first()


async def count_programmes(session: AsyncSession) -> int:
    """How many programmes exist."""
    return int((await session.exec(select(func.count()).select_from(Programme))).one())


async def enrolment_counts(session: AsyncSession) -> dict[tuple[int, str], int]:
    """Active enrolments by (programme id, role)."""
    result = await session.exec(
        select(Enrolment.programme_id, Enrolment.role, func.count())
        .where(Enrolment.status == "active")
        .group_by(col(Enrolment.programme_id), col(Enrolment.role))
    )
    return {(pid, role): int(n) for pid, role, n in result.all()}


async def seed_default_programme(session: AsyncSession, name: str) -> Programme | None:
    """Create one reverse-mentoring programme when there is none yet."""
    if await count_programmes(session):
        return None
    programme = Programme(
        name=name,
        kind="reverse",
        topics=list(DEFAULT_TOPICS),
        labels={lang: dict(labels) for lang, labels in DEFAULT_LABELS.items()},
    )
    session.add(programme)
    await session.flush()
    return programme
