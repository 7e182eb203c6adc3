"""A patient's screening from start to submission: the public entry point.

The work is split by reason to change: ``screener.flow`` (which pages, what a page's
answers mean: pure functions over definitions and answers), ``screening_store`` (the one
place that writes a screening) and ``screening_summary`` (what every surface shows). This
module joins them for the views, the CLI and the tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from screener.flow import (
    Step,
    check_page,
    first_open_step,
    most_steps,
    plan,
    step_is_complete,
    with_page,
)
from screener.models import Screening
from screener.services.screening_store import (
    Pinned,
    ScreeningError,
    ScreeningRow,
    answers_of,
    by_code,
    by_token,
    has_answers,
    light_by_id,
    pinned,
    results_of,
    start,
    store_section,
    submit,
)
from screener.services.screening_summary import InstrumentSummary, Summary, summary

__all__ = [
    "InstrumentSummary",
    "Pinned",
    "ScreeningError",
    "ScreeningRow",
    "Step",
    "Summary",
    "answers_of",
    "by_code",
    "by_token",
    "check_section",
    "first_incomplete",
    "first_open_step",
    "has_answers",
    "light_by_id",
    "max_steps",
    "pinned",
    "results_of",
    "save_section",
    "start",
    "step_is_complete",
    "steps",
    "store_section",
    "submit",
    "summary",
    "with_page",
]

Answers = Mapping[str, Mapping[str, Any]]


def steps(screening: Screening, answers: Answers | None = None) -> list[Step]:
    """The pages the patient sees, given the answers so far (conditions may hide some)."""
    return plan(pinned(screening), answers if answers is not None else answers_of(screening))


def max_steps(screening: Screening, answers: Answers | None = None) -> int:
    """The most pages the patient can still see (a total that never grows)."""
    return most_steps(pinned(screening), answers if answers is not None else answers_of(screening))


def first_incomplete(screening: Screening, answers: Answers | None = None) -> Step | None:
    answers = answers if answers is not None else answers_of(screening)
    return first_open_step(steps(screening, answers), answers)


def check_section(
    screening: Screening | ScreeningRow,
    key: str,
    section_id: str,
    raw: Mapping[str, Any],
    answers: Answers | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Check one page's answers without writing: (canonical answers, errors by item id).

    Kept apart from storing so the write lock is held only for the write itself.
    """
    if screening.status != "draft":
        raise ScreeningError("this screening has already been submitted")
    instrument = next((p for p in pinned(screening) if p.key == key), None)
    section = instrument and next(
        (s for s in instrument.definition.sections if s.id == section_id), None
    )
    if section is None:
        raise ScreeningError("no such page in this screening")
    answers = answers if answers is not None else answers_of(screening)
    return check_page(section, answers.get(key, {}), raw)


def save_section(
    screening: Screening, key: str, section_id: str, raw: Mapping[str, Any]
) -> dict[str, str]:
    """Check and store one page; return errors by item id (and save nothing then)."""
    clean, errors = check_section(screening, key, section_id, raw)
    if not errors:
        store_section(screening.id, key, clean)
    return errors
