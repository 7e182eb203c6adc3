"""Forms for managing accounts and service tokens and filtering the audit log."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from screener.date_ranges import OUT_OF_RANGE, in_range
from screener.form_rules import at_most
from screener.models import ROLES
from screener.passwords import MAX_LENGTH
from screener.services import accounts

ROLE_CHOICES = [
    SelectChoice("clinician", "Clinician: reads and reviews screenings"),
    SelectChoice("staff", "Staff: edits questionnaires and clinic settings"),
    SelectChoice("admin", "Admin: manages accounts, reads the audit log"),
]
assert {choice.value for choice in ROLE_CHOICES} == set(ROLES)


class RolesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form) -> None:
        """A role that is not offered (a forged or stale form) gets words, not a stack."""
        offered = {choice.value for choice in ROLE_CHOICES}
        if any(value not in offered for value in self.data or ()):
            raise ValidationError("Choose roles from the list: clinician, staff or admin.")


class CreateUserForm(FlaskForm):
    email = EmailField(
        "Email address", validators=[InputRequired("Enter an email address."), at_most(254)]
    )
    password = PasswordField(
        "First password",
        validators=[InputRequired("Enter a first password."), at_most(MAX_LENGTH)],
    )
    roles = RolesField("Roles", choices=ROLE_CHOICES)

    def validate_email(self, field) -> None:
        """Said with any other problem of the form, not only once the rest is right."""
        problem = accounts.email_problem(field.data or "")
        if problem:
            raise ValidationError(problem)


class RolesForm(FlaskForm):
    roles = RolesField("Roles", choices=ROLE_CHOICES)


class ConfirmForm(FlaskForm):
    """Only the CSRF token, for buttons that change one thing."""


class AuditFilterForm(FlaskForm):
    """Filters for the audit log, sent with GET (no reference codes: see ``FindEventsForm``)."""

    class Meta:
        csrf = False

    actor = StringField(
        "Account (email)",
        validators=[Optional(), Length(max=254, message="Use at most 254 characters.")],
    )
    action = SelectField("Action", validators=[Optional()], validate_choice=False)
    outcome = StringField(
        "Outcome", validators=[Optional(), Length(max=30, message="Use at most 30 characters.")]
    )
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("To", validators=[Optional()])

    def validate_date_from(self, field) -> None:
        _check_day(field)

    def validate_date_to(self, field) -> None:
        _check_day(field)
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("Enter a date on or after the From date.")


def _check_day(field) -> None:
    if field.data and not in_range(field.data):
        raise ValidationError(OUT_OF_RANGE[0].upper() + OUT_OF_RANGE[1:])


class FindEventsForm(FlaskForm):
    """Events about one reference code: a POST form, so the code stays out of URLs."""

    reference = StringField(
        "Reference", validators=[InputRequired("Enter a reference code."), at_most(120)]
    )


def action_choices(actions: list[str], asked: str | None = None) -> list[SelectChoice]:
    """Any action, then those the log holds; an action asked for that the log does not
    hold yet (a bookmarked filter) is listed too, so the page shows what it filters by
    rather than "Any action" above no events."""
    listed = list(actions)
    if asked and asked not in listed and len(asked) <= 60:
        listed.append(asked)
    return [SelectChoice("", "Any action")] + [SelectChoice(a, a) for a in listed]


class ScopesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form) -> None:
        offered = {choice.value for choice in self.choices}
        if any(value not in offered for value in self.data or ()):
            raise ValidationError("Choose scopes from the list.")


class CreateTokenForm(FlaskForm):
    """A service token for another system: its name, scopes and lifetime."""

    name = StringField(
        "Name", validators=[InputRequired("Enter a name, such as records-sync."), at_most(60)]
    )
    scopes = ScopesField("Scopes")
    days = IntegerField(
        "Days until it expires",
        default=90,
        validators=[InputRequired("Enter a number of days from 1 to 365."), NumberRange(1, 365)],
    )
