"""Tick all that apply. ``exclusive`` values (such as ``none``) cannot be combined."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from screener.items.base import AnswerError, ItemBase, Option, Slug


class MultipleChoiceItem(ItemBase):
    macro = "multiple"
    missing = "Tick at least one box (or “None of these”)."

    type: Literal["multiple_choice"]
    options: Annotated[list[Option], Field(min_length=2, max_length=30)] | str
    exclusive: list[Slug] = []

    def choices(self) -> tuple[Option, ...]:
        assert not isinstance(self.options, str), "option sets are resolved while loading"
        return tuple(self.options)

    def check(self, value: Any) -> list[str]:
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not values:
            raise AnswerError("Tick at least one box.")
        if any(not isinstance(v, str) or self.option(v) is None for v in values):
            raise AnswerError("Tick only the boxes shown.")
        chosen = [option.value for option in self.choices() if option.value in values]
        if len(chosen) > 1 and any(v in self.exclusive for v in chosen):
            labels = " or ".join(
                option.label for option in self.choices() if option.value in self.exclusive
            )
            raise AnswerError(f"“{labels}” cannot be ticked together with other boxes.")
        return chosen

    def form_field(self):
        from wtforms import SelectChoice, SelectMultipleField
        from wtforms.widgets import CheckboxInput, ListWidget

        return SelectMultipleField(
            self.text,
            choices=[SelectChoice(o.value, o.label) for o in self.choices()],
            validate_choice=False,
            widget=ListWidget(prefix_label=False),
            option_widget=CheckboxInput(),
        )

    def answer_text(self, value: Any) -> str:
        """The ticked boxes' labels; a value the definition no longer has, as stored."""
        values = value if isinstance(value, list) else [value]
        return "; ".join(o.label if (o := self.option(v)) else str(v) for v in values)

    def shaded(self, value: Any) -> bool:
        values = value if isinstance(value, list) else [value]
        return any(super(MultipleChoiceItem, self).shaded(v) for v in values)
