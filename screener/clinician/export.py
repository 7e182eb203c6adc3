"""The CSV export of results for the clinic's records.

Outcomes and scores only: no free text (no review notes, no text answers), so the
file holds nothing a patient typed. Every cell is guarded against formula injection:
a spreadsheet must never read a cell as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from screener.clinician.worklist import Row, Screen
from screener.codes import format_code

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")


def safe_cell(value: object) -> str:
    """The value as text, prefixed with ' when a spreadsheet would take it for a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def columns(screens: tuple[Screen, ...]) -> tuple[str, ...]:
    """One outcome column per screened condition ("adhd_outcome"), between the fixed ones."""
    conditions = tuple(f"{screen.condition}_outcome" for screen in screens)
    return ("reference_code", "submitted_at_utc", *conditions, "reviewed", "reviewed_at_utc")


def to_csv(rows: Iterable[Row], screens: tuple[Screen, ...]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns(screens))
    for row in rows:
        writer.writerow(
            safe_cell(cell)
            for cell in (
                format_code(row.reference_code),
                row.submitted_at.isoformat(timespec="seconds"),
                *(row.outcome(screen) or "not_asked" for screen in screens),
                "yes" if row.reviewed_at else "no",
                row.reviewed_at.isoformat(timespec="seconds") if row.reviewed_at else "",
            )
        )
    return buffer.getvalue()
