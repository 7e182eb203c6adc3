"""A number, whole or with decimals (a point or a comma), within bounds, with its unit."""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal

from pydantic import Field

from screener.items.base import AnswerError, ItemBase, Line

Bound = Annotated[float, Field(allow_inf_nan=False)]


class NumberItem(ItemBase):
    macro = "number"

    type: Literal["number"]
    unit: Line | None = None
    min: Bound
    max: Bound
    integer: bool = True
    # For the year of a past event (a blood test): a year after this one is refused.
    not_in_future: bool = False

    def check(self, value: Any) -> int | float:
        if isinstance(value, bool):
            raise AnswerError("Enter a number.")
        if isinstance(value, str):
            text = value.strip().replace(",", ".")
            try:
                value = float(text)
            except ValueError:
                raise AnswerError("Enter a number, using digits only.") from None
        if not isinstance(value, int | float) or not math.isfinite(value):
            raise AnswerError("Enter a number.")
        if self.integer and value != int(value):
            raise AnswerError("Enter a whole number.")
        if not self.min <= value <= self.max:
            raise AnswerError(
                f"Enter a number from {self.bound(self.min)} to {self.bound(self.max)}."
            )
        if self.not_in_future and value > dt.date.today().year:
            raise AnswerError("That year is in the future. Enter the year the test was done.")
        return int(value) if self.integer else float(value)

    @staticmethod
    def bound(number: float) -> str:
        return str(int(number)) if number == int(number) else str(number)

    def form_field(self):
        from wtforms import StringField

        return StringField(self.text, render_kw={"inputmode": "decimal", "autocomplete": "off"})
