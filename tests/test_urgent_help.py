"""The urgent-help line: on every results page, PDF and clinician page, as the clinic worded it."""

from __future__ import annotations

import html
import re

from sqlalchemy import inspect, select, text

from screener import urgent_help
from screener.extensions import db
from screener.models import Screening
from screener.report import data
from screener.services import reports, screenings
from tests.auth_helpers import signed_in, submitted_screening
from tests.patient_helpers import post_step, start
from tests.report_helpers import set_up_clinic, submit
from tests.staff_pages import form_data, staff_client
from tests.test_report_content import page_texts, squash

PART_A = {f"q{n}": "often" for n in range(1, 7)}
PART_B = {f"q{n}": "rarely" for n in range(7, 19)}
CRISIS = "Feeling unsafe? Call the Riverside crisis team on 0800 000 111, day or night, or 999."


def patient_results(app) -> tuple[object, str, bytes]:
    """Answer the ADHD questions as a patient; return the client, results page and PDF."""
    client = app.test_client()
    token = start(client, screeners=("adhd",), iron=False)
    post_step(client, 1, PART_A, token)
    post_step(client, 2, PART_B, token)
    client.post("/screen/submit", data={"csrf_token": token})
    page = client.get("/screen/results")
    assert page.status_code == 200
    pdf = client.get("/screen/summary.pdf")
    assert pdf.status_code == 200
    return client, page.get_data(as_text=True), pdf.data


def shown_line(page: str) -> str:
    """The text of the results page's urgent-help paragraph, label included."""
    match = re.search(r'<p class="urgent-help">(.*?)</p>', page, re.S)
    assert match, "no urgent-help line on the page"
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip()


def set_line(app, wording: str) -> None:
    client = staff_client(app, "settings@example.org")
    page = client.get("/staff/settings").get_data(as_text=True)
    data = form_data(page, urgent_help=wording)
    assert client.post("/staff/settings", data=data).status_code == 302


def clinician_page(app, client, screening_id: int) -> str:
    response = client.get(f"/clinician/screenings/{screening_id}")
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def test_results_page_and_pdf_carry_the_default_line(app):
    _, page, pdf = patient_results(app)
    assert shown_line(page) == "Need help now? " + urgent_help.DEFAULT
    # It comes first under "What to do next", where someone deciding what to do will read it.
    assert re.search(r'<h2>What to do next</h2>\s*<p class="urgent-help">.*?</p>', page, re.S)
    first_page = squash(page_texts(pdf)[0])
    assert squash("Need help now? " + urgent_help.DEFAULT) in first_page


def test_a_clinic_line_reaches_new_screenings_and_older_ones_keep_theirs(app):
    old_id, _ = submitted_screening(app)
    set_line(app, CRISIS)
    _, page, pdf = patient_results(app)
    assert shown_line(page) == "Need help now? " + CRISIS
    assert squash(CRISIS) in squash(page_texts(pdf)[0])
    assert squash(urgent_help.DEFAULT) not in squash(" ".join(page_texts(pdf)))
    with app.app_context():
        new_id = db.session.scalar(select(Screening.id).order_by(Screening.id.desc()).limit(1))
        old = db.session.get(Screening, old_id)
        old_pdf = reports.render_pdf(old)
    clinician = signed_in(app, "doc@clinic.example", "clinician")
    assert CRISIS in clinician_page(app, clinician, new_id)
    # The older screening was submitted with the default: its pages and PDF keep it.
    old_page = clinician_page(app, clinician, old_id)
    assert urgent_help.DEFAULT in old_page and CRISIS not in old_page
    assert squash(urgent_help.DEFAULT) in squash(page_texts(old_pdf)[0])


def test_a_screening_from_before_the_setting_shows_the_default(app):
    screening_id, _ = submitted_screening(app)
    with app.app_context():
        screening = db.session.get(Screening, screening_id)
        snapshot = dict(screening.clinic_snapshot)
        del snapshot["urgent_help"]  # as stored before the clinic could set the line
        screening.clinic_snapshot = snapshot
        db.session.commit()
    set_line(app, CRISIS)
    with app.app_context():
        screening = db.session.get(Screening, screening_id)
        assert "urgent_help" not in screening.clinic_snapshot
        assert screenings.summary(screening).clinic["urgent_help"] == urgent_help.DEFAULT
        pdf = reports.render_pdf(screening)
    assert squash(urgent_help.DEFAULT) in squash(page_texts(pdf)[0])
    clinician = signed_in(app, "doc@clinic.example", "clinician")
    page = clinician_page(app, clinician, screening_id)
    assert urgent_help.DEFAULT in page and CRISIS not in page


def test_the_standard_summary_keeps_page_one_whole(app):
    """The line stays on page one, and so does the last referral provider."""
    with app.app_context():
        set_up_clinic()
        screening = submit()
        report = data.build(screenings.summary(screening))
        pages = page_texts(reports.render_pdf(screening))
    first = squash(pages[0])
    assert squash("Need help now? " + urgent_help.DEFAULT) in first
    assert squash("Sleep clinic · https://sleep.example/refer") in first
    # Nothing of page one's summary spills over: page two holds only the evidence.
    assert squash(report.referrals[-1].body) in first
    assert squash("Suggested next step") not in squash(pages[1])


def test_the_longest_line_a_clinic_may_set_stays_on_page_one(app):
    wording = ("Call the Riverside crisis team on 0800 000 111. " * 11)[: urgent_help.MAX_LENGTH]
    set_line(app, wording)
    _, page, pdf = patient_results(app)
    assert shown_line(page) == "Need help now? " + wording.strip()
    assert squash(wording) in squash(page_texts(pdf)[0])


def _columns(app) -> set[str]:
    with app.app_context():
        return {c["name"] for c in inspect(db.engine).get_columns("clinic_settings")}


def test_the_migration_upgrades_and_downgrades(app):
    from flask_migrate import downgrade, upgrade

    set_line(app, CRISIS)
    try:
        with app.app_context():
            downgrade(revision="0005")
            db.session.remove()
        assert "urgent_help" not in _columns(app)
        with app.app_context():
            # Everything else in the settings survives the way down.
            assert db.session.execute(text("SELECT count(*) FROM clinic_settings")).scalar() == 1
    finally:
        with app.app_context():
            upgrade()
            db.session.remove()
    assert "urgent_help" in _columns(app)
    with app.app_context():
        # The row that existed before the column gets the default, not a NULL.
        assert db.session.execute(text("SELECT urgent_help FROM clinic_settings")).scalar() == ""
    result = app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
