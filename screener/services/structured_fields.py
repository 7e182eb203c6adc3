"""What the structured editor shows: which values of a definition are editable, and how.

Each level of a definition (the questionnaire, a page, a question, an answer option, a
paragraph of the texts) has a table of editable keys. A new key is one more row in the
right table. Blocks that a newer format adds (``offer``, ``outcomes`` ...) are listed in
``GENERIC_BLOCKS``: when a document has one, each of its values becomes a field of the
type it already has, so the editor needs no change when such a block lands.

``structured_layout.groups(document)`` turns a document into fieldsets of these fields;
nothing here knows about HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Spec:
    """One editable key. ``kind``: line, prose, flag, integer, number, words or choice."""

    key: str
    label: str
    kind: str = "line"
    hint: str = ""
    optional: bool = True
    default: Any = None


DEFINITION_FIELDS = (
    Spec("title", "Title", optional=False),
    Spec("short_title", "Short title", optional=False, hint="At most 40 characters."),
    Spec("instructions", "Instructions", "prose", optional=False),
    Spec("recall_period", "Recall period", hint="For example: over the past 6 months."),
    Spec("closing", "Closing sentence", "prose", hint="Shown after the last page and in the PDF."),
)
SECTION_FIELDS = (
    Spec("title", "Title", optional=False),
    Spec("patient_title", "Heading patients read", hint="Leave empty to show the title."),
    Spec("intro", "Introduction", "prose"),
)
ITEM_FIELDS = (
    Spec("text", "Wording", "prose", optional=False),
    Spec("help", "Help text", "prose"),
    Spec("required", "An answer is required", "flag", default=True),
)
TYPE_FIELDS: dict[str, tuple[Spec, ...]] = {
    "number": (
        Spec("unit", "Unit", hint="For example: µg/L."),
        Spec("min", "Lowest number accepted", "number", optional=False),
        Spec("max", "Highest number accepted", "number", optional=False),
        Spec("integer", "Whole numbers only", "flag", default=True),
        Spec("not_in_future", "A year, not after this one", "flag", default=False),
    ),
    "multiple_choice": (
        Spec(
            "exclusive",
            "Answers that cannot be ticked with others",
            "words",
            hint="Stored values separated by commas, for example: none.",
        ),
    ),
    "text": (Spec("max_length", "Longest answer (characters)", "integer"),),
    "yes_no": (Spec("unsure", "Offer “Not sure”", "flag", default=False),),
}
OPTION_FIELDS = (
    Spec("label", "Label", optional=False),
    Spec("value", "Stored value", optional=False, hint="Lower-case letters, digits, _."),
    Spec("highlight", "Shaded", "flag", default=False),
    Spec("score", "Score", "integer"),
)
CONDITION_FIELDS = (
    Spec("item", "Earlier question", "choice", optional=False),
    Spec(
        "in",
        "When its answer is one of",
        "words",
        optional=False,
        hint="Stored values separated by commas, for example: yes, unsure.",
    ),
)
REPORT_FIELDS = (Spec("label", "Label", optional=False),)
PARAGRAPH_FIELDS = (
    Spec("title", "Title"),
    Spec("body", "Text", "prose", optional=False),
    Spec("cites", "References cited", "words", hint="Reference ids separated by commas."),
)
REFERENCE_FIELDS = (
    Spec("id", "Id", optional=False, hint="What paragraphs cite: lower-case letters, digits, _."),
    Spec("citation", "Citation", "prose", optional=False),
    Spec("url", "Web address", hint="Starts with https://."),
)
# Top-level blocks edited value by value, shown only when the document has them.
GENERIC_BLOCKS = (
    ("offer", "Offering on the landing page"),
    ("condition", "Condition screened for"),
    ("outcomes", "Outcome wording"),
    ("gauge", "Gauge"),
)
ITEM_TYPES = {
    "single_choice": "One answer from a list",
    "multiple_choice": "Tick all that apply",
    "yes_no": "Yes or no",
    "number": "A number",
    "text": "Free text",
}
LISTS = ("sections", "items", "options", "references")


@dataclass(frozen=True)
class Field:
    name: str
    path: Path
    spec: Spec
    value: Any
    choices: tuple[tuple[str, str], ...] = ()
    # Where the field sits ("Question 3 (q3)"), so a problem names it in the summary.
    where: str = ""


@dataclass(frozen=True)
class Action:
    """A submit button: ``value`` names the change, ``label`` says it, ``target`` whose."""

    value: str
    label: str
    target: str = ""
    danger: bool = False


@dataclass
class Group:
    legend: str
    path: Path
    kind: str
    fields: list[Field] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    note: str = ""
    add_item: bool = False

    @property
    def id(self) -> str:
        return "g-" + encode(self.path) if self.path else "g-top"


def encode(path: Path) -> str:
    return "-".join(str(part) for part in path)


def decode(text: str) -> Path:
    return tuple(int(part) if part.isdigit() else part for part in text.split("-") if part)


def field_name(path: Path) -> str:
    return "f-" + encode(path)
