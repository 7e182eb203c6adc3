"""The urgent-help line every result carries: where to turn if the person feels unsafe.

Plain data with no Flask, so the PDF report can use it as well as the pages. The clinic
may set its own wording (with local numbers); without one, the default names no
country-specific number.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

DEFAULT = (
    "If you feel unsafe or might harm yourself or someone else, get help now. "
    "Call your local emergency number or go to the nearest emergency department."
)
MAX_LENGTH = 500


def resolve(wording: str | None) -> str:
    """The clinic's wording, or the default when it set none."""
    text = (wording or "").strip()
    return text or DEFAULT


def of_clinic(clinic: Mapping[str, Any] | None) -> str:
    """The line from a clinic snapshot; snapshots taken before the setting existed have none."""
    return resolve((clinic or {}).get("urgent_help"))
