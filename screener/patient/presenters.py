"""Plain data for the patient templates: outcome words, gauges, progress, review rows.

Kept apart from the views so the pages stay thin and the wording lives in one place.
"""

from __future__ import annotations

import re
from typing import Any

from flask import current_app
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import BooleanField, SelectChoice, SelectMultipleField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from screener import codes
from screener.patient.questions import macro_for
from screener.process_cache import BoundedCache
from screener.report.data import trend_report
from screener.services import clinic, content, invitations, screenings, series_trend
from screener.wording import gauge, outcome_words, shown_outcome


class StartForm(FlaskForm):
    """Consent and the choice of questionnaires on the landing page.

    The choices are the live definitions that say how they are offered (``offer``), in
    their order, ticked by default when they say so.
    """

    consent = BooleanField(
        "I am 18 or over. I know this is a screen, not a diagnosis. I agree that my "
        "answers are stored as this page says.",
        validators=[DataRequired("Tick the box to say you agree before you start.")],
    )
    screeners = SelectMultipleField(
        "Which questions would you like to answer?",
        choices=[],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        # Unknown values get the message below, not WTForms' own.
        validate_choice=False,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.offered = content.offered()
        self.screeners.choices = [SelectChoice(key, d.offer.label) for key, d in self.offered]
        if not self.is_submitted():
            self.screeners.data = [key for key, d in self.offered if d.offer.default]

    def validate_screeners(self, field) -> None:
        kinds = {key: definition.kind for key, definition in self.offered}
        chosen = field.data or []  # an empty POST leaves no data at all
        if any(value not in kinds for value in chosen):
            raise ValidationError("Choose from the sets of questions shown.")
        if not any(kinds[value] == "screen" for value in chosen):
            raise ValidationError("Choose at least one set of questions.")

    def chosen(self) -> list[str]:
        """The chosen questionnaires, in the order the landing page lists them."""
        return [key for key, _ in self.offered if key in (self.screeners.data or [])]


class ResumeForm(FlaskForm):
    """The button behind the private link; consent again for a screening not yet begun."""

    consent = BooleanField(StartForm.consent.args[0])

    def __init__(self, *args, needs_consent: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.needs_consent = needs_consent

    def validate_consent(self, field) -> None:
        if self.needs_consent and not field.data:
            raise ValidationError("Tick the box to say you agree before you start.")


class CodeForm(FlaskForm):
    """The kiosk code of an invitation, typed on the landing page (a POST: no code in URLs)."""

    code = StringField(
        "Code",
        validators=[
            InputRequired("Enter the code from your invitation."),
            Length(max=40, message="A code has 8 letters and numbers."),
        ],
    )

    def validate_code(self, field) -> None:
        """A code that cannot be one (wrong length, a letter codes never use) is a typing
        slip, told apart from an unknown code: it gets a 400 with what a code looks
        like, and does not count against the address's limit on unknown codes."""
        if not field.errors and invitations.normalise_code(field.data) is None:
            raise ValidationError(
                "A code has 8 letters and numbers, like ACDE-FHJK. Check each one against "
                "your invitation and try again."
            )


def fresh_start_form() -> StartForm:
    """The landing page's form as first shown, for pages that answer another form's POST."""
    form = StartForm(formdata=None)
    form.screeners.data = [key for key, d in form.offered if d.offer.default]
    return form


def landing(code_form: CodeForm | None = None) -> dict[str, Any]:
    settings = clinic.current()
    return {
        "retention_days": settings["retention_days"],
        "clinic": settings,
        "code_form": code_form or CodeForm(formdata=None),
    }


def first_number(definition, section) -> int:
    """The number of a section's first question, counted through its questionnaire.

    Part B of the ASRS starts at 7, as on the paper form and in its heading.
    """
    number = 1
    for earlier in definition.sections:
        if earlier.id == section.id:
            break
        number += len(earlier.items)
    return number


def _error_order(definition, section, errors: dict[str, str]) -> list[tuple[str, str]]:
    """One short line per error, naming the question by the number shown beside it."""
    start = first_number(definition, section)
    return [
        (item.id, f"Question {number} (“{_snippet(item.text)}”): {errors[item.id]}")
        for number, item in enumerate(section.items, start=start)
        if item.id in errors
    ]


# The lead-in many frequency questions share says nothing about which one is meant.
_LEAD_IN = re.compile(r"^how often (do|are) you (have )?", re.IGNORECASE)


def _snippet(text: str, words: int = 5) -> str:
    """A few words that tell one question from its neighbours."""
    rest = _LEAD_IN.sub("", text)
    return ("…" if rest != text else "") + _shorten(rest, words)


def _shorten(text: str, words: int = 8) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


# Rendered questions of pages of choices. Keyed only by the pinned version, the section
# and *canonical* answers (option values of the definition) with the fixed messages they
# can produce; a page holding anything else is rendered afresh and never kept.
_fragments: BoundedCache[tuple, Markup] = BoundedCache(
    "question fragments", max_entries=2048, max_bytes=16 * 1024 * 1024
)


CACHEABLE = frozenset({"single_choice", "yes_no", "multiple_choice"})


def questions_html(step, questions: list[dict[str, Any]]) -> Markup:
    """The rendered questions of a page, kept per (version, section, answers, errors).

    Pinned versions never change, so the same inputs always give the same HTML; most
    pages are shown empty or with answers many patients share, so this is mostly hits.
    Only pages of choices whose values are all options of the definition are kept:
    typed text or numbers are a person's own words, and anything else a browser sent
    is a visitor's input, never held in memory beyond their request.
    """
    macros = current_app.jinja_env.get_template("patient/_questions.html").module
    key = _fragment_key(step, questions)
    html = _fragments.get(key) if key is not None else None
    if html is None:
        html = Markup("").join(macros.render(q) for q in questions)
        if key is not None:
            _fragments.put(key, html)
    return html


def _fragment_key(step, questions: list[dict[str, Any]]) -> tuple | None:
    """The cache key of a page, or None when the page must not be cached."""
    parts = []
    for q in questions:
        item, value = q["item"], q["value"]
        if item.type not in CACHEABLE or not _is_option_value(item, value):
            return None
        parts.append((item.id, tuple(value) if isinstance(value, list) else value, q["error"]))
    return (step.sha256, step.section.id, tuple(parts))


def _is_option_value(item, value: Any) -> bool:
    if value is None:
        return True
    values = value if isinstance(value, list) else [value]
    return all(isinstance(v, str) and item.option(v) is not None for v in values)


def progress(screening, steps, answers=None) -> dict[str, Any]:
    """The total of pages, honest from the first: "up to" while conditions may add some."""
    most = max(screenings.max_steps(screening, answers), len(steps))
    return {"total": most, "up_to": most > len(steps)}


def step_page(
    screening, steps, current, values, errors: dict[str, str], expired: bool, answers=None
):
    """Everything the generic step template needs for one section.

    ``values`` are the answers to show: saved ones, or what the patient just sent;
    ``answers`` all saved answers, which decide how many pages there can still be.
    """
    definition = current.definition
    start = first_number(definition, current.section)
    questions = [
        {
            "number": number,
            "item": item,
            "value": values.get(item.id),
            "macro": macro_for(item),
            "error": errors.get(item.id),
            # Conditions within a page cannot change without JavaScript, so every item
            # of the page is shown; conditional items say when they apply.
            "condition": condition_text(definition, item),
            "compact": compact(item),
        }
        for number, item in enumerate(current.section.items, start=start)
    ]
    first_of_instrument = current.number == 1 or steps[current.number - 2].key != current.key
    plan = progress(screening, steps, answers)
    return {
        "screening": screening,
        "step": current,
        "total": plan["total"],
        "up_to": plan["up_to"],
        # The page being shown counts as begun, so step 1 already shows some progress.
        "percent": round(100 * current.number / plan["total"]),
        "definition": definition,
        "section": current.section,
        "questions_html": questions_html(current, questions),
        "errors": _error_order(definition, current.section, errors),
        # Only say other answers were kept when the patient had given some.
        "kept_others": any(
            values.get(item.id) not in (None, "", []) and item.id not in errors
            for item in current.section.items
        ),
        "expired": expired,
        "show_instructions": first_of_instrument,
        "back_url": current.number - 1 if current.number > 1 else None,
        "code": codes.format_code(screening.reference_code),
    }


# Options this short sit side by side as pills: two rows at most on a 360 px phone.
PILL_LABEL_CHARS = 12


def compact(item) -> bool:
    """Whether a one-answer question shows its options as a row of pills."""
    options = item.choices()
    return (
        item.type in ("single_choice", "yes_no")
        and 0 < len(options) <= 6
        and all(len(o.label) <= PILL_LABEL_CHARS for o in options)
    )


def condition_text(definition, item) -> str | None:
    """The sentence a patient reads under a conditional question (None if it has none)."""
    condition = item.show_if
    if condition is None:
        return None
    target = definition.item(condition.item)
    labels = [o.label for o in target.choices() if o.value in condition.in_] if target else []
    labels = labels or [str(value) for value in condition.in_]
    return f"Answer this only if you answered “{' or '.join(labels)}” above."


def _answer_text(item, value) -> str:
    return "Not answered" if value is None else item.answer_text(value)


# The review's answers share a narrow column, so they line up down the page; an answer
# with a word longer than that column, or longer than a few words, goes under its
# question instead of being cut inside a word ("breastfeed-ing").
NARROW_ANSWER_WORD, NARROW_ANSWER = 11, 24


def _review_row(question: str, answer: str) -> dict[str, Any]:
    longest = max((len(word) for word in answer.split()), default=0)
    wide = longest > NARROW_ANSWER_WORD or len(answer) > NARROW_ANSWER
    return {"question": question, "answer": answer, "wide": wide}


def review_page(screening) -> dict[str, Any]:
    answers = screenings.answers_of(screening)
    groups = []
    for step in screenings.steps(screening, answers):
        mine = answers.get(step.key, {})
        rows = [
            _review_row(item.text, _answer_text(item, mine.get(item.id)))
            for item in step.section.items
            if item.show_if is None or item.show_if.holds(mine)
        ]
        groups.append({"step": step, "rows": rows})
    return {"groups": groups, "code": codes.format_code(screening.reference_code)}


def _gauge(definition, result) -> dict[str, Any] | None:
    shown = gauge(definition, result.main, "patient")
    if shown is None:
        return None
    return {
        "score": shown.score,
        "maximum": shown.maximum,
        "threshold": shown.threshold,
        "fill": round(300 * shown.score / shown.maximum),
        "mark": round(300 * shown.threshold / shown.maximum) if shown.threshold else None,
        "text": shown.caption,
    }


def results_page(screening) -> dict[str, Any]:
    summary = screenings.summary(screening)
    cards = []
    for instrument in summary.instruments:
        definition = instrument.definition
        if definition.kind != "screen":
            continue
        cards.append(
            {
                "title": definition.short_title,
                "outcome": shown_outcome(definition, instrument.result),
                "words": outcome_words(definition, instrument.result, "patient"),
                "gauge": _gauge(definition, instrument.result),
                "meanings": summary.interpretation.meaning_for.get(definition.screens_for, ()),
            }
        )
    return {
        "summary": summary,
        "cards": cards,
        "interpretation": summary.interpretation,
        "not_a_diagnosis": summary.interpretation.meanings[0],
        "code": codes.format_code(summary.reference_code),
        "trend": _trend(screening),
    }


def _trend(screening):
    """The series' trend in the patient's words; None outside a series (page as before)."""
    found = series_trend.trend_for(screening, voice="patient")
    return trend_report(found) if found is not None else None
