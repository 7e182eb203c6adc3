"""Delivery: rendered once, stored with its hash, served as stored; failures lose nothing."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from screener.codes import format_code
from screener.extensions import db
from screener.models import AuditEvent, ScreeningResult, StoredReport
from screener.report import render
from screener.services import content, reports, screenings
from tests.conftest import QUESTIONNAIRES
from tests.report_helpers import ALL, submit


def download(app, screening_id: int):
    with app.test_request_context("/"):
        screening = db.session.get(screenings.Screening, screening_id)
        response = reports.pdf_response(screening)
        return response.status_code, dict(response.headers), response.get_data()


def audit_rows(app) -> list[tuple[str, str | None, str]]:
    with app.app_context():
        return [
            (row.action, row.reference, row.outcome)
            for row in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
            if row.action.startswith("report.")
        ]


def test_download_is_an_attachment_named_by_reference_code_and_not_cached(app):
    with app.app_context():
        screening = submit()
        code, screening_id = format_code(screening.reference_code), screening.id
    status, headers, body = download(app, screening_id)
    assert status == 200
    assert headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"] == f'attachment; filename="screening-summary-{code}.pdf"'
    assert headers["Cache-Control"] == "no-store"
    assert body.startswith(b"%PDF-") and int(headers["Content-Length"]) == len(body)
    with app.app_context():
        row = db.session.get(StoredReport, screening_id)
        assert row.pdf == body
        assert row.sha256 == hashlib.sha256(body).hexdigest()
    assert audit_rows(app) == [("report.download", code, "ok")]


def test_later_downloads_serve_the_stored_bytes_without_rendering(app):
    with app.app_context():
        screening_id = submit().id
    _, _, first = download(app, screening_id)
    with app.app_context():
        # Replace the stored bytes: a re-render would give the real PDF back instead.
        db.session.get(StoredReport, screening_id).pdf = b"%PDF-stored-bytes"
        db.session.commit()
    _, headers, again = download(app, screening_id)
    assert again == b"%PDF-stored-bytes" != first
    assert headers["Content-Length"] == str(len(again))
    assert [row[0] for row in audit_rows(app)] == ["report.download", "report.download"]


def test_a_draft_has_no_summary(app):
    with app.app_context():
        screening, _ = screenings.start(list(ALL))
        db.session.commit()
        screening_id = screening.id
    with pytest.raises(NotFound):
        download(app, screening_id)
    with app.app_context():
        assert db.session.get(StoredReport, screening_id) is None


def test_a_failed_render_keeps_the_submission_and_can_be_rendered_again(make_app):
    failing = make_app(REPORT_MAX_PAGES=1)
    with failing.app_context():
        screening = submit()
        screening_id, code = screening.id, format_code(screening.reference_code)
        answers_before = screenings.answers_of(screening)
    status, headers, body = download(failing, screening_id)
    assert status == 503
    assert b"Your saved answers are safe" in body
    assert headers["Cache-Control"] == "no-store"
    with failing.app_context():
        screening = db.session.get(screenings.Screening, screening_id)
        assert screening.status == "submitted"
        assert screenings.answers_of(screening) == answers_before
        assert len(db.session.scalars(select(ScreeningResult)).all()) == 3
        assert db.session.get(StoredReport, screening_id) is None
    assert audit_rows(failing) == [("report.download", code, "render_failed")]

    working = make_app()  # same database, the page bound as shipped
    status, _, body = download(working, screening_id)
    assert status == 200 and body.startswith(b"%PDF-")


def test_a_later_definition_edit_never_changes_an_existing_pdf(app, tmp_path):
    with app.app_context():
        screening_id = submit().id
    _, _, stored = download(app, screening_id)
    with app.app_context():
        first_render = reports.render_pdf(db.session.get(screenings.Screening, screening_id))
        folder = tmp_path / "edited"
        folder.mkdir()
        for path in Path(QUESTIONNAIRES).glob("*.yaml"):
            text = path.read_text(encoding="utf-8")
            text = text.replace("How often are you distracted", "How often are you EDITED")
            (folder / path.name).write_text(text, encoding="utf-8")
        assert any(row.created for row in content.import_directory(folder))
        db.session.commit()
        again = reports.render_pdf(db.session.get(screenings.Screening, screening_id))
        newer = reports.render_pdf(submit())
    # Rendering is deterministic and pinned: the same screening gives the same bytes.
    assert again == first_render
    assert b"EDITED" not in again
    _, _, served = download(app, screening_id)
    assert served == stored
    assert newer != again


def test_a_summary_too_large_fails_before_layout_and_only_once(make_app, monkeypatch, caplog):
    """Past the size bound nothing is laid out; past the page bound the layout runs once and
    later downloads fail at once; staff get one clear log line; a raised bound renders."""
    layouts = []
    real_lay_out = render.lay_out

    def counting_lay_out(html, fetcher=None):
        layouts.append(len(html))
        return real_lay_out(html, fetcher)

    monkeypatch.setattr(render, "lay_out", counting_lay_out)
    too_many_characters = make_app(REPORT_MAX_HTML_CHARS=5_000)
    with too_many_characters.app_context():
        screening = submit()
        screening_id, code = screening.id, format_code(screening.reference_code)
    caplog.set_level(logging.INFO)
    for _ in range(2):
        status, _, body = download(too_many_characters, screening_id)
        assert status == 503 and b"Your saved answers are safe" in body
    assert layouts == []
    assert caplog.text.count("is too large") == 1
    assert code in caplog.text and "REPORT_MAX_HTML_CHARS" in caplog.text

    too_many_pages = make_app(REPORT_MAX_PAGES=1)
    for _ in range(3):
        assert download(too_many_pages, screening_id)[0] == 503
    assert len(layouts) == 1  # the page bound is known only after layout: once, not again
    assert audit_rows(too_many_pages) == [("report.download", code, "render_failed")] * 5

    working = make_app()  # the bounds as shipped
    status, _, body = download(working, screening_id)
    assert status == 200 and body.startswith(b"%PDF-")
    assert len(layouts) == 2
