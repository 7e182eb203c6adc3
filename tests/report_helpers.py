"""Submitted screenings for the PDF tests, answered step by step as a patient would."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from screener.extensions import db
from screener.services import screenings
from tests.helpers import asrs, fill, rls

ALL = ("asrs-v1.1", "rls-irlssg", "iron-context")

# The standard summary: both screens consistent, iron flags and a ferritin result given.
STANDARD: dict[str, dict[str, Any]] = {
    "asrs-v1.1": asrs(["often", "very_often", "sometimes", "often", "often", "rarely"], "often"),
    "rls-irlssg": rls(),
    "iron-context": {
        "risk_factors": ["heavy_periods", "blood_donation"],
        "family_rls": "yes",
        "ferritin": 42,
        "ferritin_month": "m03",
        "ferritin_year": 2026,
    },
}


def submit(answers: Mapping[str, Mapping[str, Any]] = STANDARD, keys: Sequence[str] = ALL):
    """Start, fill and submit a screening (inside an app context); return it committed."""
    screening, _ = screenings.start(list(keys))
    fill(screening, answers)
    assert screenings.submit(screening) is True
    db.session.commit()
    return screening
