"""Submitted screenings for the PDF tests, answered step by step as a patient would."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from screener.extensions import db
from screener.models import ClinicSettings
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
        "tsat": 24,
    },
}

# Negative for ADHD, RLS not assessable (medicine for the legs), pregnant, an old ferritin.
NEGATIVE_ON_MEDICINE: dict[str, dict[str, Any]] = {
    "asrs-v1.1": asrs(["never"] * 6, "often"),
    "rls-irlssg": rls(gate="no", medicine="yes"),
    "iron-context": {
        "risk_factors": ["pregnancy"],
        "family_rls": "no",
        "ferritin": 32.5,
        "ferritin_month": "m02",
        "ferritin_year": 2025,
    },
}


def set_up_clinic() -> None:
    """The standard summary's clinic: a name, a contact and providers to refer to."""
    settings = db.session.get(ClinicSettings, 1)
    settings.name = "Riverside Health Centre"
    settings.contact = "Reception 020 7946 0000"
    settings.providers = [
        {
            "name": "Dr Ada Quill, adult ADHD service",
            "assesses": ["adhd"],
            "phone": "020 7946 0101",
        },
        {"name": "Sleep clinic", "assesses": ["sleep"], "url": "https://sleep.example/refer"},
    ]
    db.session.commit()


def submit(answers: Mapping[str, Mapping[str, Any]] = STANDARD, keys: Sequence[str] = ALL):
    """Start, fill and submit a screening (inside an app context); return it committed."""
    return submit_with_token(answers, keys)[0]


def submit_with_token(answers: Mapping[str, Mapping[str, Any]], keys: Sequence[str] | None = None):
    """The same, returning the screening and its private-link token (keys: the answers')."""
    screening, token = screenings.start(list(keys or answers))
    fill(screening, answers)
    assert screenings.submit(screening) is True
    db.session.commit()
    return screening, token
