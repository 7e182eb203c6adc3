"""A "no" to the RLS screening question from someone on medicine for the legs.

The summary and the PDF say "cannot tell" (the medicine may hide the very feelings the
question asks about). Every other place a clinician reads the outcome must say the same,
never "not consistent": the worklist and its filters, the CSV, the FHIR export, and
the stored results of screenings submitted before the worklist knew the difference.
"""

from __future__ import annotations

import csv
import io
import json

from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from screener.codes import format_code
from screener.extensions import db
from screener.models import ScreeningResult
from tests.api_helpers import bearer, make_token
from tests.auth_helpers import signed_in, submitted_screening
from tests.helpers import rls

TREATED_NO = {"gate": "no", "medicine": "yes"}


def _shown(app, screening_id: int) -> dict[str, tuple[str, str]]:
    with app.app_context():
        return {
            r.questionnaire_key: (r.outcome, r.shown_outcome)
            for r in db.session.scalars(
                select(ScreeningResult).where(ScreeningResult.screening_id == screening_id)
            )
        }


def test_the_stored_result_keeps_the_scoring_outcome_and_shows_cannot_tell(app):
    treated, _ = submitted_screening(app, adhd="never", rls_answers=rls(**TREATED_NO))
    untreated, _ = submitted_screening(app, adhd="never", rls_answers=rls(gate="no"))
    treated_yes, _ = submitted_screening(app, adhd="never", rls_answers=rls(medicine="yes"))
    assert _shown(app, treated)["rls-irlssg"] == ("not_consistent", "cannot_tell_treated")
    assert _shown(app, untreated)["rls-irlssg"] == ("not_consistent", "not_consistent")
    # Medicine with a "yes" to the question: the criteria were asked and met.
    assert _shown(app, treated_yes)["rls-irlssg"] == ("consistent", "consistent")
    assert _shown(app, treated)["asrs-v1.1"] == ("not_consistent", "not_consistent")


def test_the_worklist_and_the_csv_say_cannot_tell_and_flag_it(app):
    treated = submitted_screening(app, adhd="never", rls_answers=rls(**TREATED_NO))
    clinician = signed_in(app, "doc@clinic.example", "clinician")
    html = clinician.get("/clinician/").get_data(as_text=True)
    row = html[html.index(format_code(treated[1])) :]
    row = row[: row.index("</tr>")]
    assert '<span class="tag tag-flag">Cannot tell (treated)</span>' in row
    assert '<span class="tag tag-muted">Not consistent</span>' in row  # the ADHD screen
    assert "RLS consistent, possible or cannot tell" in html  # the filter says what it finds

    found = clinician.get("/clinician/", query_string={"outcome": "rls"})
    assert format_code(treated[1]) in found.get_data(as_text=True)
    exported = clinician.get("/clinician/export.csv").get_data(as_text=True)
    (line,) = csv.DictReader(io.StringIO(exported))
    assert (line["adhd_outcome"], line["rls_outcome"]) == ("not_consistent", "cannot_tell_treated")


def test_the_clinician_page_flags_it_like_a_positive_screen(app):
    treated = submitted_screening(app, adhd="never", rls_answers=rls(**TREATED_NO))
    clinician = signed_in(app, "doc@clinic.example", "clinician")
    html = clinician.get(f"/clinician/screenings/{treated[0]}").get_data(as_text=True)
    flagged = html.split('class="screen-outcome is-flagged"')[1:]
    assert len(flagged) == 1 and "Cannot tell" in flagged[0][:400]


def test_the_fhir_export_codes_it_as_cannot_tell(app):
    treated = submitted_screening(app, adhd=None, rls_answers=rls(**TREATED_NO))
    result = app.test_cli_runner().invoke(args=["export", "fhir", treated[1]])
    assert result.exit_code == 0, result.output
    bundle = json.loads(result.output)
    (outcome,) = [
        entry["resource"]
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == "Observation"
        and entry["resource"]["code"]["coding"][0]["code"] == "rls-irlssg.outcome"
    ]
    concept = outcome["valueCodeableConcept"]
    assert concept["coding"][0]["code"] == "cannot_tell_treated"
    assert concept["coding"][0]["display"].startswith("Cannot tell")
    assert concept["text"].startswith("Cannot tell")


def test_the_migration_fills_in_screenings_submitted_before_it(app):
    treated, _ = submitted_screening(app, adhd="often", rls_answers=rls(**TREATED_NO))
    untreated, _ = submitted_screening(app, adhd="never", rls_answers=rls(gate="no"))
    possible, _ = submitted_screening(app, adhd=None, rls_answers=rls(causes={"cramps": "unsure"}))
    try:
        with app.app_context():
            downgrade(revision="0018")
            db.session.remove()
    finally:
        with app.app_context():
            upgrade()
            db.session.remove()
    assert _shown(app, treated) == {
        "asrs-v1.1": ("consistent", "consistent"),
        "rls-irlssg": ("not_consistent", "cannot_tell_treated"),
    }
    assert _shown(app, untreated)["rls-irlssg"] == ("not_consistent", "not_consistent")
    assert _shown(app, possible) == {"rls-irlssg": ("possible", "possible")}
    result = app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def test_the_api_gives_the_shown_outcome_and_filters_on_it(app, client):
    treated = submitted_screening(app, adhd=None, rls_answers=rls(**TREATED_NO))
    untreated = submitted_screening(app, adhd=None, rls_answers=rls(gate="no"))
    headers = bearer(make_token(app, "records", "screenings:read"))
    listed = client.get("/api/v1/screenings", headers=headers).get_json()["items"]
    shown = {
        item["reference_code"]: [(i["outcome"], i["shown_outcome"]) for i in item["instruments"]]
        for item in listed
    }
    assert shown == {
        format_code(treated[1]): [("not_consistent", "cannot_tell_treated")],
        format_code(untreated[1]): [("not_consistent", "not_consistent")],
    }
    found = client.get(
        "/api/v1/screenings", headers=headers, query_string={"shown_outcome": "cannot_tell_treated"}
    ).get_json()["items"]
    assert [item["reference_code"] for item in found] == [format_code(treated[1])]
    one = client.get(f"/api/v1/screenings/{treated[1]}", headers=headers).get_json()
    (instrument,) = one["instruments"]
    assert instrument["shown_outcome"] == "cannot_tell_treated"
    assert instrument["outcome_words"].startswith("Cannot tell")
    refused = client.get(
        "/api/v1/screenings", headers=headers, query_string={"shown_outcome": "fine"}
    )
    assert refused.status_code == 400
