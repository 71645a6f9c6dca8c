"""``feedback`` and the survey button: anonymous answers, one per person and survey.

The answer row is written without the person, the pair or the time (only the
ISO week); a separate receipt says that the person answered, which stops a
second answer and later reminders. Comments are never logged.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.model import Action, CloseForm, FormErrors, FormSubmission, Intent, OpenForm, Reply
from bot.core.replies import text_message
from bot.core.routing import ROUTES, Context
from bot.stats.periods import iso_week
from bot.stats.privacy import anonymity_k
from conversations import feedback as survey
from conversations.forms import validate
from storage.enrolments import enrolments_of, find_enrolment
from storage.feedback import has_answered, met_checkin, pair_role, record_answer
from storage.programmes import find_programme, open_programmes
from storage.tables import Programme

MAX_KEY = 120
ENROLLED = ("active", "paused")  # enrolment statuses that may answer an ad-hoc survey


@dataclass(frozen=True)
class Survey:
    """A survey the person may answer: its kind, its programme(s) and their role in a pair."""

    kind: str  # checkin | end | adhoc
    programmes: tuple[tuple[int, str], ...]  # one, except ``/mentoring feedback`` with a choice
    key: str | None = None  # None until the programme of an ad-hoc survey is chosen
    pair_role: str | None = None

    def key_for(self, programme_id: int, week: str) -> str:
        """The survey key once the programme is known."""
        return self.key or survey.adhoc_survey_key(programme_id, week)


def _k(ctx: Context) -> int:
    return anonymity_k(ctx.settings.mentoring_anonymity_k)


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) < 12 else None


async def _named(ctx: Context, programme_id: int) -> tuple[int, str] | None:
    programme = await ctx.session.get(Programme, programme_id)
    return (programme_id, programme.name) if programme is not None else None


async def resolve_survey(ctx: Context, state: str) -> Survey | None:
    """The survey a key names, if this person may answer it (checked again on submission)."""
    kind, _, rest = state[:MAX_KEY].partition(":")
    numbers = [_int(part) for part in rest.split(":")] if rest else []
    ids = [n for n in numbers if n is not None]
    if len(ids) != len(numbers):
        return None
    if kind == "checkin" and len(ids) == 2:
        return await _pair_survey(ctx, ids[0], ids[1])
    if kind == "end" and len(ids) == 1:
        return await _pair_survey(ctx, ids[0], None)
    if kind == "adhoc" and len(ids) == 1:
        # Only about a programme of one's own: anyone else's answers would pad the totals.
        mine = [c for c in await _adhoc_programmes(ctx) if c[0] == ids[0]]
        return Survey("adhoc", tuple(mine)) if mine else None
    if kind == "adhoc" and not ids:
        choices = await _adhoc_programmes(ctx)
        return Survey("adhoc", tuple(choices)) if choices else None
    return None


async def _pair_survey(ctx: Context, pair_id: int, cycle: int | None) -> Survey | None:
    """A check-in survey (``cycle`` given: that check-in must be a "met") or an end survey."""
    found = await pair_role(ctx.session, pair_id, ctx.person_id)
    if found is None:
        return None
    pair, role = found
    if cycle is not None and await met_checkin(ctx.session, pair_id, cycle) is None:
        return None
    named = await _named(ctx, pair.programme_id)
    if named is None:
        return None
    if cycle is None:
        return Survey("end", (named,), survey.end_survey_key(pair_id), role)
    return Survey("checkin", (named,), survey.checkin_survey_key(pair_id, cycle), role)


async def _adhoc_programmes(ctx: Context) -> list[tuple[int, str]]:
    """The open programmes the person is enrolled in (active or paused): the only ones
    they may give ad-hoc feedback on.

    Anyone else's answers (a manager, a colleague who never joined, answers about a
    closed programme) could pad a slice up to the anonymity threshold with answers
    whose values they know, and then read the one real answer as the total minus theirs.
    """
    return [
        (p.id, p.name)
        for e, p in await enrolments_of(ctx.session, ctx.person_id)
        if p.id is not None and p.status == "open" and e.status in ENROLLED
    ]


def _not_yours(ctx: Context, mine: list[tuple[int, str]]) -> str:
    """Feedback is for the programmes one takes part in: say which ones those are."""
    if not mine:
        return ctx.t("feedback.not_enrolled")
    return ctx.t("feedback.not_yours", names=", ".join(name for _, name in mine))


def _already(ctx: Context, *, replace: bool = False) -> list[Intent]:
    return [Reply(text_message(ctx.t("feedback.already")), replace=replace)]


def _open(ctx: Context, state: str, s: Survey) -> list[Intent]:
    choices = s.programmes if len(s.programmes) > 1 else ()
    initial = {"programme": str(choices[0][0])} if choices else {}
    form = survey.survey_form(ctx.t, state=state, programmes=choices, k=_k(ctx), initial=initial)
    return [OpenForm(form)]


@ROUTES.command("feedback", aliases=("avis", "retour", "retours"))
async def feedback(ctx: Context) -> list[Intent]:
    """Anonymous feedback about a programme, at any time (once a week per programme)."""
    week = iso_week(ctx.now)
    mine = await _adhoc_programmes(ctx)
    if ctx.args:
        wanted = await find_programme(ctx.session, " ".join(ctx.args))
        if wanted is None or wanted.id is None:
            names = ", ".join(p.name for p in await open_programmes(ctx.session)) or "—"
            return [Reply(text_message(ctx.t("feedback.unknown_programme", names=names)))]
        choices = [c for c in mine if c[0] == wanted.id]
        if not choices:
            return [Reply(text_message(_not_yours(ctx, mine)))]
    else:
        choices = mine
    if not choices:
        return [Reply(text_message(_not_yours(ctx, mine)))]
    if len(choices) == 1:
        pid = choices[0][0]
        if await has_answered(ctx.session, ctx.person_id, survey.adhoc_survey_key(pid, week)):
            return [Reply(text_message(ctx.t("feedback.already_this_week")))]
        return _open(ctx, f"adhoc:{pid}", Survey("adhoc", tuple(choices)))
    return _open(ctx, "adhoc", Survey("adhoc", tuple(choices)))


@ROUTES.action(survey.START_ACTION)
async def start_survey(ctx: Context) -> list[Intent]:
    """The survey button of a check-in or end-of-programme message: open the form."""
    assert isinstance(ctx.event, Action)
    state = ctx.event.value
    s = await resolve_survey(ctx, state)
    if s is None or s.kind == "adhoc":
        return [Reply(text_message(ctx.t("feedback.unknown_survey")))]
    if s.key is not None and await has_answered(ctx.session, ctx.person_id, s.key):
        return _already(ctx)
    return _open(ctx, state, s)


@ROUTES.form(survey.FORM_ID)
async def submit_survey(ctx: Context) -> list[Intent]:
    """Save the anonymous answer and the receipt; refuse a second answer politely."""
    event = ctx.event
    assert isinstance(event, FormSubmission)
    s = await resolve_survey(ctx, event.state)
    if s is None:
        return [CloseForm(), Reply(text_message(ctx.t("feedback.unknown_survey")))]
    choices = s.programmes if len(s.programmes) > 1 else ()
    clean, errors = validate(survey.QUESTIONS, event.values, ctx.t, {"programmes": list(choices)})
    if errors:
        values = {k: v for k, v in event.values.items() if k in clean}
        form = survey.survey_form(
            ctx.t, state=event.state, programmes=choices, k=_k(ctx), initial=values, errors=errors
        )
        return [FormErrors(form, errors)]
    programme_id = int(clean["programme"]) if choices else s.programmes[0][0]
    week = iso_week(ctx.now)
    enrolment = await find_enrolment(ctx.session, ctx.person_id, programme_id)
    saved = await record_answer(
        ctx.session,
        person_id=ctx.person_id,
        survey_key=s.key_for(programme_id, week),
        period=week,
        programme_id=programme_id,
        # The role at answer time: the enrolment's, else the person's place in the pair.
        role=enrolment.role if enrolment is not None else s.pair_role,
        survey=s.kind,
        # The answerer's priority track, as coarse as the role (None without consent).
        track=enrolment.track if enrolment is not None else None,
        usefulness=int(clean["usefulness"]),
        recommend=int(clean["recommend"]),
        comment=clean.get("comment") or None,
    )
    if not saved:
        return [CloseForm(), *_already(ctx)]
    return [CloseForm(), Reply(text_message(ctx.t("feedback.thanks")))]
