"""``admin programme create|list|edit|close|reopen``: programmes, for admins only."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from bot.core.i18n import LANGUAGES
from bot.core.markup import Markup, escape
from bot.core.model import (
    Action,
    Actions,
    Button,
    CloseForm,
    Element,
    Fields,
    Form,
    FormErrors,
    FormSubmission,
    Heading,
    Intent,
    Message,
    OpenForm,
    Reply,
)
from bot.core.replies import text_message
from bot.core.routing import ROUTES, Context
from bot.matching.schedule import ScheduleError, next_round_after
from conversations import programme as programme_form
from conversations.forms import build_form, validate
from storage.programmes import all_programmes, enrolment_counts, find_programme
from storage.tables import Programme
from storage.types import utcnow

FORM_ID = "admin.programme"


def _form(
    ctx: Context, values: dict[str, str], state: str, errors: dict[str, str] | None = None
) -> Form:
    title_key = "programme.form.edit" if state != "new" else "programme.form.create"
    return build_form(
        form_id=FORM_ID,
        title=ctx.t(title_key),
        questions=programme_form.QUESTIONS,
        t=ctx.t,
        env={},
        initial=values,
        submit_label=ctx.t("button.save"),
        cancel_label=ctx.t("button.cancel"),
        state=state,
        errors=errors,
    )


def _defaults() -> dict[str, str]:
    return programme_form.as_values(
        Programme(name="", topics=[], kind="reverse", separate_departments=True)
    )


def _keyword_values(args: list[str]) -> tuple[dict[str, str], list[str]]:
    """``key=value`` arguments as form values, and the words that were not understood."""
    values: dict[str, str] = {}
    unknown: list[str] = []
    for arg in args:
        key, sep, value = arg.partition("=")
        name = programme_form.ARGUMENT_ALIASES.get(key.strip().lower())
        if not sep or name is None:
            unknown.append(arg[:40])
            continue
        if name in ("separate_departments", "auto_approve"):
            value = (
                "yes" if value.strip().lower() in {"yes", "oui", "true", "1", "separate"} else ""
            )
        values[name] = value
    return values, unknown


async def _save(
    ctx: Context, programme: Programme, values: dict[str, str]
) -> list[Intent] | dict[str, str]:
    """Validate and save; the per-field errors when invalid."""
    clean, errors = validate(programme_form.QUESTIONS, values, ctx.t, {})
    if "topics" in clean and not programme_form.split_topics(clean["topics"]):
        errors["topics"] = ctx.t("form.error.required")
    for name, (_kind, expected) in programme_form.label_errors(clean).items():
        errors[name] = ctx.t("programme.error.labels_count", count=ctx.t.number(expected))
    schedule = (clean.get("schedule") or "").strip()
    if schedule:
        try:
            next_round_after(schedule, ctx.now)
        except ScheduleError:
            errors["schedule"] = ctx.t("programme.error.schedule", schedule=schedule[:64])
    other = await find_programme(ctx.session, clean.get("name", "")) if "name" in clean else None
    if other is not None and other.id != programme.id:
        errors["name"] = ctx.t("programme.error.name_taken")
    if errors:
        return errors
    programme_form.apply(programme, clean)
    ctx.session.add(programme)
    try:
        async with ctx.session.begin_nested():
            await ctx.session.flush()
    except IntegrityError:
        return {"name": ctx.t("programme.error.name_taken")}
    return [Reply(text_message(ctx.t("programme.saved", name=programme.name)))]


def _errors_text(ctx: Context, errors: dict[str, str]) -> Message:
    lines = [f"• `{escape(name)}`{ctx.t.colon}{escape(error)}" for name, error in errors.items()]
    return text_message(ctx.t("programme.error.args") + "\n" + "\n".join(lines))


@ROUTES.command("admin programme create", admin=True)
async def create(ctx: Context) -> list[Intent]:
    """Open the programme form, or create directly from ``key=value`` arguments."""
    if not ctx.args:
        return [OpenForm(_form(ctx, _defaults(), "new"))]
    values, unknown = _keyword_values(ctx.args)
    if unknown:
        return [Reply(text_message(ctx.t("programme.error.unknown_args", args=", ".join(unknown))))]
    result = await _save(ctx, Programme(name=""), {**_defaults(), **values})
    return result if isinstance(result, list) else [Reply(_errors_text(ctx, result))]


@ROUTES.command("admin programme list", admin=True, read_only=True)
async def list_programmes(ctx: Context) -> list[Intent]:
    """Every programme with its status and enrolment counts."""
    t = ctx.t
    programmes = await all_programmes(ctx.session)
    if not programmes:
        return [Reply(text_message(t("programme.none")))]
    counts = await enrolment_counts(ctx.session)
    elements: list[Element] = [Heading(t("programme.list.title"))]
    comma = Markup(", ")
    for p in programmes:
        elements.append(
            Fields(
                (
                    (escape(f"#{p.id} {p.name}"), t(f"programme.status.{p.status}")),
                    (t("programme.list.kind"), t(f"programme.kind.{p.kind}")),
                    (
                        t("programme.list.people"),
                        t(
                            "programme.list.counts",
                            mentors=t.number(counts.get((p.id or 0, "mentor"), 0)),
                            mentees=t.number(counts.get((p.id or 0, "mentee"), 0)),
                        ),
                    ),
                    (
                        t("programme.list.topics"),
                        comma.join(t.label(p.labels, v) for v in p.topics or []) or "—",
                    ),
                    (
                        t("programme.list.schedule"),
                        escape(p.match_schedule or t("programme.list.manual")),
                    ),
                    *(
                        [
                            (
                                t("programme.list.tracks"),
                                comma.join(t.label(p.labels, v) for v in p.priority_tracks),
                            )
                        ]
                        if p.priority_tracks
                        else []
                    ),
                ),
                t.colon,
            )
        )
    return [Reply(Message(tuple(elements), text=t("programme.list.title")))]


async def _named(ctx: Context) -> tuple[Programme | None, list[str]]:
    """The programme named by the first argument(s) before any ``key=value``."""
    name_words = [a for a in ctx.args if "=" not in a]
    rest = [a for a in ctx.args if "=" in a]
    if not name_words:
        return None, rest
    return await find_programme(ctx.session, " ".join(name_words)), rest


async def _missing(ctx: Context) -> list[Intent]:
    names = ", ".join(f"#{p.id} {p.name}" for p in await all_programmes(ctx.session)) or "—"
    return [Reply(text_message(ctx.t("programme.error.which", names=names)))]


@ROUTES.command("admin programme edit", admin=True)
async def edit(ctx: Context) -> list[Intent]:
    """Open the form prefilled, or apply ``key=value`` arguments."""
    programme, kv = await _named(ctx)
    if programme is None:
        return await _missing(ctx)
    current = programme_form.as_values(programme)
    if not kv:
        return [OpenForm(_form(ctx, current, str(programme.id)))]
    values, unknown = _keyword_values(kv)
    if unknown:
        return [Reply(text_message(ctx.t("programme.error.unknown_args", args=", ".join(unknown))))]
    merged = {**current, **values}
    for kind in programme_form.LABELLED:
        # New topics without new labels: the labels of the topics that stay are kept.
        if kind in values and not any(f"{kind}_{lang}" in values for lang in LANGUAGES):
            for lang in LANGUAGES:
                merged[f"{kind}_{lang}"] = programme_form.relabelled(
                    programme, kind, values[kind], lang
                )
    result = await _save(ctx, programme, merged)
    return result if isinstance(result, list) else [Reply(_errors_text(ctx, result))]


@ROUTES.form(FORM_ID)
async def submit(ctx: Context) -> list[Intent]:
    """The programme form was submitted (create or edit)."""
    event = ctx.event
    assert isinstance(event, FormSubmission)
    if not ctx.is_admin:
        return [CloseForm(), Reply(text_message(ctx.t("error.admin_only")))]
    if event.state == "new":
        programme = Programme(name="")
    elif event.state.isdigit() and (found := await ctx.session.get(Programme, int(event.state))):
        programme = found
    else:
        return [CloseForm(), Reply(text_message(ctx.t("error.stale")))]
    values = {k: v if isinstance(v, str) else ", ".join(v) for k, v in event.values.items()}
    result = await _save(ctx, programme, values)
    if isinstance(result, dict):
        return [FormErrors(_form(ctx, values, event.state, result), result)]
    return [CloseForm(), *result]


async def _set_status(ctx: Context, programme: Programme, status: str) -> list[Intent]:
    t = ctx.t
    if programme.status == status:
        return [Reply(text_message(t(f"programme.already_{status}", name=programme.name)))]
    programme.status = status
    programme.closed_at = utcnow() if status == "closed" else None
    undo = "reopen" if status == "closed" else "close"
    text = t(f"programme.{status}", name=programme.name)
    buttons = (Button(t(f"button.{undo}"), f"programme.{undo}", str(programme.id)),)
    return [Reply(Message((text_message(text).elements[0], Actions(buttons)), text=text))]


@ROUTES.command("admin programme close", admin=True)
async def close(ctx: Context) -> list[Intent]:
    """Close a programme to new enrolments (reversible)."""
    programme, _ = await _named(ctx)
    return await _set_status(ctx, programme, "closed") if programme else await _missing(ctx)


@ROUTES.command("admin programme reopen", admin=True)
async def reopen(ctx: Context) -> list[Intent]:
    """Open a closed programme again."""
    programme, _ = await _named(ctx)
    return await _set_status(ctx, programme, "open") if programme else await _missing(ctx)


@ROUTES.action("programme.*")
async def status_button(ctx: Context) -> list[Intent]:
    """The undo button after closing or reopening."""
    event = ctx.event
    assert isinstance(event, Action)
    if not ctx.is_admin:
        return [Reply(text_message(ctx.t("error.admin_only")))]
    programme = (
        await ctx.session.get(Programme, int(event.value)) if event.value.isdigit() else None
    )
    if programme is None:
        return [Reply(text_message(ctx.t("error.stale")))]
    status = {"programme.close": "closed", "programme.reopen": "open"}.get(event.action_id)
    return await _set_status(ctx, programme, status) if status else []


@ROUTES.command("admin", admin=True, read_only=True)
async def admin_help(ctx: Context) -> list[Intent]:
    """``admin`` alone or with an unknown word: list the admin commands."""
    lines = "\n".join(f"`/mentoring {c}`" for c in ROUTES.subcommands(("admin",)))
    return [Reply(text_message(ctx.t("admin.help") + "\n" + lines))]
