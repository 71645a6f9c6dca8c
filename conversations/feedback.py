"""The anonymous feedback survey, as data: three short questions, clearly labelled anonymous.

- how useful the programme is (1–5);
- how likely they are to recommend it (0–10, for the NPS);
- an optional comment (at most ``COMMENT_MAX`` characters).

Surveys are named by a key: ``checkin:<pair>:<cycle>`` (offered after a "met"
check-in answer), ``end:<pair>`` (when a pair's programme ends) and
``adhoc:<programme>:<week>`` (``/mentoring feedback``, once a week per programme).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.core.i18n import Translator
from bot.core.markup import escape
from bot.core.model import Actions, Button, Form, Message, Note, Option, Text
from conversations.forms import Question, build_form

FORM_ID = "feedback.survey"
START_ACTION = "feedback.start"
COMMENT_MAX = 1000
USEFULNESS = range(1, 6)
RECOMMEND = range(0, 11)


def _programme_options(_t: Translator, env: Mapping[str, Any]) -> list[Option]:
    return [Option(str(pid), escape(name)) for pid, name in env.get("programmes", ())]


def _usefulness_options(t: Translator, _env: Mapping[str, Any]) -> list[Option]:
    return [Option(str(n), t(f"feedback.usefulness.{n}")) for n in USEFULNESS]


def _recommend_options(t: Translator, _env: Mapping[str, Any]) -> list[Option]:
    labels = {0: t("feedback.recommend.0"), 10: t("feedback.recommend.10")}
    return [Option(str(n), labels.get(n, str(n))) for n in RECOMMEND]


def _several_programmes(env: Mapping[str, Any]) -> bool:
    return len(env.get("programmes", ())) > 1


QUESTIONS: Sequence[Question] = (
    Question(
        "programme",
        "radio",
        "feedback.q.programme",
        options=_programme_options,
        when=_several_programmes,
    ),
    Question("usefulness", "radio", "feedback.q.usefulness", options=_usefulness_options),
    Question(
        "recommend",
        "select",
        "feedback.q.recommend",
        "feedback.q.recommend.hint",
        options=_recommend_options,
    ),
    Question(
        "comment",
        "textarea",
        "feedback.q.comment",
        "feedback.q.comment.hint",
        required=False,
        max_length=COMMENT_MAX,
    ),
)


def anonymity_note(t: Translator, k: int) -> str:
    """The one sentence on how the answers stay anonymous."""
    return t("feedback.anonymous", k=t.number(k))


def survey_form(
    t: Translator,
    *,
    state: str,
    programmes: Sequence[tuple[int, str]],
    k: int,
    initial: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
) -> Form:
    """The survey form; ``programmes`` lists the choices when there are several."""
    intro = (Text(t("feedback.form.intro")), Note(anonymity_note(t, k)))
    return build_form(
        form_id=FORM_ID,
        title=t("feedback.form.title"),
        questions=QUESTIONS,
        t=t,
        env={"programmes": list(programmes)},
        initial=initial or {},
        submit_label=t("feedback.form.submit"),
        cancel_label=t("feedback.form.cancel"),
        intro=intro,
        state=state,
        errors=errors,
    )


def survey_offer(t: Translator, survey_key: str, k: int = 5) -> Message:
    """The invitation with its button (for the check-in and end-of-programme messages)."""
    text = t("feedback.offer")
    button = Button(t("feedback.offer.button"), START_ACTION, survey_key, "primary")
    return Message((Text(text), Actions((button,)), Note(anonymity_note(t, k))), text=text)


def checkin_survey_key(pair_id: int, cycle: int) -> str:
    """The survey offered after a "met" check-in answer."""
    return f"checkin:{pair_id}:{cycle}"


def end_survey_key(pair_id: int) -> str:
    """The survey offered when a pair's programme ends."""
    return f"end:{pair_id}"


def adhoc_survey_key(programme_id: int, week: str) -> str:
    """``/mentoring feedback``: one answer per programme and week."""
    return f"adhoc:{programme_id}:{week}"
