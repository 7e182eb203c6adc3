"""Every review is kept (who, when, what), and the migration carries older notes over."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import inspect, select, text, update

from screener.extensions import db
from screener.models import ClinicSettings, ReviewNote, Screening
from screener.services import clinic
from tests.auth_helpers import csrf_token, signed_in, submitted_screening


@pytest.fixture
def app(make_app):
    return make_app(WTF_CSRF_ENABLED=True)


def _review(client, screening_id, note):
    token = csrf_token(client, f"/clinician/screenings/{screening_id}")
    return client.post(
        f"/clinician/screenings/{screening_id}/review", data={"note": note, "csrf_token": token}
    )


def test_a_second_review_adds_a_note_and_keeps_the_first(app):
    screening_id, _ = submitted_screening(app)
    first = signed_in(app, "first@clinic.example", "clinician")
    second = signed_in(app, "second@clinic.example", "clinician")
    assert _review(first, screening_id, "Refer to sleep clinic.").status_code == 303
    assert _review(second, screening_id, "").status_code == 303
    assert _review(second, screening_id, "Ferritin 30 on recheck.").status_code == 303

    with app.app_context():
        rows = db.session.scalars(
            select(ReviewNote)
            .where(ReviewNote.screening_id == screening_id)
            .order_by(ReviewNote.id)
        ).all()
        assert [(r.author, r.note) for r in rows] == [
            ("first@clinic.example", "Refer to sleep clinic."),
            ("second@clinic.example", None),
            ("second@clinic.example", "Ferritin 30 on recheck."),
        ]
        screening = db.session.get(Screening, screening_id)
        assert screening.reviewed_at == rows[-1].created_at  # the worklist's "reviewed"

    html = first.get(f"/clinician/screenings/{screening_id}").get_data(as_text=True)
    history = html.split('class="review-history"', 1)[1].split("</ol>", 1)[0]
    assert history.count("<li>") == 3
    # Newest first, each with who wrote it; the empty review says so.
    assert history.index("Ferritin 30") < history.index("without a note") < history.index("Refer")
    assert history.count("by second@clinic.example") == 2
    assert "by first@clinic.example" in history
    assert "Review notes (3)" in html and "Mark as reviewed again" in html
    # The form starts empty: a new review never edits an old note.
    assert re.search(r'<textarea id="note"[^>]*></textarea>', html)


def test_the_environment_gives_the_first_time_zone(make_app):
    app = make_app(TIMEZONE="Europe/Berlin")
    with app.app_context():
        db.session.delete(db.session.get(ClinicSettings, 1))
        db.session.commit()
        clinic.ensure_settings()  # as at the first ``screener init``
        db.session.commit()
    screening_id, _ = submitted_screening(app)
    clinician = signed_in(app, "doc@clinic.example", "clinician")
    submitted = dt.datetime(2026, 7, 1, 6, 5, tzinfo=dt.UTC)
    with app.app_context():
        assert db.session.get(ClinicSettings, 1).timezone == "Europe/Berlin"
        db.session.execute(
            update(Screening).where(Screening.id == screening_id).values(submitted_at=submitted)
        )
        db.session.commit()
    html = clinician.get(f"/clinician/screenings/{screening_id}").get_data(as_text=True)
    assert "1 July 2026, 08:05 CEST" in html  # summer time in Berlin, never 06:05 UTC
    assert "06:05 UTC" not in html and ", 06:05" not in html
    assert f'datetime="{submitted.isoformat()}"' in html


def test_an_unknown_time_zone_stops_the_app(make_app):
    from screener.config import ConfigError

    with pytest.raises(ConfigError, match="SCREENER_TIMEZONE 'Mars/Olympus'"):
        make_app(TIMEZONE="Mars/Olympus")


def _columns(app, table):
    with app.app_context():
        return {c["name"] for c in inspect(db.engine).get_columns(table)}


def test_the_migration_carries_single_notes_over_and_back(app):
    from flask_migrate import downgrade, upgrade

    reviewed, _ = submitted_screening(app)
    unreviewed, _ = submitted_screening(app, adhd="never")
    clinician = signed_in(app, "doc@clinic.example", "clinician")
    _review(clinician, reviewed, "Older note.")
    _review(clinician, reviewed, "Latest note.")
    try:
        with app.app_context():
            downgrade(revision="0007")
            db.session.remove()
        assert "review_notes" not in inspect_tables(app)
        assert "review_note" in _columns(app, "screenings")
        with app.app_context():
            notes = dict(db.session.execute(text("SELECT id, review_note FROM screenings")).all())
            # The way down keeps the note the old page showed: the latest one.
            assert notes == {reviewed: "Latest note.", unreviewed: None}
            answers = db.session.execute(text("SELECT count(*) FROM answers")).scalar()
            assert answers > 0
    finally:
        with app.app_context():
            upgrade()
            db.session.remove()
    assert "review_note" not in _columns(app, "screenings")
    with app.app_context():
        rows = db.session.execute(
            text("SELECT screening_id, author, note, created_at FROM review_notes")
        ).all()
        assert [(r.screening_id, r.author, r.note) for r in rows] == [
            (reviewed, "doc@clinic.example", "Latest note.")
        ]
        screening = db.session.get(Screening, reviewed)
        assert rows[0].created_at is not None and screening.reviewed_at is not None
        # Nothing else was lost on the way down and up (no table was copied).
        assert db.session.execute(text("SELECT count(*) FROM answers")).scalar() == answers
    result = app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def inspect_tables(app):
    with app.app_context():
        return set(inspect(db.engine).get_table_names())
