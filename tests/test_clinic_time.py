"""Dates and times in the clinic's own time zone and date order, set on the settings page.

What a person reads follows the setting (pages and the PDF); what a program reads
(results.json, the CSV export) stays UTC ISO 8601.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update

from screener.clinic_time import Clock, ZoneError, check_zone
from screener.extensions import db
from screener.models import ClinicSettings, ContentVersion, Screening
from tests.auth_helpers import signed_in, submitted_screening
from tests.staff_pages import form_data, staff_client

SETTINGS = "/staff/settings"
# 03:05 UTC on 1 December is still 30 November in Chicago (CST, UTC-6).
SUBMITTED = dt.datetime(2026, 12, 1, 3, 5, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("zone", "order", "when", "time", "date"),
    [
        ("UTC", "dmy", SUBMITTED, "1 December 2026, 03:05 UTC", "1 December 2026"),
        ("America/Chicago", "mdy", SUBMITTED, "November 30, 2026, 21:05 CST", "November 30, 2026"),
        ("Europe/Berlin", "iso", SUBMITTED, "2026-12-01 04:05 CET", "2026-12-01"),
        # Summer time: the abbreviation and the offset change with the date.
        ("Europe/Berlin", "dmy", dt.datetime(2026, 7, 1, 6, 5), "1 July 2026, 08:05 CEST", None),
        ("Australia/Sydney", "dmy", SUBMITTED, "1 December 2026, 14:05 AEDT", None),
    ],
)
def test_a_clock_writes_times_in_its_zone_and_order(zone, order, when, time, date):
    clock = Clock(zone, order)
    assert clock.time(when) == time
    if date:
        assert clock.date(when) == date
    assert clock.time(None) == clock.date(None) == ""


def test_a_zone_the_server_does_not_know_gets_a_plain_message():
    assert check_zone(" Europe/Berlin ") == "Europe/Berlin"
    for wrong in ("Mars/Olympus", "../../etc/passwd", "Europe/Berlin\x00", "x" * 100):
        with pytest.raises(ZoneError, match="is not a time zone this server knows"):
            check_zone(wrong)
    # A stored zone removed from the server's database must not break every page.
    assert Clock.of("Mars/Olympus", "nonsense") == Clock("UTC", "dmy")


def words_of(response) -> str:
    """A page's words without its tags (a table cell keeps a time's halves in spans)."""
    return re.sub(r"<[^>]+>", "", response.get_data(as_text=True))


def _set_clock(app, timezone: str, date_order: str):
    client = staff_client(app)
    page = client.get(SETTINGS).get_data(as_text=True)
    response = client.post(SETTINGS, data=form_data(page, timezone=timezone, date_order=date_order))
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def _submitted_at(app, when: dt.datetime) -> tuple[int, str]:
    screening_id, code = submitted_screening(app)
    with app.app_context():
        db.session.execute(
            update(Screening).where(Screening.id == screening_id).values(submitted_at=when)
        )
        db.session.commit()
    return screening_id, code


def test_every_page_and_the_pdf_follow_the_setting_and_data_stays_utc(app):
    staff = _set_clock(app, "America/Chicago", "mdy")
    with app.app_context():
        saved = db.session.get(ClinicSettings, 1)
        assert (saved.timezone, saved.date_order) == ("America/Chicago", "mdy")
        revision_saved = db.session.scalars(
            select(ContentVersion.created_at).where(ContentVersion.key == "asrs-v1.1")
        ).first()
    screening_id, _ = _submitted_at(app, SUBMITTED)
    clinician = signed_in(app, "doc@clinic.example", "clinician")
    shown = "November 30, 2026, 21:05 CST"

    worklist = words_of(clinician.get("/clinician/"))
    assert shown in worklist and "03:05" not in worklist
    detail = clinician.get(f"/clinician/screenings/{screening_id}").get_data(as_text=True)
    assert shown in detail
    versions = words_of(staff.get("/staff/definitions/asrs-v1.1"))
    assert Clock("America/Chicago", "mdy").time(revision_saved) in versions
    assert "UTC" not in versions
    audit = signed_in(app, "admin@clinic.example", "admin").get("/admin/audit")
    assert re.search(r", \d\d:\d\d:\d\d CST\n", words_of(audit))

    response = clinician.get(f"/clinician/screenings/{screening_id}/pdf")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.data))
    assert "November 30, 2026" in reader.pages[0].extract_text()
    attached = json.loads(reader.attachments["results.json"][0])
    assert attached["submitted_at"] == "2026-12-01T03:05:00+00:00"

    csv = clinician.get("/clinician/export.csv").get_data(as_text=True)
    assert "2026-12-01T03:05:00+00:00" in csv

    # The worklist's day filter means the clinic's days, as the dates shown.
    on_the_30th = clinician.get("/clinician/", query_string={"from": "2026-11-30"})
    assert shown in words_of(on_the_30th)
    on_the_1st = clinician.get("/clinician/", query_string={"from": "2026-12-01"})
    assert "No submitted screenings match" in words_of(on_the_1st)


def test_iso_dates_for_a_clinic_that_wants_them(app):
    _set_clock(app, "Europe/Berlin", "iso")
    screening_id, _ = _submitted_at(app, SUBMITTED)
    clinician = signed_in(app, "doc@clinic.example", "clinician")
    assert "2026-12-01 04:05 CET" in words_of(clinician.get("/clinician/"))
    pdf = clinician.get(f"/clinician/screenings/{screening_id}/pdf").data
    assert "2026-12-01" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "is not a time zone this server knows"),
        ({"timezone": ""}, "Enter a time zone, such as Europe/Berlin, or UTC."),
        ({"date_order": "ymd"}, "Not a valid choice"),
        ({"date_order": ""}, "Choose how dates are written."),
    ],
    ids=["unknown-zone", "no-zone", "unknown-order", "no-order"],
)
def test_a_bad_zone_or_order_is_refused_and_nothing_is_saved(app, changes, message):
    client = staff_client(app)
    page = client.get(SETTINGS).get_data(as_text=True)
    data = form_data(page, name="Renamed Clinic", **changes)
    if not changes.get("date_order", "x"):
        del data["date_order"]  # no radio button ticked
    response = client.post(SETTINGS, data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        saved = db.session.get(ClinicSettings, 1)
        assert saved.name != "Renamed Clinic"
