"""WTForms for the staff area. Every form is a FlaskForm, so each POST carries a CSRF token."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from screener.clinic_time import DATE_ORDERS, MAX_ZONE_LENGTH
from screener.edge import parse_id
from screener.form_rules import at_most
from screener.services.clinic import (
    ASSESSES,
    SettingsError,
    check_time_zone,
    check_urgent_help,
    check_web_address,
)

PROVIDER_ROWS_FREE = 2
PROVIDERS_MAX = 20


class DefinitionForm(FlaskForm):
    """The editor: paste or edit the YAML, or upload a file instead."""

    source = TextAreaField("Definition text (YAML)")
    upload = FileField(
        "Or upload a YAML file instead",
        validators=[FileAllowed(["yaml", "yml"], "Choose a .yaml or .yml file.")],
    )
    note = StringField("What did you change? (optional)", validators=[at_most(300)])
    based_on = HiddenField()
    confirm_protected = BooleanField(
        "I confirm that this changes the wording, options or scoring of an instrument "
        "whose terms say it must stay unaltered."
    )

    def based_on_revision(self) -> int | None:
        return parse_id(self.based_on.data)


class PublishForm(FlaskForm):
    """A button: publishing changes what new screenings use, so it is a POST."""


class DiscardForm(FlaskForm):
    confirm = BooleanField(
        "I understand that this draft will no longer be listed, edited or published.",
        validators=[InputRequired("Tick the box to confirm.")],
    )


class FindScreeningForm(FlaskForm):
    code = StringField(
        "Reference code",
        validators=[InputRequired("Enter the reference code."), at_most(40)],
    )


class EraseForm(FlaskForm):
    code = HiddenField(validators=[InputRequired(), at_most(40)])
    confirm = BooleanField(
        "I understand that the answers, results and PDF will be deleted for good.",
        validators=[InputRequired("Tick the box to confirm.")],
    )


class ProviderForm(Form):
    """One referral provider (a sub-form: the outer form carries the CSRF token)."""

    name = StringField("Name", validators=[Optional(), at_most(200)])
    assesses = SelectMultipleField(
        "What they assess",
        choices=[SelectChoice(value, label) for value, label in ASSESSES.items()],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    phone = StringField("Phone", validators=[Optional(), at_most(40)])
    url = StringField("Web address", validators=[Optional(), at_most(300)])
    remove = BooleanField("Remove this provider")

    def is_blank(self) -> bool:
        """An empty spare row, which is not saved."""
        typed = (self.name.data, self.phone.data, self.url.data)
        return not any((value or "").strip() for value in typed) and not self.assesses.data

    def validate_phone(self, field) -> None:
        allowed = set("0123456789 +()-./")
        if field.data and not set(field.data) <= allowed:
            raise ValidationError("Use digits, spaces and + ( ) - only.")

    def validate_url(self, field) -> None:
        try:
            field.data = check_web_address(field.data or "")
        except SettingsError as exc:
            raise ValidationError(str(exc).capitalize() + ".") from None


class SettingsForm(FlaskForm):
    name = StringField(
        "Clinic name", validators=[InputRequired("Enter the clinic's name."), at_most(200)]
    )
    contact = TextAreaField(
        "How patients contact the clinic", validators=[Optional(), at_most(500)]
    )
    urgent_help = TextAreaField(
        "Urgent help line (where to turn if someone feels unsafe or in crisis)",
        # Length and control characters are checked by validate_urgent_help, once.
        validators=[Optional()],
    )
    timezone = StringField(
        "Time zone",
        validators=[
            InputRequired("Enter a time zone, such as Europe/Berlin, or UTC."),
            Length(max=MAX_ZONE_LENGTH, message="Enter a time zone, such as Europe/Berlin."),
        ],
    )
    date_order = RadioField(
        "How dates are written",
        choices=[SelectChoice(value, label) for value, label in DATE_ORDERS.items()],
        validators=[InputRequired("Choose how dates are written.")],
    )
    retention_days = IntegerField(
        "Keep submitted screenings for (days)",
        validators=[
            InputRequired("Enter a number of days."),
            NumberRange(1, 3650, "Enter a number of days from 1 to 3650."),
        ],
    )
    draft_retention_days = IntegerField(
        "Delete unfinished screenings after (days without activity)",
        validators=[
            InputRequired("Enter a number of days."),
            NumberRange(1, 3650, "Enter a number of days from 1 to 3650."),
        ],
    )
    screenings_per_address = IntegerField(
        "New screenings one address may start in 10 minutes",
        validators=[
            InputRequired("Enter a number of screenings."),
            NumberRange(1, 10_000, "Enter a number from 1 to 10000."),
        ],
    )
    lock_version = HiddenField()

    def provider_forms(self) -> list[ProviderForm]:
        return list(self.providers)

    def kept_providers(self) -> list[dict]:
        """Providers to save: rows neither blank nor ticked for removal."""
        return [
            {
                "name": row.form.name.data or "",
                "assesses": row.form.assesses.data or [],
                "phone": row.form.phone.data or "",
                "url": row.form.url.data or "",
            }
            for row in self.providers
            if not row.form.remove.data and not row.form.is_blank()
        ]

    def validate_urgent_help(self, field) -> None:
        try:
            field.data = check_urgent_help(field.data or "")
        except SettingsError as exc:
            message = str(exc)  # keeps "NUL" in capitals, unlike str.capitalize
            raise ValidationError(message[:1].upper() + message[1:] + ".") from None

    def validate_timezone(self, field) -> None:
        try:
            field.data = check_time_zone(field.data or "")
        except SettingsError as exc:
            message = str(exc)
            raise ValidationError(message[:1].upper() + message[1:] + ".") from None

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for row in self.providers:
            provider = row.form
            if provider.remove.data or provider.is_blank():
                continue
            if not (provider.name.data or "").strip():
                provider.name.errors = [*provider.name.errors, "Enter the provider's name."]
                ok = False
            if not provider.assesses.data:
                provider.assesses.errors = [
                    *provider.assesses.errors,
                    "Tick at least one thing this provider assesses.",
                ]
                ok = False
        if len(self.kept_providers()) > PROVIDERS_MAX:
            self.name.errors = [*self.name.errors, f"List at most {PROVIDERS_MAX} providers."]
            ok = False
        return ok


def settings_form_class(rows: int):
    """A settings form with ``rows`` provider rows (the saved ones plus empty ones)."""

    class _Form(SettingsForm):
        providers = FieldList(
            FormField(ProviderForm), min_entries=rows, max_entries=PROVIDERS_MAX + 5
        )

    return _Form
