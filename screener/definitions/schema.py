"""What a questionnaire definition may contain (format version 2).

Format 2 moved everything the app says or does about an instrument into its file: how
the landing page offers it, the condition it screens for, its outcome words in the
patient's and in the report's voice, its gauge captions, which texts explain each outcome,
where a positive screen is referred, and the groups a clinician reads its answers in.
Format 1 files still load: ``upgrade`` fills those keys in as the code once did.

Models forbid unknown keys so that a typo is an error rather than a silently ignored
setting. Checks that span fields (ids unique, conditions pointing backwards, scoring
parameters) live in ``checks`` so that each problem can name its own line.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

FORMAT_VERSION = 2

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
DefinitionId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9.\-]{1,39}$")]
Line = Annotated[str, StringConstraints(min_length=1, max_length=300, strip_whitespace=True)]
Prose = Annotated[str, StringConstraints(min_length=1, max_length=4000, strip_whitespace=True)]
Choice = str | int | bool
Bound = Annotated[float, Field(allow_inf_nan=False)]


def _web_address(value: str) -> str:
    """Only a web address may become a link: ``javascript:``, ``data:`` and the rest run
    or load something when clicked."""
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("https", "http") or not parts.netloc:
        raise ValueError("only web addresses starting with https:// (or http://) are allowed")
    if any(character.isspace() or ord(character) < 32 for character in value):
        raise ValueError("a web address cannot contain spaces or control characters")
    return value


WebUrl = Annotated[Line, AfterValidator(_web_address)]


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


class _ItemBase(Strict):
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


class SingleChoiceItem(_ItemBase):
    type: Literal["single_choice"]
    options: Annotated[list[Option], Field(min_length=2, max_length=20)] | str
    # "buttons" shows every option; "list" a drop-down, for long lists such as months.
    display: Literal["buttons", "list"] = "buttons"

    def choices(self) -> tuple[Option, ...]:
        assert not isinstance(self.options, str), "option sets are resolved while loading"
        return tuple(self.options)

    def check(self, value: Any) -> str:
        if not isinstance(value, str) or self.option(value) is None:
            raise AnswerError("Choose one of the options.")
        return value


_YES_NO = (Option(value="yes", label="Yes"), Option(value="no", label="No"))
_UNSURE = Option(value="unsure", label="Not sure")


class YesNoItem(_ItemBase):
    type: Literal["yes_no"]
    unsure: bool = False

    def choices(self) -> tuple[Option, ...]:
        return (*_YES_NO, _UNSURE) if self.unsure else _YES_NO

    def check(self, value: Any) -> str:
        if not isinstance(value, str) or self.option(value) is None:
            raise AnswerError(
                "Choose " + (("Yes, No or Not sure.") if self.unsure else "Yes or No.")
            )
        return value


class MultipleChoiceItem(_ItemBase):
    """Tick all that apply. ``exclusive`` values (such as ``none``) cannot be combined."""

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


class NumberItem(_ItemBase):
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


class TextItem(_ItemBase):
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


Item = Annotated[
    SingleChoiceItem | YesNoItem | MultipleChoiceItem | NumberItem | TextItem,
    Field(discriminator="type"),
]


class Section(Strict):
    """One page of the patient flow."""

    id: Slug
    title: Line
    # The heading a patient reads when ``title`` is the instrument's own ("Part A").
    patient_title: Line | None = None
    intro: Prose | None = None
    show_if: Condition | None = None
    items: Annotated[list[Item], Field(min_length=1, max_length=60)]

    @property
    def heading(self) -> str:
        """What the patient pages call this section."""
        return self.patient_title or self.title


class Source(Strict):
    citation: Prose
    url: WebUrl | None = None
    # Ids of the texts' references that this citation names, so that the PDF lists each
    # source once and cites it by the same number as the explanations do.
    references: Annotated[list[Slug], Field(max_length=10)] = []


class RuleSpec(Strict):
    """A scoring rule named from the registry in code, with its parameters."""

    rule: Slug
    params: dict[str, Any] = {}


class ReportSpec(RuleSpec):
    """A further rule whose result is reported beside the outcome."""

    name: Slug
    label: Line
    # What each category value is called, for a category rule whose params name no labels.
    words: dict[Slug, Line] = {}
    # A paragraph of the texts shown when this count has answers in the shaded range but
    # the screen is negative (ASRS Part B): a reason to talk to a clinician anyway.
    cues: Slug | None = None


class Scoring(RuleSpec):
    report: Annotated[list[ReportSpec], Field(max_length=10)] = []


class Offer(Strict):
    """How the landing page offers this questionnaire: its label, place and default."""

    label: Line
    order: Annotated[int, Field(ge=0, le=1000)] = 100
    default: bool = True


class ScreenedCondition(Strict):
    """The condition a screen is for: its name in sentences and in short (worklist, CSV)."""

    name: Line
    short: Annotated[str, StringConstraints(min_length=1, max_length=40)]


class OutcomeText(Strict):
    """One outcome in words: on the patient's results page, in the PDF and for clinicians,
    and the paragraphs of the texts that say what it means."""

    patient: Line
    report: Line
    texts: Annotated[list[Slug], Field(max_length=5)] = []


OutcomeKey = Literal["consistent", "possible", "not_consistent", "screen_negative"]


class GaugeText(Strict):
    """Captions of the score bar. Placeholders: {score} {maximum} {threshold} {band}."""

    patient: Line | None = None
    report: Line | None = None


class Referral(Strict):
    """Where a positive (or treated) screen sends the person: a paragraph of the texts,
    and the kinds of clinic provider (clinic settings) that assess it."""

    texts: Slug
    providers: Annotated[list[Slug], Field(min_length=1, max_length=5)]


class Domain(Strict):
    label: Line
    items: Annotated[list[Slug], Field(min_length=1, max_length=60)]


class Domains(Strict):
    """Groups of items a clinician reads shaded answers by (never an outcome)."""

    source: Line
    groups: Annotated[list[Domain], Field(min_length=1, max_length=10)]


class Definition(Strict):
    format_version: Literal[2]
    id: DefinitionId
    version: Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z][0-9A-Za-z.\-]{0,19}$")]
    title: Line
    short_title: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    kind: Literal["screen", "context"] = "screen"
    # The condition a screen is for, as a short id that texts and clinic settings use.
    screens_for: Slug | None = None
    condition: ScreenedCondition | None = None
    offer: Offer | None = None
    outcomes: dict[OutcomeKey, OutcomeText] = {}
    gauge: GaugeText = GaugeText()
    referral: Referral | None = None
    # The paragraph shown when a flag says the person is treated for the condition.
    treated_text: Slug | None = None
    domains: Domains | None = None
    # What flags without ``means`` meant (format-1 files only; filled in by ``upgrade``).
    flag_meanings: dict[Slug, list[Slug]] = {}
    source: Source
    terms: Prose
    instructions: Prose
    # A sentence the form ends with (shown after the last page and in the PDF).
    closing: Prose | None = None
    recall_period: Line | None = None
    option_sets: dict[Slug, Annotated[list[Option], Field(min_length=2, max_length=30)]] = {}
    sections: Annotated[list[Section], Field(min_length=1, max_length=40)]
    scoring: Scoring

    def items(self) -> list[Any]:
        return [item for section in self.sections for item in section.items]

    def item(self, item_id: str) -> Any | None:
        return next((item for item in self.items() if item.id == item_id), None)


class Reference(Strict):
    """A source that a claim cites; it appears in the PDF's reference list."""

    id: Slug
    citation: Prose
    url: WebUrl | None = None


class Paragraph(Strict):
    """Explanatory prose: every factual claim names the references it rests on."""

    title: Line | None = None
    body: Prose
    cites: list[Slug] = []


# The paragraphs the interpretation chooses from; a texts file must define each of them.
REQUIRED_PARAGRAPHS = (
    "not_a_diagnosis",
    "adhd_consistent",
    "adhd_not_consistent",
    "rls_consistent",
    "rls_possible",
    "rls_not_consistent",
    "link_both",
    "link_adhd_only",
    "link_rls_only",
    "link_neither",
    "iron_risk",
    "ferritin_low",
    "ferritin_children_note",
    "referral_adhd",
    "referral_rls",
    "referral_none",
)


# Format 2 adds the paragraphs that keep a negative or partial result from reassuring
# falsely. Format 1 texts still load, so that screenings stored with them keep their
# wording, but new texts must be format 2.
REQUIRED_PARAGRAPHS_2 = (
    *(key for key in REQUIRED_PARAGRAPHS if key != "ferritin_low"),
    "rls_screen_negative",
    "adhd_part_b_cues",
    "link_adhd_rls_possible",
    "low_iron_rls",
    "low_iron",
    "old_iron_test",
    "pregnancy",
    "treated_rls",
    "both_positive_overlap",
    "see_anyway",
)
TEXTS_FORMAT = 2


class TextsDocument(Strict):
    """The explanatory texts and references that sit beside the definitions."""

    format_version: Literal[1, 2]
    id: Literal["texts"]
    version: Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z][0-9A-Za-z.\-]{0,19}$")]
    references: Annotated[list[Reference], Field(min_length=1, max_length=200)]
    paragraphs: dict[Slug, Paragraph]
