"""From enrolments to matcher candidates; schedules; explanations in both languages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.core.i18n import translator
from bot.matching.rounds import (
    candidate,
    person_key,
    settings_problem,
    tracks_of,
    utc_offset_minutes,
)
from bot.matching.schedule import ScheduleError, next_round_after, round_due
from conversations.introduction import PairFacts, direct_introduction, group_introduction
from conversations.matching import explain
from storage.tables import Enrolment, Person, Programme

WINTER = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
SUMMER = datetime(2026, 7, 15, 12, 0, tzinfo=UTC)


def test_time_zone_offsets_follow_daylight_saving_and_survive_unknown_zones() -> None:
    assert utc_offset_minutes("Europe/Paris", WINTER) == 60
    assert utc_offset_minutes("Europe/Paris", SUMMER) == 120
    assert utc_offset_minutes("Asia/Kolkata", WINTER) == 330
    assert utc_offset_minutes("Nowhere/Atlantis", WINTER) == 0
    assert utc_offset_minutes(None, WINTER) == 0


def test_only_a_consented_self_description_maps_to_priority_tracks() -> None:
    tracks = ["Women's leadership", "Early careers"]
    said = "I'd love to join the women’s leadership track!"
    consented = Enrolment(
        person_id=1,
        programme_id=1,
        role="mentor",
        self_description=said,
        self_description_consent=True,
    )
    assert tracks_of(consented, tracks) == {"Women's leadership"}
    assert tracks_of(
        Enrolment(
            person_id=1,
            programme_id=1,
            role="mentor",
            self_description=said,
            self_description_consent=False,
        ),
        tracks,
    ) == (frozenset())
    assert tracks_of(
        Enrolment(
            person_id=1,
            programme_id=1,
            role="mentor",
            self_description="early careers",
            self_description_consent=True,
        ),
        tracks,
    ) == {"Early careers"}
    assert tracks_of(
        Enrolment(
            person_id=1,
            programme_id=1,
            role="mentor",
            self_description="careers",
            self_description_consent=True,
        ),
        tracks,
    ) == (frozenset())


def test_an_enrolment_becomes_a_clean_candidate() -> None:
    person = Person(
        id=7,
        platform="slack",
        workspace="T1",
        user_id="U7",
        timezone="America/New_York",
        manager_user_id="U1",
    )
    enrolment = Enrolment(
        id=3,
        person_id=7,
        programme_id=1,
        role="mentor",
        topics_share=[" AI ", "Hybrid work", ""],
        seniority=9,
        department="  Marketing ",
        languages=["FR", "en"],
        frequency="daily",
    )
    programme = Programme(name="P", priority_tracks=[])
    found = candidate(enrolment, person, programme, WINTER, capacity=2)
    assert found.person_key == person_key(person) == "slack:T1:U7"
    assert found.manager_key == "slack:T1:U1"
    assert found.topics == {"AI", "Hybrid work"}
    assert found.languages == {"fr", "en"}
    assert (found.seniority, found.department, found.frequency) == (6, "marketing", "biweekly")
    assert (found.capacity, found.utc_offset_minutes) == (2, -300)


def test_inconsistent_programme_settings_are_named() -> None:
    assert settings_problem(Programme(name="P")) is None
    assert settings_problem(Programme(name="P", max_capacity=0)) == "max_capacity=0"
    assert settings_problem(Programme(name="P", kind="weird")) == "kind='weird'"
    odd_weights: dict[str, Any] = {"topic": "x"}
    assert "topic" in (settings_problem(Programme(name="P", weights=odd_weights)) or "")


def test_every_n_days_counts_from_the_last_round() -> None:
    last = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    assert next_round_after("every 14 days", last) == last + timedelta(days=14)
    assert next_round_after("Every 2 weeks", last) == last + timedelta(days=14)
    assert not round_due("every 14 days", last, last + timedelta(days=13))
    assert round_due("every 1 day", last, last + timedelta(days=1))


def test_cron_schedules_fire_strictly_after_the_last_round() -> None:
    monday_9 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert next_round_after("0 9 * * mon", monday_9 - timedelta(hours=1)) == monday_9
    assert next_round_after("0 9 * * mon", monday_9) == monday_9 + timedelta(days=7)
    for bad in ("whenever", "every 0 days", "61 * * * *", ""):
        with pytest.raises(ScheduleError):
            next_round_after(bad, monday_9)


def test_reasons_read_as_one_line_in_each_language() -> None:
    reasons = [
        {
            "code": "shared_topics",
            "params": {"count": 3, "topics": "AI, social media, hybrid work"},
        },
        {"code": "priority_track", "params": {"track": "Women's leadership"}},
        {"code": "common_language", "params": {"language": "fr", "languages": "fr"}},
        {"code": "same_frequency", "params": {"frequency": "weekly"}},
        {"code": "hours_apart", "params": {"hours": 1, "overlap_hours": 7}},
    ]
    en, fr = translator("en"), translator("fr")
    assert explain(en, reasons) == (
        "3 shared topics: AI, social media, hybrid work; both speak French; "
        "both want to meet every week; 1 h apart"
    )
    assert explain(fr, reasons) == (
        "3 sujets en commun\u00a0: AI, social media, hybrid work\u202f; "
        "langue commune\u00a0: français\u202f; "
        "même rythme souhaité\u00a0: chaque semaine\u202f; 1\u00a0h de décalage horaire"
    )
    assert "priority" in explain(en, reasons, for_admin=True)
    assert "Women" not in explain(en, reasons, for_admin=True)
    one = [{"code": "shared_topics", "params": {"count": 1, "topics": "AI"}}]
    assert explain(en, one) == "1 shared topic: AI"
    assert explain(fr, one) == "1 sujet en commun\u00a0: AI"
    labels = {"fr": {"AI": "IA"}}  # the programme's labels: topics in the reader's language
    assert explain(fr, one, labels=labels) == "1 sujet en commun\u00a0: IA"
    assert explain(en, one, labels=labels) == "1 shared topic: AI"
    two_languages = [{"code": "common_language", "params": {"languages": "en, fr"}}]
    assert explain(en, two_languages) == "both speak English and French"
    assert explain(en, [{"code": "hours_apart", "params": {"hours": 5.5}}]) == "5.5 h apart"
    half = [{"code": "hours_apart", "params": {"hours": 5.5}}]
    assert explain(fr, half) == "5,5\u00a0h de décalage horaire"
    assert explain(en, []) == "allowed by every rule of the programme"


FACTS = PairFacts(
    pair_id=1,
    programme="Reverse mentoring",
    kind="reverse",
    mentor="Alice",
    mentee="Bruno",
    reasons=[{"code": "shared_topics", "params": {"count": 1, "topics": "AI"}}],
    cadence_days=14,
    duration_days=180,
)


def test_a_direct_introduction_names_the_other_person() -> None:
    to_mentor = direct_introduction(translator("en"), FACTS, "mentor")
    to_mentee = direct_introduction(translator("fr"), FACTS, "mentee")
    assert to_mentor.text == "Meet your mentee, Bruno!"
    assert to_mentee.text == "Voici votre mentor\u00a0: Alice\u202f!"


def test_a_group_introduction_is_bilingual_only_when_needed() -> None:
    en, fr = translator("en"), translator("fr")
    assert group_introduction([en, en], FACTS).text == "Alice and Bruno, meet each other!"
    both = group_introduction([en, fr], FACTS)
    assert both.text == (
        "Alice and Bruno, meet each other! / Alice et Bruno, faites connaissance\u202f!"
    )
