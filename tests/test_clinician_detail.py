"""One screening: outcomes, interpretation, every answer, review; audited or not shown."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text

from screener.codes import format_code
from screener.extensions import db
from screener.models import AuditEvent, Screening
from tests.auth_helpers import csrf_token, signed_in, submitted_screening
from tests.helpers import definition, rls


@pytest.fixture
def app(make_app):
    """CSRF protection on, explicitly: these tests prove it refuses forged requests."""
    return make_app(WTF_CSRF_ENABLED=True)


@pytest.fixture
def clinician(app):
    return signed_in(app, "doc@clinic.example", "clinician")


def _events(app, action):
    with app.app_context():
        return db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        ).all()


def test_detail_shows_outcomes_interpretation_and_every_answer(app, clinician):
    screening_id, code = submitted_screening(app, adhd="often", rls_answers=rls(gate="no"))
    page = clinician.get(f"/clinician/screenings/{screening_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert format_code(code) in html
    asrs = definition("asrs-v1.1")
    assert asrs.title in html
    for item in asrs.items():
        assert item.text.replace("'", "&#39;").replace('"', "&#34;") in html
    assert html.count("answer-highlight") >= 6  # Part A "often" is in the shaded boxes
    assert "Consistent" in html and "Not consistent" in html
    # The RLS criteria were hidden by the gate question: "not asked", never blank or "no".
    assert html.count('class="not-asked">Not asked<') == len(definition("rls-irlssg").items()) - 2
    assert "Not asked (the screening question was answered no)" in html
    assert "0 of 4" not in html and "0 of 6" not in html
    assert 'id="ref-1"' in html and "Download the PDF summary" in html
    event = _events(app, "screening.view")[-1]
    assert (event.reference, event.actor, event.role) == (
        format_code(code),
        "doc@clinic.example",
        "clinician",
    )
    assert event.address == "127.0.0.1" and event.outcome == "ok"


def test_no_health_data_is_shown_when_the_audit_row_cannot_be_written(app, clinician):
    screening_id, code = submitted_screening(app, adhd="often")
    with app.app_context():
        db.session.execute(text("ALTER TABLE audit_events RENAME TO audit_events_away"))
        db.session.commit()
    try:
        for url in (
            f"/clinician/screenings/{screening_id}",
            f"/clinician/screenings/{screening_id}/pdf",
            "/clinician/",
            "/clinician/export.csv",
        ):
            response = clinician.get(url)
            assert response.status_code == 503, url
            assert not response.data.startswith(b"%PDF"), url
            body = response.get_data(as_text=True)
            assert format_code(code) not in body and code not in body
            assert "Consistent" not in body and "often" not in body.lower()
    finally:
        with app.app_context():
            db.session.execute(text("ALTER TABLE audit_events_away RENAME TO audit_events"))
            db.session.commit()


def _review(client, screening_id, note, token=True):
    data = {"note": note}
    if token:
        data["csrf_token"] = csrf_token(client, f"/clinician/screenings/{screening_id}")
    return client.post(f"/clinician/screenings/{screening_id}/review", data=data)


def test_mark_as_reviewed_with_a_note(app, clinician):
    screening_id, code = submitted_screening(app)
    hostile = "Seen. <script>alert(1)</script> {{7*7}} ‮ok"
    response = _review(clinician, screening_id, hostile)
    assert response.status_code == 303
    # The message waits in the session cookie, which is signed but readable: no code.
    cookie = clinician.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    session = app.session_interface.get_signing_serializer(app).loads(cookie)
    assert session["_flashes"] and code.replace("-", "") not in str(session).replace("-", "")
    html = clinician.get(response.headers["Location"]).get_data(as_text=True)
    assert "is marked as reviewed" in html and "by doc@clinic.example" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; {{7*7}}" in html and "<script>alert" not in html
    with app.app_context():
        screening = db.session.get(Screening, screening_id)
        assert screening.reviewed_at is not None
        assert [r.note for r in screening.review_notes] == [hostile]
    assert _events(app, "screening.review")[-1].reference == format_code(code)
    # The note is never put in the audit trail.
    assert all("Seen." not in (e.detail or "") for e in _events(app, "screening.review"))


def test_review_needs_a_csrf_token_and_changes_nothing_without_one(app, clinician):
    screening_id, _ = submitted_screening(app)
    assert _review(clinician, screening_id, "x", token=False).status_code == 400
    foreign = csrf_token(app.test_client())
    response = clinician.post(
        f"/clinician/screenings/{screening_id}/review", data={"note": "x", "csrf_token": foreign}
    )
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(Screening, screening_id).reviewed_at is None


def test_an_over_long_note_is_refused_with_a_message_and_kept(app, clinician):
    screening_id, _ = submitted_screening(app)
    response = _review(clinician, screening_id, "x" * 1990 + "the end <b>")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Keep the note to 2000 characters" in html and "<title>Error:" in html
    assert "x" * 1990 + "the end &lt;b&gt;</textarea>" in html  # what was typed is still there
    with app.app_context():
        assert db.session.get(Screening, screening_id).reviewed_at is None


def test_a_note_sent_after_the_page_was_open_too_long_is_kept(app, clinician):
    """The review form's CSRF token expires after an hour: the page comes back with the
    note still in the box and a fresh token, and pressing the button again saves it."""
    screening_id, _ = submitted_screening(app)
    path = f"/clinician/screenings/{screening_id}/review"
    refused = clinician.post(path, data={"note": "Seen in clinic.", "csrf_token": "expired"})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "The page was open too long" in html
    assert "Seen in clinic.</textarea>" in html
    fresh = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    saved = clinician.post(path, data={"note": "Seen in clinic.", "csrf_token": fresh})
    assert saved.status_code == 303
    with app.app_context():
        assert [n.note for n in db.session.get(Screening, screening_id).review_notes] == [
            "Seen in clinic."
        ]


def test_pdf_download_is_the_stored_summary_and_is_audited(app, clinician):
    pytest.importorskip("screener.services.reports")
    screening_id, code = submitted_screening(app, adhd="often", rls_answers=rls())
    response = clinician.get(f"/clinician/screenings/{screening_id}/pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="screening-summary-{format_code(code)}.pdf"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    event = _events(app, "report.download")[-1]
    assert (event.reference, event.actor) == (format_code(code), "doc@clinic.example")


def test_every_page_and_download_with_health_data_is_never_cached(app, clinician):
    screening_id, _ = submitted_screening(app, adhd="often", rls_answers=rls())
    admin = signed_in(app, "boss@clinic.example", "admin")
    pages = [
        (clinician, "/clinician/"),
        (clinician, f"/clinician/screenings/{screening_id}"),
        (clinician, f"/clinician/screenings/{screening_id}/pdf"),
        (clinician, "/clinician/export.csv"),
        (admin, "/admin/audit"),
    ]
    for client, url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response.headers["Cache-Control"], url
