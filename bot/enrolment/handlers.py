"""``join`` and ``edit``: the enrolment dialogue, its forms and its buttons."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.core.markup import escape
from bot.core.model import (
    Action,
    Actions,
    Button,
    CloseForm,
    Form,
    FormErrors,
    FormSubmission,
    Intent,
    Message,
    OpenForm,
    Reply,
    Text,
)
from bot.core.replies import text_message
from bot.core.routing import ROUTES, Context
from bot.matching.rounds import tracks_of
from conversations import enrolment as dialogue
from conversations.forms import build_form, validate
from storage.enrolments import (
    drop_dialogue,
    enrolments_of,
    find_enrolment,
    get_dialogue,
    save_dialogue,
)
from storage.programmes import find_programme, open_programmes
from storage.tables import Dialogue, Enrolment, Programme
from storage.types import utcnow

KIND = "enrol"
FORM_START = "enrol.start"
FORM_DETAILS = "enrol.details"


def _state(d: Dialogue) -> str:
    return f"{d.id}:{d.version}"


async def _current(ctx: Context, state: str) -> Dialogue | None:
    """The person's enrolment dialogue, only if ``state`` names its current version."""
    d = await get_dialogue(ctx.session, ctx.person_id, KIND)
    return d if d is not None and _state(d) == state else None


def _programme_env(p: Programme) -> dict[str, Any]:
    return {
        "kind": p.kind,
        "topics": list(p.topics or []),
        "labels": dict(p.labels or {}),
        "max_capacity": p.max_capacity,
    }


async def _env(ctx: Context, d: Dialogue) -> dict[str, Any]:
    programmes = await _joinable(ctx, d.data.get("programme_id") if d.data.get("editing") else None)
    env: dict[str, Any] = {"programmes": [{"id": p.id, "name": p.name} for p in programmes]}
    pid = d.data.get("programme_id")
    chosen = next((p for p in programmes if p.id == pid), programmes[0] if programmes else None)
    if chosen is not None:
        env.update(_programme_env(chosen))
    env["role"] = d.data.get("role")
    return env


async def _joinable(ctx: Context, editing_id: int | None) -> list[Programme]:
    """Open programmes the person can join (or the one they are editing)."""
    if editing_id is not None:
        p = await ctx.session.get(Programme, editing_id)
        return [p] if p is not None else []
    enrolled = {e.programme_id for e, _ in await enrolments_of(ctx.session, ctx.person_id)}
    return [p for p in await open_programmes(ctx.session) if p.id not in enrolled]


async def _form_for(ctx: Context, d: Dialogue, errors: dict[str, str] | None = None) -> Form:
    """The form of the dialogue's current step, prefilled with the answers so far."""
    t = ctx.t
    start = d.step == "start"
    return build_form(
        form_id=FORM_START if start else FORM_DETAILS,
        title=t("enrol.form.title"),
        questions=dialogue.START if start else dialogue.DETAILS,
        t=t,
        env=await _env(ctx, d),
        initial=d.data,
        submit_label=t("button.next"),
        cancel_label=t("button.cancel"),
        intro=(Text(t("enrol.form.intro")),) if start else dialogue.privacy_notice(t),
        state=_state(d),
        errors=errors,
    )


def _no_programme(ctx: Context) -> list[Intent]:
    key = "enrol.no_programme.admin" if ctx.is_admin else "enrol.no_programme"
    return [Reply(text_message(ctx.t(key)))]


@ROUTES.command("join", aliases=("rejoindre", "inscription", "enrol", "enroll"))
async def join(ctx: Context) -> list[Intent]:
    """Start (or resume) the enrolment dialogue."""
    existing = await get_dialogue(ctx.session, ctx.person_id, KIND)
    if existing is not None and not existing.data.get("editing"):
        return [Reply(dialogue.resume_message(ctx.t, _state(existing)))]
    if not await open_programmes(ctx.session):
        return _no_programme(ctx)
    programmes = await _joinable(ctx, None)
    if ctx.args:
        wanted = await find_programme(ctx.session, " ".join(ctx.args))
        if wanted is None or wanted.status != "open":
            names = ", ".join(p.name for p in await open_programmes(ctx.session))
            return [Reply(text_message(ctx.t("enrol.unknown_programme", names=names)))]
        if wanted not in programmes:
            return [Reply(text_message(ctx.t("enrol.already", programme=wanted.name)))]
        programmes = [wanted]
    if not programmes:
        return [Reply(text_message(ctx.t("enrol.already_all")))]
    data: dict[str, Any] = {"programme_id": programmes[0].id}
    d = await save_dialogue(ctx.session, ctx.person_id, KIND, "start", data)
    return [OpenForm(await _form_for(ctx, d))]


@ROUTES.command("edit", aliases=("modifier",))
async def edit(ctx: Context) -> list[Intent]:
    """Change my enrolment answers: the same dialogue, prefilled."""
    enrolments = await enrolments_of(ctx.session, ctx.person_id)
    if not enrolments:
        return [Reply(text_message(ctx.t("edit.not_enrolled")))]
    if ctx.args:
        wanted = await find_programme(ctx.session, " ".join(ctx.args))
        enrolments = [(e, p) for e, p in enrolments if wanted is not None and p.id == wanted.id]
        if not enrolments:
            return [Reply(text_message(ctx.t("edit.not_in_programme")))]
    enrolment, programme = enrolments[0]
    if len(enrolments) > 1:
        text = ctx.t("edit.which")
        buttons = tuple(
            Button(escape(p.name), "enrol.edit_programme", str(p.id)) for _, p in enrolments
        )
        return [Reply(Message((Text(text), Actions(buttons)), text=text))]
    return await _start_edit(ctx, enrolment, programme)


async def _start_edit(ctx: Context, e: Enrolment, p: Programme) -> list[Intent]:
    data = {
        "programme_id": p.id,
        "editing": True,
        "role": e.role,
        "topics": list(e.topics_share if e.role == "mentor" else e.topics_learn),
        "goals": e.goals,
        "seniority": str(e.seniority),
        "department": e.department,
        "languages": list(e.languages or []),
        "frequency": e.frequency,
        "capacity": e.capacity,
        "self_description": e.self_description or "",
        "consent": e.self_description_consent,
    }
    d = await save_dialogue(ctx.session, ctx.person_id, KIND, "start", data)
    return [OpenForm(await _form_for(ctx, d))]


@ROUTES.action("enrol.edit_programme")
async def edit_programme(ctx: Context) -> list[Intent]:
    """The person picked which enrolment to edit."""
    assert isinstance(ctx.event, Action)
    for e, p in await enrolments_of(ctx.session, ctx.person_id):
        if str(p.id) == ctx.event.value:
            return await _start_edit(ctx, e, p)
    return [Reply(text_message(ctx.t("error.stale")))]


@ROUTES.form(FORM_START)
async def submit_start(ctx: Context) -> list[Intent]:
    """Programme and role chosen: validate, then show the details form."""
    event = ctx.event
    assert isinstance(event, FormSubmission)
    d = await _current(ctx, event.state)
    if d is None or d.step != "start":
        return [CloseForm(), Reply(text_message(ctx.t("error.stale")))]
    env = await _env(ctx, d)
    if not env["programmes"]:
        await drop_dialogue(ctx.session, ctx.person_id, KIND)
        return [CloseForm(), *_no_programme(ctx)]
    clean, errors = validate(dialogue.START, event.values, ctx.t, env)
    if errors:
        return [FormErrors(await _form_for(ctx, d, errors), errors)]
    data = dict(d.data)
    if "programme" in clean:
        data["programme_id"] = int(clean["programme"])
    if data.get("role") != clean["role"]:
        data.pop("capacity", None)
    data["role"] = clean["role"]
    d = await save_dialogue(ctx.session, ctx.person_id, KIND, "details", data)
    return [OpenForm(await _form_for(ctx, d))]


@ROUTES.form(FORM_DETAILS)
async def submit_details(ctx: Context) -> list[Intent]:
    """Details given: validate, then show the summary to confirm."""
    event = ctx.event
    assert isinstance(event, FormSubmission)
    d = await _current(ctx, event.state)
    if d is None or d.step != "details":
        return [CloseForm(), Reply(text_message(ctx.t("error.stale")))]
    env = await _env(ctx, d)
    clean, errors = validate(dialogue.DETAILS, event.values, ctx.t, env)
    forget: tuple[str, ...] = ()
    if clean.get("self_description") and not clean.get("consent"):
        # Without consent the note is neither kept nor shown back: it is typed again.
        errors["consent"] = ctx.t("enrol.error.consent")
        errors["self_description"] = ctx.t("enrol.error.consent_note")
        clean.pop("self_description")
        forget = ("self_description",)
    if errors:
        # The form is drawn again from a copy: nothing refused reaches the stored dialogue.
        shown = Dialogue(
            id=d.id,
            person_id=d.person_id,
            kind=d.kind,
            step=d.step,
            version=d.version,
            data={**d.data, **{k: v for k, v in event.values.items() if k in clean}},
        )
        return [FormErrors(await _form_for(ctx, shown, errors), errors, forget)]
    data = {**d.data, **clean}
    data["seniority"] = str(data.get("seniority", "1"))
    if data.get("role") != "mentor":
        data["capacity"] = 1
    d = await save_dialogue(ctx.session, ctx.person_id, KIND, "summary", data)
    programme = await ctx.session.get(Programme, data["programme_id"])
    name = programme.name if programme else "—"
    labels = programme.labels if programme else None
    summary = dialogue.summary_message(
        ctx.t, name, data, _state(d), bool(data.get("editing")), labels=labels
    )
    return [CloseForm(), Reply(summary)]


async def _clicked(ctx: Context) -> Dialogue | None:
    assert isinstance(ctx.event, Action)
    return await _current(ctx, ctx.event.value)


def _stale(ctx: Context) -> list[Intent]:
    return [Reply(text_message(ctx.t("error.stale")), replace=True)]


@ROUTES.action("enrol.confirm")
async def confirm(ctx: Context) -> list[Intent]:
    """Save the enrolment."""
    d = await _clicked(ctx)
    if d is None or d.step != "summary":
        return _stale(ctx)
    data = d.data
    programme = await ctx.session.get(Programme, data["programme_id"])
    if programme is None or (programme.status != "open" and not data.get("editing")):
        await drop_dialogue(ctx.session, ctx.person_id, KIND)
        return [Reply(text_message(ctx.t("enrol.programme_closed")), replace=True)]
    enrolment = await find_enrolment(ctx.session, ctx.person_id, data["programme_id"])
    if enrolment is None:
        enrolment = Enrolment(person_id=ctx.person_id, programme_id=data["programme_id"], role="")
        ctx.session.add(enrolment)
    _apply(enrolment, data, programme.priority_tracks or [])
    await drop_dialogue(ctx.session, ctx.person_id, KIND)
    key = "enrol.updated" if data.get("editing") else "enrol.done"
    role = ctx.t(f"role.{enrolment.role}")
    return [Reply(text_message(ctx.t(key, programme=programme.name, role=role)), replace=True)]


def first_track(e: Enrolment, priority_tracks: Sequence[str]) -> str | None:
    """The first of the programme's priority tracks the consented self-description mentions.

    Stored on the enrolment (and copied onto feedback answers) only for the
    statistics' k-anonymous split by track; None without consent.
    """
    mentioned = tracks_of(e, priority_tracks)
    found = next((t for t in priority_tracks if t in mentioned), None)
    return found[:80] if found else None


def _apply(e: Enrolment, data: dict[str, Any], priority_tracks: Sequence[str] = ()) -> None:
    consent = bool(data.get("consent")) and bool(data.get("self_description"))
    e.role = data["role"]
    topics = list(data.get("topics", []))
    e.topics_share, e.topics_learn = (topics, []) if e.role == "mentor" else ([], topics)
    e.goals = str(data.get("goals", ""))
    e.seniority = int(data.get("seniority", 1))
    e.department = str(data.get("department", ""))
    e.languages = list(data.get("languages", []))
    e.frequency = str(data.get("frequency", "biweekly"))
    e.capacity = int(data.get("capacity", 1))
    # A self-description is kept only with explicit consent.
    e.self_description = str(data["self_description"]) if consent else None
    e.self_description_consent = consent
    e.track = first_track(e, priority_tracks)  # cleared with the consent
    e.updated_at = utcnow()


@ROUTES.action("enrol.edit")
async def edit_answers(ctx: Context) -> list[Intent]:
    """Back from the summary to the first form, prefilled."""
    d = await _clicked(ctx)
    if d is None or d.step != "summary":
        return _stale(ctx)
    d = await save_dialogue(ctx.session, ctx.person_id, KIND, "start", d.data)
    return [OpenForm(await _form_for(ctx, d))]


@ROUTES.action("enrol.cancel")
async def cancel(ctx: Context) -> list[Intent]:
    """Drop the dialogue; an existing enrolment stays as it was."""
    d = await _clicked(ctx)
    if d is None:
        return _stale(ctx)
    editing = bool(d.data.get("editing"))
    await drop_dialogue(ctx.session, ctx.person_id, KIND)
    key = "enrol.cancelled_edit" if editing else "enrol.cancelled"
    return [Reply(text_message(ctx.t(key)), replace=True)]


@ROUTES.action("enrol.resume")
async def resume_dialogue(ctx: Context) -> list[Intent]:
    """Continue an unfinished enrolment where it stopped."""
    d = await _clicked(ctx)
    if d is None:
        return _stale(ctx)
    if d.step == "summary":
        programme = await ctx.session.get(Programme, d.data.get("programme_id"))
        name = programme.name if programme else "—"
        editing = bool(d.data.get("editing"))
        labels = programme.labels if programme else None
        return [
            Reply(dialogue.summary_message(ctx.t, name, d.data, _state(d), editing, labels=labels))
        ]
    return [OpenForm(await _form_for(ctx, d))]


@ROUTES.action("enrol.restart")
async def restart(ctx: Context) -> list[Intent]:
    """Throw the unfinished enrolment away and start again."""
    d = await _clicked(ctx)
    if d is None:
        return _stale(ctx)
    await drop_dialogue(ctx.session, ctx.person_id, KIND)
    ctx.args = []
    return await join(ctx)
