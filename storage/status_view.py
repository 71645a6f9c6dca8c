"""What ``/mentoring status`` shows, read in one plain query.

``status`` is the command people type most after ``help``. Loading ORM objects
(enrolments, programmes, pairs, partners, the dialogue) in five queries costs
several times what the rows themselves do, so this reads only the columns shown,
in one statement built once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BindParameter,
    Integer,
    Table,
    bindparam,
    case,
    literal,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.sqlite_inline import PreparedRead
from storage.tables import Dialogue, Enrolment, Pair, Person, Programme


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


_ENROLMENT, _PROGRAMME = _table(Enrolment), _table(Programme)
_PAIR, _DIALOGUE = _table(Pair), _table(Dialogue)
_PARTNER = _table(Person).alias("partner")
_ME: BindParameter[int] = bindparam("person_id", type_=Integer)

_PARTNER_ID = case((_PAIR.c.mentor_id == _ME, _PAIR.c.mentee_id), else_=_PAIR.c.mentor_id)
_ENROLMENT_ROW, _PAIR_ROW, _DIALOGUE_ROW = 0, 1, 2

# One statement, one round trip: on SQLite, each statement costs SQLAlchemy far more
# than the rows do. Every part has the same columns (kind, order, then two texts, two
# JSON lists, a programme id, name and labels); the parts fill what they have.
_STATUS = PreparedRead(
    union_all(
        select(
            literal(_ENROLMENT_ROW).label("kind"),
            _ENROLMENT.c.id.label("position"),
            _ENROLMENT.c.role.label("text1"),
            _ENROLMENT.c.status.label("text2"),
            _ENROLMENT.c.topics_share.label("list1"),
            _ENROLMENT.c.topics_learn.label("list2"),
            _PROGRAMME.c.id.label("programme_id"),
            _PROGRAMME.c.name.label("programme"),
            _PROGRAMME.c.labels.label("labels"),
        )
        .join_from(_ENROLMENT, _PROGRAMME, _PROGRAMME.c.id == _ENROLMENT.c.programme_id)
        .where(_ENROLMENT.c.person_id == _ME),
        select(
            literal(_PAIR_ROW),
            _PAIR.c.id,
            _PAIR.c.status,
            _PARTNER.c.display_name,
            null(),
            null(),
            _PAIR.c.programme_id,
            null(),
            null(),
        )
        .select_from(_PAIR.outerjoin(_PARTNER, _PARTNER.c.id == _PARTNER_ID))
        .where(
            or_(_PAIR.c.mentor_id == _ME, _PAIR.c.mentee_id == _ME),
            # Literal values: a bound list would make SQLAlchemy rewrite the SQL on every run.
            _PAIR.c.status.in_([literal_column("'active'"), literal_column("'paused'")]),
        ),
        select(
            literal(_DIALOGUE_ROW),
            _DIALOGUE.c.id,
            *(null() for _ in range(7)),
        ).where(_DIALOGUE.c.person_id == _ME, _DIALOGUE.c.kind == "enrol"),
    ).order_by("kind", "position")
)


@dataclass(frozen=True, slots=True)
class EnrolmentLine:
    """One enrolment as the status shows it."""

    role: str
    status: str
    topics: list[str]
    programme_id: int
    programme: str
    labels: dict[str, dict[str, str]]  # the programme's topic labels, by language


@dataclass(frozen=True, slots=True)
class PairLine:
    """One current pair: its programme, status and the partner's name ('' once they left)."""

    programme_id: int
    status: str
    partner: str


@dataclass(frozen=True, slots=True)
class StatusView:
    """A person's enrolments, current pairs, and whether an enrolment is unfinished."""

    enrolments: list[EnrolmentLine]
    pairs: list[PairLine]
    enrolling: bool


async def status_view(session: AsyncSession, person_id: int) -> StatusView:
    """Read what the status shows about one person."""
    conn = await session.connection()
    enrolments: list[EnrolmentLine] = []
    pairs: list[PairLine] = []
    enrolling = False
    for kind, _, text1, text2, list1, list2, programme_id, programme, labels in await _STATUS.rows(
        conn, {"person_id": person_id}
    ):
        if kind == _ENROLMENT_ROW:
            topics = list(list1 or list2 or [])
            line = EnrolmentLine(text1, text2, topics, programme_id, programme, labels or {})
            enrolments.append(line)
        elif kind == _PAIR_ROW:
            pairs.append(PairLine(programme_id, text1, text2 or ""))
        else:
            enrolling = True
    return StatusView(enrolments, pairs, enrolling)
