"""The clinician's forms: find by reference code, and review."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from screener.clinician.review import MAX_NOTE
from screener.form_rules import at_most


class FindForm(FlaskForm):
    """A POST form, so a typed reference code never appears in a URL or an access log."""

    code = StringField(
        "Reference code",
        validators=[InputRequired("Enter a reference code."), at_most(40)],
    )


class LabelForm(FlaskForm):
    """A POST form, so an invitation's label (health data) never appears in a URL."""

    label = StringField(
        "Invitation label contains",
        validators=[
            InputRequired("Enter some of the label to search for."),
            Length(max=80, message="A label has at most 80 characters."),
        ],
    )


class ReviewForm(FlaskForm):
    note = TextAreaField(
        "Review note (optional)",
        validators=[Length(max=MAX_NOTE, message=f"Keep the note to {MAX_NOTE} characters.")],
    )


class RetryForm(FlaskForm):
    """The "Try again" button of a failed PDF render: nothing but the CSRF token."""
