"""No message misleads: every outcome × iron state × medicine, on every surface.

Each case is submitted as a patient would, then read back three ways: the patient's
results page, the clinician's screening page and the text of the PDF summary. Every
surface is held to the same rules (docs/clinical-content.md):
- no false reassurance ("you do not need to do anything");
- "both" only when both screens are consistent, and "possible" in its own words;
- nothing that was not asked is reported as absent ("0 of N", "no risk factors");
- medicine for the legs, pregnancy and a low iron test are named whatever the outcome,
  and every low-iron passage says not to start iron alone; a "no" to the RLS screening
  question from someone on leg medicine is "cannot tell", never "not consistent".
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass

import pytest
from pypdf import PdfReader

from screener.extensions import db
from screener.models import Screening
from screener.services import reports
from tests.auth_helpers import signed_in
from tests.helpers import asrs, rls
from tests.patient_helpers import resume
from tests.report_helpers import submit_with_token

RLS_CASES = {
    "consistent": lambda med: rls(medicine=med),
    "possible": lambda med: rls(medicine=med, causes={"swelling": "yes"}),
    "not_consistent": lambda med: rls(medicine=med, c3="no"),
    "screen_negative": lambda med: rls(medicine=med, gate="no"),
    "not_asked": None,
}
IRON_CASES = {
    "none": {"risk_factors": ["none"], "family_rls": "no"},
    "risk_factor": {"risk_factors": ["heavy_periods"], "family_rls": "no"},
    "low_ferritin": {
        "risk_factors": ["none"],
        "family_rls": "no",
        "ferritin": "32,5",
        "ferritin_month": "m03",
        "ferritin_year": 2026,
    },
    "low_tsat": {"risk_factors": ["none"], "family_rls": "unsure", "ferritin": 120, "tsat": 15},
    "not_asked": None,
}
ADHD_CASES = {
    "consistent": asrs(["often"] * 6),
    "not_consistent": asrs(["never"] * 6, "often"),
    "not_asked": None,
}


@dataclass(frozen=True)
class Case:
    adhd: str
    rls: str
    iron: str
    medicine: str

    @property
    def id(self) -> str:
        return f"adhd-{self.adhd}_rls-{self.rls}_iron-{self.iron}_med-{self.medicine}"

    def answers(self) -> dict[str, dict]:
        answers = {}
        if ADHD_CASES[self.adhd] is not None:
            answers["asrs-v1.1"] = ADHD_CASES[self.adhd]
        if RLS_CASES[self.rls] is not None:
            answers["rls-irlssg"] = RLS_CASES[self.rls](self.medicine)
        if IRON_CASES[self.iron] is not None:
            answers["iron-context"] = IRON_CASES[self.iron]
        return answers


def _cases() -> list[Case]:
    """Every RLS outcome × iron state × medicine; the ADHD outcome turns with them."""
    cases = []
    adhd = list(ADHD_CASES)
    for rls_case in RLS_CASES:
        medicines = ["no"] if rls_case == "not_asked" else ["no", "yes"]
        for iron_case in IRON_CASES:
            for medicine in medicines:
                case = Case(adhd[len(cases) % 3], rls_case, iron_case, medicine)
                if case.answers():
                    cases.append(case)
    # And every ADHD outcome beside every RLS outcome, for the words about "both".
    for adhd_case in ADHD_CASES:
        for rls_case in RLS_CASES:
            case = Case(adhd_case, rls_case, "none", "no")
            if case not in cases and (adhd_case, rls_case) != ("not_asked", "not_asked"):
                cases.append(case)
    return cases


CASES = _cases()


def _text(markup: str) -> str:
    body = markup.split("<main", 1)[-1]
    body = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r"\s+", " ", html.unescape(body))


def _pdf_text(pdf: bytes) -> str:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pages))


@pytest.fixture
def clinician(app):
    return signed_in(app, "matrix@clinic.example", "clinician")


def _submit(app, case: Case) -> tuple[int, str]:
    with app.app_context():
        answers = case.answers()
        screening, token = submit_with_token(answers)
        return screening.id, token


BY_RLS = {name: [case for case in CASES if case.rls == name] for name in RLS_CASES}


@pytest.mark.parametrize("rls_case", list(BY_RLS))
def test_no_surface_misleads(app, clinician, rls_case):
    """One RLS outcome per test, with every iron state, medicine and ADHD outcome beside it."""
    render_pdf = "sqlite" in app.config["SQLALCHEMY_DATABASE_URI"]  # the PDF is the same
    for case in BY_RLS[rls_case]:
        screening_id, token = _submit(app, case)
        patient_client = app.test_client()
        assert resume(patient_client, f"/screen/resume/{token}").status_code == 302
        patient = _text(patient_client.get("/screen/results").get_data(as_text=True))
        page = clinician.get(f"/clinician/screenings/{screening_id}")
        surfaces = {"results page": patient, "clinician page": _text(page.get_data(as_text=True))}
        if render_pdf:
            with app.app_context():
                pdf = reports.render_pdf(db.session.get(Screening, screening_id))
            surfaces["pdf"] = _pdf_text(pdf)
        for surface, text in surfaces.items():
            _holds_the_rules(case, surface, text)


def _holds_the_rules(case: Case, surface: str, text: str) -> None:
    where = f"{case.id} on the {surface}"
    lower = text.lower()
    # No false reassurance, anywhere.
    for phrase in ("do not need to do anything", "nothing to worry", "you are fine"):
        assert phrase not in lower, where
    # "Both" only when both are consistent.
    both = case.adhd == "consistent" and case.rls == "consistent"
    assert ("consistent with both adhd and restless legs" in lower) is both, where
    if case.adhd == "consistent" and case.rls == "possible":
        assert "consistent with adult adhd, and possibly with restless legs" in lower, where
    # "Possible" has its own words.
    if case.rls == "possible":
        assert "possibly consistent with restless legs syndrome" in lower, where
    # What was not asked is never reported as absent.
    assert not re.search(r"\b0 of \d+ (criteria|main features)", lower), where
    if case.rls == "screen_negative" and surface != "results page":
        assert "not asked (the screening question was answered no)" in lower, where
    # A "no" to the screening question from someone on leg medicine cannot be "not
    # consistent": the medicine may hide what the question asks about.
    if case.rls == "screen_negative" and case.medicine == "yes":
        assert "cannot tell" in lower, where
        assert "not consistent with restless legs" not in lower, where
        assert "did not match the conditions you were screened for" not in lower, where
    elif case.rls == "screen_negative":
        assert "not consistent with restless legs syndrome" in lower, where
    if case.rls == "not_asked":
        assert "restless legs (rls):" not in lower, where
    if case.iron == "not_asked":
        assert "none of the listed risk factors" not in lower, where
        assert "no listed risk factor" not in lower, where
        assert "no family history" not in lower, where
        if surface != "results page":
            assert "not asked: the iron and family history questions were not chosen" in lower
    # Reasons to see a clinician whatever the outcome.
    if case.medicine == "yes":
        assert "takes medicine for restless legs now" in lower, where
        if surface == "results page":
            assert "talk to your clinician about your legs, whatever this screen shows" in lower
    if case.iron in ("low_ferritin", "low_tsat"):
        assert "do not start iron on your own" in lower, where
        typed = "32.5 µg/l" if case.iron == "low_ferritin" else "15%"
        assert typed in lower, where
        if case.iron == "low_ferritin":
            assert "march 2026" in lower, where
    if case.iron == "low_tsat":  # family history answered "not sure"
        assert "no family history of restless legs was reported" not in lower, where
        if surface != "results page":
            assert "not sure about a family history of rls" in lower, where
    if case.iron == "risk_factor":
        assert "heavy periods" in lower, where
        assert "do not start iron tablets without advice" in lower, where
    # A negative screen says when to see a clinician anyway.
    positive = case.adhd == "consistent" or case.rls in ("consistent", "possible")
    treated = case.medicine == "yes"
    if not positive and not treated:
        assert "see a clinician if your symptoms go on, get worse or affect your daily life" in (
            lower
        ), where
    # A clinician is told that ASRS items 5, 12 and 13 can read like restless legs, and
    # never in words that say "both" when the RLS screen is only possible.
    both_flagged = case.adhd == "consistent" and case.rls in ("consistent", "possible")
    if both_flagged and surface != "results page":
        assert "asrs items 5 (fidgeting), 12 (leaving one's seat) and 13" in lower, where
        assert "when both screens are positive" not in lower, where
    assert "intermittent" not in lower, where
    # Where to turn in a crisis: on every results page and PDF.
    if surface != "clinician page":
        assert "need help now? if you feel unsafe" in lower, where
