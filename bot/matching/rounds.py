"""Matching rounds: enrolments become candidates, a proposal is stored, then approved.

A round is proposed (``preview``), may be changed (exclude a pair, swap two
mentees), then approved (pairs become ``active`` and are introduced through
the outbox, in the same transaction) or cancelled. People already in a running
pair of the programme are left out of a new round (mentors keep their
remaining capacity), so running a round twice never pairs anyone twice.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.capabilities import Capabilities
from bot.core.model import Platform
from bot.matching import (
    FREQUENCIES,
    Candidate,
    Reason,
    Rules,
    Weights,
    check_pair,
    propose,
    score_pair,
)
from bot.matching.introductions import introduce, tell_pair_ended, tell_unmatched
from conversations.matching import PairLine, RoundView, UnmatchedLine
from storage import outbox
from storage.pairs import (
    activate,
    add_exclusion,
    available_enrolments,
    close_open_checkins,
    drop_pair,
    drop_proposals,
    exclusions,
    finish_pair,
    hold_preview,
    managers_by_user,
    move_round,
    open_previews,
    pair_load,
    recent_partners,
    round_pairs,
)
from storage.people import people_by_ids
from storage.reporting_lines import reporting_lines
from storage.tables import Enrolment, MatchRound, Pair, Person, Programme

log = logging.getLogger(__name__)

SENIORITY_MIN, SENIORITY_MAX = 1, 6
OFFSET_MIN, OFFSET_MAX = -12 * 60, 14 * 60
SEED_LIMIT = 2**31 - 1
KINDS = ("reverse", "classic")
Role = Literal["mentor", "mentee"]


# --- From enrolments to candidates ------------------------------------------------------


def person_key(person: Person) -> str:
    """A person's identity for the matcher: platform, workspace and user id."""
    return f"{person.platform}:{person.workspace}:{person.user_id}"


def manager_key(person: Person) -> str | None:
    """The person's manager's identity, when known (same platform and workspace)."""
    if not person.manager_user_id:
        return None
    return f"{person.platform}:{person.workspace}:{person.manager_user_id}"


def utc_offset_minutes(timezone: str | None, now: datetime) -> int:
    """The time zone's offset from UTC at ``now`` (0 for an unknown zone)."""
    try:
        offset = now.astimezone(ZoneInfo(timezone or "UTC")).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        return 0
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    return min(max(minutes, OFFSET_MIN), OFFSET_MAX)


def _words(text: str) -> str:
    return " " + " ".join(re.findall(r"\w+", text.casefold())) + " "


def tracks_of(enrolment: Enrolment, priority_tracks: Sequence[str]) -> frozenset[str]:
    """The programme's priority tracks this person's self-description mentions.

    Only a self-description given with explicit consent counts; it is used for
    matching and never shown to anyone.
    """
    text = enrolment.self_description or ""
    if not (enrolment.self_description_consent and text.strip()):
        return frozenset()
    said = _words(text)
    return frozenset(t for t in priority_tracks if _words(t).strip() and _words(t) in said)


def _clean_set(values: Sequence[str] | None, *, lower: bool = False) -> frozenset[str]:
    items = (str(v).strip() for v in values or [])
    return frozenset(v.lower() if lower else v for v in items if v)


def candidate(
    enrolment: Enrolment, person: Person, programme: Programme, now: datetime, capacity: int
) -> Candidate:
    """One enrolment as the matcher sees it."""
    role: Role = "mentor" if enrolment.role == "mentor" else "mentee"
    topics = enrolment.topics_share if role == "mentor" else enrolment.topics_learn
    department = (enrolment.department or "").strip().casefold() or None
    frequency = enrolment.frequency if enrolment.frequency in FREQUENCIES else "biweekly"
    return Candidate(
        id=enrolment.id or 0,
        person_key=person_key(person),
        role=role,
        capacity=capacity,
        seniority=min(max(int(enrolment.seniority), SENIORITY_MIN), SENIORITY_MAX),
        department=department,
        topics=_clean_set(topics),
        languages=_clean_set(enrolment.languages, lower=True),
        utc_offset_minutes=utc_offset_minutes(person.timezone, now),
        frequency=frequency,
        manager_key=manager_key(person),
        tracks=tracks_of(enrolment, programme.priority_tracks or []),
    )


@dataclass(frozen=True)
class Pool:
    """The people a round may pair, as candidates, with what is needed to map back."""

    mentors: tuple[Candidate, ...]
    mentees: tuple[Candidate, ...]
    people: Mapping[int, Person]  # person id → person
    person_of: Mapping[int, int]  # enrolment id → person id
    candidate_of: Mapping[int, Candidate]  # person id → candidate
    load: Counter[int]  # person id → running pairs in the programme
    adjusted: int = 0  # capacities brought within 1..max_capacity


def max_capacity(programme: Programme) -> int:
    """The programme's bound on a mentor's mentees (at least 1)."""
    return max(1, int(programme.max_capacity or 1))


async def gather_pool(session: AsyncSession, programme: Programme, now: datetime) -> Pool:
    """Active, reachable enrolments not already taken by a running pair of the programme."""
    assert programme.id is not None
    load = await pair_load(session, programme.id)
    bound = max_capacity(programme)
    mentors: list[Candidate] = []
    mentees: list[Candidate] = []
    people: dict[int, Person] = {}
    person_of: dict[int, int] = {}
    candidate_of: dict[int, Candidate] = {}
    adjusted = 0
    for enrolment, person in await available_enrolments(session, programme.id):
        if person.id is None or enrolment.id is None:
            continue
        used = load.get(person.id, 0)
        if enrolment.role == "mentor":
            wanted = int(enrolment.capacity or 0)
            allowed = min(max(wanted, 1), bound)
            adjusted += allowed != wanted
            capacity = allowed - used
        elif enrolment.role == "mentee":
            capacity = 0 if used else 1
        else:
            continue
        if capacity <= 0:
            continue
        found = candidate(enrolment, person, programme, now, capacity)
        (mentors if found.role == "mentor" else mentees).append(found)
        people[person.id] = person
        person_of[enrolment.id] = person.id
        candidate_of[person.id] = found
    return Pool(tuple(mentors), tuple(mentees), people, person_of, candidate_of, load, adjusted)


def settings_problem(programme: Programme) -> str | None:
    """What makes the programme's matching settings unusable, if anything."""
    if programme.kind not in KINDS:
        return f"kind={programme.kind!r}"
    if programme.max_capacity is None or programme.max_capacity < 1:
        return f"max_capacity={programme.max_capacity}"
    if programme.seniority_gap is None or programme.seniority_gap < 0:
        return f"seniority_gap={programme.seniority_gap}"
    try:
        Weights.from_mapping(programme.weights or {})
    except (ValueError, TypeError, AttributeError) as exc:
        return str(exc)[:160]
    return None


async def build_rules(
    session: AsyncSession, programme: Programme, pool: Pool, now: datetime, seed: int
) -> Rules:
    """The programme's hard rules and weights for this pool, with the round's seed."""
    assert programme.id is not None
    since = now - timedelta(days=max(0, programme.repeat_window_days or 0))
    key_of = {pid: person_key(p) for pid, p in pool.people.items()}
    forbidden = {
        (key_of[m], key_of[e])
        for m, e in (
            await recent_partners(session, programme.id, since)
            | await exclusions(session, programme.id)
        )
        if m in key_of and e in key_of
    }
    platforms = {p.platform for p in pool.people.values()}
    # HR's import first (storage/reporting_lines.py), then what a platform told about
    # someone (the local chat's personas); candidates add their own edge on top.
    managers: dict[str, str] = {
        f"{platform}:{workspace}:{user}": f"{platform}:{workspace}:{boss}"
        for platform, workspace, user, boss in await reporting_lines(session, platforms)
    }
    for person in await managers_by_user(session, platforms):
        boss = manager_key(person)
        if boss:
            managers.setdefault(person_key(person), boss)
    return Rules(
        kind="classic" if programme.kind == "classic" else "reverse",
        seniority_gap=int(programme.seniority_gap or 0),
        separate_departments=bool(programme.separate_departments),
        forbidden=frozenset(forbidden),
        managers=managers,
        priority_tracks=frozenset(programme.priority_tracks or []),
        weights=Weights.from_mapping(programme.weights or {}),
        seed=seed,
        max_capacity=max_capacity(programme),
    )


def reasons_data(reasons: Sequence[Reason]) -> list[dict[str, Any]]:
    """Reasons as stored on a pair (JSON)."""
    return [{"code": r.code, "params": dict(r.params)} for r in reasons]


# --- Proposing a round --------------------------------------------------------------------


def fresh_seed() -> int:
    """A new random seed for the tie-breaker (logged with the round, to replay it)."""
    return secrets.randbelow(SEED_LIMIT)


async def start_round(
    session: AsyncSession,
    programme: Programme,
    now: datetime,
    *,
    created_by: str,
    seed: int | None = None,
) -> MatchRound:
    """Propose a new round of the programme; earlier previews of it are superseded."""
    assert programme.id is not None
    for old in await open_previews(session, programme.id):
        assert old.id is not None
        if await move_round(session, old.id, from_status="preview", to_status="cancelled"):
            await drop_proposals(session, old.id)
            old.status = "cancelled"
    chosen = fresh_seed() if seed is None else seed
    rnd = MatchRound(
        programme_id=programme.id, status="preview", seed=chosen, created_by=created_by[:128]
    )
    rnd.created_at = now
    session.add(rnd)
    await session.flush()
    await _propose_into(session, rnd, programme, now)
    return rnd


async def _propose_into(
    session: AsyncSession, rnd: MatchRound, programme: Programme, now: datetime
) -> None:
    """Run the matcher for ``rnd`` and store its proposed pairs and summary."""
    assert rnd.id is not None and programme.id is not None
    pool = await gather_pool(session, programme, now)
    summary: dict[str, Any] = {
        "mentors": len(pool.mentors),
        "mentees": len(pool.mentees),
        "adjusted": pool.adjusted,
        "max_capacity": max_capacity(programme),
        "pairs": 0,
        "total_score": 0.0,
        "method": "none",
        "unmatched": [],
        "problem": None,
        "detail": "",
    }
    problem = settings_problem(programme)
    if problem:
        summary.update(problem="settings", detail=problem)
    elif not pool.mentors and not pool.mentees:
        summary["problem"] = "no_participants"
    elif not pool.mentees:
        summary["problem"] = "no_mentees"
    elif not pool.mentors:
        summary["problem"] = "no_mentors"
    else:
        await _store_proposal(session, rnd, programme, pool, now, summary)
    if summary["problem"]:
        rnd.status = "cancelled"
    rnd.summary = summary
    session.add(rnd)
    await session.flush()
    log.info(
        "matching round %s of programme %s: seed=%s method=%s pairs=%s unmatched=%s problem=%s",
        rnd.id,
        programme.id,
        rnd.seed,
        summary["method"],
        summary["pairs"],
        len(summary["unmatched"]),
        summary["problem"],
    )


async def _store_proposal(
    session: AsyncSession,
    rnd: MatchRound,
    programme: Programme,
    pool: Pool,
    now: datetime,
    summary: dict[str, Any],
) -> None:
    rules = await build_rules(session, programme, pool, now, rnd.seed)
    try:
        proposal = propose(pool.mentors, pool.mentees, rules)
    except ValueError as exc:  # the matcher refuses inconsistent input: say so, change nothing
        summary.update(problem="settings", detail=str(exc)[:160])
        return
    for proposed in proposal.pairs:
        session.add(
            Pair(
                programme_id=programme.id or 0,
                round_id=rnd.id,
                mentor_id=pool.person_of[proposed.mentor_id],
                mentee_id=pool.person_of[proposed.mentee_id],
                score=float(proposed.score),
                reasons=reasons_data(proposed.reasons),
                status="proposed",
                created_at=now,
            )
        )
    unmatched = []
    for left in proposal.unmatched:
        person_id = pool.person_of[left.candidate_id]
        # A mentor who already has mentees is not "without a partner".
        if pool.load.get(person_id, 0) == 0:
            unmatched.append({"person_id": person_id, "role": left.role, "reason": left.reason})
    summary.update(
        pairs=len(proposal.pairs),
        total_score=round(float(proposal.total_score), 4),
        method=proposal.method,
        unmatched=unmatched,
        problem=None if proposal.pairs else "no_pairs",
    )


async def round_view(session: AsyncSession, rnd: MatchRound, programme: Programme) -> RoundView:
    """What the preview shows of a round, from the database."""
    assert rnd.id is not None
    pairs = await round_pairs(session, rnd.id)
    summary = rnd.summary or {}
    unmatched = [u for u in summary.get("unmatched", []) if isinstance(u, dict)]
    ids = [i for p in pairs for i in (p.mentor_id, p.mentee_id) if i is not None]
    ids += [int(u["person_id"]) for u in unmatched if u.get("person_id") is not None]
    people = await people_by_ids(session, ids)

    def name(person_id: int | None) -> str:
        person = people.get(person_id) if person_id is not None else None
        if person is None:
            return "—"
        return person.display_name or person.user_id

    return RoundView(
        round_id=rnd.id,
        programme=programme.name,
        status=rnd.status,
        seed=rnd.seed,
        mentors=int(summary.get("mentors", 0)),
        mentees=int(summary.get("mentees", 0)),
        total_score=float(sum(p.score for p in pairs)),
        pairs=[
            PairLine(
                p.id or 0,
                name(p.mentor_id),
                name(p.mentee_id),
                p.score,
                p.reasons or [],
                programme.labels or {},
            )
            for p in pairs
        ],
        unmatched=[
            UnmatchedLine(
                name(int(u["person_id"])), str(u.get("role", "")), str(u.get("reason", ""))
            )
            for u in unmatched
            if u.get("person_id") is not None
        ],
        problem=summary.get("problem"),
        detail=str(summary.get("detail", "")),
        adjusted=int(summary.get("adjusted", 0)),
        max_capacity=int(summary.get("max_capacity", 1)),
    )


# --- Changing a proposal -------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """The result of an exclusion or a swap: the round, or a catalog key saying why not."""

    round: MatchRound | None = None
    error: str | None = None
    # (mentor person id, mentee person id, broken rules) of each new pair tried
    violations: tuple[tuple[int, int, tuple[str, ...]], ...] = ()


async def _proposed_pair(session: AsyncSession, pair_id: int) -> tuple[Pair, MatchRound] | None:
    """A proposed pair and its round, the round held (see ``hold_preview``); None if stale."""
    pair = await session.get(Pair, pair_id)
    if pair is None or pair.status != "proposed" or pair.round_id is None:
        return None
    if not await hold_preview(session, pair.round_id):
        return None
    # Read both again under the hold: a concurrent change may have replaced the proposal.
    pair = await session.get(Pair, pair_id, populate_existing=True)
    rnd = (
        await session.get(MatchRound, pair.round_id or 0, populate_existing=True) if pair else None
    )
    if pair is None or rnd is None or pair.status != "proposed":
        return None
    return pair, rnd


async def exclude_pair(session: AsyncSession, pair_id: int, now: datetime) -> Change:
    """Never propose this pair again, and propose the round anew without it."""
    found = await _proposed_pair(session, pair_id)
    if found is None:
        return Change(error="match.error.stale")
    pair, rnd = found
    programme = await session.get(Programme, rnd.programme_id)
    if programme is None or pair.mentor_id is None or pair.mentee_id is None:
        return Change(error="match.error.stale")
    await add_exclusion(session, rnd.programme_id, pair.mentor_id, pair.mentee_id)
    assert rnd.id is not None
    await drop_proposals(session, rnd.id)
    await _propose_into(session, rnd, programme, now)
    return Change(round=rnd)


async def swap_mentees(session: AsyncSession, first: int, second: int, now: datetime) -> Change:
    """Swap the mentees of two proposed pairs of a round, if both new pairs are allowed."""
    a = await _proposed_pair(session, first)
    b = await _proposed_pair(session, second)
    if a is None or b is None:
        return Change(error="match.swap.not_proposed")
    (pair_a, rnd), (pair_b, rnd_b) = a, b
    if rnd.id != rnd_b.id or pair_a.id == pair_b.id:
        return Change(error="match.swap.same_round")
    programme = await session.get(Programme, rnd.programme_id)
    if programme is None:
        return Change(error="match.error.stale")
    pool = await gather_pool(session, programme, now)
    members = [pair_a.mentor_id, pair_a.mentee_id, pair_b.mentor_id, pair_b.mentee_id]
    if any(m is None or m not in pool.candidate_of for m in members):
        return Change(error="match.swap.unavailable")
    cands = [pool.candidate_of[m] for m in members if m is not None]
    mentor_a, mentee_a, mentor_b, mentee_b = cands
    rules = await build_rules(session, programme, pool, now, rnd.seed)
    a_mentor, a_mentee, b_mentor, b_mentee = (m or 0 for m in members)
    violations = (
        (a_mentor, b_mentee, check_pair(mentor_a, mentee_b, rules)),
        (b_mentor, a_mentee, check_pair(mentor_b, mentee_a, rules)),
    )
    if any(codes for _, _, codes in violations):
        return Change(error="match.swap.refused", violations=violations)
    for pair, mentor, mentee in ((pair_a, mentor_a, mentee_b), (pair_b, mentor_b, mentee_a)):
        score, reasons = score_pair(mentor, mentee, rules)
        pair.score = float(score)
        pair.reasons = reasons_data(reasons)
    pair_a.mentee_id, pair_b.mentee_id = pair_b.mentee_id, pair_a.mentee_id
    session.add_all([pair_a, pair_b])
    await session.flush()
    return Change(round=rnd)


async def cancel_round(session: AsyncSession, round_id: int) -> MatchRound | None:
    """Cancel a round in preview (nothing was sent); None when it is no longer in preview."""
    if not await move_round(session, round_id, from_status="preview", to_status="cancelled"):
        return None
    await drop_proposals(session, round_id)
    rnd = await session.get(MatchRound, round_id)
    if rnd is not None:
        await session.refresh(rnd)
    return rnd


# --- Approving a round ---------------------------------------------------------------------


@dataclass(frozen=True)
class Approval:
    """What an approval did: ``approved``, ``stale`` (already handled) or ``empty``."""

    outcome: str
    round: MatchRound | None = None
    programme: Programme | None = None
    pairs: tuple[Pair, ...] = ()
    introductions: int = 0
    told_unmatched: int = 0


async def approve_round(
    session: AsyncSession,
    round_id: int,
    now: datetime,
    *,
    default_locale: str,
    platforms: Mapping[Platform, Capabilities],
) -> Approval:
    """Activate a round's pairs and queue their introductions, all in this transaction.

    Only the first approval of a round wins (a second click is ``stale``). Pairs
    that no longer hold (someone paused, left, or was paired meanwhile) are
    dropped; their partners are told they are unmatched this time.
    """
    rnd = await session.get(MatchRound, round_id)
    if rnd is None or rnd.status != "preview":
        return Approval("stale", rnd)
    if not await move_round(session, round_id, from_status="preview", to_status="approved", at=now):
        return Approval("stale", rnd)
    await session.refresh(rnd)
    programme = await session.get(Programme, rnd.programme_id)
    assert programme is not None and programme.id is not None
    load = await pair_load(session, programme.id)
    enrolled = {
        p.id: e for e, p in await available_enrolments(session, programme.id) if p.id is not None
    }
    bound = max_capacity(programme)
    kept: list[Pair] = []
    orphaned: list[int] = []
    for pair in await round_pairs(session, round_id, None):
        members = [i for i in (pair.mentor_id, pair.mentee_id) if i is not None]
        if pair.status != "proposed":  # e.g. ended by an erasure before the approval
            orphaned += members
            continue
        mentor = enrolled.get(pair.mentor_id) if pair.mentor_id is not None else None
        mentee = enrolled.get(pair.mentee_id) if pair.mentee_id is not None else None
        holds = (
            mentor is not None
            and mentee is not None
            and mentor.role == "mentor"
            and mentee.role == "mentee"
            and load[pair.mentee_id or 0] == 0
            and load[pair.mentor_id or 0] < min(max(int(mentor.capacity or 0), 1), bound)
        )
        if holds:
            kept.append(pair)
            load.update(members)
        else:
            assert pair.id is not None
            await drop_pair(session, pair.id)
            orphaned += members
    if not kept:
        rnd.status = "cancelled"
        rnd.summary = {**(rnd.summary or {}), "problem": "stale"}
        await session.flush()
        return Approval("empty", rnd, programme)
    await activate(session, [p.id for p in kept if p.id is not None], now)
    for pair in kept:
        pair.status, pair.introduced_at = "active", now
    unmatched: dict[int, tuple[str, str]] = {}
    for u in (rnd.summary or {}).get("unmatched", []):
        if isinstance(u, dict) and u.get("person_id") is not None:
            unmatched[int(u["person_id"])] = (str(u.get("role", "")), str(u.get("reason", "")))
    for person_id in orphaned:
        enrolment = enrolled.get(person_id)
        if enrolment is not None:
            unmatched.setdefault(person_id, (enrolment.role, "partner_left"))
    ids = [i for p in kept for i in (p.mentor_id, p.mentee_id) if i is not None]
    people = await people_by_ids(session, ids + list(unmatched))
    introductions = 0
    for pair in kept:
        introductions += await introduce(
            session, programme, pair, people, now, default_locale, platforms
        )
    told = 0
    for person_id, (role, reason) in sorted(unmatched.items()):
        person = people.get(person_id)
        if person is None or load[person_id] or person_id not in enrolled:
            continue
        told += await tell_unmatched(
            session, programme, round_id, person, role, reason, now, default_locale
        )
    rnd.summary = {**(rnd.summary or {}), "approved_pairs": len(kept), "told_unmatched": told}
    await session.flush()
    log.info(
        "matching round %s approved: %s pairs, %s introductions, %s unmatched told",
        round_id,
        len(kept),
        introductions,
        told,
    )
    return Approval("approved", rnd, programme, tuple(kept), introductions, told)


# --- Ending a pair ------------------------------------------------------------------------


async def end_pair(
    session: AsyncSession,
    pair: Pair,
    reason: str,
    now: datetime,
    *,
    default_locale: str,
    tell: Sequence[int],
) -> bool:
    """End a running pair: close its check-ins, cancel what was not sent, tell ``tell``.

    The notice is neutral: it names the partner, never who asked or why.
    Both members go back into the pool for the next round (the repeat window
    keeps them from being paired together again).
    """
    assert pair.id is not None
    if not await finish_pair(session, pair.id, reason, now):
        return False
    await session.refresh(pair)
    await close_open_checkins(session, pair.id)
    await outbox.cancel_pending_like(
        session,
        [f"{kind}:{pair.id}:%" for kind in ("checkin", "nudge", "reask", "intro")],
        "pair ended",
    )
    programme = await session.get(Programme, pair.programme_id)
    ids = [i for i in (pair.mentor_id, pair.mentee_id) if i is not None]
    people = await people_by_ids(session, ids)
    if programme is None:
        return True
    for person_id in tell:
        person = people.get(person_id)
        if person is None:
            continue
        other = pair.mentee_id if person_id == pair.mentor_id else pair.mentor_id
        partner = people.get(other) if other is not None else None
        await tell_pair_ended(session, pair, programme, person, partner, now, default_locale)
    return True
