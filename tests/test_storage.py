"""Storage: pinned versions, constraints, codes and SQLite under concurrent writers."""

from __future__ import annotations

import datetime as dt
import multiprocessing

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from screener import codes, create_app
from screener.extensions import db
from screener.models import ClinicSettings, ContentVersion, Screening
from screener.services import content


def test_reference_codes_are_long_random_and_unambiguous():
    seen = {codes.new_reference_code() for _ in range(2000)}
    assert len(seen) == 2000
    for code in seen:
        assert len(code) >= 10
        assert not set(code) & set("0O1IL2Z5S8B6G")
    code = next(iter(seen))
    assert codes.normalise_code(codes.format_code(code).lower()) == code
    assert codes.normalise_code("O" + code[1:]) is None
    assert codes.normalise_code(code[:-1]) is None


def test_resume_tokens_carry_at_least_128_bits_and_only_their_hash_is_kept():
    token = codes.new_resume_token()
    assert len(token) * 6 >= 128
    assert codes.token_hash(token) != token and len(codes.token_hash(token)) == 64


def test_unchanged_files_add_no_version_and_stored_text_parses(app):
    with app.app_context():
        ids = select(ContentVersion.id).order_by(ContentVersion.id)
        before = db.session.scalars(ids).all()
        content.import_directory(__import__("pathlib").Path(app.config["QUESTIONNAIRES_DIR"]))
        assert db.session.scalars(ids).all() == before
        live = content.live_version("asrs-v1.1")
        assert content.definition_of(live).id == "asrs-v1.1"
        assert [v.key for v in content.live_versions()] == [
            "asrs-v1.1",
            "iron-context",
            "rls-irlssg",
        ]


def test_screening_status_and_submission_time_must_agree(app):
    with app.app_context():
        texts = content.live_version("texts")
        screening = Screening(
            reference_code=codes.new_reference_code(),
            resume_token_hash="x" * 64,
            texts_version_id=texts.id,
            status="submitted",
        )
        db.session.add(screening)
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_naive_datetimes_are_refused(app):
    with app.app_context():
        settings = db.session.get(ClinicSettings, 1)
        settings.updated_at = dt.datetime(2026, 1, 1)
        with pytest.raises(Exception, match="naive"):
            db.session.flush()
        db.session.rollback()


def test_timestamps_come_back_in_utc(app):
    with app.app_context():
        row = content.live_version("texts")
        assert row.created_at.tzinfo is not None
        assert row.created_at.utcoffset() == dt.timedelta(0)


def test_sqlite_pragmas(app, backend):
    if backend != "sqlite":
        pytest.skip("SQLite only")
    with app.app_context():
        connection = db.session.connection()
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL


def _increment(url: str, times: int, queue) -> None:
    from screener.database import begin_write

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x" * 40})
    errors = 0
    with app.app_context():
        for _ in range(times):
            try:
                begin_write()
                settings = db.session.get(ClinicSettings, 1)
                settings.retention_days = settings.retention_days + 1
                db.session.commit()
            except Exception:  # counted, and the test fails on any
                db.session.rollback()
                errors += 1
    queue.put(errors)


def test_concurrent_read_then_write_transactions_lose_nothing(app, backend):
    """Four processes increment one value 50 times each: every increment lands."""
    if backend != "sqlite":
        pytest.skip("BEGIN IMMEDIATE is SQLite's; PostgreSQL services lock rows instead")
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        start = db.session.get(ClinicSettings, 1).retention_days
        db.session.remove()
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    workers = [context.Process(target=_increment, args=(url, 50, queue)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [queue.get(timeout=5) for _ in workers] == [0, 0, 0, 0]
    with app.app_context():
        db.session.expire_all()
        assert db.session.get(ClinicSettings, 1).retention_days == start + 200


def test_migrations_match_the_models(app):
    """``alembic check``: the newest migration creates exactly what the models declare."""
    result = app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
