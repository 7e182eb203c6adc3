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
