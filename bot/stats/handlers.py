"""``stats [programme] [period]`` for managers and admins, and ``admin stats log``.

Typed in a channel, the report is posted in that channel (a manager shows it to
the team); in a DM it stays private. Anyone else gets a private refusal (the
engine checks the ``manager`` flag). Every view is logged: who, when, which slice.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.i18n import Translator
from bot.core.model import Element, Heading, Intent, Message, Note, Reply, Text
from bot.core.replies import text_message
from bot.core.routing import ROUTES, Context
from bot.stats.message import SECTION_CHARS, stats_message
from bot.stats.periods import (
    ROLLING_DAYS,
    Period,
    PeriodError,
    looks_like_period,
    parse_period,
)
from bot.stats.privacy import anonymity_k, comment_k
from bot.stats.report import build_report
from storage.programmes import all_programmes, find_programme
from storage.stats import log_view, recent_views
from storage.tables import Programme

LOG_DEFAULT, LOG_MAX = 50, 200
ECHO_MAX = 40


@dataclass(frozen=True)
class StatsRequest:
    """What the manager asked for: one programme (or all) and a period."""

    programme: Programme | None
    period: Period


def _echo(text: str) -> str:
    return text.replace("`", "'")[:ECHO_MAX]


async def parse_request(ctx: Context) -> StatsRequest | str:
    """The request, or a polite message listing what is valid."""
    text = " ".join(ctx.args).strip()
    if not text:
        return StatsRequest(None, parse_period(None, ctx.now))
    programme = await find_programme(ctx.session, text)
    if programme is not None:
        return StatsRequest(programme, parse_period(None, ctx.now))
    try:
        return StatsRequest(None, parse_period(text, ctx.now))
    except PeriodError:
        pass
    *head, last = ctx.args
    rest = " ".join(head).strip()
    programme = await find_programme(ctx.session, rest) if rest else None
    period: Period | None = None
    try:
        period = parse_period(last, ctx.now)
    except PeriodError:
        period = None
    names = ", ".join(p.name for p in await all_programmes(ctx.session)) or "—"
    if programme is not None and period is not None:
        return StatsRequest(programme, period)
    if programme is not None or (not rest and looks_like_period(last)):
        return ctx.t(
            "stats.unknown_period", value=_echo(last), periods=ctx.t("stats.period_choices")
        )
    if period is not None:
        return ctx.t("stats.unknown_programme", value=_echo(rest), programmes=names)
    return ctx.t(
        "stats.unknown_request",
        value=_echo(text),
        programmes=names,
        periods=ctx.t("stats.period_choices"),
    )


@ROUTES.command("stats", aliases=("statistiques", "statistics", "stat"), manager=True)
async def stats(ctx: Context) -> list[Intent]:
    """The programme's health at a glance, posted where it was asked for."""
    request = await parse_request(ctx)
    if isinstance(request, str):
        return [Reply(text_message(request))]
    k = anonymity_k(ctx.settings.mentoring_anonymity_k)
    names = {p.id: p.name for p in await all_programmes(ctx.session) if p.id is not None}
    report = await build_report(
        ctx.session,
        programme_id=request.programme.id if request.programme else None,
        programme_names=names,
        period=request.period,
        k=k,
        comment_k=comment_k(ctx.settings.mentoring_comment_k, k),
        now=ctx.now,
    )
    user = ctx.event.actor.user
    await log_view(
        ctx.session,
        platform=user.platform.value,
        viewer_user_id=user.user_id,
        programme=request.programme.name if request.programme else None,
        period=request.period.label,
        slice_name="summary",
    )
    # A channel sees what a manager chose to show it; a DM is private anyway.
    return [Reply(stats_message(ctx.t, report), private=False)]


@ROUTES.command("admin stats log", admin=True, read_only=True)
async def stats_log(ctx: Context) -> list[Intent]:
    """Who looked at the statistics, newest first (``admin stats log [how many]``)."""
    t = ctx.t
    limit = LOG_DEFAULT
    if ctx.args and ctx.args[0].isdigit():
        limit = max(1, min(LOG_MAX, int(ctx.args[0][:4])))
    entries = await recent_views(ctx.session, limit)
    title = t("stats.log.title")
    if not entries:
        return [Reply(text_message(t("stats.log.empty")))]
    lines = []
    for entry in entries:
        v = entry.view
        who = (
            f"{entry.display_name} ({v.viewer_user_id})" if entry.display_name else v.viewer_user_id
        )
        lines.append(
            t(
                "stats.log.line",
                when=v.viewed_at.strftime("%Y-%m-%d %H:%M"),
                platform=v.platform,
                who=who,
                programme=v.programme or t("stats.all_programmes"),
                period=_logged_period(t, v.period),
                slice=v.slice or "—",
            )
        )
    elements: list[Element] = [Heading(title)]
    chunk: list[str] = []
    for line in lines:
        if sum(len(x) + 1 for x in chunk) + len(line) > SECTION_CHARS:
            elements.append(Text("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    elements.append(Text("\n".join(chunk)))
    elements.append(Note(t("stats.log.note", n=t.number(len(entries)))))
    return [Reply(Message(tuple(elements), text=title))]


def _logged_period(t: Translator, label: str | None) -> str:
    """A logged period in the reader's words (``month`` reads *last 30 days*)."""
    if not label:
        return "—"
    if label in ROLLING_DAYS or label == "all":
        return t(f"stats.period.{label}")
    return label
