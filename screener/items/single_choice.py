"""One answer from a list: buttons (radio) or, for long lists such as months, a drop-down."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from screener.items.base import AnswerError, ItemBase, Option


class SingleChoiceItem(ItemBase):
    missing = "Choose an answer."

    type: Literal["single_choice"]
    options: Annotated[list[Option], Field(min_length=2, max_length=20)] | str
    # "buttons" shows every option; "list" a drop-down, for long lists such as months.
    display: Literal["buttons", "list"] = "buttons"

    @property
    def macro(self) -> str:  # type: ignore[override]
        return "select" if self.display == "list" else "choice"

    def choices(self) -> tuple[Option, ...]:
        assert not isinstance(self.options, str), "option sets are resolved while loading"
        return tuple(self.options)

    def check(self, value: Any) -> str:
        if not isinstance(value, str) or self.option(value) is None:
            raise AnswerError("Choose one of the options.")
        return value

    def form_field(self):
        return self.radio_field()
