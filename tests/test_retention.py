"""Retention purge and erasure: every copy of a screening goes, the audit event stays."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update

from screener.database import utcnow
from screener.extensions import db
from screener.models import AuditEvent, ClinicSettings, Screening, StoredReport
from screener.services import retention, screenings
from tests.helpers import asrs, fill

ASRS = "asrs-v1.1"
DAY = dt.timedelta(days=1)


def submitted_screening(age_days: float, *, with_pdf: bool = True) -> tuple[int, str, bytes]:
    """A submitted screening ``age_days`` old, with a stored PDF holding a unique marker."""
    screening, _ = screenings.start([ASRS])
    fill(screening, {ASRS: asrs(["often"] * 6)})
    assert screenings.submit(screening)
    marker = b"%PDF-1.7 health-data-" + secrets.token_hex(16).encode()
    if with_pdf:
        db.session.add(
            StoredReport(
                screening_id=screening.id, pdf=marker, sha256=hashlib.sha256(marker).hexdigest()
            )
        )
    when = utcnow() - dt.timedelta(days=age_days)
    db.session.execute(
        update(Screening)
        .where(Screening.id == screening.id)
        .values(submitted_at=when, created_at=when, updated_at=when)
    )
    db.session.commit()
    return screening.id, screening.reference_code, marker


def draft_screening(idle_days: float) -> int:
    screening, _ = screenings.start([ASRS])
    screenings.save_section(screening, ASRS, "part_a", {f"q{n}": "never" for n in range(1, 7)})
    when = utcnow() - dt.timedelta(days=idle_days)
    db.session.execute(
        update(Screening).where(Screening.id == screening.id).values(updated_at=when)
    )
    db.session.commit()
    return screening.id


def rows_left(screening_id: int) -> dict[str, int]:
    """Rows in every table that refers to the screening (tables added later included)."""
    left = {}
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == "screenings" for fk in column.foreign_keys):
                count = db.session.scalar(
                    select(func.count()).select_from(table).where(column == screening_id)
                )
                left[f"{table.name}.{column.name}"] = count
    left["screenings"] = db.session.scalar(
        select(func.count()).select_from(Screening).where(Screening.id == screening_id)
    )
    return left


def set_retention(days: int, drafts: int = 7) -> None:
    settings = db.session.get(ClinicSettings, 1)
    settings.retention_days = days
    settings.draft_retention_days = drafts
    db.session.commit()


def test_purge_deletes_what_is_past_retention_and_keeps_the_rest(app):
    with app.app_context():
        set_retention(30, drafts=7)
        old_id, old_code, _ = submitted_screening(31)
        recent_id, _, _ = submitted_screening(29)
        stale_draft = draft_screening(8)
        fresh_draft = draft_screening(6)
        assert rows_left(old_id)["answers.screening_id"] > 0
        assert rows_left(old_id)["screening_results.screening_id"] > 0
        assert rows_left(old_id)["stored_reports.screening_id"] == 1

        counts = retention.purge()
        db.session.commit()
        retention.finish()

        assert (counts.submitted, counts.drafts, counts.reports) == (1, 1, 1)
        assert set(rows_left(old_id).values()) == {0}
        assert set(rows_left(stale_draft).values()) == {0}
        assert rows_left(recent_id)["stored_reports.screening_id"] == 1
        assert rows_left(fresh_draft)["screenings"] == 1
        assert screenings.by_code(old_code) is None


def test_a_dry_run_counts_and_deletes_nothing(app):
    with app.app_context():
        set_retention(30)
        old_id, _, _ = submitted_screening(40)
        counts = retention.purge(dry_run=True)
        db.session.rollback()
        assert counts.submitted == 1 and counts.reports == 1
        assert rows_left(old_id)["screenings"] == 1


def test_erase_removes_answers_results_and_the_stored_pdf(app):
    with app.app_context():
        target_id, code, _ = submitted_screening(1)
        other_id, _, _ = submitted_screening(1)
        assert retention.erase(screenings.by_code(code)) == 1
        db.session.commit()
        assert set(rows_left(target_id).values()) == {0}
        assert rows_left(other_id)["stored_reports.screening_id"] == 1


def test_no_copy_is_left_in_the_sqlite_files(app, backend):
    if backend != "sqlite":
        pytest.skip("looks at SQLite's own files")
    with app.app_context():
        set_retention(30)
        _, code, marker = submitted_screening(31)
        token_hash = db.session.scalar(
            select(Screening.resume_token_hash).where(Screening.reference_code == code)
        ).encode()
        retention.purge()
        db.session.commit()
        retention.finish()
        database = Path(db.engine.url.database)
        stored = b"".join(
            path.read_bytes() for path in (database, Path(f"{database}-wal")) if path.exists()
        )
        assert marker not in stored
        assert token_hash not in stored


def test_purge_command_prints_counts_and_is_audited(app):
    with app.app_context():
        set_retention(30, drafts=7)
        submitted_screening(31)
        draft_screening(3)
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["purge", "--dry-run", "--drafts-days", "2"])
    assert dry.exit_code == 0, dry.output
    assert "would delete 1 submitted screenings, 1 unfinished screenings and 1 stored PDFs" in (
        dry.output
    )
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 submitted screenings, 0 unfinished screenings and 1 stored PDFs." in (
        result.output
    )
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "retention.purge")
        ).one()
        assert event.actor == "cli" and "1 stored PDFs" in event.detail


def test_erase_command_keeps_the_event_without_health_data(app):
    with app.app_context():
        screening_id, code, _ = submitted_screening(1)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["erase", "ZZZZ-ZZZZ-ZZ", "--yes"]).exit_code == 2
    refused = runner.invoke(args=["erase", code], input="n\n")
    assert refused.exit_code != 0
    result = runner.invoke(args=["erase", code.lower(), "--yes"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert set(rows_left(screening_id).values()) == {0}
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "screening.erase")
        ).one()
        assert event.reference == code and event.outcome == "ok"
        assert "often" not in (event.detail or "") and "consistent" not in (event.detail or "")


VACUUM_STATS = text(
    "SELECT relname, last_vacuum, n_dead_tup FROM pg_stat_user_tables WHERE relname = ANY(:names)"
)


def vacuum_stats(names: list[str]) -> dict[str, tuple]:
    """Fresh statistics (outside any cached snapshot) per table: last VACUUM, dead rows."""
    with db.engine.connect() as connection:
        connection.exec_driver_sql("SELECT pg_stat_clear_snapshot()")
        rows = connection.execute(VACUUM_STATS, {"names": names}).all()
        connection.rollback()
    return {name: (last, dead) for name, last, dead in rows}


@pytest.mark.parametrize("how", ["purge", "erase", "erase in full"])
def test_postgresql_vacuums_the_tables_that_held_the_deleted_rows(app, backend, how):
    """A DELETE leaves dead rows in PostgreSQL's table files until VACUUM: after a purge or
    an erasure every table with health data is vacuumed and holds no dead rows."""
    if backend != "postgres":
        pytest.skip("PostgreSQL's VACUUM; SQLite is covered by the file test above")
    with app.app_context():
        names = retention.health_tables()
        assert {"screenings", "answers", "screening_results", "stored_reports"} <= set(names)
        set_retention(30)
        _, code, _ = submitted_screening(31)
        started = db.session.scalar(text("SELECT clock_timestamp()"))
        files_before = files_of(names)
        db.session.commit()
        if how == "purge":
            assert retention.purge().submitted == 1
        else:
            retention.erase(screenings.by_code(code))
        db.session.commit()
        retention.finish(full=how == "erase in full")
        stats = vacuum_stats(names)
        files_after = files_of(names)
    assert set(stats) == set(names)
    if how == "erase in full":  # new files; the old ones, with the dead rows, are gone
        assert all(files_after[name] != files_before[name] for name in names)
        return
    for name, (last_vacuum, dead) in stats.items():
        assert last_vacuum is not None and last_vacuum >= started, name
        assert dead == 0, name


def files_of(names: list[str]) -> dict[str, int]:
    rows = db.session.execute(
        text("SELECT relname, relfilenode FROM pg_class WHERE relname = ANY(:names)"),
        {"names": names},
    )
    return dict(rows.all())


def test_the_cli_vacuums_after_purge_and_erase(app, backend):
    if backend != "postgres":
        pytest.skip("PostgreSQL's VACUUM")
    runner = app.test_cli_runner()
    with app.app_context():
        set_retention(30)
        submitted_screening(31)
        _, other, _ = submitted_screening(1)
        started = db.session.scalar(text("SELECT clock_timestamp()"))
        db.session.commit()
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert all(last >= started for last, _ in vacuum_stats(["answers"]).values())
        started = db.session.scalar(text("SELECT clock_timestamp()"))
        db.session.commit()
    with app.app_context():
        before = files_of(["answers"])
        db.session.commit()
    result = runner.invoke(args=["erase", other, "--yes", "--vacuum-full"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert files_of(["answers"]) != before
