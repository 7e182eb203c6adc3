"""The CSV export of results for the clinic's records.

Outcomes and scores, and on request (``items``) a column per item with the answer as
its stored value (option values; several joined with ``;``). Never free text: no review
notes and no text answers, so the file holds nothing a patient typed. Every cell is
guarded against formula injection: a spreadsheet must never read a cell as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence

from screener.clinician.worklist import Row, Screen
from screener.codes import format_code
from screener.models import Screening
from screener.scoring.engine import asked
from screener.services import screenings

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")


def safe_cell(value: object) -> str:
    """The value as text, prefixed with ' when a spreadsheet would take it for a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def columns(screens: tuple[Screen, ...]) -> tuple[str, ...]:
    """One outcome column per screened condition ("adhd_outcome"), between the fixed ones."""
    conditions = tuple(f"{screen.condition}_outcome" for screen in screens)
    return ("reference_code", "submitted_at_utc", *conditions, "reviewed", "reviewed_at_utc")


ItemAnswers = tuple[list[str], dict[int, dict[str, str]]]


def item_answers(rows: Sequence[Screening]) -> ItemAnswers:
    """Item columns (``questionnaire.item``, in the order first met) and each screening's
    answers to the items it asked, from the versions it is pinned to. Text items are
    left out."""
    names: dict[str, None] = {}
    by_screening: dict[int, dict[str, str]] = {}
    for screening in rows:
        answers = screenings.answers_of(screening)
        cells: dict[str, str] = {}
        for pinned in screenings.pinned(screening):
            given = asked(pinned.definition, answers.get(pinned.key, {})).values
            for item in pinned.definition.items():
                if item.type == "text":
                    continue
                name = f"{pinned.key}.{item.id}"
                names.setdefault(name, None)
                value = given.get(item.id)
                if value is not None:
                    cells[name] = ";".join(value) if isinstance(value, list) else str(value)
        by_screening[screening.id] = cells
    return list(names), by_screening


def to_csv(
    rows: Iterable[Row],
    screens: tuple[Screen, ...],
    items: ItemAnswers | None = None,
) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    item_columns, answers = items or ([], {})
    writer.writerow((*columns(screens), *item_columns))
    for row in rows:
        mine: Mapping[str, str] = answers.get(row.id, {})
        writer.writerow(
            safe_cell(cell)
            for cell in (
                format_code(row.reference_code),
                row.submitted_at.isoformat(timespec="seconds"),
                *(row.outcome(screen) or "not_asked" for screen in screens),
                "yes" if row.reviewed_at else "no",
                row.reviewed_at.isoformat(timespec="seconds") if row.reviewed_at else "",
                *(mine.get(name, "") for name in item_columns),
            )
        )
    return buffer.getvalue()
