"""Matching: ``admin match`` (preview, exclude, swap, approve), ``admin pairs``,
``admin pair end``, ``rematch``, the scheduled rounds and ``python app.py match``.

Nothing reaches a participant before an admin approves a round, unless the
programme approves its rounds automatically. Approval, introductions and
unmatched notices are written in one transaction (introductions through the
outbox), so a round is never half sent.
"""

from __future__ import annotations

import argparse
import csv
import io
import logging
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, TextIO

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.cli import CliCommand, Platforms, cli_command
from bot.core.csv_cells import safe_writer
from bot.core.i18n import Translator, translator
from bot.core.markup import Markup, unescape
from bot.core.model import Action, Actions, Button, Intent, Message, Reply, Text
from bot.core.replies import text_message
from bot.core.routing import ROUTES, Context
from bot.core.settings import CoreSettings
from bot.core.sweeps import sweep
from bot.matching.introductions import display_name, notice
from bot.matching.rounds import (
    Approval,
    approve_round,
    cancel_round,
    end_pair,
    exclude_pair,
    round_view,
    start_round,
    swap_mentees,
)
from bot.matching.schedule import ScheduleError, round_due
from bot.outbox.notify import tell_admins
from conversations.matching import (
    PairLine,
    RoundView,
    admin_notice,
    approved_message,
    count,
    explain,
    pair_line,
    pairs_list_message,
    preview_message,
    problem_text,
    rematch_question,
    unmatched_reason,
)
from storage.db import Database
from storage.enrolments import pairs_of
from storage.pairs import (
    OCCUPYING,
    latest_round,
    lock_programme,
    round_pairs,
    running_pairs,
    scheduled_programmes,
)
from storage.people import people_by_ids
from storage.programmes import all_programmes, find_programme
from storage.tables import MatchRound, Pair, Programme
from storage.types import utcnow

if TYPE_CHECKING:
    from bot.core.engine import Engine

log = logging.getLogger(__name__)

PREVIEW_FLAGS = {"preview", "apercu", "aperçu"}


def _number(word: str) -> int | None:
    """``12`` or ``#12`` as a number."""
    word = word.strip().lstrip("#")
    return int(word) if word.isdigit() and len(word) < 12 else None


def _value_id(event: Action, prefix: str) -> int | None:
    """The id in a button value like ``round:7``."""
    head, _, tail = event.value.partition(":")
    return _number(tail) if head == prefix else None


def _reply(text: str, *, replace: bool = False) -> list[Intent]:
    return [Reply(text_message(text), replace=replace)]


async def _which_programme(ctx: Context, words: Sequence[str]) -> Programme | list[Intent]:
    """The programme named by ``words``, or the only one; else a question listing them."""
    programmes = await all_programmes(ctx.session)
    names = ", ".join(f"#{p.id} {p.name}" for p in programmes) or "—"
    if words:
        found = await find_programme(ctx.session, " ".join(words))
        if found is None:
            return _reply(
                ctx.t("match.error.unknown_programme", name=" ".join(words)[:80], names=names)
            )
        return found
    open_ones = [p for p in programmes if p.status == "open"]
    if len(programmes) == 1:
        return programmes[0]
    if len(open_ones) == 1:
        return open_ones[0]
    if not programmes:
        return _reply(ctx.t("match.error.no_programmes"))
    return _reply(ctx.t("match.error.which", names=names))


async def _preview(ctx: Context, rnd: MatchRound, programme: Programme) -> Message:
    view = await round_view(ctx.session, rnd, programme)
    return preview_message(ctx.t, view)


def _approval_reply(ctx: Context, approval: Approval, *, replace: bool) -> list[Intent]:
    t = ctx.t
    if approval.outcome == "stale":
        return _reply(t("match.error.stale_round"))
    if approval.outcome == "empty" or approval.programme is None or approval.round is None:
        return _reply(t("match.approve.empty"), replace=replace)
    message = approved_message(
        t,
        approval.programme.name,
        approval.round.id or 0,
        len(approval.pairs),
        approval.told_unmatched,
    )
    return [Reply(message, replace=replace)]


# --- admin match ----------------------------------------------------------------------


@ROUTES.command("admin match", admin=True)
async def admin_match(ctx: Context) -> list[Intent]:
    """Propose pairs for a programme; approve at once only when the programme says so."""
    flags = {a.lstrip("-—–").lower() for a in ctx.args if a[:1] in "-—–"}
    words = [a for a in ctx.args if a[:1] not in "-—–"]
    unknown = flags - PREVIEW_FLAGS
    if unknown:
        return _reply(ctx.t("match.error.flags", flags=", ".join(sorted(unknown))[:80]))
    found = await _which_programme(ctx, words)
    if not isinstance(found, Programme):
        return found
    rnd = await start_round(ctx.session, found, ctx.now, created_by=ctx.person.user_id)
    if rnd.status == "preview" and found.auto_approve and not flags:
        approval = await approve_round(
            ctx.session,
            rnd.id or 0,
            ctx.now,
            default_locale=ctx.settings.mentoring_default_locale,
            platforms=ctx.capabilities,
        )
        return _approval_reply(ctx, approval, replace=False)
    return [Reply(await _preview(ctx, rnd, found))]


@ROUTES.command("admin match swap", admin=True)
async def admin_swap(ctx: Context) -> list[Intent]:
    """Swap the mentees of two proposed pairs, when both new pairs keep every rule."""
    ids = [_number(a) for a in ctx.args]
    if len(ids) != 2 or None in ids:
        return _reply(ctx.t("match.swap.usage"))
    first, second = (i or 0 for i in ids)
    change = await swap_mentees(ctx.session, first, second, ctx.now)
    if change.error == "match.swap.refused":
        people = await people_by_ids(
            ctx.session, [i for mentor, mentee, _ in change.violations for i in (mentor, mentee)]
        )
        lines = [
            ctx.t(
                "match.swap.broken",
                mentor=display_name(people.get(mentor), ctx.t),
                mentee=display_name(people.get(mentee), ctx.t),
                rules=Markup(", ").join(ctx.t(f"match.violation.{code}") for code in codes),
            )
            for mentor, mentee, codes in change.violations
            if codes
        ]
        return _reply(ctx.t("match.swap.refused") + "\n" + "\n".join(lines))
    if change.error or change.round is None:
        return _reply(ctx.t(change.error or "match.error.stale"))
    programme = await ctx.session.get(Programme, change.round.programme_id)
    assert programme is not None
    done = Text(ctx.t("match.swap.done", first=first, second=second))
    preview = await _preview(ctx, change.round, programme)
    return [Reply(Message((done, *preview.elements), text=preview.text))]


def _admin_only(ctx: Context) -> list[Intent] | None:
    return None if ctx.is_admin else _reply(ctx.t("error.admin_only"))


@ROUTES.action("match.approve")
async def approve_clicked(ctx: Context) -> list[Intent]:
    """Approve: pairs become active and are introduced; the unmatched are told."""
    assert isinstance(ctx.event, Action)
    if (refused := _admin_only(ctx)) is not None:
        return refused
    round_id = _value_id(ctx.event, "round")
    if round_id is None:
        return _reply(ctx.t("match.error.stale_round"))
    approval = await approve_round(
        ctx.session,
        round_id,
        ctx.now,
        default_locale=ctx.settings.mentoring_default_locale,
        platforms=ctx.capabilities,
    )
    return _approval_reply(ctx, approval, replace=True)


@ROUTES.action("match.cancel")
async def cancel_clicked(ctx: Context) -> list[Intent]:
    """Cancel a round in preview: nothing was sent, nothing will be."""
    assert isinstance(ctx.event, Action)
    if (refused := _admin_only(ctx)) is not None:
        return refused
    round_id = _value_id(ctx.event, "round")
    rnd = await cancel_round(ctx.session, round_id) if round_id is not None else None
    if rnd is None:
        return _reply(ctx.t("match.error.stale_round"))
    return _reply(ctx.t("match.cancelled", round=round_id), replace=True)


@ROUTES.action("match.exclude")
async def exclude_clicked(ctx: Context) -> list[Intent]:
    """Never propose this pair again; the round is proposed anew without it."""
    assert isinstance(ctx.event, Action)
    if (refused := _admin_only(ctx)) is not None:
        return refused
    pair_id = _value_id(ctx.event, "pair")
    change = await exclude_pair(ctx.session, pair_id, ctx.now) if pair_id is not None else None
    if change is None or change.round is None:
        return _reply(ctx.t("match.error.stale"))
    programme = await ctx.session.get(Programme, change.round.programme_id)
    assert programme is not None
    done = Text(ctx.t("match.excluded", id=pair_id or 0))
    preview = await _preview(ctx, change.round, programme)
    return [Reply(Message((done, *preview.elements), text=preview.text), replace=True)]


@ROUTES.action("match.run")
async def run_clicked(ctx: Context) -> list[Intent]:
    """ "Propose pairs now" after a pair ended: a preview, never sent before approval."""
    assert isinstance(ctx.event, Action)
    if (refused := _admin_only(ctx)) is not None:
        return refused
    programme_id = _value_id(ctx.event, "programme")
    programme = await ctx.session.get(Programme, programme_id) if programme_id else None
    if programme is None:
        return _reply(ctx.t("match.error.stale"))
    rnd = await start_round(ctx.session, programme, ctx.now, created_by=ctx.person.user_id)
    return [Reply(await _preview(ctx, rnd, programme))]


# --- admin pairs, admin pair end ------------------------------------------------------------


@ROUTES.command("admin pairs", admin=True)
async def admin_pairs(ctx: Context) -> list[Intent]:
    """Running pairs of one programme (or of all), with since when."""
    t = ctx.t
    programme: Programme | None = None
    if ctx.args:
        found = await _which_programme(ctx, ctx.args)
        if not isinstance(found, Programme):
            return found
        programme = found
    rows = await running_pairs(ctx.session, programme.id if programme else None)
    ids = [i for pair, _ in rows for i in (pair.mentor_id, pair.mentee_id) if i is not None]
    people = await people_by_ids(ctx.session, ids)
    lines: list[tuple[str, str]] = []
    for pair, prog in rows:
        mentor = people.get(pair.mentor_id) if pair.mentor_id is not None else None
        mentee = people.get(pair.mentee_id) if pair.mentee_id is not None else None
        since = t.date(pair.introduced_at.date()) if pair.introduced_at else "—"
        lines.append(
            (
                prog.name,
                t(
                    "match.pairs.line",
                    id=pair.id,
                    mentor=display_name(mentor, t),
                    mentee=display_name(mentee, t),
                    since=since,
                    status=t(f"match.pair_status.{pair.status}"),
                ),
            )
        )
    title = t("match.pairs.title", programme=programme.name if programme else t("match.pairs.all"))
    return [Reply(pairs_list_message(t, title, lines, len(lines)))]


@ROUTES.command("admin pair end", admin=True)
async def admin_end_pair(ctx: Context) -> list[Intent]:
    """End a pair early; both members are told neutrally and go back into the pool."""
    pair_id = _number(ctx.args[0]) if len(ctx.args) == 1 else None
    if pair_id is None:
        return _reply(ctx.t("match.pair.usage"))
    pair = await ctx.session.get(Pair, pair_id)
    if pair is None or pair.status not in OCCUPYING:
        return _reply(ctx.t("match.pair.not_running", id=pair_id))
    members = [i for i in (pair.mentor_id, pair.mentee_id) if i is not None]
    ended = await end_pair(
        ctx.session,
        pair,
        "admin",
        ctx.now,
        default_locale=ctx.settings.mentoring_default_locale,
        tell=members,
    )
    if not ended:
        return _reply(ctx.t("match.pair.not_running", id=pair_id))
    text = ctx.t("match.pair.ended", id=pair_id)
    button = Button(ctx.t("match.button.run"), "match.run", f"programme:{pair.programme_id}")
    return [Reply(Message((Text(text), Actions((button,))), text=text))]


# --- rematch --------------------------------------------------------------------------------


@ROUTES.command("rematch")
async def rematch(ctx: Context) -> list[Intent]:
    """Ask, privately, for a new partner: a confirmation first."""
    pairs = await pairs_of(ctx.session, ctx.person_id, OCCUPYING)
    if not pairs:
        return _reply(ctx.t("match.rematch.none"))
    others = [p.mentee_id if p.mentor_id == ctx.person_id else p.mentor_id for p in pairs]
    people = await people_by_ids(ctx.session, [i for i in others if i is not None])
    choices = []
    for pair, other in zip(pairs, others, strict=True):
        programme = await ctx.session.get(Programme, pair.programme_id)
        partner = people.get(other) if other is not None else None
        choices.append(
            (pair.id or 0, display_name(partner, ctx.t), programme.name if programme else "—")
        )
    return [Reply(rematch_question(ctx.t, choices))]


async def end_for_rematch(ctx: Context, pair: Pair) -> bool:
    """End a pair at one member's request: the partner is told neutrally, admins privately.

    False when the pair had already ended. Used by ``/mentoring rematch`` and by the
    check-in's "find me a new partner" button.
    """
    other = pair.mentee_id if pair.mentor_id == ctx.person_id else pair.mentor_id
    partner = (await people_by_ids(ctx.session, [other])).get(other) if other else None
    programme = await ctx.session.get(Programme, pair.programme_id)
    locale = ctx.settings.mentoring_default_locale
    ended = await end_pair(
        ctx.session, pair, "rematch", ctx.now, default_locale=locale, tell=[other] if other else []
    )
    if not ended:
        return False
    await tell_admins(
        ctx.session,
        ctx.admins,
        f"rematch:{pair.id}",
        ctx.now,
        locale,
        notice(
            "match.admin.rematch",
            person=display_name(ctx.person, ctx.t),
            partner=display_name(partner, ctx.t),
            programme=programme.name if programme else "—",
            id=pair.id,
        ),
    )
    return True


@ROUTES.action("rematch.confirm")
async def rematch_confirmed(ctx: Context) -> list[Intent]:
    """End the pair; the admins are told privately, the partner neutrally."""
    assert isinstance(ctx.event, Action)
    pair_id = _value_id(ctx.event, "pair")
    pair = await ctx.session.get(Pair, pair_id) if pair_id is not None else None
    if pair is None or ctx.person_id not in (pair.mentor_id, pair.mentee_id):
        return _reply(ctx.t("match.error.stale"))
    if pair.status not in OCCUPYING:
        return _reply(ctx.t("match.rematch.already"))
    if not await end_for_rematch(ctx, pair):
        return _reply(ctx.t("match.rematch.already"))
    return _reply(ctx.t("match.rematch.done"), replace=True)


@ROUTES.action("rematch.keep")
async def rematch_kept(ctx: Context) -> list[Intent]:
    """Changed their mind: nothing happens."""
    return _reply(ctx.t("match.rematch.kept"), replace=True)


# --- Scheduled rounds -----------------------------------------------------------------------


@sweep("scheduled_matching")
async def scheduled_matching(engine: Engine, now: datetime) -> int:
    """Run the rounds of programmes whose ``match_schedule`` is due; how many ran."""
    async with engine.db.session() as session:
        due = [p.id for p in await scheduled_programmes(session) if p.id is not None]
    ran = 0
    for programme_id in due:
        try:
            async with engine.db.session() as session:
                ran += await _scheduled_round(session, engine, programme_id, now)
        except Exception:  # one programme's failure must not stop the others
            log.exception("scheduled matching failed for programme %s", programme_id)
    return ran


async def _scheduled_round(
    session: AsyncSession, engine: Engine, programme_id: int, now: datetime
) -> int:
    programme = await lock_programme(session, programme_id)
    if programme is None or programme.status != "open" or not programme.match_schedule:
        return 0
    last = await latest_round(session, programme_id)
    since = last.created_at if last is not None else programme.created_at
    try:
        if not round_due(programme.match_schedule, since, now):
            return 0
    except ScheduleError as exc:
        log.warning("programme %s has an unusable match_schedule: %s", programme_id, exc)
        return 0
    rnd = await start_round(session, programme, now, created_by="schedule")
    locale = engine.settings.mentoring_default_locale
    key = f"match-round:{rnd.id}"
    if rnd.status == "preview" and programme.auto_approve:
        approval = await approve_round(
            session, rnd.id or 0, now, default_locale=locale, platforms=engine.capabilities
        )

        def build_summary(t: Translator, approval: Approval = approval) -> Message:
            text = t(
                "match.admin.auto_approved",
                programme=programme.name,
                round=rnd.id,
                pairs=count(t, "match.count.introduced", len(approval.pairs)),
                told=count(t, "match.count.told", approval.told_unmatched),
            )
            return admin_notice(t, text)

        await tell_admins(session, engine.admins, key, now, locale, build_summary)
    elif (rnd.summary or {}).get("problem") != "no_participants":
        view = await round_view(session, rnd, programme)

        def build_preview(t: Translator, view: RoundView = view) -> Message:
            preview = preview_message(t, view)
            return Message((Text(t("match.admin.scheduled")), *preview.elements), preview.text)

        await tell_admins(session, engine.admins, key, now, locale, build_preview)
    return 1


# --- python app.py match ----------------------------------------------------------------------


def _cli_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--programme", "-p", help="programme name or id (default: the only one)")
    action = parser.add_mutually_exclusive_group()
    action.add_argument(
        "--preview",
        action="store_true",
        help="propose only, even when the programme approves its rounds automatically",
    )
    action.add_argument(
        "--approve", type=int, metavar="ROUND_ID", help="approve a round: pairs are introduced"
    )
    action.add_argument(
        "--round", type=int, metavar="ROUND_ID", help="show (or export) an existing round"
    )
    parser.add_argument(
        "--csv",
        metavar="FILE",
        help="write the round's pairs and unmatched people as CSV (- for stdout)",
    )


async def _cli_run(args: argparse.Namespace, settings: CoreSettings, platforms: Platforms) -> int:
    db = Database(settings.async_database_url)
    try:
        await db.migrate()
        return await match_command(db, settings, args, sys.stdout, utcnow(), platforms)
    finally:
        await db.close()


cli_command(
    CliCommand(
        name="match",
        help="propose a matching round (--preview), approve one (--approve), export it (--csv)",
        add_arguments=_cli_arguments,
        run=_cli_run,
    )
)


async def match_command(
    db: Database,
    settings: CoreSettings,
    args: argparse.Namespace,
    out: TextIO,
    now: datetime,
    platforms: Platforms | None = None,
) -> int:
    """``python app.py match``: the admin flow from a terminal; its exit status."""
    t = translator(settings.mentoring_default_locale)
    async with db.session() as session:
        if args.approve is not None:
            approval = await approve_round(
                session,
                args.approve,
                now,
                default_locale=settings.mentoring_default_locale,
                platforms=platforms or {},
            )
            if approval.outcome != "approved" or approval.round is None:
                print(f"round {args.approve}: nothing to approve ({approval.outcome})", file=out)
                return 1
            print(
                f"round {args.approve} approved: {len(approval.pairs)} pairs introduced "
                f"({approval.introductions} messages queued), "
                f"{approval.told_unmatched} unmatched people told",
                file=out,
            )
            rnd: MatchRound | None = approval.round
        elif args.round is not None:
            rnd = await session.get(MatchRound, args.round)
            if rnd is None:
                print(f"no round {args.round}", file=out)
                return 2
        else:
            programme = await _cli_programme(session, args.programme, out)
            if programme is None:
                return 2
            rnd = await start_round(session, programme, now, created_by="cli")
            if rnd.status == "preview" and programme.auto_approve and not args.preview:
                approval = await approve_round(
                    session,
                    rnd.id or 0,
                    now,
                    default_locale=settings.mentoring_default_locale,
                    platforms=platforms or {},
                )
                print(f"approved automatically: {len(approval.pairs)} pairs introduced", file=out)
        assert rnd is not None
        programme = await session.get(Programme, rnd.programme_id)
        assert programme is not None
        view = await round_view(session, rnd, programme)
        if rnd.status == "approved":
            view = await _approved_view(session, rnd, view)
    _print_round(t, view, rnd.status, out)
    if args.csv:
        _write_csv(t, view, args.csv, out)
    return 1 if view.problem else 0


async def _approved_view(session: AsyncSession, rnd: MatchRound, view: RoundView) -> RoundView:
    """An approved round's pairs are active (no longer proposed): show them instead."""
    pairs = await round_pairs(session, rnd.id or 0, ("active", "paused", "ended"))
    people = await people_by_ids(
        session, [i for p in pairs for i in (p.mentor_id, p.mentee_id) if i is not None]
    )

    def name(person_id: int | None) -> str:
        person = people.get(person_id) if person_id is not None else None
        return (person.display_name or person.user_id) if person else "—"

    programme = await session.get(Programme, rnd.programme_id)
    labels = (programme.labels or {}) if programme is not None else {}
    lines = [
        PairLine(p.id or 0, name(p.mentor_id), name(p.mentee_id), p.score, p.reasons or [], labels)
        for p in pairs
    ]
    return replace(view, pairs=lines, total_score=sum(p.score for p in pairs), problem=None)


async def _cli_programme(session: AsyncSession, ref: str | None, out: TextIO) -> Programme | None:
    programmes = await all_programmes(session)
    if ref:
        found = await find_programme(session, ref)
        if found is None:
            print(f"no programme {ref!r}; programmes: " + _names(programmes), file=out)
        return found
    if len(programmes) == 1:
        return programmes[0]
    if not programmes:
        print("no programme yet: create one with /mentoring admin programme create", file=out)
        return None
    print("say which programme with --programme: " + _names(programmes), file=out)
    return None


def _names(programmes: Sequence[Programme]) -> str:
    return ", ".join(f"#{p.id} {p.name}" for p in programmes)


def _plain(text: str) -> str:
    """Markup for a terminal or a spreadsheet: no emphasis marks, entities decoded."""
    return unescape(text.replace("*", "").replace("_", ""))


def _print_round(t: Translator, view: RoundView, status: str, out: TextIO) -> None:
    print(
        f"round {view.round_id} of {view.programme!r}: {status}, seed {view.seed}, "
        f"{view.mentors} mentors, {view.mentees} mentees",
        file=out,
    )
    if view.problem:
        print(_plain(problem_text(t, view)), file=out)
        return
    print(f"{len(view.pairs)} pairs, total score {view.total_score:.2f}", file=out)
    for line in view.pairs[:20]:
        print("  " + _plain(pair_line(t, line)).replace("\n", "\n      "), file=out)
    if len(view.pairs) > 20:
        print(f"  … and {len(view.pairs) - 20} more (use --csv FILE for all)", file=out)
    if view.unmatched:
        print(f"{len(view.unmatched)} unmatched", file=out)
    if status == "preview":
        print(f"approve with: python app.py match --approve {view.round_id}", file=out)


def _write_csv(t: Translator, view: RoundView, path: str, out: TextIO) -> None:
    buffer = io.StringIO()
    writer = safe_writer(csv.writer(buffer))
    writer.writerow(["round", "kind", "pair_id", "mentor", "mentee", "score", "explanation"])
    for line in view.pairs:
        writer.writerow(
            [
                view.round_id,
                "pair",
                line.pair_id,
                line.mentor,
                line.mentee,
                f"{line.score:.4f}",
                _plain(explain(t, line.reasons, for_admin=True, labels=line.labels)),
            ]
        )
    for u in view.unmatched:
        who = ("", u.name) if u.role == "mentee" else (u.name, "")
        reason = _plain(unmatched_reason(t, u.role, u.reason))
        writer.writerow([view.round_id, "unmatched", "", *who, "", reason])
    if path == "-":
        out.write(buffer.getvalue())
        return
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(buffer.getvalue())
    print(f"wrote {len(view.pairs)} pairs and {len(view.unmatched)} unmatched to {path}", file=out)
