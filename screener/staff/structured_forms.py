"""The structured editor's form, built at run time from the fields of one document.

As in Indico's ``make_survey_form``, the form class gets one WTForms field per editable
value; the hidden ``working`` field carries the document being edited between the
buttons (move, add, remove, preview), so nothing is stored until "Save as draft".
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FloatField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from screener.edge import parse_id
from screener.form_rules import at_most
from screener.services.structured_fields import Field

LIMITS = {"line": 300, "prose": 4000, "words": 1000, "choice": 60}


class StructuredBase(FlaskForm):
    working = HiddenField()
    based_on = HiddenField()
    note = StringField("What did you change? (optional)", validators=[at_most(300)])
    confirm_protected = BooleanField(
        "I confirm that this changes the wording, options or scoring of an instrument "
        "whose terms say it must stay unaltered."
    )

    def based_on_revision(self) -> int | None:
        return parse_id(self.based_on.data)


def _wtf_field(item: Field):
    spec = item.spec
    label = spec.label
    needed = Optional() if spec.optional else InputRequired(f"Enter the {label.lower()}.")
    if spec.kind == "flag":
        return BooleanField(label)
    if spec.kind == "integer":
        return IntegerField(label, validators=[needed], render_kw={"inputmode": "numeric"})
    if spec.kind == "number":
        return FloatField(label, validators=[needed], render_kw={"inputmode": "decimal"})
    if spec.kind == "choice":
        choices = list(item.choices)
        if item.value is not None and str(item.value) not in {value for value, _ in choices}:
            choices.insert(0, (str(item.value), str(item.value)))
        return SelectField(
            label,
            choices=[SelectChoice(value, text) for value, text in choices],
            validate_choice=False,
        )
    validators = [needed, Length(max=LIMITS.get(spec.kind, 300))]
    if spec.kind == "prose":
        return TextAreaField(label, validators=validators, render_kw={"rows": 3})
    return StringField(label, validators=validators)


def _initial(item: Field):
    value = item.value
    if item.spec.kind == "flag":
        return item.spec.default if value is None else bool(value)
    if item.spec.kind == "words":
        return ", ".join(str(v) for v in value or [])
    return value


def structured_form(fields: list[Field], *, posted: bool, **hidden) -> StructuredBase:
    """The form for ``fields``: read from the request when ``posted``, else from the document."""

    class StructuredForm(StructuredBase):
        pass

    for item in fields:
        setattr(StructuredForm, item.name, _wtf_field(item))
    if posted:
        return StructuredForm()
    data = {item.name: _initial(item) for item in fields}
    return StructuredForm(formdata=None, data={**data, **hidden})
