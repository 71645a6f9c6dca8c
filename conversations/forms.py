"""Questions defined as data, turned into neutral forms and validated in one place.

A dialogue is a list of steps; each step is a list of ``Question``. The same
definition renders as a Slack modal, an Adaptive Card or an HTML form, and
validates the answers whichever platform sent them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.i18n import Translator
from bot.core.model import Element, FieldKind, Form, FormField, Option

OptionsFn = Callable[[Translator, Mapping[str, Any]], Sequence[Option]]
RangeFn = Callable[[Mapping[str, Any]], tuple[int, int]]


def _always(_data: Mapping[str, Any]) -> bool:
    return True


@dataclass(frozen=True)
class Question:
    """One question: its catalog keys, kind, bounds and when it is asked.

    ``env`` (the programme, the answers so far) is passed to ``options``,
    ``bounds`` and ``when``, so a question can depend on earlier answers.
    """

    name: str
    kind: FieldKind
    label_key: str
    hint_key: str = ""
    required: bool = True
    max_length: int | None = None
    options: OptionsFn | None = None
    bounds: RangeFn | None = None
    when: Callable[[Mapping[str, Any]], bool] = _always


def build_form(
    *,
    form_id: str,
    title: str,
    questions: Sequence[Question],
    t: Translator,
    env: Mapping[str, Any],
    initial: Mapping[str, Any],
    submit_label: str,
    cancel_label: str,
    intro: tuple[Element, ...] = (),
    state: str = "",
    errors: Mapping[str, str] | None = None,
) -> Form:
    """The neutral form for these questions, prefilled with ``initial``."""
    fields = []
    for q in questions:
        if not q.when(env):
            continue
        low, high = q.bounds(env) if q.bounds else (None, None)
        value = initial.get(q.name)
        if isinstance(value, list):
            value = tuple(str(v) for v in value)
        elif value is not None:
            value = str(value)
        fields.append(
            FormField(
                name=q.name,
                label=t(q.label_key),
                kind=q.kind,
                options=tuple(q.options(t, env)) if q.options else (),
                required=q.required,
                initial=value,
                hint=t(q.hint_key) if q.hint_key else "",
                max_length=q.max_length,
                min_value=low,
                max_value=high,
                error=(errors or {}).get(q.name),
            )
        )
    return Form(
        form_id=form_id,
        title=title,
        fields=tuple(fields),
        submit_label=submit_label,
        cancel_label=cancel_label,
        intro=intro,
        state=state,
    )


def validate(
    questions: Sequence[Question],
    values: Mapping[str, str | list[str]],
    t: Translator,
    env: Mapping[str, Any],
) -> tuple[dict[str, Any], dict[str, str]]:
    """Clean answers and per-field errors (in the user's language)."""
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for q in questions:
        if not q.when(env):
            continue
        raw = values.get(q.name)
        value, error = _check(q, raw, t, env)
        if error:
            errors[q.name] = error
        else:
            clean[q.name] = value
    return clean, errors


def _n(t: Translator, value: int | None) -> str:
    return "" if value is None else t.number(value)


def _check(
    q: Question, raw: str | list[str] | None, t: Translator, env: Mapping[str, Any]
) -> tuple[Any, str | None]:
    if q.kind == "multiselect":
        items = [raw] if isinstance(raw, str) else list(raw or [])
        items = [i.strip() for i in items if i and i.strip()]
        allowed = {o.value for o in q.options(t, env)} if q.options else None
        if allowed is not None and any(i not in allowed for i in items):
            return None, t("form.error.not_offered")
        if q.required and not items:
            return None, t("form.error.required")
        return list(dict.fromkeys(items)), None
    text = raw[0] if isinstance(raw, list) and raw else raw if isinstance(raw, str) else ""
    text = text.strip()
    if q.kind == "checkbox":
        ticked = text.lower() in {"yes", "true", "on", "1"}
        if q.required and not ticked:
            return None, t("form.error.required")
        return ticked, None
    if not text:
        return (None, t("form.error.required")) if q.required else (None, None)
    if q.max_length is not None and len(text) > q.max_length:
        return None, t(
            "form.error.too_long", max=t.number(q.max_length), length=t.number(len(text))
        )
    if q.kind in ("select", "radio") and q.options:
        if text not in {o.value for o in q.options(t, env)}:
            return None, t("form.error.not_offered")
        return text, None
    if q.kind == "number":
        low, high = q.bounds(env) if q.bounds else (None, None)
        try:
            number = int(text)
        except ValueError:
            return None, t("form.error.not_a_number")
        if (low is not None and number < low) or (high is not None and number > high):
            return None, t("form.error.out_of_range", min=_n(t, low), max=_n(t, high))
        return number, None
    return text, None
