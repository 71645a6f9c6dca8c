"""People remembered between read-only commands, so ``help`` needs no query at all.

Every event starts by looking up who sent it. On the read-only path (``help``,
``status``...) that lookup is most of the work, and the answer rarely changes.
``KnownPeople`` keeps the people read there, and forgets them all as soon as a
transaction of this process that changed any person commits: ``watch_people``
marks such sessions (a person added, modified or deleted through the ORM, or an
``INSERT``, ``UPDATE`` or ``DELETE`` on the person table) and ``Database.session`` bumps the
generation when they commit.

Only for SQLite, where one process owns the database; entries also expire after
``ttl`` seconds, which bounds what a command-line run (``tick``) in another
process could leave stale.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from cachetools import TTLCache
from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from storage.tables import Person

PEOPLE_CHANGED = "people_changed"  # a flag in ``Session.info``

Identity = tuple[str, str, str]  # platform, workspace, user id


class KnownPeople:
    """A bounded, time-limited map from platform identity to a detached ``Person``,
    each entry valid for the generation it was read at."""

    def __init__(
        self,
        generation: Callable[[], int],
        *,
        ttl: float = 30.0,
        size: int = 20_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._generation = generation
        self._people: TTLCache[Identity, tuple[int, Person]] = TTLCache(size, ttl, timer=clock)

    def get(self, identity: Identity) -> Person | None:
        """The remembered person, unless a change committed since or the entry is too old."""
        entry = self._people.get(identity)
        if entry is None:
            return None
        if entry[0] != self._generation():
            del self._people[identity]
            return None
        return entry[1]

    def generation(self) -> int:
        """The current generation: take it *before* reading a person to remember."""
        return self._generation()

    def remember(self, identity: Identity, person: Person, generation: int) -> None:
        """Keep a person read at ``generation`` (already stale if a change committed since)."""
        if generation == self._generation():
            self._people[identity] = (generation, person)

    def forget(self, identity: Identity) -> None:
        """Drop one person (a handler touched the remembered object)."""
        self._people.pop(identity, None)


def _mark_people_flushed(session: Session, _ctx: UOWTransaction, _instances: Any) -> None:
    if any(isinstance(o, Person) for o in (*session.new, *session.deleted)) or any(
        isinstance(o, Person) and session.is_modified(o) for o in session.dirty
    ):
        session.info[PEOPLE_CHANGED] = True


def _mark_people_statement(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) == Person.__tablename__:
            state.session.info[PEOPLE_CHANGED] = True


def watch_people() -> None:
    """Mark every session that changes a person (idempotent)."""
    for name, listener in (
        ("before_flush", _mark_people_flushed),
        ("do_orm_execute", _mark_people_statement),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


def untouched(person: Person) -> bool:
    """True while nobody has set an attribute of this (remembered) person."""
    return not inspect(person).modified
