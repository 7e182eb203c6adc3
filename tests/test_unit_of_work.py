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
            select(AuditEvent.outcome, AuditEvent.detail)
            .where(AuditEvent.action == action)
            .order_by(AuditEvent.id)
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


# --- how a request reads and writes (screener.database) -------------------------------


def _probe_routes(app):
    """Routes that read, write in a unit, and write outside one, reporting what the
    database connection was doing."""
    from screener.database import WriteOutsideUnit

    seen = {}

    def in_transaction() -> bool:
        raw = db.session.connection().connection.driver_connection
        if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            return raw.in_transaction
        from psycopg.pq import TransactionStatus

        return raw.info.transaction_status != TransactionStatus.IDLE

    @app.get("/probe/read")
    def read():
        db.session.get(ClinicSettings, 1)
        seen["read_in_transaction"] = in_transaction()
        return "ok"

    @app.get("/probe/two-writes")  # GET: a probe, no form and no CSRF token
    def two_writes():
        with unit_of_work.write():
            db.session.get(ClinicSettings, 1).name = "Half Done"
            db.session.flush()
            seen["write_in_transaction"] = in_transaction()
            raise ValueError("the second half fails")

    @app.get("/probe/stray-write")
    def stray_write():
        db.session.get(ClinicSettings, 1).name = "Stray"
        try:
            db.session.flush()
        except WriteOutsideUnit:
            db.session.rollback()
            return "refused", 409
        return "written"

    return seen


def test_a_request_reads_without_a_transaction_on_postgresql_and_writes_in_one(app, backend):
    """On PostgreSQL a page that only reads sends no BEGIN and no ROLLBACK (two of a step
    page's five round trips); a write still runs in one transaction, all or nothing.
    SQLite keeps its read transactions (they cost no round trip)."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    seen = _probe_routes(app)
    client = app.test_client()
    with app.app_context():
        before = _name()
    assert client.get("/probe/read").status_code == 200
    assert seen["read_in_transaction"] is (backend == "sqlite")
    assert client.get("/probe/two-writes").status_code == 500
    assert seen["write_in_transaction"] is True
    with app.app_context():
        assert _name() == before  # the flushed half was rolled back with the rest


def test_a_write_outside_a_unit_of_work_in_a_request_is_refused_on_postgresql(app, backend):
    """In autocommit it would be stored statement by statement; instead it fails loudly
    (the PostgreSQL runs of the test suite find any such write)."""
    if backend != "postgres":
        pytest.skip("SQLite's request reads are in a transaction; nothing to refuse")
    _probe_routes(app)
    with app.app_context():
        before = _name()
    assert app.test_client().get("/probe/stray-write").status_code == 409
    with app.app_context():
        assert _name() == before
