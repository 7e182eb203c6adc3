"""Field rules shared by the portal's forms, worded for people rather than by WTForms'
defaults ("Field cannot be longer than 254 characters.", "Not a valid integer value.")."""

from __future__ import annotations

from wtforms import IntegerField
from wtforms.validators import Length, StopValidation


def at_most(characters: int) -> Length:
    return Length(max=characters, message="Use at most %(max)d characters.")


class WholeNumberField(IntegerField):
    """A whole number whose one message, for anything that is not one ("1.5", "x"), is
    the field's own: its range message, passed as ``not_a_number``."""

    def __init__(self, label=None, validators=None, *, not_a_number: str, **kwargs) -> None:
        super().__init__(label, validators, **kwargs)
        self.not_a_number = not_a_number

    def process_formdata(self, valuelist) -> None:
        if valuelist and not str(valuelist[0]).strip():
            self.data = None  # blank: for InputRequired or Optional to judge
            return
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(self.not_a_number) from None

    def pre_validate(self, form) -> None:
        if self.process_errors:  # said once, not again by the range check
            raise StopValidation()
