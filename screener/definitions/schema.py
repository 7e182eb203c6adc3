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

from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, StringConstraints, model_validator

# The item types live one class per module in screener.items; these names are re-exported
# because definitions, checks and rules speak of them.
from screener.items import ITEM_TYPES, Item  # noqa: F401
from screener.items.base import (  # noqa: F401
    AnswerError,
    Choice,
    Condition,
    Line,
    Option,
    Prose,
    Slug,
    Strict,
)
from screener.items.multiple_choice import MultipleChoiceItem  # noqa: F401
from screener.items.number import NumberItem  # noqa: F401
from screener.items.single_choice import SingleChoiceItem  # noqa: F401
from screener.items.text import TextItem  # noqa: F401
from screener.items.yes_no import YesNoItem  # noqa: F401

FORMAT_VERSION = 2

DefinitionId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9.\-]{1,39}$")]


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
    # With ``cues``: what the patient's list of reasons to talk to a clinician calls such
    # answers ("...: 3 of 12"), in their words; the clinician's ``label`` when not given.
    reason: Line | None = None

    @model_validator(mode="after")
    def _reason_needs_cues(self) -> ReportSpec:
        if self.reason is not None and self.cues is None:
            raise ValueError("'reason' names answers that are cues: give 'cues' too")
        return self


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


# "screen_negative": a "no" to the screening question (the criteria were not asked);
# "screen_negative_treated": the same "no" from someone treated for the condition.
OutcomeKey = Literal[
    "consistent", "possible", "not_consistent", "screen_negative", "screen_negative_treated"
]


class GaugeText(Strict):
    """Captions of the score bar. Placeholders: {score} {maximum} {threshold} {band}."""

    patient: Line | None = None
    report: Line | None = None


class Referral(Strict):
    """Where a positive (or treated) screen sends the person: a paragraph of the texts,
    and the kinds of clinic provider (clinic settings) that assess it."""

    texts: Slug
    providers: Annotated[list[Slug], Field(min_length=1, max_length=5)]
    # The suggested next step said to the clinician (their page), a paragraph of the texts.
    clinician: Slug | None = None


class Domain(Strict):
    label: Line
    items: Annotated[list[Slug], Field(min_length=1, max_length=60)]


class Domains(Strict):
    """Groups of items a clinician reads shaded answers by (never an outcome)."""

    source: Line
    groups: Annotated[list[Domain], Field(min_length=1, max_length=10)]


class TrendLine(Strict):
    """One line of a series' trend (repeat screens): a number the rules give, or the outcome.

    The figure below which a change is "no clear change" belongs to the instrument (its
    known retest variation, or a stated careful margin), so it lives here with the
    paragraph of the texts that says where it comes from, never in the code.
    """

    # "score" (the main rule's), "outcome", or the name of a rule under scoring.report.
    value: Slug
    label: Line
    no_clear_change: Annotated[float, Field(ge=0, le=1000)] | None = None
    margin_text: Slug | None = None
    # Accepted from definitions written before the trend's words became neutral ("Up 3",
    # not "Worse: up 3"); it no longer changes anything.
    higher_is_worse: bool = True


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
    # What a series of repeat screens plots over time; nothing when empty.
    trend: Annotated[list[TrendLine], Field(max_length=6)] = []

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
# Format 3 says in the file which paragraphs apply when (``explain``, ``clinician``,
# ``reasons``, ``no_referral``); only the two every result page shows are required by name.
# Format 1 and 2 texts get the rules the code once applied (definitions/format1.yaml).
REQUIRED_PARAGRAPHS_3 = ("not_a_diagnosis", "see_anyway")
TEXTS_FORMAT = 3

Conditions = Annotated[list[Slug], Field(max_length=10)]


class When(Strict):
    """What must all hold for a paragraph to apply. Conditions are the definitions'
    ``screens_for``; meanings are what raised flags ``means``."""

    consistent: Conditions = []  # every condition named screens consistent
    possible: Conditions = []  # every condition named screens possibly consistent
    positive: Conditions = []  # every condition named screens consistent or possible
    in_play: Conditions = []  # positive, or the person is treated for it
    means: Conditions = []  # a raised flag means at least one of these
    low_value: bool = False  # a typed value (a blood test) is on the flagged side


class Lead(Strict):
    """Words put before the paragraph: what was typed, and a paragraph for an old test."""

    values: bool = False
    old: Slug | None = None


class Rule(Strict):
    """Show the paragraph ``show`` when ``when`` holds (and the texts have it)."""

    show: Slug
    when: When = When()
    lead: Lead | None = None


class FirstOf(Strict):
    """The first of these rules that holds, and only that one."""

    first: Annotated[list[Rule], Field(min_length=1, max_length=20)]


class TreatedHere(Strict):
    """Here, the paragraph of each condition the person is treated for (its definition's
    ``treated_text``)."""

    treated: Literal[True]


class NoReferral(Strict):
    """The referral when no screen is positive: a paragraph and the provider kinds."""

    texts: Slug
    providers: Annotated[list[Slug], Field(min_length=1, max_length=5)]
    clinician: Slug | None = None  # the next step said to the clinician


class ContextBox(Strict):
    """The box of context answers (risk factors, typed tests) in the PDF and for
    clinicians: its heading and what it says when there is nothing to list."""

    title: Line
    not_asked: Line  # when no context questions were chosen
    nothing_raised: Line  # when they were, and no flag was raised
    no_value: Line  # when no test result was typed


class Reason(Strict):
    """A raised flag's meaning that is a reason to see a clinician only when ``when``
    holds: ``{means: low_iron, when: {in_play: [rls]}}`` (the 75 µg/L ferritin figure is
    the one for people with restless legs)."""

    means: Slug
    when: When = When()


class TextsDocument(Strict):
    """The explanatory texts and references that sit beside the definitions."""

    format_version: Literal[1, 2, 3]
    id: Literal["texts"]
    version: Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z][0-9A-Za-z.\-]{0,19}$")]
    references: Annotated[list[Reference], Field(min_length=1, max_length=200)]
    paragraphs: dict[Slug, Paragraph]
    # The explanation after the outcomes, in order.
    explain: Annotated[list[Rule | FirstOf | TreatedHere], Field(max_length=40)] = []
    # Notes for clinicians only (their page and the PDF).
    clinician: Annotated[list[Rule], Field(max_length=20)] = []
    # Raised flags that mean any of these are named as reasons to see a clinician anyway;
    # a meaning may come with a condition (``Reason``).
    reasons: Annotated[list[Slug | Reason], Field(max_length=10)] = []
    no_referral: NoReferral | None = None
    context_box: ContextBox | None = None

    def rules(self):
        """Every rule, with its path in the file."""
        for index, entry in enumerate(self.explain):
            if isinstance(entry, FirstOf):
                for inner, rule in enumerate(entry.first):
                    yield ("explain", index, "first", inner), rule
            elif isinstance(entry, Rule):
                yield ("explain", index), entry
        for index, rule in enumerate(self.clinician):
            yield ("clinician", index), rule

    def reason_rules(self) -> list[tuple[str, When]]:
        """Each reason's meaning with the condition it needs (none: always)."""
        return [
            (reason, When()) if isinstance(reason, str) else (reason.means, reason.when)
            for reason in self.reasons
        ]

    def whens(self):
        """Every condition the texts name (the rules' and the reasons'), with its path."""
        for path, rule in self.rules():
            yield path, rule.when
        for index, reason in enumerate(self.reasons):
            if not isinstance(reason, str):
                yield ("reasons", index), reason.when

    def named(self):
        """Every paragraph the rules name, with its path in the file."""
        for path, rule in self.rules():
            yield from _rule_names(rule, path)
        if self.no_referral:
            yield ("no_referral", "texts"), self.no_referral.texts
            if self.no_referral.clinician:
                yield ("no_referral", "clinician"), self.no_referral.clinician


def _rule_names(rule: Rule, path: tuple):
    yield (*path, "show"), rule.show
    if rule.lead and rule.lead.old:
        yield (*path, "lead", "old"), rule.lead.old
