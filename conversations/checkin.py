"""The check-in conversation, as data: the question, its answers, reminders and wrap-up.

Every answer button carries ``<pair id>:<cycle>``, so a click always names the
check-in it answers; the handlers in ``bot/features/checkins.py`` decide
whether that check-in is still the current one.
"""

from __future__ import annotations

from datetime import date

from bot.core.i18n import Translator
from bot.core.model import (
    Actions,
    Button,
    Element,
    Form,
    FormField,
    Heading,
    Message,
    Note,
    Text,
)

ANSWERS = ("met", "scheduled", "not_yet", "pause", "problem")
ACTION_PREFIX = "checkin."
FEEDBACK_ACTION = "feedback.start"
SCHEDULED_FORM = "checkin.scheduled"
SCHEDULED_MAX_DAYS = 90


def checkin_value(pair_id: int, cycle: int) -> str:
    """What every answer button of one check-in carries."""
    return f"{pair_id}:{cycle}"


def parse_value(value: str) -> tuple[int, int] | None:
    """``(pair id, cycle)`` from a button value, or None when it is not one of ours."""
    head, _, tail = value.partition(":")
    if head.isdigit() and tail.isdigit():
        return int(head), int(tail)
    return None


def answer_buttons(t: Translator, value: str) -> Actions:
    """The five answers to "did you meet?"."""
    return Actions(
        (
            Button(t("checkin.button.met"), "checkin.met", value, "primary"),
            Button(t("checkin.button.scheduled"), "checkin.scheduled", value),
            Button(t("checkin.button.not_yet"), "checkin.not_yet", value),
            Button(t("checkin.button.pause"), "checkin.pause", value),
            Button(t("checkin.button.problem"), "checkin.problem", value, "danger"),
        )
    )


def _question(t: Translator, lead: str, value: str) -> Message:
    elements: list[Element] = [
        Heading(t("checkin.title")),
        Text(lead),
        answer_buttons(t, value),
        Note(t("checkin.note")),
    ]
    return Message(tuple(elements), text=lead)


def checkin_message(t: Translator, partner: str, since: date, value: str) -> Message:
    """The check-in: did you meet since <date>?"""
    return _question(t, t("checkin.question", partner=partner, since=t.date(since, "long")), value)


def nudge_message(
    t: Translator, partner: str, since: date, value: str, *, after_not_yet: bool
) -> Message:
    """A reminder for a pair that said "not yet" or did not answer."""
    key = "checkin.nudge.not_yet" if after_not_yet else "checkin.nudge.silent"
    return _question(t, t(key, partner=partner, since=t.date(since, "long")), value)


def reask_message(t: Translator, partner: str, planned: date, value: str) -> Message:
    """The pair said they had scheduled a meeting on ``planned``: did it happen?"""
    return _question(t, t("checkin.reask", partner=partner, date=t.date(planned, "long")), value)


def feedback_button(t: Translator, value: str, key: str = "checkin.feedback.button") -> Button:
    """The button that starts the anonymous survey (handled by the feedback feature)."""
    return Button(t(key), FEEDBACK_ACTION, value, "primary")


def met_reply(t: Translator, pair_id: int, cycle: int) -> Message:
    """Thanks for answering "met", with the offer of the anonymous survey."""
    text = t("checkin.met.done")
    offer = t("checkin.feedback.offer")
    button = feedback_button(t, f"checkin:{pair_id}:{cycle}")
    return Message((Text(text), Text(offer), Actions((button,))), text=text)


def partner_met_message(t: Translator, partner: str, pair_id: int, cycle: int) -> Message:
    """To the other member: your partner said you met; the survey is open to you too."""
    text = t("checkin.met.partner", partner=partner)
    button = feedback_button(t, f"checkin:{pair_id}:{cycle}")
    return Message((Text(text), Actions((button,))), text=text)


def scheduled_form(t: Translator, state: str, example: str, initial: str | None = None) -> Form:
    """When will you meet? A date, checked on submission."""
    field = FormField(
        name="date",
        label=t("checkin.scheduled.form.date"),
        kind="text",
        initial=initial,
        hint=t("checkin.scheduled.form.hint", example=example),
        placeholder=example,
        max_length=20,
    )
    return Form(
        form_id=SCHEDULED_FORM,
        title=t("checkin.scheduled.form.title"),
        fields=(field,),
        submit_label=t("checkin.scheduled.form.submit"),
        cancel_label=t("checkin.scheduled.form.cancel"),
        state=state,
    )


def text_with_button(text: str, button: Button) -> Message:
    """One paragraph and one button."""
    return Message((Text(text), Actions((button,))), text=text)


def resume_button(t: Translator, pair_id: int) -> Button:
    """Undo a pause."""
    return Button(t("checkin.button.resume"), "checkin.resume", str(pair_id), "primary")


def problem_reply(t: Translator, partner: str, value: str) -> Message:
    """Something is wrong: it went to the admins only; a new partner is offered."""
    text = t("checkin.problem.done", partner=partner)
    offer = t("checkin.problem.rematch")
    button = Button(t("checkin.button.rematch"), "checkin.rematch", value, "danger")
    return Message((Text(text), Text(offer), Actions((button,))), text=text)


def wrapup_message(t: Translator, partner: str, programme: str, pair_id: int) -> Message:
    """The end of a pair's programme: thanks, and the end-of-programme survey."""
    text = t("checkin.wrapup", partner=partner, programme=programme)
    offer = t("checkin.wrapup.feedback")
    button = feedback_button(t, f"end:{pair_id}", "checkin.wrapup.button")
    return Message((Text(text), Text(offer), Actions((button,))), text=text)


def admin_notice(t: Translator, key: str, **params: object) -> Message:
    """A private notice to a programme admin."""
    text = t(key, **params)
    return Message((Heading(t("checkin.admin.title")), Text(text)), text=text)


def dead_letter_notice(
    t: Translator, key: str, recipient: str, attempts: int, error: str
) -> Message:
    """To the admins: a message could not be delivered and was set aside."""
    text = t("outbox.dead", key=key, recipient=recipient, attempts=t.number(attempts), error=error)
    return Message((Heading(t("outbox.dead.title")), Text(text), Note(t("outbox.dead.note"))), text)
