"""A short text in the patient's own words (never shown to other patients, never cached)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from screener.items.base import AnswerError, ItemBase


class TextItem(ItemBase):
    macro = "text"

    type: Literal["text"]
    max_length: Annotated[int, Field(ge=1, le=2000)] = 200

    def check(self, value: Any) -> str:
        if not isinstance(value, str):
            raise AnswerError("Enter some text.")
        value = value.replace("\x00", "").strip()
        if not value:
            raise AnswerError("Enter some text.")
        if len(value) > self.max_length:
            raise AnswerError(f"Use {self.max_length} characters or fewer.")
        return value

    def form_field(self):
        from wtforms import StringField, TextAreaField

        field = TextAreaField if self.max_length > 120 else StringField
        return field(self.text, render_kw={"maxlength": self.max_length, "autocomplete": "off"})
