"""``leave`` (erase my data, after a confirmation) and ``mydata`` (see what is stored)."""

from __future__ import annotations

from sqlmodel import col, func, select

from bot.core.i18n import translator
from bot.core.markup import Markup, escape
from bot.core.model import (
    Action,
    Button,
    Element,
    Fields,
    Heading,
    Intent,
    Message,
    Note,
    Platform,
    Reply,
    SendDirect,
    Text,
    UserRef,
)
from bot.core.replies import confirm_message, text_message
from bot.core.routing import ROUTES, Context
from storage.enrolments import enrolments_of, get_dialogue, pairs_of
from storage.erasure import erase_person
from storage.people import people_by_ids
from storage.reporting_lines import manager_of
from storage.tables import CheckIn, FeedbackReceipt


@ROUTES.command("leave", aliases=("quitter", "quit", "erase"))
async def leave(ctx: Context) -> list[Intent]:
    """Ask for confirmation before erasing everything about me."""
    t = ctx.t
    value = str(ctx.person_id)
    return [
        Reply(
            confirm_message(
                t("leave.confirm"),
                (
                    Button(t("button.leave"), "leave.confirm", value, "danger"),
                    Button(t("button.keep"), "leave.cancel", value),
                ),
                note=t("leave.note"),
            )
        )
    ]


@ROUTES.action("leave.confirm")
async def leave_confirmed(ctx: Context) -> list[Intent]:
    """Erase the person's data; tell their partners neutrally."""
    assert isinstance(ctx.event, Action)
    if ctx.event.value != str(ctx.person_id):
        # A button from before an earlier erasure: there is nothing of that person left.
        return [Reply(text_message(ctx.t("leave.nothing")), replace=True)]
    intents: list[Intent] = []
    pairs = await pairs_of(ctx.session, ctx.person_id, ("proposed", "active", "paused"))
    partner_ids = [p.mentee_id if p.mentor_id == ctx.person_id else p.mentor_id for p in pairs]
    partners = await people_by_ids(ctx.session, [i for i in partner_ids if i is not None])
    for pair, partner_id in zip(pairs, partner_ids, strict=True):
        partner = partners.get(partner_id) if partner_id is not None else None
        if partner is None or pair.status == "proposed":
            continue
        pt = translator(partner.locale)
        intents.append(
            SendDirect(
                UserRef(Platform(partner.platform), partner.workspace, partner.user_id),
                text_message(pt("leave.partner_told")),
                key=f"partner-left:{pair.id}:{partner.id}",
            )
        )
    await erase_person(ctx.session, ctx.person)
    intents.append(Reply(text_message(ctx.t("leave.done")), replace=True))
    return intents


@ROUTES.action("leave.cancel")
async def leave_cancelled(ctx: Context) -> list[Intent]:
    """Keep everything."""
    return [Reply(text_message(ctx.t("leave.kept")), replace=True)]


@ROUTES.command("mydata", aliases=("data", "privacy", "donnees", "données"), read_only=True)
async def mydata(ctx: Context) -> list[Intent]:
    """Everything stored about me."""
    t = ctx.t
    p = ctx.person
    elements: list[Element] = [
        Heading(t("mydata.title")),
        Fields(
            (
                (t("mydata.platform"), escape(f"{p.platform} · {p.workspace} · {p.user_id}")),
                (t("mydata.name"), escape(p.display_name or "—")),
                (t("mydata.language"), escape(t.language_name(p.locale))),
                (t("mydata.timezone"), escape(p.timezone)),
            ),
            t.colon,
        ),
    ]
    comma = Markup(", ")
    manager = await manager_of(ctx.session, p.platform, p.workspace, p.user_id)
    if manager is not None:  # HR's import (python app.py import-managers)
        elements.append(Fields(((t("mydata.manager"), escape(manager)),), t.colon))
    for e, programme in await enrolments_of(ctx.session, ctx.person_id):
        items = [
            (t("summary.role"), t(f"role.{e.role}")),
            (t("summary.status"), t(f"status.{e.status}")),
            (
                t("summary.topics"),
                comma.join(t.label(programme.labels, v) for v in e.topics_share or e.topics_learn)
                or "—",
            ),
            (t("summary.goals"), escape(e.goals or "—")),
            (t("summary.seniority"), t(f"seniority.{e.seniority}")),
            (t("summary.department"), escape(e.department or "—")),
            (
                t("summary.languages"),
                comma.join(t.language_name(c) for c in e.languages or []) or "—",
            ),
            (t("summary.frequency"), t(f"frequency.{e.frequency}")),
            (t("summary.capacity"), t.number(e.capacity)),
            (t("summary.self_description"), escape(e.self_description or "—")),
        ]
        elements += [Heading(escape(programme.name)), Fields(tuple(items), t.colon)]
    pairs = await pairs_of(ctx.session, ctx.person_id, ("proposed", "active", "paused", "ended"))
    answers = (
        await ctx.session.exec(
            select(func.count()).select_from(CheckIn).where(col(CheckIn.answered_by) == p.id)
        )
    ).one()
    receipts = (
        await ctx.session.exec(
            select(func.count())
            .select_from(FeedbackReceipt)
            .where(col(FeedbackReceipt.person_id) == p.id)
        )
    ).one()
    elements.append(
        Fields(
            (
                (t("mydata.pairs"), str(len(pairs))),
                (t("mydata.checkins"), str(answers)),
                (t("mydata.surveys"), str(receipts)),
                (
                    t("mydata.dialogue"),
                    t("mydata.yes")
                    if await get_dialogue(ctx.session, ctx.person_id, "enrol")
                    else t("mydata.no"),
                ),
            ),
            t.colon,
        )
    )
    elements += [Text(t("mydata.feedback_note")), Note(t("mydata.footer"))]
    return [Reply(Message(tuple(elements), text=t("mydata.title")))]
