"""The tables. Schema changes go through Alembic migrations (storage/migrations).

Feedback answers (``FeedbackAnswer``) deliberately carry no person, pair,
message id, precise time or sequential key: see DESIGN.md §4.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


def _json(default: Any = None) -> Any:
    return Field(
        default_factory=lambda: default() if callable(default) else default,
        sa_column=Column(JSON, nullable=True),
    )


def _time(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


def _created() -> Any:
    return Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class Person(SQLModel, table=True):
    """A person known to the bot on one platform."""

    __tablename__ = "person"
    __table_args__ = (UniqueConstraint("platform", "workspace", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    workspace: str = Field(max_length=128)
    user_id: str = Field(max_length=128)
    # The id in the organisation's directory when the platform gives one (Teams: Entra object id).
    directory_id: str | None = Field(default=None, max_length=128)
    display_name: str = Field(default="", max_length=200)
    locale: str = Field(default="en", max_length=8)
    locale_chosen: bool = False  # set by /mentoring language; the platform no longer overrides it
    timezone: str = Field(default="UTC", max_length=64)
    manager_user_id: str | None = Field(default=None, max_length=128)
    reachable: bool = True  # False once the platform says the bot is blocked or removed
    created_at: datetime = _created()


class ReportingLine(SQLModel, table=True):
    """Who reports to whom, as HR exported it (``python app.py import-managers``).

    Kept apart from ``person``: a chain of managers runs through people who never
    talk to the bot. Each import replaces a workspace's lines as a whole.
    """

    __tablename__ = "reporting_line"

    platform: str = Field(primary_key=True, max_length=16)
    workspace: str = Field(primary_key=True, max_length=128)
    user_id: str = Field(primary_key=True, max_length=128)
    manager_user_id: str = Field(max_length=128)


class Programme(SQLModel, table=True):
    """A mentoring programme: its rules, cadence and matching settings."""

    __tablename__ = "programme"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80, unique=True)
    kind: str = Field(default="reverse", max_length=16)  # reverse | classic
    topics: list[str] = _json(list)
    cadence_days: int = 14
    duration_days: int = 180
    max_capacity: int = 2
    seniority_gap: int = 2
    separate_departments: bool = True
    repeat_window_days: int = 365
    auto_approve: bool = False
    match_schedule: str | None = Field(default=None, max_length=64)  # cron expression
    priority_tracks: list[str] = _json(list)
    # How topics and tracks read in each language: {"fr": {"AI": "IA"}}; a value without a
    # label is shown as written in ``topics`` / ``priority_tracks``.
    labels: dict[str, dict[str, str]] = _json(dict)
    weights: dict[str, float] = _json(dict)
    status: str = Field(default="open", max_length=16)  # open | closed
    created_at: datetime = _created()
    closed_at: datetime | None = _time()


class Enrolment(SQLModel, table=True):
    """A person's participation in a programme, with their enrolment answers."""

    __tablename__ = "enrolment"
    __table_args__ = (UniqueConstraint("person_id", "programme_id"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    role: str = Field(max_length=8)  # mentor | mentee
    topics_share: list[str] = _json(list)
    topics_learn: list[str] = _json(list)
    goals: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    seniority: int = 1
    department: str = Field(default="", max_length=80)
    languages: list[str] = _json(list)
    frequency: str = Field(default="biweekly", max_length=16)
    capacity: int = 1
    self_description: str | None = Field(default=None, max_length=200)
    self_description_consent: bool = False
    # The first programme priority track the consented self-description mentions, for the
    # statistics' split by track (k-anonymous aggregates only); None without consent.
    track: str | None = Field(default=None, max_length=80)
    status: str = Field(default="active", max_length=8)  # active | paused
    created_at: datetime = _created()
    updated_at: datetime = _created()


class Dialogue(SQLModel, table=True):
    """Where a person is in a multi-step dialogue (e.g. enrolment); survives restarts."""

    __tablename__ = "dialogue"
    __table_args__ = (UniqueConstraint("person_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    kind: str = Field(max_length=16)
    step: str = Field(max_length=32)
    data: dict[str, Any] = _json(dict)
    version: int = 1  # bumped on every step, so a stale button or form is recognised
    updated_at: datetime = _created()


class InboundEvent(SQLModel, table=True):
    """Platform event ids already handled, to ignore redeliveries."""

    __tablename__ = "inbound_event"

    platform: str = Field(primary_key=True, max_length=16)
    event_id: str = Field(primary_key=True, max_length=200)
    received_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True)
    )


class ChannelRef(SQLModel, table=True):
    """How to reach a person proactively: a Slack DM channel id, a Teams conversation reference."""

    __tablename__ = "channel_ref"
    __table_args__ = (UniqueConstraint("person_id", "purpose"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    purpose: str = Field(default="dm", max_length=16)
    channel_id: str = Field(max_length=200)
    reference: dict[str, Any] = _json(dict)  # Teams: the stored ConversationReference
    updated_at: datetime = _created()


class OutboxMessage(SQLModel, table=True):
    """A message the bot sends on its own initiative, written before it is sent."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)  # idempotency key
    platform: str = Field(max_length=16)
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    target: dict[str, Any] = _json(dict)  # a serialised UserRef or ConversationRef
    payload: dict[str, Any] = _json(dict)  # a serialised Message
    status: str = Field(default="pending", max_length=12)  # pending|sending|sent|dead|cancelled
    attempts: int = 0
    next_attempt_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_until: datetime | None = _time()
    platform_message_id: str | None = Field(default=None, max_length=200)
    last_error: str | None = Field(default=None, max_length=200)
    created_at: datetime = _created()
    sent_at: datetime | None = _time()


class MatchRound(SQLModel, table=True):
    """One matching round of a programme: a proposal, then an approval."""

    __tablename__ = "match_round"

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    status: str = Field(default="preview", max_length=12)  # preview | approved | cancelled
    seed: int = 0
    created_by: str | None = Field(default=None, max_length=128)
    summary: dict[str, Any] = _json(dict)
    created_at: datetime = _created()
    approved_at: datetime | None = _time()


class Pair(SQLModel, table=True):
    """A mentor and a mentee matched in a programme."""

    __tablename__ = "pair"

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    round_id: int | None = Field(default=None, foreign_key="match_round.id", index=True)
    # Nullable: erasing a person keeps the pair's anonymous history for the statistics.
    mentor_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    mentee_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    score: float = 0.0
    reasons: list[dict[str, Any]] = _json(list)
    status: str = Field(default="proposed", max_length=12)  # proposed|active|paused|ended|excluded
    created_at: datetime = _created()
    introduced_at: datetime | None = _time()
    ended_at: datetime | None = _time()
    end_reason: str | None = Field(default=None, max_length=32)


class PairExclusion(SQLModel, table=True):
    """A pair an admin said must never be proposed."""

    __tablename__ = "pair_exclusion"
    __table_args__ = (UniqueConstraint("programme_id", "mentor_id", "mentee_id"),)

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id")
    mentor_id: int = Field(foreign_key="person.id")
    mentee_id: int = Field(foreign_key="person.id")
    created_at: datetime = _created()


class CheckIn(SQLModel, table=True):
    """One "did you meet?" cycle of a pair."""

    __tablename__ = "checkin"
    __table_args__ = (UniqueConstraint("pair_id", "cycle"),)

    id: int | None = Field(default=None, primary_key=True)
    pair_id: int = Field(foreign_key="pair.id", index=True)
    cycle: int = 1
    due_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    status: str = Field(default="due", max_length=12)  # due|asked|answered|expired
    answer: str | None = Field(default=None, max_length=16)  # met|scheduled|not_yet|pause|problem
    answered_by: int | None = Field(default=None, foreign_key="person.id")
    answered_at: datetime | None = _time()
    next_ask_at: datetime | None = _time(index=True)
    nudges: int = 0


class FeedbackAnswer(SQLModel, table=True):
    """An anonymous feedback answer: no person, pair, message id, precise time or order."""

    __tablename__ = "feedback_answer"
    # WITHOUT ROWID: SQLite's hidden rowid would follow submission order (migration 0002_feedback).
    __table_args__ = (
        Index(
            "ix_feedback_answer_period", "period", "programme_id", "role", "usefulness", "recommend"
        ),
        {"sqlite_with_rowid": False},
    )

    # A random key, so that neither the key nor its order follows submission order.
    id: str = Field(default_factory=lambda: uuid.uuid4().hex, primary_key=True, max_length=32)
    programme_id: int | None = Field(default=None, foreign_key="programme.id", index=True)
    role: str | None = Field(default=None, max_length=8)
    track: str | None = Field(default=None, max_length=80)  # coarse, like role: a priority track
    period: str = Field(max_length=8)  # ISO week, e.g. 2026-W48
    survey: str = Field(max_length=16)  # checkin | end | adhoc
    usefulness: int | None = None
    recommend: int | None = None
    comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class FeedbackReceipt(SQLModel, table=True):
    """That a person answered a survey (never what they answered)."""

    __tablename__ = "feedback_receipt"
    __table_args__ = (UniqueConstraint("person_id", "survey_key"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    survey_key: str = Field(max_length=120)
    period: str = Field(max_length=8)  # coarse on purpose: no timestamp to line up with answers


class StatsView(SQLModel, table=True):
    """Who looked at which statistics, when."""

    __tablename__ = "stats_view"

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    viewer_user_id: str = Field(max_length=128)
    programme: str | None = Field(default=None, max_length=80)
    period: str | None = Field(default=None, max_length=32)
    slice: str | None = Field(default=None, max_length=64)
    viewed_at: datetime = _created()


class PublishedFigure(SQLModel, table=True):
    """The feedback figures last shown for one scope and period (the period rules' memory).

    Shared by ``/mentoring stats`` and the CSV export: a still-open period repeats
    these until at least *k* new answers arrived, and a calendar period is shown only
    when it stays consistent with the ones shown before. Only figures already
    published (counts, averages): no person, no comment, no time.
    """

    __tablename__ = "published_figure"

    scope: str = Field(primary_key=True, max_length=32)  # "all" or "programme:<id>"
    period: str = Field(primary_key=True, max_length=32)  # the period's label
    answers: int = 0  # the total's answers when these figures were shown
    shown: bool = False  # the total itself was shown (it counts as known to readers)
    figures: dict[str, Any] = _json(dict)
