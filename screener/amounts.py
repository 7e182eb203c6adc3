"""How a typed number reads back on every page and in the PDF.

Answers to number items come back from the database as 42.0 where the patient typed 42,
and a percentage is written without a space before its sign. One place, so the results
page, the review page, the PDF and the clinician page quote a value the same way.
"""

from __future__ import annotations

from typing import Any


def plain(number: Any) -> str:
    """A number as a person writes it: 42 rather than 42.0, 32.5 as it is."""
    return str(int(number)) if float(number) == int(number) else str(number)


def amount(value: Any, unit: str | None) -> str:
    """A value with its unit: "42 µg/L", "17.5%", or just "1990"; "" for no value."""
    if value is None:
        return ""
    unit = unit or ""
    return f"{plain(value)}{unit}" if unit == "%" else f"{plain(value)} {unit}".strip()
