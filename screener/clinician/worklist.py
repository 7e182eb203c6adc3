"""The worklist query: submitted screenings, newest first, filtered and paginated.

Filters come from the query string and hold no reference codes (codes are searched
with a POST form, see ``views.find``), so no code ends up in a GET URL or a log. The
label of an invitation is health data too: it is searched with a POST form
(``views.by_label``) and never becomes a query-string argument.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, exists, or_, select, true

from screener import clinic_time, paging, wording
from screener.date_ranges import OUT_OF_RANGE, in_range, within_days
from screener.extensions import db
from screener.models import Screening, ScreeningResult
from screener.services import content, invitations

PAGE_SIZE = 25
REVIEW_FILTERS = {"": "Reviewed or not", "no": "Not reviewed", "yes": "Reviewed"}
SOURCE_FILTERS = {"": "Invited or not", "invited": "From an invitation", "self": "Self-started"}
LABEL_PAGE_SIZE = 200  # a label search shows its matches on one page (no label in URLs)


@dataclass(frozen=True)
class Screen:
    """A condition the live questionnaires screen for: a worklist column and filter."""

    condition: str  # the definitions' ``screens_for``
    short: str  # "RLS"
    keys: tuple[str, ...]  # the questionnaires that screen for it
    can_be_possible: bool
    can_be_cannot_tell: bool = False  # a "no" while treated reads "cannot tell"


def screens() -> tuple[Screen, ...]:
    """The screened conditions, in the landing page's order, from the live definitions."""
    found: dict[str, Screen] = {}
    live = [(row.key, content.definition_of(row)) for row in content.live_versions()]
    live.sort(key=lambda pair: (pair[1].offer.order if pair[1].offer else 1000, pair[0]))
    for key, definition in live:
        condition = definition.screens_for
        if definition.kind != "screen" or not condition or not definition.condition:
            continue
        earlier = found.get(condition)
        found[condition] = Screen(
            condition,
            earlier.short if earlier else definition.condition.short,
            (*(earlier.keys if earlier else ()), key),
            (earlier is not None and earlier.can_be_possible) or "possible" in definition.outcomes,
            (earlier is not None and earlier.can_be_cannot_tell)
            or "screen_negative_treated" in definition.outcomes,
        )
    return tuple(found.values())


def outcome_filters(shown: tuple[Screen, ...]) -> dict[str, str]:
    """The outcome filter's choices: any, each condition, all of them, none of them."""
    filters = {"": "Any outcome"}
    for screen in shown:
        filters[screen.condition] = f"{screen.short} {_either(['consistent', *_beyond(screen)])}"
    if len(shown) > 1:
        wider = [f"{s.short} incl. {_either(_beyond(s))}" for s in shown if _beyond(s)]
        note = f" ({'; '.join(wider)})" if wider else ""
        filters["both"] = ("Both" if len(shown) == 2 else "All") + note
        # Only screenings that took every screen: one not taken is not a negative.
        filters["neither"] = "Neither (both taken)" if len(shown) == 2 else "None (all taken)"
    return filters


def _beyond(screen: Screen) -> list[str]:
    """What a condition's filter finds besides "consistent"."""
    return ["possible"] * screen.can_be_possible + ["cannot tell"] * screen.can_be_cannot_tell


def _either(words: list[str]) -> str:
    """ "consistent, possible or cannot tell" """
    return " or ".join(filter(None, (", ".join(words[:-1]), words[-1])))


class FilterError(ValueError):
    """A filter value that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class Filters:
    outcome: str = ""
    reviewed: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    page: int = 1
    source: str = ""
    label: str = ""  # never in ``query_args``: a label is health data

    def query_args(self, **changes: Any) -> dict[str, str]:
        """The filters as query-string arguments, for links to other pages and the export."""
        values = {
            "outcome": self.outcome,
            "reviewed": self.reviewed,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "source": self.source,
            "page": str(self.page) if self.page > 1 else "",
        }
        values.update({k: str(v) for k, v in changes.items()})
        return {k: v for k, v in values.items() if v}

    def describe(self) -> str:
        """For the audit trail: says that a label was searched, never which."""
        described = [f"{k}={v}" for k, v in self.query_args().items()]
        if self.label:
            described.append("label=(searched)")
        return ", ".join(described) or "all"


def parse_filters(
    args: Mapping[str, str], shown: tuple[Screen, ...] | None = None
) -> tuple[Filters, dict[str, str]]:
    """Filters from the query string, and a message per field that could not be used."""
    errors: dict[str, str] = {}
    outcome = args.get("outcome", "")
    if outcome not in outcome_filters(screens() if shown is None else shown):
        errors["outcome"] = "Choose an outcome from the list."
        outcome = ""
    reviewed = args.get("reviewed", "")
    if reviewed not in REVIEW_FILTERS:
        errors["reviewed"] = "Choose reviewed or not from the list."
        reviewed = ""
    dates = {}
    for name, label in (("from", "From"), ("to", "To")):
        raw = (args.get(name) or "").strip()
        try:
            dates[name] = dt.date.fromisoformat(raw) if raw else None
        except ValueError:
            errors[name] = f"{label} date: enter a date like 2026-03-31."
            dates[name] = None
        if dates[name] and not in_range(dates[name]):
            errors[name] = f"{label} date: {OUT_OF_RANGE}"
            dates[name] = None
    if dates["from"] and dates["to"] and dates["from"] > dates["to"]:
        errors["to"] = "To date: enter a date on or after the From date."
    source = args.get("source", "")
    if source not in SOURCE_FILTERS:
        errors["source"] = "Choose invited or not from the list."
        source = ""
    page = paging.number(args.get("page"))
    if page is None:
        errors["page"] = paging.NOT_A_PAGE
        page = 1
    return Filters(outcome, reviewed, dates["from"], dates["to"], page, source), errors


def _flagged(screen: Screen):
    """The screening has a result for this condition that calls for attention:
    consistent, possible, or "cannot tell" (a "no" while treated)."""
    return exists().where(
        ScreeningResult.screening_id == Screening.id,
        ScreeningResult.questionnaire_key.in_(screen.keys),
        ScreeningResult.shown_outcome.in_(sorted(wording.FLAGGED)),
    )


def _cleared(screen: Screen):
    """The screening took this condition's screen and it did not call for attention
    (not consistent; never incomplete, never not taken)."""
    return exists().where(
        ScreeningResult.screening_id == Screening.id,
        ScreeningResult.questionnaire_key.in_(screen.keys),
        ScreeningResult.shown_outcome == "not_consistent",
    )


def filtered(filters: Filters, shown: tuple[Screen, ...] | None = None) -> Select:
    shown = screens() if shown is None else shown
    flagged = {screen.condition: _flagged(screen) for screen in shown}
    query = select(Screening).where(Screening.status == "submitted")
    if filters.outcome == "both":
        query = query.where(and_(*flagged.values()))
    elif filters.outcome == "neither":
        query = query.where(
            ~or_(*false_if_empty(flagged.values())), *(_cleared(screen) for screen in shown)
        )
    elif filters.outcome:
        query = query.where(flagged[filters.outcome])
    if filters.reviewed == "yes":
        query = query.where(Screening.reviewed_at.is_not(None))
    elif filters.reviewed == "no":
        query = query.where(Screening.reviewed_at.is_(None))
    if filters.source == "invited":
        query = query.where(invitations.invited_screenings())
    elif filters.source == "self":
        query = query.where(~invitations.invited_screenings())
    if filters.label:
        query = query.where(
            Screening.id.in_(sorted(invitations.screenings_labelled(filters.label)))
        )
    return within_days(
        query,
        Screening.submitted_at,
        filters.date_from,
        filters.date_to,
        clinic_time.current().tzinfo,
    )


def false_if_empty(clauses) -> list:
    """``or_()`` of nothing is refused; no condition means nothing is flagged."""
    return list(clauses) or [~true()]


@dataclass(frozen=True)
class Row:
    id: int
    reference_code: str
    submitted_at: dt.datetime
    reviewed_at: dt.datetime | None
    outcomes: Mapping[str, str]  # questionnaire key -> shown outcome
    label: str | None = None  # the invitation's label, for screenings from one

    def outcome(self, screen: Screen) -> str | None:
        """The outcome for a condition, from whichever of its questionnaires was taken."""
        return next((self.outcomes[k] for k in screen.keys if k in self.outcomes), None)


@dataclass(frozen=True)
class Page:
    rows: tuple[Row, ...]
    total: int
    number: int
    pages: int


def page(filters: Filters, shown: tuple[Screen, ...], size: int = PAGE_SIZE) -> Page:
    query = filtered(filters, shown)
    window = paging.window(query, filters.page, size)
    screenings = db.session.scalars(
        window.of(query.order_by(Screening.submitted_at.desc(), Screening.id.desc()))
    ).all()
    return Page(tuple(rows_for(screenings)), window.total, window.number, window.pages)


def rows_for(screenings) -> list[Row]:
    """Rows with each screening's outcomes, read in one query."""
    ids = [s.id for s in screenings]
    outcomes: dict[int, dict[str, str]] = {i: {} for i in ids}
    if ids:
        for screening_id, key, outcome in db.session.execute(
            select(
                ScreeningResult.screening_id,
                ScreeningResult.questionnaire_key,
                ScreeningResult.shown_outcome,
            ).where(ScreeningResult.screening_id.in_(ids))
        ):
            outcomes[screening_id][key] = outcome
    labels = invitations.labels_for(ids)
    return [
        Row(s.id, s.reference_code, s.submitted_at, s.reviewed_at, outcomes[s.id], labels.get(s.id))
        for s in screenings
    ]
