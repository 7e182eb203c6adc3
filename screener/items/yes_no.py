"""Yes or No, with "Not sure" when the definition asks for it."""

from __future__ import annotations

from typing import Any, Literal

from screener.items.base import AnswerError, ItemBase, Option

_YES_NO = (Option(value="yes", label="Yes"), Option(value="no", label="No"))
_UNSURE = Option(value="unsure", label="Not sure")


class YesNoItem(ItemBase):
    macro = "choice"
    missing = "Choose an answer."

    type: Literal["yes_no"]
    unsure: bool = False

    def choices(self) -> tuple[Option, ...]:
        return (*_YES_NO, _UNSURE) if self.unsure else _YES_NO

    def check(self, value: Any) -> str:
        if not isinstance(value, str) or self.option(value) is None:
            raise AnswerError("Choose " + ("Yes, No or Not sure." if self.unsure else "Yes or No."))
        return value

    def form_field(self):
        return self.radio_field()
