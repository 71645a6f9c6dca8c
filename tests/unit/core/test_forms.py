"""Form validation, fuzzed: arbitrary submissions give errors, never exceptions."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.core.i18n import translator
from conversations import enrolment, programme
from conversations.forms import build_form, validate

ENV = {
    "programmes": [{"id": 1, "name": "A"}, {"id": 2, "name": "B"}],
    "kind": "reverse",
    "topics": ["AI", "Hybrid work"],
    "max_capacity": 3,
    "role": "mentor",
}
values = st.dictionaries(
    st.sampled_from(
        [
            "programme",
            "role",
            "topics",
            "goals",
            "seniority",
            "department",
            "languages",
            "frequency",
            "capacity",
            "self_description",
            "consent",
            "name",
            "kind",
            "cadence",
            "gap",
            "other",
        ]
    ),
    st.one_of(st.text(max_size=600), st.lists(st.text(max_size=30), max_size=5)),
)


@given(values)
def test_enrolment_answers_never_raise(submitted: dict[str, str | list[str]]) -> None:
    for questions in (enrolment.START, enrolment.DETAILS):
        clean, errors = validate(questions, submitted, translator("fr"), ENV)
        assert set(clean).isdisjoint(errors)
        assert all(isinstance(e, str) and e for e in errors.values())


@given(values)
def test_programme_answers_never_raise(submitted: dict[str, str | list[str]]) -> None:
    clean, errors = validate(programme.QUESTIONS, submitted, translator("en"), {})
    assert set(clean).isdisjoint(errors)


def test_questions_asked_depend_on_earlier_answers() -> None:
    t = translator("en")
    mentor = build_form(
        form_id="f",
        title="T",
        questions=enrolment.DETAILS,
        t=t,
        env=ENV,
        initial={},
        submit_label="Next",
        cancel_label="Cancel",
    )
    mentee = build_form(
        form_id="f",
        title="T",
        questions=enrolment.DETAILS,
        t=t,
        env={**ENV, "role": "mentee"},
        initial={},
        submit_label="Next",
        cancel_label="Cancel",
    )
    assert "capacity" in {f.name for f in mentor.fields}
    assert "capacity" not in {f.name for f in mentee.fields}
    [capacity] = [f for f in mentor.fields if f.name == "capacity"]
    assert (capacity.min_value, capacity.max_value) == (1, 3)


def test_numbers_and_choices_are_checked() -> None:
    t = translator("en")
    clean, errors = validate(
        enrolment.DETAILS,
        {
            "topics": ["AI"],
            "goals": "g",
            "seniority": "9",
            "department": "d",
            "languages": ["en"],
            "frequency": "daily",
            "capacity": "two",
        },
        t,
        ENV,
    )
    assert errors == {
        "seniority": "Please pick one of the choices offered.",
        "frequency": "Please pick one of the choices offered.",
        "capacity": "Please enter a whole number.",
    }
    assert clean["topics"] == ["AI"]
