"""What every item type shares: the base class, options, conditions and answer errors.

Each item type is one class in its own module (after Indico's ``BaseField``): its schema
(the pydantic fields a definition may give), how it is parsed and checked, which macro in
``templates/patient/_questions.html`` asks it, the form field that reads it from a POST,
how a missing answer is described, and how an answer reads on screen and in the PDF.
Adding a type is a new module here, its macro, and its name in ``ITEM_TYPES``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from screener.amounts import amount

if TYPE_CHECKING:
    from wtforms import Field as FormField

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
Line = Annotated[str, StringConstraints(min_length=1, max_length=300, strip_whitespace=True)]
Prose = Annotated[str, StringConstraints(min_length=1, max_length=4000, strip_whitespace=True)]
Choice = str | int | bool


class AnswerError(ValueError):
    """An answer that the item does not accept; the message is safe to show a patient."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Option(Strict):
    """One response option. ``value`` is stored; ``label`` is what the patient reads."""

    value: Slug
    label: Line
    highlight: bool = False
    score: int | None = None


class Condition(Strict):
    """Show something only when an earlier item's answer is one of ``in``."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    item: Slug
    in_: Annotated[list[Choice], Field(alias="in", min_length=1, max_length=50)]

    def holds(self, answers: dict[str, Any]) -> bool:
        answer = answers.get(self.item)
        if isinstance(answer, list):
            return any(value in self.in_ for value in answer)
        return answer is not None and answer in self.in_


class ItemBase(Strict):
    """The fields and behaviour every item type has; subclasses override what differs."""

    # The macro of templates/patient/_questions.html that asks an item of this type.
    macro: ClassVar[str] = "text"
    # What a page says when a required item of this type was left empty.
    missing: ClassVar[str] = "Enter an answer."

    id: Slug
    text: Prose
    help: Prose | None = None
    required: bool = True
    show_if: Condition | None = None

    def choices(self) -> tuple[Option, ...]:
        return ()

    def option(self, value: Any) -> Option | None:
        return next((option for option in self.choices() if option.value == value), None)

    def check(self, value: Any) -> Any:
        """Return the answer in canonical form, or raise AnswerError."""
        raise NotImplementedError

    def form_field(self) -> FormField:
        """The WTForms field that reads this item from a page's POST."""
        raise NotImplementedError

    def missing_message(self) -> str:
        return self.missing

    def answer_text(self, value: Any) -> str:
        """A stored answer as the patient saw it (review page, PDF, clinician page)."""
        option = self.option(value)
        if option is not None:
            return option.label
        if isinstance(value, int | float) and not isinstance(value, bool):
            return amount(value, getattr(self, "unit", None) or "")
        return str(value)

    def radio_field(self) -> FormField:
        """One answer from the item's options, as radio buttons (or a drop-down)."""
        from wtforms import RadioField, SelectChoice

        return RadioField(
            self.text,
            choices=[SelectChoice(o.value, o.label) for o in self.choices()],
            validate_choice=False,
        )

    def shaded(self, value: Any) -> bool:
        """Whether the answer fell in a shaded box of the paper form."""
        option = self.option(value)
        return bool(option is not None and option.highlight)
