"""Screenings keep rendering exactly as before when the code around them changes.

For a set of screenings answered on the shipped and on the older (tests/legacy) versions,
everything the PDF is printed from (``report.data.build``), the results page's outcome
cards and the clinician overview are compared with a snapshot in tests/golden. The PDF is
a pure function of that data and its template, so the same data means the same PDF.

The PDF's bytes are compared too (code and dates fixed). When a change *means* to alter
what is shown or how it is printed, regenerate the snapshot with
``SCREENER_UPDATE_GOLDEN=1 pytest tests/test_rendering_unchanged.py`` and read the diff.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
from pathlib import Path

import pytest

from screener.clinician.presenters import detail
from screener.extensions import db
from screener.patient import presenters
from screener.report.data import build
from screener.services import reports, screenings
from tests.helpers import asrs, rls, rls_v11
from tests.report_helpers import STANDARD, set_up_clinic, submit
from tests.test_legacy_versions import _pin_legacy_versions

GOLDEN = Path(__file__).parent / "golden" / "rendering.json"
WHEN = dt.datetime(2026, 3, 14, 9, 30, tzinfo=dt.UTC)
NEGATIVE = asrs(["never"] * 6)
IRON_NONE = {"risk_factors": ["none"], "family_rls": "no"}

CASES = {
    "standard": (False, STANDARD),
    "both_negative": (False, {"asrs-v1.1": NEGATIVE, "rls-irlssg": rls(gate="no")}),
    "adhd_with_rls_possible": (
        False,
        {
            "asrs-v1.1": STANDARD["asrs-v1.1"],
            "rls-irlssg": rls(causes={"cramps": "unsure"}),
            "iron-context": {**IRON_NONE, "risk_factors": ["pregnancy"], "ferritin": 30},
        },
    ),
    "part_b_cues_and_treated": (
        False,
        {
            "asrs-v1.1": asrs(["never"] * 6, "very_often"),
            "rls-irlssg": rls(c3="no", medicine="yes"),
        },
    ),
    "screen_no_on_medicine": (
        False,
        {"asrs-v1.1": NEGATIVE, "rls-irlssg": rls(gate="no", medicine="yes")},
    ),
    "rls_only": (False, {"rls-irlssg": rls(frequency="weekly", impact="no")}),
    "legacy_standard": (
        True,
        {
            "asrs-v1.1": asrs(["often"] * 6),
            "rls-irlssg": rls_v11(),
            "iron-context": {
                "risk_factors": ["heavy_periods"],
                "family_rls": "yes",
                "ferritin": 40,
            },
        },
    ),
    "legacy_negative": (
        True,
        {
            "asrs-v1.1": NEGATIVE,
            "rls-irlssg": rls_v11(gate="no"),
            "iron-context": IRON_NONE,
        },
    ),
}


def _plain(value):
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, frozenset | set):
        return sorted(_plain(v) for v in value)
    return value if isinstance(value, str | int | float | bool | type(None)) else str(value)


def _rendering(case: str, legacy: bool, answers) -> dict:
    if legacy:
        _pin_legacy_versions()
    set_up_clinic()
    screening = submit(answers, keys=list(answers))
    screening.created_at = screening.submitted_at = WHEN
    screening.reference_code = f"ACDEFHJKM{sorted(CASES).index(case):03d}".replace("0", "N")
    db.session.commit()
    summary = screenings.summary(screening)
    report = _plain(build(summary))
    # The reference code is random; everything else must match.
    code = report.pop("reference_code")
    report.pop("title")
    report["results_json"] = report["results_json"].replace(code, "CODE")
    page = presenters.results_page(screening)
    shown = detail(summary)
    return {
        "report": report,
        "cards": [{k: _plain(v) for k, v in card.items()} for card in page["cards"]],
        "overview": [
            {"count_label": o.count_label, "domains": _plain(o.domains)} for o in shown["overview"]
        ],
        # The PDF itself, byte for byte (its code and dates are fixed above).
        "pdf_sha256": hashlib.sha256(reports.render_pdf(screening)).hexdigest(),
    }


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_stored_screening_renders_as_it_did(app, case):
    legacy, answers = CASES[case]
    with app.app_context():
        rendering = _rendering(case, legacy, answers)
    stored = json.loads(GOLDEN.read_text()) if GOLDEN.exists() else {}
    if os.environ.get("SCREENER_UPDATE_GOLDEN"):
        stored[case] = rendering
        GOLDEN.write_text(json.dumps(stored, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    assert rendering == stored[case]
