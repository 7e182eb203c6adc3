"""The item types a definition may use, one class per type (see ``base``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from screener.items.multiple_choice import MultipleChoiceItem
from screener.items.number import NumberItem
from screener.items.single_choice import SingleChoiceItem
from screener.items.text import TextItem
from screener.items.yes_no import YesNoItem

# The registry: a definition's ``type:`` picks the class.
ITEM_TYPES = (SingleChoiceItem, YesNoItem, MultipleChoiceItem, NumberItem, TextItem)

Item = Annotated[
    SingleChoiceItem | YesNoItem | MultipleChoiceItem | NumberItem | TextItem,
    Field(discriminator="type"),
]
