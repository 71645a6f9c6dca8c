"""Reporting periods: what a manager may type, and how weeks are split between periods."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.stats.periods import (
    ALL_DAYS,
    MAX_BUCKETS,
    PeriodError,
    chart_buckets,
    iso_week,
    parse_period,
)

NOW = datetime(2026, 11, 26, 10, 30, tzinfo=UTC)


def test_keywords_are_rolling_windows_ending_now_with_a_previous_one() -> None:
    month = parse_period("month", NOW)
    assert (month.start, month.end) == (NOW - timedelta(days=30), NOW)
    assert month.previous is not None
    assert (month.previous.start, month.previous.end) == (NOW - timedelta(days=60), month.start)
    assert parse_period(None, NOW).label == "month"
    assert parse_period("SEMAINE", NOW).label == "week"


def test_calendar_periods_and_their_predecessors() -> None:
    november = parse_period("2026-11", NOW)
    assert november.start == datetime(2026, 11, 1, tzinfo=UTC)
    assert november.end == datetime(2026, 12, 1, tzinfo=UTC)
    assert november.previous is not None
    assert november.previous.start == datetime(2026, 10, 1, tzinfo=UTC)
    q1 = parse_period("2026-q1", NOW)
    assert q1.label == "2026-Q1"
    assert q1.previous is not None and q1.previous.start == datetime(2025, 10, 1, tzinfo=UTC)
    week = parse_period("2026-W48", NOW)
    assert week.start == datetime(2026, 11, 23, tzinfo=UTC)
    assert week.weeks == ("2026-W48", "2026-W49")
    assert parse_period("2025", NOW).end == datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    ["fortnight", "2026-13", "2027-01", "1900", "2026-Q5", "2026-W60", "99999-01", "x" * 500],
)
def test_unknown_future_or_ancient_periods_are_refused(text: str) -> None:
    with pytest.raises(PeriodError):
        parse_period(text, NOW)


def test_all_is_bounded() -> None:
    everything = parse_period("all", NOW)
    assert everything.end - everything.start == timedelta(days=ALL_DAYS)
    assert everything.previous is None
    assert len(chart_buckets(everything)) <= MAX_BUCKETS


def test_iso_weeks_sort_like_time_across_years() -> None:
    days = [datetime(2020, 12, 20, tzinfo=UTC) + timedelta(days=3 * i) for i in range(400)]
    weeks = [iso_week(d) for d in days]
    assert weeks == sorted(weeks)
    assert iso_week(datetime(2021, 1, 1, tzinfo=UTC)) == "2020-W53"


moments = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
)


@given(moments, st.sampled_from(["week", "month", "quarter", "year"]))
def test_a_period_and_the_one_before_never_share_a_week(now: datetime, label: str) -> None:
    period = parse_period(label, now)
    assert period.previous is not None
    before = period.previous.weeks
    current = period.weeks
    assert before[1] == current[0]  # contiguous: every week belongs to exactly one period
    assert current[0] <= current[1]


@given(moments, st.sampled_from(["week", "month", "quarter", "year", "all"]))
def test_chart_buckets_are_contiguous_and_cover_the_periods_weeks(
    now: datetime, label: str
) -> None:
    period = parse_period(label, now)
    buckets = chart_buckets(period)
    assert 1 <= len(buckets) <= MAX_BUCKETS
    for a, b in itertools.pairwise(buckets):
        assert a.end == b.start
        assert a.weeks[1] == b.weeks[0]
    first, stop = period.weeks
    assert buckets[0].weeks[0] <= first
    assert stop <= buckets[-1].weeks[1]
