"""Forms built from a definition section through a registry of question types.

One generic form class per (definition version, section) is built once and cached;
no questionnaire has a hand-written form. Answers are checked by the definition's
own item types (``screener.definitions.schema``), the single source of truth shared
with the CLI and the scoring engine. WTForms here parses what a page posts and checks
its CSRF token; the macros in ``templates/patient/_questions.html`` draw the fields.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, RadioField, SelectChoice, SelectMultipleField, StringField, TextAreaField
from wtforms.widgets import CheckboxInput, ListWidget

from screener.definitions.schema import Definition, Section
from screener.process_cache import BoundedCache

FieldFactory = Callable[[Any], Field]


def _choice(item) -> Field:
    return RadioField(
        item.text,
        choices=[SelectChoice(o.value, o.label) for o in item.choices()],
        validate_choice=False,
    )


def _multiple(item) -> Field:
    return SelectMultipleField(
        item.text,
        choices=[SelectChoice(o.value, o.label) for o in item.choices()],
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


def _number(item) -> Field:
    return StringField(item.text, render_kw={"inputmode": "decimal", "autocomplete": "off"})


def _text(item) -> Field:
    field = TextAreaField if item.max_length > 120 else StringField
    return field(item.text, render_kw={"maxlength": item.max_length, "autocomplete": "off"})


# The registry: how each item type of the definition format becomes a form field and
# which macro in templates/patient/_questions.html renders it.
QUESTION_TYPES: dict[str, tuple[FieldFactory, str]] = {
    "single_choice": (_choice, "choice"),
    "yes_no": (_choice, "choice"),
    "multiple_choice": (_multiple, "multiple"),
    "number": (_number, "number"),
    "text": (_text, "text"),
}


class StepForm(FlaskForm):
    """Base of every generated step form; carries the CSRF token."""


# Stored versions never change, so a form class per (version hash, section) can be kept.
_form_classes: BoundedCache[tuple[str, str], type[StepForm]] = BoundedCache(
    "step form classes", max_entries=512, max_bytes=8 * 1024 * 1024
)
FORM_CLASS_BYTES = 4096  # per field: the field's class, its choices and its labels


def _form_class(sha256: str, definition: Definition, section: Section) -> type[StepForm]:
    key = (sha256, section.id)
    form_class = _form_classes.get(key)
    if form_class is None:
        fields = {item.id: QUESTION_TYPES[item.type][0](item) for item in section.items}
        form_class = type(f"Step_{definition.id}_{section.id}", (StepForm,), fields)
        _form_classes.put(key, form_class, size=FORM_CLASS_BYTES * (len(fields) + 1))
    return form_class


def build_form(sha256: str, definition: Definition, section: Section, formdata):
    """A form for one section, filled from a POST; it parses the values and checks CSRF."""
    return _form_class(sha256, definition, section)(formdata=formdata)


def submitted_values(form: StepForm, section: Section) -> dict[str, Any]:
    """Submitted values by item id, as the patient sent them but for NUL characters.

    No answer can hold a NUL (PostgreSQL refuses it in text) and a page must not echo one.
    """
    values: dict[str, Any] = {}
    for item in section.items:
        data = _without_nul(form[item.id].data)
        values[item.id] = data if data not in ("", []) else None
    return values


def _without_nul(data: Any) -> Any:
    if isinstance(data, str):
        return data.replace("\x00", "")
    if isinstance(data, list):
        return [_without_nul(value) for value in data]
    return data


def macro_for(item) -> str:
    if getattr(item, "display", None) == "list":
        return "select"
    return QUESTION_TYPES[item.type][1]
