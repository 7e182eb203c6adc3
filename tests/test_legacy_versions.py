"""Screenings answered on older definitions and texts keep their own questions and words.

The files under tests/legacy are the versions shipped before the clinical-safety rewrite
(rls-irlssg 1.1 with one criterion-5 question, iron-context 1.1, texts format 1). A
screening pinned to them must still load, score as it did, and render on every surface.
"""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from screener.extensions import db
from screener.models import Screening
from screener.services import content, reports, screenings
from tests.auth_helpers import signed_in
from tests.helpers import LEGACY, asrs, rls_v11
from tests.patient_helpers import resume
from tests.report_helpers import submit_with_token

FILES = {
    "asrs-v1.1": ("questionnaire", "asrs-v1.1-r1.yaml"),
    "rls-irlssg": ("questionnaire", "rls-irlssg-1.1.yaml"),
    "iron-context": ("questionnaire", "iron-context-1.1.yaml"),
    "texts": ("texts", "texts-1.1.yaml"),
}


def _pin_legacy_versions() -> None:
    """Store the old files as the newest published versions, as they once were."""
    for key, (kind, name) in FILES.items():
        raw = (LEGACY / name).read_bytes()
        version = re.search(rb'^version: "([^"]+)"', raw, re.M).group(1).decode()
        content.store_version(kind, key, version, key, raw, publish=True)
    db.session.commit()


def _submit(app, answers) -> tuple[int, str]:
    with app.app_context():
        _pin_legacy_versions()
        screening, token = submit_with_token(answers)
        return screening.id, token


def _pdf_text(app, screening_id: int) -> str:
    with app.app_context():
        pdf = reports.render_pdf(db.session.get(Screening, screening_id))
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_an_old_screening_keeps_its_questions_scores_and_words(app, client):
    answers = {
        "asrs-v1.1": asrs(["often"] * 6),
        "rls-irlssg": rls_v11(c5="unsure"),
        "iron-context": {"risk_factors": ["none"], "family_rls": "yes", "ferritin": 40},
    }
    screening_id, token = _submit(app, answers)
    with app.app_context():
        summary = screenings.summary(db.session.get(Screening, screening_id))
        outcomes = {i.key: i.result.outcome.value for i in summary.instruments}
        assert outcomes["rls-irlssg"] == "possible"
        assert [i.version_label for i in summary.instruments] == ["1.1", "1.1", "1.1"]
        # Possible is not "both", even with the old texts.
        assert summary.interpretation.explanation[0].key == "link_adhd_only"
        assert "ferritin_low" in [p.key for p in summary.interpretation.explanation]
    resume(client, f"/screen/resume/{token}")
    page = client.get("/screen/results").get_data(as_text=True)
    assert "Possibly consistent with restless legs syndrome" in page
    assert "5 of 6 criteria were met" in page
    text = re.sub(r"\s+", " ", _pdf_text(app, screening_id))
    assert "Are these feelings fully explained by another condition" in text
    assert "5 of 6 criteria met (all 6 are needed)" in text
    assert "Ferritin: 40 µg/L (no date given)" in text
    clinician = signed_in(app, "old@clinic.example", "clinician")
    detail = clinician.get(f"/clinician/screenings/{screening_id}")
    assert detail.status_code == 200
    assert "Are these feelings fully explained" in detail.get_data(as_text=True)


def test_an_old_screening_with_a_no_to_the_screening_question_never_says_0_of_6(app, client):
    screening_id, token = _submit(app, {"rls-irlssg": rls_v11(gate="no")})
    resume(client, f"/screen/resume/{token}")
    page = client.get("/screen/results").get_data(as_text=True)
    assert "0 of 6" not in page
    text = re.sub(r"\s+", " ", _pdf_text(app, screening_id))
    assert "0 of 6" not in text
    assert "Not asked (the screening question was answered no)" in text
    assert "intermittent" not in text.lower()
