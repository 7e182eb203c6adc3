"""Forms built from a definition section by its item types.

One generic form class per (definition version, section) is built once and cached;
no questionnaire has a hand-written form. Each item type (``screener.items``) gives its
own form field, checks its own answers (the single source of truth shared with the CLI
and the scoring engine) and names the macro of ``templates/patient/_questions.html``
that draws it. WTForms here parses what a page posts and checks its CSRF token.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm

from screener.definitions.schema import Definition, Section
from screener.process_cache import BoundedCache


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
        fields = {item.id: item.form_field() for item in section.items}
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
    return item.macro
