"""The one write protocol: a change and its audit row are stored together or not at all;
a refusal is rolled back and audited once, as refused; an error rolls everything back."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from screener import unit_of_work
from screener.extensions import db
from screener.models import AuditEvent, ClinicSettings


def _rows(action: str) -> list[tuple[str, str | None]]:
    return list(
        db.session.execute(
            select(AuditEvent.outcome, AuditEvent.detail).where(AuditEvent.action == action)
        ).all()
    )


def _name() -> str:
    db.session.rollback()
    return db.session.get(ClinicSettings, 1).name


def test_a_change_commits_with_its_audit_row(app):
    with app.app_context():
        with unit_of_work.change("test.rename", detail="to Hill") as work:
            db.session.get(ClinicSettings, 1).name = "Hill Surgery"
            work.detail = "to Hill Surgery"
        assert _name() == "Hill Surgery"
        assert _rows("test.rename") == [("ok", "to Hill Surgery")]


def test_a_refusal_rolls_back_and_is_audited_once_as_refused(app):
    with app.app_context():
        before = _name()
        with unit_of_work.change("test.rename", detail="to Nowhere") as work:
            db.session.get(ClinicSettings, 1).name = "Nowhere"
            work.refuse("name taken")
        assert work.refused == "name taken"
        assert _name() == before
        assert _rows("test.rename") == [("refused", "to Nowhere; name taken")]


def test_an_error_rolls_back_the_change_and_leaves_no_audit_row(app):
    with app.app_context():
        before = _name()
        with pytest.raises(RuntimeError), unit_of_work.change("test.rename"):
            db.session.get(ClinicSettings, 1).name = "Broken"
            raise RuntimeError("disk full")
        assert _name() == before
        assert _rows("test.rename") == []


def test_an_audit_row_that_cannot_be_stored_undoes_the_change(app):
    with app.app_context():
        before = _name()
        with pytest.raises(Exception), unit_of_work.change(None):  # noqa: B017
            db.session.get(ClinicSettings, 1).name = "Lost"
            db.session.add(AuditEvent(action=None, outcome="ok"))  # refused: no action
        assert _name() == before


def test_write_without_audit_commits_once(app):
    with app.app_context():
        with unit_of_work.write():
            db.session.get(ClinicSettings, 1).name = "Quiet change"
        assert _name() == "Quiet change"
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_a_staff_change_is_not_kept_without_its_audit_row(app):
    """Settings, save, publish and discard run as units of work: no audit row, no change."""
    from sqlalchemy import text

    from tests.staff_pages import form_data, staff_client

    client = staff_client(app)
    page = client.get("/staff/settings").get_data(as_text=True)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # the error page, as in production
    with app.app_context():
        before = _name()
        db.session.execute(text("ALTER TABLE audit_events RENAME TO audit_events_away"))
        db.session.commit()
    try:
        response = client.post("/staff/settings", data=form_data(page, name="Unaudited Name"))
        # SQLite: a missing table is an OperationalError (503); PostgreSQL: a ProgrammingError.
        assert response.status_code in (500, 503)
    finally:
        with app.app_context():
            db.session.execute(text("ALTER TABLE audit_events_away RENAME TO audit_events"))
            db.session.commit()
    with app.app_context():
        assert _name() == before
        assert _rows("settings.update") == []
    # With the audit log back, the same form saves and is audited once.
    assert (
        client.post("/staff/settings", data=form_data(page, name="Audited Name")).status_code == 302
    )
    with app.app_context():
        assert _name() == "Audited Name"
        assert [outcome for outcome, _ in _rows("settings.update")] == ["ok"]
