"""Reporting periods for ``/mentoring stats``: what a manager types, parsed and bounded.

Keywords are rolling windows ending now (``week`` = the last 7 days, ``month`` =
30, ``quarter`` = 91, ``year`` = 365, ``all`` = the last five years); explicit
periods are calendar ones (``2026-11``, ``2026-Q4``, ``2026``, ``2026-W48``),
never more than ten years back nor in the future. Each period knows the one
before it, for trends.

Feedback answers carry only an ISO week (``2026-W48``), so a period's feedback
is the answers of the weeks whose Monday falls inside it: consecutive periods
never share a week, and the ISO-week strings sort in time order, so SQL can
filter them with plain string comparisons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

ROLLING_DAYS = {"week": 7, "month": 30, "quarter": 91, "year": 365}
KEYWORD_ALIASES = {
    "week": "week",
    "semaine": "week",
    "month": "month",
    "mois": "month",
    "quarter": "quarter",
    "trimestre": "quarter",
    "year": "year",
    "annee": "year",
    "année": "year",
    "an": "year",
    "all": "all",
    "tout": "all",
}
DEFAULT_PERIOD = "month"
ALL_DAYS = 5 * 365  # ``all`` is bounded: a chart over decades helps nobody and costs a scan
MAX_YEARS_BACK = 10
MAX_INPUT = 16

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-?[qQtT]([1-4])$")  # T for "trimestre"
_YEAR = re.compile(r"^(\d{4})$")
_WEEK = re.compile(r"^(\d{4})-?[wWsS](\d{1,2})$")  # S for "semaine"


class PeriodError(ValueError):
    """The text is not a period we know, or it is out of the allowed range."""


@dataclass(frozen=True)
class Period:
    """A reporting window ``[start, end)`` in UTC, and the one before it (``None`` for ``all``)."""

    label: str
    start: datetime
    end: datetime
    previous_start: datetime | None = None

    @property
    def previous(self) -> Period | None:
        """The period just before this one, for trends."""
        if self.previous_start is None:
            return None
        return Period(f"{self.label}-1", self.previous_start, self.start)

    @property
    def weeks(self) -> tuple[str, str]:
        """ISO weeks ``[first, stop)`` whose Monday falls in the period (string comparison)."""
        return iso_week(first_monday_from(self.start)), iso_week(first_monday_from(self.end))


def iso_week(moment: date | datetime) -> str:
    """The ISO week of a day, e.g. ``2026-W48``: the coarse time kept with feedback."""
    if isinstance(moment, datetime):
        moment = moment.astimezone(UTC).date()
    year, week, _ = moment.isocalendar()
    return f"{year:04d}-W{week:02d}"


def first_monday_from(moment: datetime) -> datetime:
    """The first Monday 00:00 UTC at or after ``moment``."""
    moment = moment.astimezone(UTC)
    monday = datetime.combine(moment.date(), datetime.min.time(), UTC) - timedelta(
        days=moment.weekday()
    )
    return monday if monday >= moment else monday + timedelta(days=7)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), UTC)


def _month_start(year: int, month: int) -> datetime:
    return _midnight(date(year, month, 1))


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def parse_period(text: str | None, now: datetime) -> Period:
    """The period named by ``text`` (``None``: the default), relative to ``now``."""
    now = now.astimezone(UTC)
    raw = (text or DEFAULT_PERIOD).strip().lower()[: MAX_INPUT + 1]
    if len(raw) > MAX_INPUT:
        raise PeriodError(raw[:MAX_INPUT])
    keyword = KEYWORD_ALIASES.get(raw)
    if keyword == "all":
        return Period("all", now - timedelta(days=ALL_DAYS), now)
    if keyword is not None:
        span = timedelta(days=ROLLING_DAYS[keyword])
        return Period(keyword, now - span, now, now - 2 * span)
    period = _calendar_period(raw)
    if period is None:
        raise PeriodError(raw)
    if period.start > now or period.start.year < now.year - MAX_YEARS_BACK:
        raise PeriodError(raw)
    return period


def _calendar_period(raw: str) -> Period | None:
    try:
        if m := _MONTH.match(raw):
            year, month = int(m[1]), int(m[2])
            if not 1 <= month <= 12:
                return None
            start = _month_start(year, month)
            end = _month_start(*_add_months(year, month, 1))
            previous = _month_start(*_add_months(year, month, -1))
            return Period(f"{year:04d}-{month:02d}", start, end, previous)
        if m := _QUARTER.match(raw):
            year, quarter = int(m[1]), int(m[2])
            first = 3 * (quarter - 1) + 1
            start = _month_start(year, first)
            end = _month_start(*_add_months(year, first, 3))
            previous = _month_start(*_add_months(year, first, -3))
            return Period(f"{year:04d}-Q{quarter}", start, end, previous)
        if m := _YEAR.match(raw):
            year = int(m[1])
            return Period(
                f"{year:04d}",
                _month_start(year, 1),
                _month_start(year + 1, 1),
                _month_start(year - 1, 1),
            )
        if m := _WEEK.match(raw):
            year, week = int(m[1]), int(m[2])
            start = _midnight(date.fromisocalendar(year, week, 1))
            return Period(
                f"{year:04d}-W{week:02d}",
                start,
                start + timedelta(days=7),
                start - timedelta(days=7),
            )
    except ValueError:  # year 0, week 53 of a 52-week year...
        return None
    return None


def looks_like_period(word: str) -> bool:
    """True when ``word`` was probably meant as a period (a keyword or digits with a dash)."""
    raw = word.strip().lower()
    return raw in KEYWORD_ALIASES or bool(re.match(r"^\d{4}", raw))


@dataclass(frozen=True)
class Bucket:
    """One point of the chart: ``[start, end)``, and the ISO weeks ``[first, stop)`` it holds."""

    start: datetime
    end: datetime
    unit: str  # week | month | quarter | year

    @property
    def weeks(self) -> tuple[str, str]:
        """The ISO weeks whose Monday falls in the bucket."""
        return iso_week(first_monday_from(self.start)), iso_week(first_monday_from(self.end))


MAX_BUCKETS = 24
WEEKLY_BUCKETS = 14  # a 92-day quarter holds at most 14 Mondays: its weeks are all on the chart
WEEKLY_SPAN = timedelta(days=92)


def chart_buckets(period: Period) -> list[Bucket]:
    """The chart's time axis: 14 weeks up to the period's end for short periods, else months.

    Long periods are cut into calendar months (quarters, then years, beyond
    ``MAX_BUCKETS`` points), the first and last clipped to the period, so that
    their weeks split the period's weeks exactly.
    """
    if period.end - period.start <= WEEKLY_SPAN:
        last = first_monday_from(period.end) - timedelta(days=7)
        starts = [last - timedelta(days=7 * i) for i in range(WEEKLY_BUCKETS - 1, -1, -1)]
        return [Bucket(s, s + timedelta(days=7), "week") for s in starts]
    for unit, months in (("month", 1), ("quarter", 3), ("year", 12)):
        buckets = _calendar_buckets(period, unit, months)
        if len(buckets) <= MAX_BUCKETS:
            return buckets
    return buckets[-MAX_BUCKETS:]


def _calendar_buckets(period: Period, unit: str, months: int) -> list[Bucket]:
    start = period.start
    year, month = start.year, start.month
    month -= (month - 1) % months
    buckets: list[Bucket] = []
    while True:
        begin = _month_start(year, month)
        if begin >= period.end or len(buckets) > MAX_BUCKETS:
            break
        year, month = _add_months(year, month, months)
        finish = _month_start(year, month)
        buckets.append(Bucket(max(begin, period.start), min(finish, period.end), unit))
    return buckets
