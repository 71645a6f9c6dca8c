"""The stats report as a message: programme health at a glance, a chart, and its text version.

The report it renders (``bot.stats_report.Report``) is already safe to show:
a hidden feedback figure is absent, and this module says "not enough answers
yet to show this anonymously" in its place.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import timedelta

from babel.numbers import format_decimal, format_percent

from bot.core.i18n import Translator
from bot.core.markup import escape, unescape
from bot.core.model import Divider, Element, Fields, Heading, Image, Message, Note, Text
from bot.stats.chart import Series, chart_image
from bot.stats.periods import ROLLING_DAYS, Period
from bot.stats.report import ChartPoint, Feedback, Report, Slice

CHECKIN_ANSWERS = ("met", "scheduled", "not_yet", "pause")  # "problem": admins only
# Paragraphs kept short enough for every platform's text block (adapters still split longer
# texts; this only keeps the breaks between lines, where they read best).
SECTION_CHARS = 2900


def period_name(t: Translator, period: Period) -> str:
    """``the last 30 days``, ``all time (5 years)``, or a calendar period in the reader's words.

    ``2026-11`` reads *November 2026* (*novembre 2026*), ``2026-Q4`` *Q4 2026* (*T4 2026*),
    ``2026-W48`` *week 48 of 2026*; a label of another shape is shown as typed.
    """
    label = period.label
    if label in ROLLING_DAYS or label == "all":
        return t(f"stats.period.{label}")
    start = period.start.date()
    if re.fullmatch(r"\d{4}-\d{1,2}", label):
        return t.date(start, "LLLL y")
    if re.fullmatch(r"\d{4}-?[qQtT][1-4]", label):
        return t("stats.quarter", quarter=(start.month - 1) // 3 + 1, year=start.year)
    week = re.fullmatch(r"(\d{4})-?[wWsS](\d{1,2})", label)
    if week:
        return t("stats.period.iso_week", week=int(week.group(2)), year=week.group(1))
    return label


def _number(t: Translator, value: float, digits: int = 1) -> str:
    return format_decimal(value, format="0." + "0" * digits, locale=t.lang)


def _count(t: Translator, n: int) -> str:
    return format_decimal(n, locale=t.lang)  # 1,234 in English, 1 234 in French


def _percent(t: Translator, value: float) -> str:
    return format_percent(value, locale=t.lang)


def _signed(t: Translator, value: float, digits: int = 0) -> str:
    """``+5``, ``−0.3``, or ``0`` when the change rounds to nothing."""
    rounded = round(value, digits)
    text = format_decimal(
        abs(rounded), format="0" + ("." + "0" * digits if digits else ""), locale=t.lang
    )
    if rounded == 0:
        return text
    return ("+" if rounded > 0 else "−") + text


def _few(t: Translator, n: int | None, k: int) -> str:
    """A people count, or "hidden" (below k, or it would give a small one away)."""
    return _count(t, n) if n is not None else t("stats.few")


def _met(t: Translator, met: int | None, running: int | None, k: int = 0) -> str:
    if running is None or (met is None and running):
        return t("stats.few")
    if not running:
        return t("stats.no_pairs_running")
    return t(
        "stats.met_value",
        rate=_percent(t, (met or 0) / running),
        met=_count(t, met or 0),
        running=_count(t, running),
    )


def _usefulness(t: Translator, f: Feedback) -> str:
    return (
        t("stats.usefulness_value", value=_number(t, f.usefulness))
        if f.usefulness is not None
        else "—"
    )


def _nps(t: Translator, f: Feedback) -> str:
    return _signed(t, f.nps) if f.nps is not None else "—"


def _feedback_line(t: Translator, f: Feedback) -> str:
    # No answer at all reads like too few: telling them apart would say which hidden
    # slice holds the answers (a role with none next to a role with "too few").
    if not f.shown:
        return t("stats.not_enough")
    return t(
        "stats.feedback_line",
        answers=t("stats.answers_n", n=_count(t, f.answers)),
        usefulness=_usefulness(t, f),
        nps=_nps(t, f),
    )


def _slice_line(
    t: Translator, s: Slice, *, with_pairs: bool, people: bool | None = None, k: int = 0
) -> str:
    parts = []
    if people if people is not None else s.key != "other":
        parts.append(
            t(
                "stats.slice_people",
                active=_few(t, s.active, k),
                paused=_few(t, s.paused, k),
                unmatched=_few(t, s.unmatched, k),
            )
        )
    if with_pairs:
        parts.append(
            t(
                "stats.slice_pairs",
                pairs=_few(t, s.active_pairs, k),
                met=_met(t, s.met, s.running, k),
            )
        )
    parts.append(t("stats.slice_feedback", feedback=_feedback_line(t, s.feedback)))
    return " · ".join(parts)


def _role_label(t: Translator, key: str) -> str:
    return t(f"stats.role.{key}")


def bucket_label(t: Translator, point: ChartPoint) -> str:
    """A short label for one point of the time axis."""
    day = point.start.date()
    if point.unit == "week":
        return t.date(day, "d MMM")
    if point.unit == "month":
        return t.date(day, "MMM yy")
    if point.unit == "quarter":
        return t("stats.quarter", quarter=(day.month - 1) // 3 + 1, year=day.year)
    return str(day.year)


def chart_text(t: Translator, report: Report) -> str:
    """The chart's text version: one line per point."""
    lines = []
    for point in report.chart:
        if point.usefulness is not None:
            usefulness = t("stats.usefulness_value", value=_number(t, point.usefulness))
        else:
            usefulness = t("stats.chart.hidden")  # none and too few read alike (see above)
        lines.append(
            t(
                "stats.chart.line",
                label=bucket_label(t, point),
                meetings=_count(t, point.meetings),
                usefulness=usefulness,
            )
        )
    return "\n".join(lines)


def chart_title(t: Translator, report: Report) -> tuple[str, str]:
    """What the chart shows (*… per week*) and when (*3 Nov 2026 to 1 Dec 2026*)."""
    unit = report.chart[0].unit if report.chart else "week"
    first = report.period.start.date()
    last = (report.period.end - timedelta(microseconds=1)).date()
    when = t("stats.chart.when", start=t.date(first), end=t.date(last))
    return t("stats.chart.title", unit=t(f"stats.chart.unit.{unit}")), when


def chart_element(t: Translator, report: Report) -> Image:
    """The PNG chart, described briefly for screen readers (the figures follow as text)."""
    title, when = chart_title(t, report)
    series = Series(  # drawn as pixels: plain text
        labels=[unescape(bucket_label(t, p)) for p in report.chart],
        meetings=[p.meetings for p in report.chart],
        usefulness=[p.usefulness for p in report.chart],
        title=unescape(title),
        subtitle=unescape(when),
        meetings_legend=unescape(t("stats.chart.meetings")),
        usefulness_legend=unescape(t("stats.chart.usefulness")),
    )
    return chart_image(series, alt=t("stats.chart.alt", points=t.number(len(report.chart))))


def _chunks(lines: Sequence[str]) -> list[str]:
    """Lines grouped in paragraphs short enough for one Slack section each."""
    chunks: list[str] = []
    current = ""
    for line in lines:
        if current and len(current) + len(line) + 1 > SECTION_CHARS:
            chunks.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line[:SECTION_CHARS]
    if current:
        chunks.append(current)
    return chunks


def stats_message(t: Translator, report: Report, *, chart: bool = True) -> Message:
    """The whole report."""
    scope = report.programme or t("stats.all_programmes")
    title = t("stats.title", scope=scope, period=period_name(t, report.period))
    fb = report.feedback
    elements: list[Element] = [
        Heading(title),
        Fields(
            (
                (t("stats.mentors"), _count(t, report.mentors)),
                (t("stats.mentees"), _count(t, report.mentees)),
                (t("stats.active_pairs"), _count(t, report.active_pairs)),
                (t("stats.unmatched"), _count(t, report.unmatched)),
                (t("stats.paused"), _count(t, report.paused)),
            ),
            t.colon,
        ),
        Heading(t("stats.meetings")),
        Fields(
            (
                (
                    t("stats.met"),
                    _with_trend(
                        t,
                        _met(t, report.met, report.running),
                        report.met_trend,
                        0,
                        "stats.trend_pts",
                    ),
                ),
                (t("stats.checkins"), _checkins(t, report)),
            ),
            t.colon,
        ),
        Heading(t("stats.feedback")),
    ]
    if fb.shown:
        elements.append(
            Fields(
                (
                    (t("stats.answers_label"), _count(t, fb.answers)),
                    (
                        t("stats.usefulness"),
                        _with_trend(
                            t, _usefulness(t, fb), report.usefulness_trend, 1, "stats.trend"
                        ),
                    ),
                    (
                        t("stats.nps"),
                        _with_trend(t, _nps(t, fb), report.nps_trend, 0, "stats.trend"),
                    ),
                ),
                t.colon,
            )
        )
    else:
        elements.append(Text(t("stats.not_enough")))
    # Why the figures did not move, or are not shown (the period rules, bot.stats.memory).
    if report.period_rule == "repeated":
        elements.append(Note(t("stats.period_rule.repeated", k=report.k)))
    elif report.period_rule == "withheld":
        elements.append(Note(t("stats.period_rule.withheld")))

    elements.append(Heading(t("stats.by_role")))
    elements.append(
        Fields(
            tuple(
                (_role_label(t, s.key), _slice_line(t, s, with_pairs=False, k=report.k))
                for s in report.by_role
            ),
            t.colon,
        )
    )
    if len(report.by_programme) > 1:
        elements.append(Heading(t("stats.by_programme")))
        # Text, not Fields: there may be more programmes than a Slack section has fields (10).
        lines = [
            f"{escape(s.key)}{t.colon}{_slice_line(t, s, with_pairs=True, k=report.k)}"
            for s in report.by_programme
        ]
        elements += [Text(chunk) for chunk in _chunks(lines)]

    if report.by_track:
        elements.append(Heading(t("stats.by_track")))
        # "other": people whose consented self-description names no priority track.
        lines = [
            f"{_track_name(t, s.key, report.labels)}{t.colon}"
            f"{_slice_line(t, s, with_pairs=True, people=True, k=report.k)}"
            for s in report.by_track
        ]
        elements += [Text(chunk) for chunk in _chunks(lines)]

    elements.append(Heading(t("stats.comments")))
    if report.comments:
        elements.append(Text("\n".join(f"• “{escape(c)}”" for c in report.comments)))
    elif report.comments_allowed:
        elements.append(Note(t("stats.no_comments")))
    else:
        elements.append(Note(t("stats.comments_threshold", n=t.number(report.comment_k))))

    if chart and report.chart:
        elements += [Divider(), chart_element(t, report)]
        elements += [Text(chunk) for chunk in _chunks(chart_text(t, report).splitlines())]
    elements.append(
        Note(t("stats.privacy_note", k=t.number(report.k), comment_k=t.number(report.comment_k)))
    )
    return Message(tuple(elements), text=title)


def _with_trend(t: Translator, value: str, trend: float | None, digits: int, key: str) -> str:
    if trend is None:
        return value
    return t(key, value=value, trend=_signed(t, trend, digits))


def _checkins(t: Translator, report: Report) -> str:
    """The check-in answers of the period; a count below k is "hidden", and a
    "problem" answer is never among them (it goes to the admins, privately)."""
    if not any(n is None or n > 0 for n in report.checkins.values()):
        return t("stats.no_checkins")
    return " · ".join(
        f"{t(f'stats.answer.{a}')} {_few(t, report.checkins.get(a, 0), report.k)}"
        for a in CHECKIN_ANSWERS
    )


def _track_name(t: Translator, key: str, labels: Mapping[str, Mapping[str, str]] | None) -> str:
    """A priority track in the reader's language ("other": no track named)."""
    return t("stats.track.other") if key == "other" else escape(t.label(labels, key))
