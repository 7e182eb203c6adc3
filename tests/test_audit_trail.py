"""The audit trail: append-only in the database, readable and filterable by admins."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from screener import audit
from screener.codes import format_code
from screener.extensions import db
from screener.models import AuditEvent
from tests.auth_helpers import csrf_token, signed_in, submitted_screening
from tests.helpers import rls


def test_the_database_refuses_to_change_or_delete_audit_rows(app):
    with app.test_request_context():
        audit.record("test.event", reference="R1", detail="kept")
    with app.app_context():
        for statement in (
            update(AuditEvent).values(detail="rewritten"),
            delete(AuditEvent),
            text("DELETE FROM audit_events WHERE 1 = 1"),
        ):
            with pytest.raises(DBAPIError, match="append-only"):
                db.session.execute(statement)
                db.session.flush()
            db.session.rollback()
        assert db.session.scalar(select(AuditEvent.detail)) == "kept"


def test_values_cannot_forge_lines_and_are_cut_to_size(app):
    with app.test_request_context():
        audit.record("test.event", reference="A\r\nforged: line", detail="x" * 2000)
    with app.app_context():
        event = db.session.scalar(select(AuditEvent))
        assert event.reference == "A\\r\\nforged: line"
        assert len(event.detail) == 500


def test_a_clinician_finding_reading_and_downloading_leaves_each_step_in_the_log(app):
    pytest.importorskip("screener.services.reports")
    screening_id, code = submitted_screening(app, adhd="often", rls_answers=rls())
    doc = signed_in(app, "doc@clinic.example", "clinician")
    found = doc.post(
        "/clinician/find", data={"csrf_token": csrf_token(doc, "/clinician/"), "code": code}
    )
    assert found.status_code == 303
    assert doc.get(found.headers["Location"]).status_code == 200
    assert doc.get(f"/clinician/screenings/{screening_id}/pdf").status_code == 200

    admin = signed_in(app, "boss@clinic.example", "admin")
    page = admin.get("/admin/audit", query_string={"actor": "doc@"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for action in (
        "auth.sign_in",
        "screenings.list",
        "screening.search",
        "screening.view",
        "report.download",
    ):
        assert f"<td>{action}</td>" in html, action
    assert "boss@clinic.example" not in html.split("<tbody>")[1]  # filtered by account

    about = admin.post(
        "/admin/audit/find",
        data={"csrf_token": csrf_token(admin, "/admin/audit"), "reference": code.lower()},
    )
    html = about.get_data(as_text=True)
    assert about.status_code == 200
    assert html.count(format_code(code)) >= 3
    for action in ("screening.search", "screening.view", "report.download"):
        assert f"<td>{action}</td>" in html


def test_filters_by_action_outcome_and_date(app):
    with app.test_request_context():
        audit.record("auth.sign_in", actor="a@x.example", outcome="failed")
        audit.record("auth.sign_in", actor="b@x.example")
    admin = signed_in(app, "boss@clinic.example", "admin")
    html = admin.get(
        "/admin/audit", query_string={"action": "auth.sign_in", "outcome": "failed"}
    ).get_data(as_text=True)
    body = html.split("<tbody>")[1]
    assert "a@x.example" in body and "b@x.example" not in body
    future = admin.get("/admin/audit", query_string={"date_from": "2999-01-01"})
    assert "No events." in future.get_data(as_text=True)
    bad = admin.get("/admin/audit", query_string={"date_from": "soon", "page": "x"})
    assert bad.status_code == 400 and "There is a problem" in bad.get_data(as_text=True)


def test_reading_the_log_is_recorded_with_its_filters(app):
    admin = signed_in(app, "boss@clinic.example", "admin")
    admin.get("/admin/audit")
    admin.get("/admin/audit", query_string={"actor": "a@x.example", "action": "auth.sign_in"})
    with app.app_context():
        rows = db.session.execute(
            select(AuditEvent.actor, AuditEvent.detail)
            .where(AuditEvent.action == "audit.list")
            .order_by(AuditEvent.id)
        ).all()
    assert rows == [
        ("boss@clinic.example", "all"),
        ("boss@clinic.example", "actor=a@x.example, action=auth.sign_in"),
    ]


def _links(page: str) -> list[tuple[str, str, str]]:
    """(address, rel, text) of each link of the page's pagination."""
    nav = re.search(r'<ul class="pagination">(.*?)</ul>', page, re.S)
    return re.findall(r'<a href="([^"]*)" rel="(prev|next)">([^<]*)</a>', nav.group(1))


def test_the_log_pages_newest_first(app):
    with app.test_request_context():
        for n in range(60):
            audit.record("test.event", reference=f"R{n}")
    admin = signed_in(app, "boss@clinic.example", "admin")
    first = admin.get("/admin/audit", query_string={"action": "test.event"}).get_data(as_text=True)
    assert first.index(">R59<") < first.index(">R58<") and ">R5<" not in first
    assert _links(first) == [("/admin/audit?page=2&amp;action=test.event", "next", "Older events")]
    second = admin.get("/admin/audit", query_string={"action": "test.event", "page": 2})
    assert ">R5<" in second.get_data(as_text=True)
    assert _links(second.get_data(as_text=True)) == [
        ("/admin/audit?page=1&amp;action=test.event", "prev", "Newer events")
    ]
    # A page that is no number shows the first page, as it always has.
    odd = admin.get("/admin/audit", query_string={"action": "test.event", "page": "x"})
    assert odd.status_code == 200 and "Page 1 of 2" in odd.get_data(as_text=True)


def test_shown_values_are_escaped(app):
    with app.test_request_context():
        audit.record(
            "test.event", actor='"><img src=x onerror=alert(1)>', detail="<script>x</script>"
        )
    admin = signed_in(app, "boss@clinic.example", "admin")
    html = admin.get("/admin/audit").get_data(as_text=True)
    assert "<img src=x" not in html and "<script>x" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html


def test_logs_carry_no_passwords_tokens_or_answers(app, caplog):
    import logging

    from tests.auth_helpers import PASSWORD, login, make_user
    from tests.patient_helpers import post_step, start

    caplog.set_level(logging.DEBUG)
    make_user(app, "doc@clinic.example", "clinician")
    doc = app.test_client()
    assert login(doc, "doc@clinic.example", "a wrong passphrase 77").status_code == 200
    assert login(doc, "doc@clinic.example").status_code == 302
    patient = app.test_client()
    token = start(patient)
    page = patient.get("/screen/started").get_data(as_text=True)
    resume = page.split("/screen/resume/")[1].split('"')[0]
    post_step(patient, 1, {f"q{n}": "very_often" for n in range(1, 7)}, token)
    logged = caplog.text
    for secret in (PASSWORD, "a wrong passphrase 77", resume, token, "very_often"):
        assert secret not in logged


def test_filters_say_what_they_filter_and_what_is_wrong(app):
    admin = signed_in(app, "boss@clinic.example", "admin")
    # An action the log does not hold yet (a bookmarked filter) is shown as chosen.
    page = admin.get("/admin/audit", query_string={"action": "report.retry"})
    assert page.status_code == 200
    assert '<option selected value="report.retry">' in page.get_data(as_text=True)
    reversed_dates = admin.get(
        "/admin/audit", query_string={"date_from": "2026-03-02", "date_to": "2026-03-01"}
    )
    assert reversed_dates.status_code == 400
    assert "To: Enter a date on or after the From date." in reversed_dates.get_data(as_text=True)
    long_actor = admin.get("/admin/audit", query_string={"actor": "a" * 3000})
    assert long_actor.status_code == 400
    assert "Account (email): Use at most 254 characters." in long_actor.get_data(as_text=True)
