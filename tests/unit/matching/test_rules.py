"""Hand-made cases: each hard rule, reasons, unmatched codes, validation."""

from __future__ import annotations

from types import MappingProxyType
from typing import Literal

import pytest

from bot.matching import (
    Proposal,
    Reason,
    Rules,
    Weights,
    check_pair,
    propose,
    propose_greedy,
    score_pair,
)

from .oracle import cand, check_proposal

METHODS: list[Literal["dense", "sparse"]] = ["dense", "sparse"]


def pairs_of(p: Proposal) -> set[tuple[int, int]]:
    return {(x.mentor_id, x.mentee_id) for x in p.pairs}


def reasons_of(p: Proposal) -> dict[int, str]:
    return {u.candidate_id: u.reason for u in p.unmatched}


# --- hard rules ----------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_capacity_is_respected_and_excess_mentee_reported(
    method: Literal["dense", "sparse"],
) -> None:
    mentor = cand(1, capacity=2)
    mentees = [cand(10 + k, "mentee") for k in range(3)]
    rules = Rules()
    p = propose([mentor], mentees, rules, method=method)
    check_proposal([mentor], mentees, rules, p)
    assert len(p.pairs) == 2
    assert [(u.role, u.reason) for u in p.unmatched] == [("mentee", "capacity_exhausted")]


def test_capacity_is_clamped_to_the_programme_bound() -> None:
    mentor = cand(1, capacity=3)
    mentees = [cand(10 + k, "mentee") for k in range(3)]
    p = propose([mentor], mentees, Rules(max_capacity=1))
    assert len(p.pairs) == 1


@pytest.mark.parametrize(
    ("kind", "gap", "mentor_sen", "mentee_sen", "ok"),
    [
        ("reverse", 2, 2, 4, True),  # 2 + 2 <= 4
        ("reverse", 2, 2, 3, False),
        ("reverse", 0, 3, 3, True),
        ("reverse", 0, 4, 3, False),
        ("classic", 2, 5, 3, True),  # 5 >= 3 + 2
        ("classic", 3, 5, 3, False),
        ("classic", 0, 3, 3, True),
    ],
)
def test_seniority_rule(kind: str, gap: int, mentor_sen: int, mentee_sen: int, ok: bool) -> None:
    mentor = cand(1, seniority=mentor_sen)
    mentee = cand(2, "mentee", seniority=mentee_sen)
    rules = Rules(kind=kind, seniority_gap=gap)  # type: ignore[arg-type]
    p = propose([mentor], [mentee], rules)
    assert bool(p.pairs) is ok
    assert ("seniority" in check_pair(mentor, mentee, rules)) is not ok
    if not ok:
        assert reasons_of(p) == {1: "no_feasible_partner", 2: "no_feasible_partner"}


@pytest.mark.parametrize(
    ("dept_m", "dept_e", "separate", "ok"),
    [
        ("it", "it", True, False),
        ("it", "hr", True, True),
        ("it", "it", False, True),
        (None, None, True, True),  # no department never conflicts
        (None, "it", True, True),
        ("it", None, True, True),
    ],
)
def test_department_rule(dept_m: str | None, dept_e: str | None, separate: bool, ok: bool) -> None:
    mentor = cand(1, department=dept_m)
    mentee = cand(2, "mentee", department=dept_e)
    for method in METHODS:
        p = propose([mentor], [mentee], Rules(separate_departments=separate), method=method)
        assert bool(p.pairs) is ok


def test_reporting_line_direct_from_candidate_manager_key() -> None:
    boss = cand(2, "mentee", person_key="boss")
    junior = cand(1, person_key="junior", manager_key="boss")
    other = cand(3, "mentee", person_key="other")
    rules = Rules()
    p = propose([junior], [boss, other], rules)
    assert pairs_of(p) == {(1, 3)}
    assert check_pair(junior, boss, rules) == ("reporting_line",)


def test_reporting_line_is_transitive_via_rules_managers() -> None:
    # junior -> lead (not enrolled) -> director (a mentee)
    director = cand(2, "mentee", person_key="director")
    junior = cand(1, person_key="junior")
    rules = Rules(managers=MappingProxyType({"junior": "lead", "lead": "director"}))
    assert propose([junior], [director], rules).pairs == []
    assert "reporting_line" in check_pair(junior, director, rules)


def test_reporting_line_applies_in_both_directions() -> None:
    # Classic mentoring: the mentor manages the mentee, two levels down.
    mentor = cand(1, person_key="vp", seniority=6)
    mentee = cand(2, "mentee", person_key="dev", seniority=2, manager_key="mgr")
    rules = Rules(kind="classic", managers={"mgr": "vp"})
    assert propose([mentor], [mentee], rules).pairs == []


def test_reporting_line_cycles_do_not_hang_and_still_forbid() -> None:
    a = cand(1, person_key="a", manager_key="b")
    b = cand(2, "mentee", person_key="b", manager_key="c")
    c = cand(3, "mentee", person_key="c")
    rules = Rules(managers={"c": "a"})  # a -> b -> c -> a
    p = propose([a], [b, c], rules)
    assert p.pairs == []
    assert check_pair(a, c, rules) == ("reporting_line",)


def test_forbidden_pairs_are_never_proposed() -> None:
    mentor = cand(1, person_key="m")
    e1 = cand(2, "mentee", person_key="e1", topics=frozenset({"ai"}))
    e2 = cand(3, "mentee", person_key="e2", topics=frozenset({"ux"}))
    rules = Rules(forbidden=frozenset({("m", "e1")}))
    assert pairs_of(propose([mentor], [e1, e2], rules)) == {(1, 3)}
    assert check_pair(mentor, e1, rules) == ("forbidden",)


def test_nobody_is_paired_with_themselves() -> None:
    me_mentor = cand(1, person_key="same")
    me_mentee = cand(2, "mentee", person_key="same")
    rules = Rules()
    assert propose([me_mentor], [me_mentee], rules).pairs == []
    assert check_pair(me_mentor, me_mentee, rules) == ("same_person",)


def test_check_pair_lists_every_broken_rule() -> None:
    mentor = cand(1, person_key="x", seniority=6, department="it")
    mentee = cand(2, "mentee", person_key="x", seniority=1, department="it")
    rules = Rules(forbidden=frozenset({("x", "x")}))
    assert check_pair(mentor, mentee, rules) == (
        "same_person",
        "seniority",
        "same_department",
        "forbidden",
    )
    assert check_pair(mentee, mentor, rules)[0] == "role"


# --- unmatched codes and empty sides ----------------------------------------------------------


def test_empty_sides_return_empty_proposals_with_reasons() -> None:
    mentors = [cand(1), cand(2)]
    mentees = [cand(10, "mentee")]
    p = propose([], mentees, Rules(seed=7))
    assert p.pairs == [] and p.total_score == 0.0 and p.seed == 7
    assert [(u.candidate_id, u.role, u.reason) for u in p.unmatched] == [
        (10, "mentee", "no_mentors")
    ]
    p = propose(mentors, [], Rules())
    assert {(u.candidate_id, u.reason) for u in p.unmatched} == {
        (1, "no_mentees"),
        (2, "no_mentees"),
    }
    assert propose([], [], Rules()).unmatched == []
    assert propose_greedy([], mentees, Rules()).unmatched[0].reason == "no_mentors"


def test_unmatched_mentor_codes() -> None:
    # Mentor 1 can take only mentee 10, who prefers (and gets) mentor 2;
    # mentor 3 is compatible with nobody.
    m1 = cand(1, topics=frozenset({"x"}))
    m2 = cand(2, topics=frozenset({"ai"}))
    m3 = cand(3, seniority=6)
    e = cand(10, "mentee")
    p = propose([m1, m2, m3], [e], Rules())
    assert pairs_of(p) == {(2, 10)}
    assert reasons_of(p) == {1: "capacity_exhausted", 3: "no_feasible_partner"}


# --- scores and reasons ---------------------------------------------------------------------


def test_reasons_are_structured_and_ordered_by_value() -> None:
    mentor = cand(
        1,
        topics=frozenset({"ai", "data", "ux"}),
        languages=frozenset({"fr", "en"}),
        utc_offset_minutes=60,  # Paris in winter
        frequency="weekly",
        tracks=frozenset({"womens-leadership"}),
    )
    mentee = cand(
        2,
        "mentee",
        topics=frozenset({"ai", "data", "cloud", "crypto"}),
        languages=frozenset({"en", "fr"}),
        utc_offset_minutes=-300,  # Montreal in winter
        frequency="weekly",
    )
    rules = Rules(priority_tracks=frozenset({"womens-leadership"}))
    score, reasons = score_pair(mentor, mentee, rules)
    assert [r.code for r in reasons] == [
        "shared_topics",  # 1.0 * 2/4
        "priority_track",  # 0.5
        "common_language",  # 0.5
        "same_frequency",  # 0.2
        "hours_apart",  # 0.3 * 2/8
    ]
    assert reasons[0] == Reason("shared_topics", {"count": 2, "topics": "ai, data"})
    assert reasons[1].params == {"track": "womens-leadership"}
    assert reasons[2].params == {"language": "en", "languages": "en, fr"}
    assert reasons[4].params == {"hours": 6, "overlap_hours": 2}
    expected = 0.5 + 0.5 + 0.5 + 0.2 + 0.3 * 2 / 8
    assert expected <= score < expected + rules.weights.noise
    p = propose([mentor], [mentee], rules)
    assert p.pairs[0].score == score and p.pairs[0].reasons == reasons


def test_working_hours_overlap_wraps_around_midnight_utc() -> None:
    tokyo = cand(1, utc_offset_minutes=540)  # 9-17 local = 00-08 UTC
    los_angeles = cand(2, "mentee", utc_offset_minutes=-480)  # 17-01 UTC
    _, reasons = score_pair(tokyo, los_angeles, Rules())
    hours = next(r for r in reasons if r.code == "hours_apart")
    assert hours.params == {"hours": 17, "overlap_hours": 1}
    night = cand(3, "mentee", utc_offset_minutes=0, work_start_hour=22, work_end_hour=6)
    _, reasons = score_pair(tokyo, night, Rules())
    hours = next(r for r in reasons if r.code == "hours_apart")
    assert hours.params == {"hours": 9, "overlap_hours": 6}


def test_frequency_terms() -> None:
    rules = Rules(weights=Weights(topic=0, language=0, timezone=0, track=0, noise=0))
    mentor = cand(1, frequency="weekly")
    for freq, value in (("weekly", 0.2), ("biweekly", 0.1), ("monthly", 0.0)):
        score, _ = score_pair(mentor, cand(2, "mentee", frequency=freq), rules)
        assert score == pytest.approx(value)


def test_weights_from_mapping() -> None:
    w = Weights.from_mapping({"topic": 2, "noise": 0.0, "unknown": "ignored", "track": 1.5})
    assert (w.topic, w.noise, w.track, w.language) == (2.0, 0.0, 1.5, 0.5)
    with pytest.raises(ValueError, match="topic"):
        Weights.from_mapping({"topic": -1})
    with pytest.raises(ValueError, match="language"):
        Weights.from_mapping({"language": "high"})
    with pytest.raises(ValueError, match="timezone"):
        Weights(timezone=float("nan"))


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mentors", "mentees", "message"),
    [
        ([cand(1), cand(1, person_key="b")], [], "duplicate mentor id 1"),
        ([], [cand(1, "mentee"), cand(1, "mentee", person_key="b")], "duplicate mentee id 1"),
        ([cand(1), cand(2, person_key="mentor-1")], [], "enrolled twice"),
        ([], [cand(1, "mentee", capacity=2)], "capacity must be 1"),
        ([cand(1, capacity=0)], [], "capacity must be >= 1"),
        ([cand(1, capacity=-2)], [], "capacity must be >= 1"),
        ([cand(1, "mentee")], [], "passed as a mentor"),
        ([cand(1, seniority=7)], [], "seniority"),
        ([cand(1, frequency="daily")], [], "frequency"),
        ([cand(1, utc_offset_minutes=15 * 60)], [], "utc_offset"),
        ([cand(1, work_start_hour=9, work_end_hour=9)], [], "working hours"),
        ([cand(1, topics="ai")], [], "topics"),
        ([cand(1, capacity=True)], [], "capacity must be an int"),
        ([cand(1, person_key="")], [], "person_key"),
    ],
)
def test_invalid_candidates_raise(mentors: list, mentees: list, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValueError, match=message):
        propose(mentors, mentees, Rules())
    with pytest.raises(ValueError, match=message):
        propose_greedy(mentors, mentees, Rules())


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        (Rules(seniority_gap=-1), "seniority_gap"),
        (Rules(max_capacity=0), "max_capacity"),
        (Rules(kind="other"), "kind"),  # type: ignore[arg-type]
        (Rules(forbidden=frozenset({("a",)})), "forbidden"),  # type: ignore[arg-type]
    ],
)
def test_invalid_rules_raise(rules: Rules, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        propose([cand(1)], [cand(2, "mentee")], rules)


def test_invalid_options_raise() -> None:
    with pytest.raises(ValueError, match="method"):
        propose([cand(1)], [], Rules(), method="magic")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="top_k"):
        propose([cand(1)], [], Rules(), top_k=0)
    with pytest.raises(ValueError, match="gap"):
        propose([cand(1)], [], Rules(), gap=-0.1)
