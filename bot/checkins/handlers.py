"""Check-ins and nudges: the sweeps that ask pairs "did you meet?", and the answers.

Sweeps (``bot.sweeps``) run at ``now`` from the scheduler or ``python app.py tick``:

* ``checkins``: opens the check-in cycle due for each active, introduced pair
  and writes the question to both members' outboxes;
* ``checkin_nudges``: re-asks after a scheduled date, reminds silent or
  "not yet" pairs after 3 days and once more, then tells the admins;
* ``wrapups``: ends pairs whose programme time is over, with thanks and the
  end-of-programme survey;
* ``enrolment_reminders``: one reminder for an enrolment left unfinished.

Every message goes through the outbox with an idempotency key, and waits for
the recipient's working hours, so any number of instances may sweep at once.
An answer from either member counts for the pair.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

from babel.dates import parse_date

from bot.checkins.schedule import (
    ENROLMENT_REMINDER_AFTER,
    MAX_NUDGES,
    NUDGE_AFTER,
    asked_since,
    current_cycle,
    cycle_due_at,
    pair_end,
)
from bot.core.i18n import Translator, translator
from bot.core.identity import Roster
from bot.core.markup import Markup, escape
from bot.core.model import (
    Action,
    Actions,
    CloseForm,
    Form,
    FormErrors,
    FormSubmission,
    Heading,
    Intent,
    Message,
    OpenForm,
    Reply,
    Text,
)
from bot.core.replies import text_message
from bot.core.routing import ROUTES, Context
from bot.core.sweeps import sweep
from bot.outbox.notify import admins_known, send_to, tell_admins
from bot.outbox.working_hours import local_date, next_working_time, start_of_day_after
from conversations import checkin as talk
from conversations.enrolment import resume_message
from storage import outbox
from storage.checkins import (
    checkins_to_follow_up,
    create_checkin,
    expire_open_checkins,
    get_checkin,
    latest_checkin,
)
from storage.enrolments import paused_enrolments, unfinished_dialogues
from storage.pairs import introduced_pairs, mark_pair_ended, set_pair_status
from storage.people import people_by_ids
from storage.tables import CheckIn, Pair, Person, Programme

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from bot.core.engine import Engine

T = TypeVar("T")
CHUNK = 200  # pairs per transaction: short transactions keep SQLite's writer lock brief
ALL_CYCLES = 1 << 30


def _chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _t(person: Person, default_locale: str) -> Translator:
    return translator(person.locale, default_locale)


def _name(person: Person | None, t: Translator) -> str:
    if person is not None and person.display_name:
        return person.display_name
    return t("checkin.partner.unknown")


async def _tell_admins(
    session: AsyncSession,
    admins: Roster,
    default_locale: str,
    key: str,
    now: datetime,
    catalog_key: str,
    **params: object,
) -> int:
    """A private notice to every admin, each in their language."""

    def build(t: Translator) -> Message:
        return talk.admin_notice(t, catalog_key, **params)

    return await tell_admins(session, admins, key, now, default_locale, build)


def _members(pair: Pair, found: dict[int, Person]) -> list[tuple[Person, Person | None]]:
    """Each member of the pair still known, with their partner."""
    mentor = found.get(pair.mentor_id) if pair.mentor_id is not None else None
    mentee = found.get(pair.mentee_id) if pair.mentee_id is not None else None
    return [(m, p) for m, p in ((mentor, mentee), (mentee, mentor)) if m is not None]


def _latest(times: Iterable[datetime | None], fallback: datetime) -> datetime:
    known = [t for t in times if t is not None]
    return max(known) if known else fallback


def _cycle_patterns(pair_id: int, cycle: int) -> list[str]:
    """Key patterns of every question of one check-in cycle (to cancel unsent ones)."""
    return [f"{kind}:{pair_id}:{cycle}:%" for kind in ("checkin", "nudge", "reask")]


# --- Sweeps -----------------------------------------------------------------------------


@sweep("checkins")
async def send_due_checkins(engine: Engine, now: datetime) -> int:
    """Open the check-in due for each active pair and ask both members."""
    async with engine.db.session() as session:
        candidates = await introduced_pairs(session)
    due: list[tuple[Pair, Programme, int]] = []
    for pair, programme, latest in candidates:
        assert pair.introduced_at is not None
        cycle = current_cycle(
            pair.introduced_at, programme.cadence_days, programme.duration_days, now
        )
        if cycle > latest:
            due.append((pair, programme, cycle))
    opened = 0
    for chunk in _chunks(due):
        async with engine.db.session() as session:
            opened += await _open_checkins(engine, session, chunk, now)
    return opened


async def _open_checkins(
    engine: Engine,
    session: AsyncSession,
    chunk: Sequence[tuple[Pair, Programme, int]],
    now: datetime,
) -> int:
    found = await people_by_ids(
        session, [i for p, _, _ in chunk for i in (p.mentor_id, p.mentee_id)]
    )
    paused = await paused_enrolments(
        session,
        [(i, prog.id or 0) for p, prog, _ in chunk for i in (p.mentor_id, p.mentee_id)],
    )
    default = engine.settings.mentoring_default_locale
    opened = 0
    for pair, programme, cycle in chunk:
        assert pair.id is not None and pair.introduced_at is not None
        members = _members(pair, found)
        if len(members) < 2 or any((m.id, programme.id) in paused for m, _ in members):
            continue  # a paused member pauses the pair's check-ins; an erased one ended it
        due_at = cycle_due_at(pair.introduced_at, programme.cadence_days, cycle)
        # Reminders count from when the question actually reaches them (working hours).
        arrivals = [next_working_time(now, m.timezone) for m, _ in members if m.reachable]
        first_reminder = _latest(arrivals, now) + NUDGE_AFTER
        if not await create_checkin(session, pair.id, cycle, due_at, first_reminder):
            continue  # another instance opened it (and queued its messages) first
        await expire_open_checkins(session, pair.id, cycle)
        since = asked_since(pair.introduced_at, programme.cadence_days, cycle)
        value = talk.checkin_value(pair.id, cycle)
        for member, partner in members:
            t = _t(member, default)
            message = talk.checkin_message(
                t, _name(partner, t), local_date(since, member.timezone), value
            )
            await send_to(session, member, f"checkin:{pair.id}:{cycle}:{member.id}", message, now)
        opened += 1
    return opened


@sweep("checkin_nudges")
async def follow_up_checkins(engine: Engine, now: datetime) -> int:
    """Re-ask after a scheduled date; remind silent pairs twice, then tell the admins."""
    async with engine.db.session() as session:
        rows = await checkins_to_follow_up(session, now, MAX_NUDGES)
    handled = 0
    for chunk in _chunks(rows):
        async with engine.db.session() as session:
            found = await people_by_ids(
                session, [i for _, p, _ in chunk for i in (p.mentor_id, p.mentee_id)]
            )
            paused = await paused_enrolments(
                session,
                [(i, p.programme_id) for _, p, _ in chunk for i in (p.mentor_id, p.mentee_id)],
            )
            for stale_checkin, pair, programme in chunk:
                checkin = await get_checkin(session, pair.id or 0, stale_checkin.cycle, lock=True)
                if checkin is None or checkin.status not in ("due", "asked"):
                    continue
                if checkin.next_ask_at is None or checkin.next_ask_at > now:
                    continue  # answered meanwhile
                await _follow_up(engine, session, checkin, pair, programme, found, paused, now)
                handled += 1
    return handled


async def _follow_up(
    engine: Engine,
    session: AsyncSession,
    checkin: CheckIn,
    pair: Pair,
    programme: Programme,
    found: dict[int, Person],
    paused: set[tuple[int, int]],
    now: datetime,
) -> None:
    assert pair.id is not None and pair.introduced_at is not None
    default = engine.settings.mentoring_default_locale
    # Someone who paused their enrolment mid-cycle is not reminded.
    members = [(m, p) for m, p in _members(pair, found) if (m.id, pair.programme_id) not in paused]
    since = asked_since(pair.introduced_at, programme.cadence_days, checkin.cycle)
    value = talk.checkin_value(pair.id, checkin.cycle)
    sent_at: list[datetime | None] = []
    if checkin.answer == "scheduled" and checkin.next_ask_at is not None:
        answerer = found.get(checkin.answered_by) if checkin.answered_by else None
        planned = local_date(
            checkin.next_ask_at - timedelta(hours=12), answerer.timezone if answerer else "UTC"
        )
        for member, partner in members:
            t = _t(member, default)
            message = talk.reask_message(t, _name(partner, t), planned, value)
            key = f"reask:{pair.id}:{checkin.cycle}:{planned.isoformat()}:{member.id}"
            sent_at.append(await send_to(session, member, key, message, now))
        checkin.answer = None
        checkin.next_ask_at = _latest(sent_at, now) + NUDGE_AFTER
    elif checkin.nudges < MAX_NUDGES:
        n = checkin.nudges + 1
        for member, partner in members:
            t = _t(member, default)
            message = talk.nudge_message(
                t,
                _name(partner, t),
                local_date(since, member.timezone),
                value,
                after_not_yet=checkin.answer == "not_yet",
            )
            key = f"nudge:{pair.id}:{checkin.cycle}:{n}:{member.id}"
            sent_at.append(await send_to(session, member, key, message, now))
        checkin.nudges = n
        checkin.next_ask_at = _latest(sent_at, now) + NUDGE_AFTER
    else:
        mentor = found.get(pair.mentor_id) if pair.mentor_id else None
        mentee = found.get(pair.mentee_id) if pair.mentee_id else None
        for admin in await admins_known(session, engine.admins):
            t = _t(admin, default)
            notice = talk.admin_notice(
                t,
                "checkin.admin.silent",
                mentor=_name(mentor, t),
                mentee=_name(mentee, t),
                programme=programme.name,
                date=t.date(local_date(checkin.due_at, admin.timezone), "long"),
            )
            key = f"nudge:{pair.id}:{checkin.cycle}:admins:{admin.id}"
            await send_to(session, admin, key, notice, now)
        checkin.nudges = MAX_NUDGES + 1
        checkin.next_ask_at = None


@sweep("wrapups")
async def wrap_up_pairs(engine: Engine, now: datetime) -> int:
    """End the pairs whose programme time is over: thanks, and the end-of-programme survey."""
    async with engine.db.session() as session:
        candidates = await introduced_pairs(session, ("active", "paused"))
    ending = []
    for pair, programme, _ in candidates:
        assert pair.introduced_at is not None
        if pair_end(pair.introduced_at, programme.duration_days) <= now:
            ending.append((pair, programme))
    ended = 0
    default = engine.settings.mentoring_default_locale
    for chunk in _chunks(ending):
        async with engine.db.session() as session:
            found = await people_by_ids(
                session, [i for p, _ in chunk for i in (p.mentor_id, p.mentee_id)]
            )
            for pair, programme in chunk:
                assert pair.id is not None
                if not await mark_pair_ended(session, pair.id, "completed", now):
                    continue
                await expire_open_checkins(session, pair.id, ALL_CYCLES)
                for member, partner in _members(pair, found):
                    t = _t(member, default)
                    message = talk.wrapup_message(t, _name(partner, t), programme.name, pair.id)
                    await send_to(session, member, f"wrapup:{pair.id}:{member.id}", message, now)
                ended += 1
    return ended


@sweep("enrolment_reminders")
async def remind_unfinished_enrolments(engine: Engine, now: datetime) -> int:
    """One reminder to people who started enrolling and stopped."""
    default = engine.settings.mentoring_default_locale
    async with engine.db.session() as session:
        rows = await unfinished_dialogues(session, "enrol", now - ENROLMENT_REMINDER_AFTER)
        rows = [(d, p) for d, p in rows if not d.data.get("editing") and p.reachable]
        keys = {d.id: f"enrol-reminder:{d.id}" for d, _ in rows}
        done = await outbox.existing_keys(session, list(keys.values()))
        reminded = 0
        for d, person in rows:
            if keys[d.id] in done:
                continue
            t = _t(person, default)
            resume = resume_message(t, f"{d.id}:{d.version}")
            buttons = tuple(e for e in resume.elements if isinstance(e, Actions))
            text = t("checkin.enrol_reminder")
            message = Message((Text(text), *buttons), text=text)
            reminded += bool(await send_to(session, person, keys[d.id], message, now))
    return reminded


# --- Answers ------------------------------------------------------------------------------


def _reply(text: str, *, replace: bool = True) -> list[Intent]:
    return [Reply(text_message(text), replace=replace)]


def _value(ctx: Context) -> str:
    event = ctx.event
    if isinstance(event, Action):
        return event.value
    if isinstance(event, FormSubmission):
        return event.state
    return ""


async def _pair_of_actor(ctx: Context, pair_id: int) -> Pair | None:
    pair = await ctx.session.get(Pair, pair_id)
    if pair is None or ctx.person_id not in (pair.mentor_id, pair.mentee_id):
        return None
    return pair


async def _partner(ctx: Context, pair: Pair) -> Person | None:
    other = pair.mentee_id if pair.mentor_id == ctx.person_id else pair.mentor_id
    return await ctx.session.get(Person, other) if other is not None else None


@dataclass(frozen=True)
class OpenCheckIn:
    """A check-in that a click or form may still answer, with its pair and the partner."""

    pair: Pair
    pair_id: int
    checkin: CheckIn
    partner: Person | None


async def _open_checkin(ctx: Context) -> OpenCheckIn | list[Intent]:
    """The check-in a click or form answers, if it can still be answered; else the reply."""
    t = ctx.t
    parsed = talk.parse_value(_value(ctx))
    if parsed is None:
        return _reply(t("error.stale"))
    pair = await _pair_of_actor(ctx, parsed[0])
    if pair is None:
        return _reply(t("checkin.not_member"), replace=False)
    partner = await _partner(ctx, pair)
    if pair.status == "paused":
        return [Reply(talk.text_with_button(t("checkin.paused"), talk.resume_button(t, parsed[0])))]
    if pair.status != "active":
        return _reply(t("checkin.pair_inactive"))
    checkin = await get_checkin(ctx.session, parsed[0], parsed[1], lock=True)
    latest = await latest_checkin(ctx.session, parsed[0])
    if checkin is None or latest is None:
        return _reply(t("error.stale"))
    if latest.cycle > checkin.cycle:
        return await _newer_checkin(ctx, pair, latest, partner)
    if checkin.status == "answered":
        return _already_answered(ctx, checkin, partner)
    if checkin.status not in ("due", "asked"):
        return _reply(t("checkin.stale.closed"))
    assert pair.id is not None
    return OpenCheckIn(pair, pair.id, checkin, partner)


def _on_open_checkin(
    handler: Callable[[Context, OpenCheckIn], Awaitable[list[Intent]]],
) -> Callable[[Context], Awaitable[list[Intent]]]:
    """Run ``handler`` only on a check-in that can still be answered; else say why not."""

    @functools.wraps(handler)
    async def run(ctx: Context) -> list[Intent]:
        found = await _open_checkin(ctx)
        if isinstance(found, list):
            return found
        return await handler(ctx, found)

    return run


async def _newer_checkin(
    ctx: Context, pair: Pair, latest: CheckIn, partner: Person | None
) -> list[Intent]:
    """An older check-in's button: say so, and show the current question if it is open."""
    t = ctx.t
    programme = await ctx.session.get(Programme, pair.programme_id)
    if latest.status not in ("due", "asked") or programme is None:
        return _reply(t("checkin.stale.newer"))
    assert pair.id is not None and pair.introduced_at is not None
    since = asked_since(pair.introduced_at, programme.cadence_days, latest.cycle)
    question = talk.checkin_message(
        t,
        _name(partner, t),
        local_date(since, ctx.person.timezone),
        talk.checkin_value(pair.id, latest.cycle),
    )
    lead = t("checkin.stale.newer")
    return [Reply(Message((Text(lead), *question.elements), text=lead), replace=True)]


def _already_answered(ctx: Context, checkin: CheckIn, partner: Person | None) -> list[Intent]:
    t = ctx.t
    if checkin.answer not in ("met", "pause"):
        return _reply(t("checkin.stale.closed"))  # a problem report stays private
    answer = t(f"checkin.answer.{checkin.answer}")
    if checkin.answered_by == ctx.person_id:
        return _reply(t("checkin.already.by_you", answer=answer))
    return _reply(t("checkin.already.by_partner", partner=_name(partner, t), answer=answer))


def _answer(ctx: Context, checkin: CheckIn, answer: str) -> None:
    checkin.answer = answer
    checkin.answered_by = ctx.person_id
    checkin.answered_at = ctx.now


async def _close(ctx: Context, open_: OpenCheckIn, answer: str, reason: str) -> None:
    """Record the answer and close the check-in for both; drop its reminders still waiting."""
    checkin = open_.checkin
    _answer(ctx, checkin, answer)
    checkin.status = "answered"
    checkin.next_ask_at = None
    await outbox.cancel_pending_like(
        ctx.session, _cycle_patterns(open_.pair_id, checkin.cycle), reason
    )


@ROUTES.action("checkin.met")
@_on_open_checkin
async def answered_met(ctx: Context, open_: OpenCheckIn) -> list[Intent]:
    """We met: close the check-in for both, and offer the anonymous survey to both."""
    pair_id, cycle, partner = open_.pair_id, open_.checkin.cycle, open_.partner
    await _close(ctx, open_, "met", "answered")
    if partner is not None:
        pt = _t(partner, ctx.settings.mentoring_default_locale)
        message = talk.partner_met_message(pt, _name(ctx.person, pt), pair_id, cycle)
        key = f"checkin-met:{pair_id}:{cycle}:{partner.id}"
        await send_to(ctx.session, partner, key, message, ctx.now)
    return [Reply(talk.met_reply(ctx.t, pair_id, cycle), replace=True)]


@ROUTES.action("checkin.scheduled")
@_on_open_checkin
async def answered_scheduled(ctx: Context, _open: OpenCheckIn) -> list[Intent]:
    """It's scheduled: ask for the date in a small form."""
    return [OpenForm(_scheduled_form(ctx, _value(ctx)))]


def _scheduled_form(ctx: Context, state: str, initial: str | None = None) -> Form:
    example = (local_date(ctx.now, ctx.person.timezone) + timedelta(days=7)).isoformat()
    return talk.scheduled_form(ctx.t, state, example, initial)


_ISO = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")


def parse_meeting_date(text: str, lang: str) -> date | None:
    """A date typed as ``2026-12-03`` or in the language's short format (``03/12/2026``)."""
    text = text.strip()
    if not text:
        return None
    try:
        if _ISO.match(text):
            return date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))
        return parse_date(text, locale=lang)
    except (ValueError, IndexError):
        return None


@ROUTES.form(talk.SCHEDULED_FORM)
async def submitted_scheduled(ctx: Context) -> list[Intent]:
    """The date of the planned meeting: ask again the day after it."""
    event = ctx.event
    assert isinstance(event, FormSubmission)
    found = await _open_checkin(ctx)
    if isinstance(found, list):
        return [CloseForm(), *found]
    checkin = found.checkin
    raw = event.values.get("date", "")
    raw = raw if isinstance(raw, str) else ""
    today = local_date(ctx.now, ctx.person.timezone)
    planned = parse_meeting_date(raw, ctx.t.lang)
    error = None
    if planned is None:
        example = (today + timedelta(days=7)).isoformat()
        error = ctx.t("checkin.scheduled.error.format", example=example)
    elif planned < today:
        error = ctx.t("checkin.scheduled.error.past")
    elif planned > today + timedelta(days=talk.SCHEDULED_MAX_DAYS):
        error = ctx.t("checkin.scheduled.error.far", days=ctx.t.number(talk.SCHEDULED_MAX_DAYS))
    if error is not None or planned is None:
        errors = {"date": error or ""}
        return [FormErrors(_scheduled_form(ctx, event.state, raw[:20]), errors)]
    _answer(ctx, checkin, "scheduled")
    checkin.next_ask_at = start_of_day_after(planned, ctx.person.timezone)
    await outbox.cancel_pending_like(
        ctx.session, _cycle_patterns(found.pair_id, checkin.cycle), "scheduled"
    )
    done = ctx.t("checkin.scheduled.done", date=ctx.t.date(planned, "long"))
    return [CloseForm(), Reply(text_message(done))]


@ROUTES.action("checkin.not_yet")
@_on_open_checkin
async def answered_not_yet(ctx: Context, open_: OpenCheckIn) -> list[Intent]:
    """Not yet: remind the pair in 3 days."""
    checkin = open_.checkin
    _answer(ctx, checkin, "not_yet")
    checkin.next_ask_at = ctx.now + NUDGE_AFTER
    await outbox.cancel_pending_like(
        ctx.session, _cycle_patterns(open_.pair_id, checkin.cycle), "not yet"
    )
    return _reply(ctx.t("checkin.not_yet.done"))


@ROUTES.action("checkin.pause")
@_on_open_checkin
async def answered_pause(ctx: Context, open_: OpenCheckIn) -> list[Intent]:
    """Pause the pair: no more check-ins until one of them resumes it."""
    pair_id, cycle, partner = open_.pair_id, open_.checkin.cycle, open_.partner
    await set_pair_status(ctx.session, pair_id, "paused", ("active",))
    await _close(ctx, open_, "pause", "paused")
    if partner is not None:
        pt = _t(partner, ctx.settings.mentoring_default_locale)
        message = talk.text_with_button(
            pt("checkin.pause.partner", partner=_name(ctx.person, pt)),
            talk.resume_button(pt, pair_id),
        )
        key = f"pair-paused:{pair_id}:{cycle}:{partner.id}"
        await send_to(ctx.session, partner, key, message, ctx.now)
    text = ctx.t("checkin.pause.done")
    return [Reply(talk.text_with_button(text, talk.resume_button(ctx.t, pair_id)), replace=True)]


@ROUTES.action("checkin.resume")
async def resume_pair(ctx: Context) -> list[Intent]:
    """Resume a paused pair; the next check-in comes on the usual schedule."""
    value = _value(ctx)
    pair = await _pair_of_actor(ctx, int(value)) if value.isdigit() else None
    if pair is None or pair.id is None:
        return _reply(ctx.t("checkin.not_member"), replace=False)
    if pair.status != "paused":
        key = "checkin.resume.not_paused" if pair.status == "active" else "checkin.pair_inactive"
        return _reply(ctx.t(key))
    await set_pair_status(ctx.session, pair.id, "active", ("paused",))
    return _reply(ctx.t("checkin.resume.done"))


@ROUTES.action("checkin.problem")
@_on_open_checkin
async def answered_problem(ctx: Context, open_: OpenCheckIn) -> list[Intent]:
    """Something is wrong: privately to the admins; the person is offered a new partner."""
    pair_id, cycle, partner = open_.pair_id, open_.checkin.cycle, open_.partner
    await _close(ctx, open_, "problem", "problem reported")
    programme = await ctx.session.get(Programme, open_.pair.programme_id)
    await _tell_admins(
        ctx.session,
        ctx.admins,
        ctx.settings.mentoring_default_locale,
        f"problem:{pair_id}:{cycle}",
        ctx.now,
        "checkin.admin.problem",
        person=_name(ctx.person, ctx.t),
        partner=_name(partner, ctx.t),
        programme=programme.name if programme else "—",
    )
    value = talk.checkin_value(pair_id, cycle)
    return [Reply(talk.problem_reply(ctx.t, _name(partner, ctx.t), value), replace=True)]


@ROUTES.action("checkin.rematch")
async def asked_for_rematch(ctx: Context) -> list[Intent]:
    """End the pair so that the person is matched again in the next round."""
    from bot.matching.handlers import end_for_rematch  # one way to end a pair for a rematch

    parsed = talk.parse_value(_value(ctx))
    pair = await _pair_of_actor(ctx, parsed[0]) if parsed else None
    if pair is None or pair.id is None:
        return _reply(ctx.t("checkin.not_member"), replace=False)
    if not await end_for_rematch(ctx, pair):
        return _reply(ctx.t("checkin.pair_inactive"))
    return _reply(ctx.t("checkin.rematch.done"))


# --- Admin view of the outbox ------------------------------------------------------------


@ROUTES.command("admin outbox", admin=True)
async def outbox_status(ctx: Context) -> list[Intent]:
    """How many messages wait, were sent or failed; the latest dead letters."""
    t = ctx.t
    counts = await outbox.status_counts(ctx.session)
    lines = [
        t("outbox.admin.counts", **{s: t.number(counts.get(s, 0)) for s in outbox.STATUSES}),
    ]
    dead = await outbox.dead_letters(ctx.session, 10)
    if dead:
        lines.append(t("outbox.admin.dead"))
        lines += [
            Markup(f"• `{escape(row.key)}` — {escape(row.last_error or '—')}") for row in dead
        ]
    else:
        lines.append(t("outbox.admin.no_dead"))
    text = Markup("\n").join(lines)
    return [Reply(Message((Heading(t("outbox.admin.title")), Text(text)), text=text))]
