"""Erasing a person: everything that names or targets them goes; anonymous aggregates stay.

What ``erase_person`` does, table by table:

- their own rows (person, enrolments, dialogue state, channel references, survey
  receipts, pair exclusions, outbox rows addressed to them) are deleted;
- pairs and check-ins keep their anonymous history (the person's id becomes NULL);
- outbox rows whose target includes them (a group introduction has no ``person_id``)
  or whose message names them are cancelled if not sent yet, and their body is
  purged either way: only delivery metadata stays (status, times, attempts);
- reporting lines where they are the employee or the manager are deleted, and
  nobody's ``manager_user_id`` points to them any more;
- the statistics view log keeps the view and drops the viewer;
- matching rounds forget who started them and that they were left unmatched;
- the local chat's history loses their messages and every message naming them.

Afterwards (once committed) a SQLite database checkpoints its write-ahead log, so
the erased values do not linger in the ``-wal`` file (``storage.db``); with
``secure_delete`` on, the freed pages of the main file are zeroed as well.
Anonymous feedback answers hold no person id, so they stay untouched by construction.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import Text, cast, delete, or_, select, update
from sqlmodel import col
from sqlmodel import select as sql_select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.local_chat import LocalMessage
from storage.tables import (
    ChannelRef,
    CheckIn,
    Dialogue,
    Enrolment,
    FeedbackReceipt,
    MatchRound,
    OutboxMessage,
    Pair,
    PairExclusion,
    Person,
    ReportingLine,
    StatsView,
)
from storage.types import utcnow

LOCAL_PLATFORM = "local"  # bot.model.Platform.LOCAL (storage does not import the bot)
ERASED_VIEWER = "(erased)"  # the stats log keeps the view, not who looked
ERASED_REASON = "erased: the person left"
# Set on the session's info: once committed, SQLite checkpoints its WAL (storage.db).
CHECKPOINT_FLAG = "wal_checkpoint"
MIN_NAME = 3  # shorter display names would match unrelated words: the user id still matches
NOT_YET_SENT = ("pending", "sending")  # would still be sent: cancelled


def _needles(person: Person) -> list[str]:
    """What identifies the person in a stored text: the user id, and a long enough name."""
    needles = [person.user_id]
    if len(person.display_name.strip()) >= MIN_NAME:
        needles.append(person.display_name.strip())
    return needles


def _json_forms(needle: str) -> set[str]:
    """The needle as it may appear inside stored JSON (escaped or not)."""
    return {needle, json.dumps(needle)[1:-1], json.dumps(needle, ensure_ascii=False)[1:-1]}


def _like_any(column: Any, needles: list[str]) -> Any:
    """A cheap SQL prefilter: the JSON text contains one of the needles."""
    text = cast(column, Text)
    clauses = []
    for needle in needles:
        for form in _json_forms(needle):
            escaped = form.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            clauses.append(text.like(f"%{escaped}%", escape="\\"))
    return or_(*clauses)


def _names(value: Any, needles: list[str]) -> bool:
    """True when ``value`` (decoded JSON) mentions a needle as a whole word."""
    blob = json.dumps(value, ensure_ascii=False)
    return any(
        re.search(rf"(?<!\w){re.escape(n)}(?!\w)", blob, flags=re.IGNORECASE) for n in needles
    )


def _targets(target: Any, person: Person) -> bool:
    refs = target if isinstance(target, list) else [target]
    return any(_is_person(ref, person) for ref in refs)


def _is_person(ref: Any, person: Person) -> bool:
    return (
        isinstance(ref, dict)
        and ref.get("user_id") == person.user_id
        and ref.get("workspace") == person.workspace
        and ref.get("platform") == person.platform
    )


def _without(target: Any, person: Person) -> Any:
    """The target with the person taken out (a group keeps its other members)."""
    if isinstance(target, list):
        return [ref for ref in target if not _is_person(ref, person)]
    return {} if _is_person(target, person) else target


async def erase_person(session: AsyncSession, person: Person) -> None:
    """Delete or anonymise every row that names or targets the person (see the module doc)."""
    pid = person.id
    uid = person.user_id
    now = utcnow()
    for stmt in (
        delete(Enrolment).where(col(Enrolment.person_id) == pid),
        delete(Dialogue).where(col(Dialogue.person_id) == pid),
        delete(ChannelRef).where(col(ChannelRef.person_id) == pid),
        delete(FeedbackReceipt).where(col(FeedbackReceipt.person_id) == pid),
        delete(OutboxMessage).where(col(OutboxMessage.person_id) == pid),
        delete(PairExclusion).where(
            or_(col(PairExclusion.mentor_id) == pid, col(PairExclusion.mentee_id) == pid)
        ),
        update(CheckIn).where(col(CheckIn.answered_by) == pid).values(answered_by=None),
        update(Pair)
        .where(
            or_(col(Pair.mentor_id) == pid, col(Pair.mentee_id) == pid),
            col(Pair.status).in_(("proposed", "active", "paused")),
        )
        .values(status="ended", ended_at=now, end_reason="left"),
        update(Pair).where(col(Pair.mentor_id) == pid).values(mentor_id=None),
        update(Pair).where(col(Pair.mentee_id) == pid).values(mentee_id=None),
        delete(ReportingLine).where(
            col(ReportingLine.platform) == person.platform,
            col(ReportingLine.workspace) == person.workspace,
            or_(col(ReportingLine.user_id) == uid, col(ReportingLine.manager_user_id) == uid),
        ),
        update(Person)
        .where(
            col(Person.platform) == person.platform,
            col(Person.workspace) == person.workspace,
            col(Person.manager_user_id) == uid,
        )
        .values(manager_user_id=None),
        update(StatsView)
        .where(col(StatsView.platform) == person.platform, col(StatsView.viewer_user_id) == uid)
        .values(viewer_user_id=ERASED_VIEWER),
        update(MatchRound).where(col(MatchRound.created_by) == uid).values(created_by=None),
    ):
        await session.exec(stmt)
    await _erase_from_outbox(session, person)
    if pid is not None:
        await _erase_from_rounds(session, pid)
    await _erase_from_local_chat(session, person)
    await session.delete(person)
    await session.flush()
    session.info[CHECKPOINT_FLAG] = True


async def _erase_from_outbox(session: AsyncSession, person: Person) -> None:
    """Rows for others that target or name the person: no longer sent, bodies purged.

    A group introduction is one row addressed to both members and has no
    ``person_id``: it is cancelled (the partner is told neutrally, 1:1, by the
    ``leave`` handler). A row already sent keeps its delivery metadata only.
    """
    needles = _needles(person)
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    conn = await session.connection()
    result = await conn.execute(
        select(table.c.id, table.c.key, table.c.status, table.c.target, table.c.payload).where(
            or_(_like_any(table.c.target, [person.user_id]), _like_any(table.c.payload, needles))
        )
    )
    for row_id, key, status, target, payload in result.all():
        targeted = _targets(target, person)
        if not targeted and not _names(payload, needles):
            continue
        values: dict[str, Any] = {"payload": {}, "target": _without(target, person)}
        if person.user_id in key:  # e.g. a group message split into 1:1s: "intro:7:group>U1"
            values["key"] = f"erased:{row_id}"
        if status in NOT_YET_SENT:
            values.update(status="cancelled", claimed_until=None, last_error=ERASED_REASON)
        await conn.execute(update(table).where(table.c.id == row_id).values(**values))


async def _erase_from_rounds(session: AsyncSession, person_id: int) -> None:
    """Matching rounds' summaries list the people left unmatched: drop the person."""
    rounds = await session.exec(sql_select(MatchRound))
    for rnd in rounds.all():
        summary = dict(rnd.summary or {})
        unmatched = summary.get("unmatched") or []
        kept = [
            u for u in unmatched if not (isinstance(u, dict) and u.get("person_id") == person_id)
        ]
        if len(kept) != len(unmatched):
            summary["unmatched"] = kept
            rnd.summary = summary
            session.add(rnd)


async def _erase_from_local_chat(session: AsyncSession, person: Person) -> None:
    """The local chat keeps conversations in this database (a real platform keeps them
    itself): the persona's DM, home view and private notices go, and so does any
    message that names them (what they typed in a channel, an introduction to a partner)."""
    if person.platform != LOCAL_PLATFORM:
        return
    await session.exec(delete(LocalMessage).where(col(LocalMessage.viewer) == person.user_id))
    needles = _needles(person)
    conn = await session.connection()
    table = LocalMessage.__table__  # type: ignore[attr-defined]
    found = await conn.execute(
        select(table.c.id, table.c.payload).where(_like_any(table.c.payload, needles))
    )
    doomed = [row_id for row_id, payload in found.all() if _names(payload, needles)]
    if doomed:
        await session.exec(delete(LocalMessage).where(col(LocalMessage.id).in_(doomed)))
