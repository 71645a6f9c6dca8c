"""``status``, ``pause`` and ``resume``: my enrolments and my pairs."""

from __future__ import annotations

from bot.core.markup import Markup, escape
from bot.core.model import Element, Fields, Heading, Intent, Message, Note, Reply, Text
from bot.core.replies import text_message
from bot.core.routing import ROUTES, Context
from conversations.matching import join_words
from storage.enrolments import enrolments_of
from storage.programmes import find_programme
from storage.status_view import status_view
from storage.tables import Enrolment, Programme
from storage.types import utcnow


@ROUTES.command("status", aliases=("statut", "me"), read_only=True)
async def status(ctx: Context) -> list[Intent]:
    """My enrolments, their status and my current pairs."""
    t = ctx.t
    view = await status_view(ctx.session, ctx.person_id)
    elements: list[Element] = [Heading(t("status.title"))]
    if not view.enrolments:
        elements.append(Text(t("status.none")))
    for e in view.enrolments:
        items = [
            (t("summary.role"), t(f"role.{e.role}")),
            (t("summary.status"), t(f"status.{e.status}")),
            (
                t("summary.topics"),
                Markup(", ").join(t.label(e.labels, v) for v in e.topics) or "—",
            ),
        ]
        for pair in view.pairs:
            if pair.programme_id == e.programme_id:
                name = pair.partner or t("status.partner_left")
                status = t(f"pair.status.{pair.status}")
                items.append((t("status.pair"), Markup(f"{escape(name)} ({status})")))
        elements += [Heading(escape(e.programme)), Fields(tuple(items), t.colon)]
    if view.enrolments and not view.pairs:
        elements.append(Text(t("status.no_pair")))
    if view.enrolling:
        elements.append(Note(t("status.unfinished")))
    elements.append(Note(t("status.footer")))
    return [Reply(Message(tuple(elements), text=t("status.title")))]


async def _targets(ctx: Context) -> list[tuple[Enrolment, Programme]] | str:
    """The enrolments a pause/resume applies to, or a catalog key explaining why none."""
    enrolments = await enrolments_of(ctx.session, ctx.person_id)
    if not enrolments:
        return "edit.not_enrolled"
    if ctx.args:
        wanted = await find_programme(ctx.session, " ".join(ctx.args))
        enrolments = [(e, p) for e, p in enrolments if wanted is not None and p.id == wanted.id]
        if not enrolments:
            return "edit.not_in_programme"
    return enrolments


async def _set_status(ctx: Context, new: str) -> list[Intent]:
    targets = await _targets(ctx)
    if isinstance(targets, str):
        return [Reply(text_message(ctx.t(targets)))]
    changed = [p.name for e, p in targets if e.status != new]
    for e, _ in targets:
        e.status = new
        e.updated_at = utcnow()
    names = [p.name for _, p in targets]
    key, shown = (f"{new}.done", changed) if changed else (f"{new}.already", names)
    if len(shown) > 1:  # "in the programmes A and B"
        key += ".many"
    return [Reply(text_message(ctx.t(key, programmes=join_words(ctx.t, shown))))]


@ROUTES.command("pause")
async def pause(ctx: Context) -> list[Intent]:
    """Stop matching and check-ins for a while; nothing is deleted."""
    return await _set_status(ctx, "paused")


@ROUTES.command("resume", aliases=("reprendre",))
async def resume(ctx: Context) -> list[Intent]:
    """Back from a pause."""
    return await _set_status(ctx, "active")
