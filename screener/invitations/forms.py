"""The invitation forms: make one (label, questionnaires, days), find some by label, and
revoke one."""

from __future__ import annotations

import secrets

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from screener.form_rules import WholeNumberField, at_most
from screener.services import invitation_mail, invitations

CHOOSE_ONE = "Choose at least one questionnaire."
DAYS = f"Enter a whole number of days from 1 to {invitations.MAX_DAYS}."
WEEKS = f"Enter a whole number of weeks from 1 to {invitations.MAX_EVERY_WEEKS}, or leave it blank."
TIMES = f"Enter a number of screenings from 2 to {invitations.MAX_TIMES}, or leave it blank."


def _at_least_one(form, field) -> None:
    """No box ticked is a mistake to point at, not a wish for the defaults (the service
    would quietly use those). No ``required`` flag: it would mark every box required."""
    if not field.data:
        raise StopValidation(CHOOSE_ONE)


class CreateInvitationForm(FlaskForm):
    # One per form shown: the same form sent again (a reload of the page that answered
    # it, Back then Forward) is recognised instead of making a second invitation.
    once = HiddenField(default=lambda: secrets.token_urlsafe(16), validators=[at_most(64)])
    label = StringField(
        "Label (optional)",
        validators=[
            Length(
                max=invitations.MAX_LABEL,
                message=f"Keep the label to {invitations.MAX_LABEL} characters.",
            )
        ],
    )
    # Shown only when the clinic has set up SMTP (screener.mailer); the service checks it.
    email = StringField(
        "Patient's e-mail address (optional)",
        validators=[at_most(invitation_mail.MAX_ADDRESS)],
    )
    instruments = SelectMultipleField(
        "Questionnaires",
        choices=[],
        validators=[_at_least_one],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=False,  # the service checks them against the live catalog
    )
    days = WholeNumberField(
        "Days until it expires",
        default=invitations.DEFAULT_DAYS,
        not_a_number=DAYS,
        validators=[InputRequired(DAYS), NumberRange(1, invitations.MAX_DAYS, DAYS)],
    )

    # Repeat screens: both blank for a single invitation; the service checks the pair.
    every_weeks = WholeNumberField(
        "Repeat every (weeks)",
        not_a_number=WEEKS,
        validators=[Optional(), NumberRange(1, invitations.MAX_EVERY_WEEKS, WEEKS)],
    )
    times = WholeNumberField(
        "Number of screenings",
        not_a_number=TIMES,
        validators=[Optional(), NumberRange(2, invitations.MAX_TIMES, TIMES)],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        offered = invitations.choices()
        self.instruments.choices = [SelectChoice(key, label) for key, label, _ in offered]
        # A fresh form (a GET, or beside another form's POST: ``formdata=None``) ticks
        # the questionnaires offered by default.
        fresh = "formdata" in kwargs and kwargs["formdata"] is None
        if fresh or not self.is_submitted():
            self.instruments.data = [key for key, _, default in offered if default]


class RevokeForm(FlaskForm):
    """Only the CSRF token: revoking needs nothing else."""


class FindByLabelForm(FlaskForm):
    """A POST form, so a label (health data) never appears in a URL or an access log."""

    find_label = StringField(
        "Label contains",
        validators=[
            InputRequired("Enter some of the label to search for."),
            Length(
                max=invitations.MAX_LABEL,
                message=f"A label has at most {invitations.MAX_LABEL} characters.",
            ),
        ],
    )
