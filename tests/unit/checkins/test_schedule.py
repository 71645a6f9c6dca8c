"""When check-ins are due and when a message may reach someone (their working hours)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from bot.checkins.schedule import asked_since, current_cycle, cycle_due_at
from bot.outbox.working_hours import DEFAULT_HOURS, next_working_time

PARIS = ZoneInfo("Europe/Paris")


def paris(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


def test_a_message_in_working_hours_goes_at_once() -> None:
    monday_ten = paris(2026, 11, 30, 10, 0)
    assert next_working_time(monday_ten, "Europe/Paris") == monday_ten


def test_a_message_before_nine_waits_until_nine() -> None:
    assert next_working_time(paris(2026, 11, 30, 7, 30), "Europe/Paris") == paris(
        2026, 11, 30, 9, 0
    )


def test_a_message_after_five_on_friday_waits_until_monday_morning() -> None:
    assert next_working_time(paris(2026, 12, 4, 17, 0), "Europe/Paris") == paris(2026, 12, 7, 9, 0)


def test_the_same_moment_is_monday_for_one_and_still_sunday_for_another() -> None:
    moment = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)  # Sunday in London, Monday 08:30 in Tokyo
    assert next_working_time(moment, "Asia/Tokyo") == datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
    assert next_working_time(moment, "Europe/London") == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def test_nine_oclock_follows_daylight_saving_time() -> None:
    saturday = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)  # Paris moves to CEST on Sunday
    assert next_working_time(saturday, "Europe/Paris") == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)


def test_an_unknown_time_zone_is_treated_as_utc() -> None:
    saturday = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    assert next_working_time(saturday, "Mars/Olympus") == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@given(
    st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)
    ),
    st.sampled_from(
        ["Europe/Paris", "America/New_York", "Asia/Kolkata", "Pacific/Auckland", "UTC"]
    ),
)
def test_the_next_working_time_is_the_first_working_instant_from_then(
    moment: datetime, tz: str
) -> None:
    result = next_working_time(moment, tz)
    local = result.astimezone(ZoneInfo(tz))
    assert result >= moment
    assert local.weekday() in DEFAULT_HOURS.weekdays
    assert DEFAULT_HOURS.start <= local.time() < DEFAULT_HOURS.end
    if result > moment:  # it waited: it is the start of a working day, with no working time before
        assert local.time() == DEFAULT_HOURS.start
        assert result - moment <= timedelta(days=3, hours=16)


def test_check_ins_come_every_cadence_until_the_pair_ends() -> None:
    intro = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    cycles = [current_cycle(intro, 14, 42, intro + timedelta(days=d)) for d in range(-1, 44)]
    assert cycles[:15] == [0] * 15  # days -1..13
    assert cycles[15] == 1 and cycles[29] == 2  # days 14 and 28
    assert cycles[42] == 2  # day 41
    assert cycles[43:] == [0, 0]  # day 42: the pair's time is over, the wrap-up takes over
    assert cycle_due_at(intro, 14, 2) == intro + timedelta(days=28)
    assert asked_since(intro, 14, 1) == intro


def test_no_check_in_falls_on_the_last_day() -> None:
    intro = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    assert current_cycle(intro, 14, 28, intro + timedelta(days=27, hours=23)) == 1
