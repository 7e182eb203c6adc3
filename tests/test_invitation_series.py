"""Repeat screens: a series of invitations behind one link and code, on a frozen clock,
and the trend of its screenings on the results page, the clinician page and the PDF."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from screener import unit_of_work
from screener.extensions import db
from screener.models import Invitation, InvitationSeries, Screening
from screener.services import invitations, reports, screening_store
from tests.auth_helpers import csrf_token as portal_csrf
from tests.auth_helpers import signed_in
from tests.helpers import asrs, definition, fill, rls
from tests.patient_helpers import csrf_token
from tests.test_invitations import T0, Clock

RLS_VERSION = definition("rls-irlssg").version  # the shipped one, which a series is answered on

KEYS = ("asrs-v1.1", "rls-irlssg")
# Three visits: Part A 5 → 4 (within the margin) → 1 (better); Part B 0 → 0 → 12; the
# restless-legs outcome stays, then changes.
VISITS = (
    {"asrs-v1.1": asrs(["often"] * 5 + ["never"], "rarely"), "rls-irlssg": rls()},
    {"asrs-v1.1": asrs(["often"] * 4 + ["never"] * 2, "rarely"), "rls-irlssg": rls()},
    {"asrs-v1.1": asrs(["often"] + ["never"] * 5, "often"), "rls-irlssg": rls(gate="no")},
)


@pytest.fixture
def clock(monkeypatch):
    frozen = Clock(T0)
    monkeypatch.setattr(invitations, "utcnow", frozen)
    monkeypatch.setattr(screening_store, "utcnow", frozen)
    return frozen


def make_series(app, every_weeks=2, times=3, days=7, label="MRN 12"):
    """A new series: (series id, link path, kiosk code)."""
    with app.app_context():
        with unit_of_work.change("invitation.create", actor="test") as work:
            issued = invitations.create_from(label, list(KEYS), days, (every_weeks, times), "test")
            work.reference = invitations.reference(issued.invitation)
        return issued.series.id, f"/screen/invite/{issued.token}", issued.code


def states(app, series_id) -> list[str]:
    with app.app_context():
        series = db.session.get(InvitationSeries, series_id)
        return [invitations.state(row) for row in invitations.members(series)]


def press_start(client, path):
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return client.post(path, data={"csrf_token": csrf_token(page), "consent": "y"})


def answer_and_submit(app, client, answers):
    """Answer the started screening (the newest) and submit it as the patient."""
    with app.app_context():
        screening = db.session.scalar(select(Screening).order_by(Screening.id.desc()))
        fill(screening, answers)
        db.session.commit()
        screening_id = screening.id
    token = csrf_token(client.get("/screen/review"))
    response = client.post("/screen/submit", data={"csrf_token": token})
    assert response.location.endswith("/screen/results"), response.location
    return screening_id


def test_a_series_dates_its_invitations_weeks_apart(app, clock):
    series_id, _, _ = make_series(app, every_weeks=4, times=3, days=10)
    with app.app_context():
        rows = invitations.members(db.session.get(InvitationSeries, series_id))
        assert [row.series_position for row in rows] == [1, 2, 3]
        assert [row.opens_at for row in rows] == [T0 + dt.timedelta(weeks=4 * n) for n in range(3)]
        assert [row.expires_at - row.opens_at for row in rows] == [dt.timedelta(days=10)] * 3
        assert len({row.token_hash for row in rows} | {row.code_hash for row in rows}) == 6
    assert states(app, series_id) == ["issued", "scheduled", "scheduled"]


def test_a_series_keeps_the_clinics_time_of_day_across_summer_time(app, clock):
    """Berlin moves its clocks on 28 March 2027: made at 10:00 there on 20 March, the
    second screening opens at 10:00 on 3 April (08:00 UTC, not 09:00), and each closes
    after whole days of the clinic's calendar."""
    from screener.models import ClinicSettings

    with app.app_context():
        db.session.get(ClinicSettings, 1).timezone = "Europe/Berlin"
        db.session.commit()
    clock.now = dt.datetime(2027, 3, 20, 9, 0, tzinfo=dt.UTC)  # 10:00 CET
    series_id, _, _ = make_series(app, every_weeks=2, times=2, days=10)
    with app.app_context():
        first, second = invitations.members(db.session.get(InvitationSeries, series_id))
    assert first.opens_at == dt.datetime(2027, 3, 20, 9, 0, tzinfo=dt.UTC)
    assert first.expires_at == dt.datetime(2027, 3, 30, 8, 0, tzinfo=dt.UTC)  # 10:00 CEST
    assert second.opens_at == dt.datetime(2027, 4, 3, 8, 0, tzinfo=dt.UTC)  # 10:00 CEST
    assert second.expires_at == dt.datetime(2027, 4, 13, 8, 0, tzinfo=dt.UTC)


def test_one_link_opens_the_due_screening_and_says_when_the_next_is_ready(app, clock):
    series_id, link, code = make_series(app)
    patient = app.test_client()
    page = patient.get(link)
    assert page.status_code == 200 and "screening 1 of 3" in page.get_data(as_text=True)
    assert press_start(patient, link).status_code == 303
    answer_and_submit(app, patient, VISITS[0])
    assert states(app, series_id) == ["completed", "scheduled", "scheduled"]

    early = app.test_client().get(link)
    assert early.status_code == 200
    text = early.get_data(as_text=True)
    assert "not ready yet" in text and "Screening 2 of 3 opens on" in text
    assert early.headers["Referrer-Policy"] == "no-referrer"
    # The kiosk code says the same, and starts nothing.
    kiosk = app.test_client()
    typed = kiosk.post(
        "/screen/code", data={"csrf_token": csrf_token(kiosk.get("/")), "code": code}
    )
    assert typed.status_code == 303
    assert "not ready yet" in kiosk.get("/screen/invited").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Screening)) == 1

    clock.advance(weeks=2)
    assert states(app, series_id) == ["completed", "issued", "scheduled"]
    opened = kiosk.get("/screen/invited")
    assert "screening 2 of 3" in opened.get_data(as_text=True)
    assert states(app, series_id) == ["completed", "opened", "scheduled"]


def test_a_missed_screening_expires_and_the_link_moves_on(app, clock):
    series_id, link, _ = make_series(app, every_weeks=1, times=2, days=3)
    clock.advance(days=3)
    assert states(app, series_id) == ["expired", "scheduled"]
    assert "not ready yet" in app.test_client().get(link).get_data(as_text=True)
    clock.advance(days=4)
    assert "screening 2 of 2" in app.test_client().get(link).get_data(as_text=True)
    clock.advance(days=3)
    ended = app.test_client().get(link)
    assert ended.status_code == 410
    assert "series of screenings has ended" in ended.get_data(as_text=True)


def run_series(app, clock):
    """Three screenings of a series, two weeks apart: the ids of the screenings."""
    _, link, _ = make_series(app)
    ids = []
    for number, answers in enumerate(VISITS):
        if number:
            clock.advance(weeks=2)
        patient = app.test_client()
        assert press_start(patient, link).status_code == 303
        ids.append(answer_and_submit(app, patient, answers))
    return ids, patient


def check_trend_markup(text: str) -> None:
    svg = re.search(r"<svg[^>]*class=\"trend-chart\".*?</svg>", text, re.S).group(0)
    assert 'role="img"' in svg and 'aria-labelledby="trend-title trend-desc"' in svg
    assert re.search(r'<title id="trend-title">[^<]+</title>', svg)
    desc = re.search(r'<desc id="trend-desc">([^<]+)</desc>', svg).group(1)
    assert (
        "Part A, answers in the range that counts" in desc
        and "Part B, answers in the range that counts" in desc
    )
    assert "<script" not in svg
    assert svg.count("<circle") == 9  # three lines, three points each
    # Each point with its value and the definition version it was scored on.
    for label in ("5 · v1.1 rev 1", "4 · v1.1 rev 1", "1 · v1.1 rev 1", "12 · v1.1 rev 1"):
        assert f">{label}<" in svg
    assert svg.count(f">v{RLS_VERSION} rev 1<") == 3
    assert "No clear change" in svg and ">Up 12<" in svg
    # A change's clauses on lines of their own, so neighbouring labels never overlap.
    assert ">Down 3<" in svg and ">now below the cut-off<" in svg
    # The same numbers as tables, one per line.
    tables = re.findall(r'<table class="data trend-table">.*?</table>', text, re.S)
    assert len(tables) == 3
    part_a = tables[0]
    assert "Part A, answers in the range that counts" in part_a
    assert re.findall(r"<td>([^<]*)</td>", part_a)[:2] == ["5 of 6", "—"]
    assert '<span class="trend-version">v1.1 rev 1</span>' in part_a
    assert "No clear change" in part_a and "Down 3, now below the cut-off" in part_a
    assert "Changed (was consistent)" in tables[2]
    assert "How we read a change" in text and "careful" in text


def test_three_screenings_show_their_trend_everywhere(app, clock):
    ids, patient = run_series(app, clock)

    results = patient.get("/screen/results")
    assert results.status_code == 200
    page = results.get_data(as_text=True)
    assert "Your results over time" in page
    check_trend_markup(page)

    clinician = signed_in(app, "clinician@clinic.example", "clinician")
    detail = clinician.get(f"/clinician/screenings/{ids[-1]}")
    assert detail.status_code == 200
    check_trend_markup(detail.get_data(as_text=True))
    # The first screening's page shows no trend: nothing came before it.
    first = clinician.get(f"/clinician/screenings/{ids[0]}").get_data(as_text=True)
    assert "trend-chart" not in first

    with app.app_context():
        pdf = reports.render_pdf(db.session.get(Screening, ids[-1]))
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    text = re.sub(r"\s+", " ", text)
    assert "Over time (repeat screens)" in text
    assert (
        "Part A, answers in the range that counts" in text
        and "Part B, answers in the range that counts" in text
    )
    assert "No clear change" in text and "Down 3, now below the cut-off" in text
    assert "v1.1 rev 1" in text and f"v{RLS_VERSION} rev 1" in text
    assert "5 of 6" in text and "12 of 12" in text


def test_a_screening_outside_a_series_has_no_trend(app, clock, client):
    from tests.patient_helpers import start

    token = start(client, screeners=("adhd",), iron=False)
    del token
    with app.app_context():
        screening = db.session.scalar(select(Screening))
        fill(screening, {"asrs-v1.1": VISITS[0]["asrs-v1.1"]})
        db.session.commit()
    token = csrf_token(client.get("/screen/review"))
    client.post("/screen/submit", data={"csrf_token": token})
    page = client.get("/screen/results").get_data(as_text=True)
    assert "trend-chart" not in page and "over time" not in page


# --- bad input ----------------------------------------------------------------------


@pytest.fixture
def staff(app):
    return signed_in(app, "staff@clinic.example", "staff")


def create_in_portal(client, every_weeks, times, days="7", label="MRN 5"):
    data = {
        "csrf_token": portal_csrf(client, "/invitations/"),
        "label": label,
        "days": days,
        "instruments": list(KEYS),
        "every_weeks": every_weeks,
        "times": times,
    }
    return client.post("/invitations/", data=data)


def count_rows(app) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(Invitation)),
            db.session.scalar(select(func.count()).select_from(InvitationSeries)),
        )


def test_the_portal_makes_a_series_letter(app, staff, clock):
    response = create_in_portal(staff, "2", "3", label="<b>MRN</b> 5")
    assert response.status_code == 201
    text = response.get_data(as_text=True)
    assert "(a series) are ready" in text and "You will do this screening 3 times" in text
    assert "<b>MRN" not in text
    assert count_rows(app) == (3, 1)
    listing = staff.get("/invitations/").get_data(as_text=True)
    assert "1 of 3" in listing and "3 of 3" in listing and "Scheduled" in listing


@pytest.mark.parametrize(
    ("every_weeks", "times", "days", "message"),
    [
        ("0", "3", "7", "from 1 to 26"),
        ("27", "3", "7", "from 1 to 26"),
        ("2", "1", "7", "from 2 to 12"),
        ("2", "13", "7", "from 2 to 12"),
        ("x", "3", "7", "Enter a whole number of weeks from 1 to 26"),
        ("-1", "3", "7", "from 1 to 26"),
        ("99999999999999999999", "3", "7", "from 1 to 26"),
        ("2", "", "7", "give both"),
        ("", "3", "7", "give both"),
        ("1", "3", "8", "at most the gap"),
    ],
)
def test_bad_series_input_is_a_4xx_with_a_reason(
    app, staff, clock, every_weeks, times, days, message
):
    response = create_in_portal(staff, every_weeks, times, days)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count_rows(app) == (0, 0)


def test_hostile_text_in_a_series_is_refused_or_escaped(app, staff, clock):
    refused = create_in_portal(staff, "2", "3", label="a\x00b")
    assert refused.status_code == 400
    odd = create_in_portal(staff, "2<script>", "3'; drop table x;--")
    assert odd.status_code == 400
    assert "<script>" not in odd.get_data(as_text=True)
    assert count_rows(app) == (0, 0)


def test_cli_makes_a_series_and_refuses_bad_ranges(app, runner, clock):
    made = runner.invoke(
        args=["invitations", "create", "--days", "7", "--every-weeks", "2", "--times", "3"]
    )
    assert made.exit_code == 0, made.output
    lines = made.output.splitlines()
    assert len(lines) == 2 and "/screen/invite/" in lines[0]
    assert count_rows(app) == (3, 1)
    for args in (
        ["--every-weeks", "0", "--times", "3"],
        ["--every-weeks", "2", "--times", "13"],
        ["--every-weeks", "2"],
        ["--times", "3"],
        ["--days", "14", "--every-weeks", "1", "--times", "3"],
    ):
        result = runner.invoke(args=["invitations", "create", *args])
        assert result.exit_code == 2, args
        assert result.output.startswith("Error: ")
    assert count_rows(app) == (3, 1)


def test_retention_keeps_a_long_series_until_each_window_has_passed(app, clock):
    from screener.services import retention

    series_id, link, _ = make_series(app, every_weeks=26, times=12, days=14)
    with app.app_context():
        # Two years on (a retention period of a year): the first two invitations, whose
        # windows ended more than a year ago, are gone; the later ones wait.
        retention.purge(T0 + dt.timedelta(days=366 + 365))
        db.session.commit()
        left = invitations.members(db.session.get(InvitationSeries, series_id))
        assert [row.series_position for row in left] == list(range(3, 13))
        retention.purge(T0 + dt.timedelta(weeks=26 * 12 + 60))
        db.session.commit()
        assert db.session.get(InvitationSeries, series_id) is None
        assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0
    assert app.test_client().get(link).status_code == 404


# --- revoking a series --------------------------------------------------------------


def audit_rows(app, action: str) -> list[tuple[str, str | None]]:
    from screener.models import AuditEvent

    with app.app_context():
        return list(
            db.session.execute(
                select(AuditEvent.reference, AuditEvent.detail)
                .where(AuditEvent.action == action)
                .order_by(AuditEvent.id)
            ).all()
        )


def test_revoking_a_series_in_the_portal_ends_the_rest_and_keeps_what_was_sent(app, staff, clock):
    series_id, link, code = make_series(app)
    patient = app.test_client()
    assert press_start(patient, link).status_code == 303
    sent = answer_and_submit(app, patient, VISITS[0])
    listing = staff.get("/invitations/").get_data(as_text=True)
    assert listing.count(f"Revoke the rest of series {series_id}") == 1

    # No CSRF token, or no such series: refused, nothing changes.
    path = f"/invitations/series/{series_id}/revoke"
    assert staff.post(path).status_code == 400
    assert (
        staff.post(
            "/invitations/series/999/revoke",
            data={"csrf_token": portal_csrf(staff, "/invitations/")},
        ).status_code
        == 404
    )
    assert app.test_client().post(path).status_code in (302, 400, 401, 403)
    assert states(app, series_id) == ["completed", "scheduled", "scheduled"]

    done = staff.post(path, data={"csrf_token": portal_csrf(staff, "/invitations/")})
    assert done.status_code == 303
    assert states(app, series_id) == ["completed", "revoked", "revoked"]
    page = staff.get("/invitations/").get_data(as_text=True)
    assert f"Series {series_id} is revoked" in page
    assert f"Revoke the rest of series {series_id}" not in page
    [(reference, detail)] = audit_rows(app, "invitation.series_revoke")
    assert reference == f"invitation series {series_id}" and detail.count(",") == 1

    # The link and the code both say the series was cancelled, now and when the next
    # screening would have opened; the screening already sent stays.
    clock.advance(weeks=2)
    for opened in (app.test_client().get(link), app.test_client().head(link)):
        assert opened.status_code == 410
    assert "series of screenings was cancelled" in app.test_client().get(link).get_data(
        as_text=True
    )
    kiosk = app.test_client()
    kiosk.post("/screen/code", data={"csrf_token": csrf_token(kiosk.get("/")), "code": code})
    assert "was cancelled" in kiosk.get("/screen/invited").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Screening, sent).submitted_at is not None

    # Again: a clear refusal, audited as one, and nothing changes.
    again = staff.post(path, data={"csrf_token": portal_csrf(staff, "/invitations/")})
    assert again.status_code == 303
    assert "already ended" in staff.get("/invitations/").get_data(as_text=True)
    assert "already ended" in audit_rows(app, "invitation.series_revoke")[1][1]
    assert states(app, series_id) == ["completed", "revoked", "revoked"]


def test_cli_revokes_a_series_by_its_code_or_a_members_number(app, runner, clock):
    series_id, link, code = make_series(app)
    result = runner.invoke(args=["invitations", "revoke", invitations.format_code(code)])
    assert result.exit_code == 0, result.output
    assert f"of series {series_id}" in result.output
    assert states(app, series_id) == ["revoked", "revoked", "revoked"]
    assert app.test_client().get(link).status_code == 410
    again = runner.invoke(args=["invitations", "revoke", code])
    assert again.exit_code == 2 and "already ended" in again.output
    assert states(app, series_id) == ["revoked", "revoked", "revoked"]

    other_id, _, _ = make_series(app, times=2)
    with app.app_context():
        series = db.session.get(InvitationSeries, other_id)
        first, second = (row.id for row in invitations.members(series))
    # A member's number alone revokes that one; with --series, the rest of its series.
    one = runner.invoke(args=["invitations", "revoke", str(first)])
    assert one.exit_code == 0 and states(app, other_id) == ["revoked", "scheduled"]
    rest = runner.invoke(args=["invitations", "revoke", "--series", str(second)])
    assert rest.exit_code == 0, rest.output
    assert states(app, other_id) == ["revoked", "revoked"]
    assert [detail for _, detail in audit_rows(app, "invitation.series_revoke")] == [
        "invitations 1, 2, 3",
        "Every invitation of this series has already ended.",
        f"invitations {second}",
    ]


def test_cli_series_revoke_refuses_what_it_cannot_find(app, runner, clock):
    with app.app_context(), unit_of_work.change("invitation.create", actor="test") as work:
        single = invitations.create_from("x", list(KEYS), 7, None, "test")
        work.reference = invitations.reference(single.invitation)
        number = single.invitation.id
    lonely = runner.invoke(args=["invitations", "revoke", "--series", str(number)])
    assert lonely.exit_code == 2 and "not part of a series" in lonely.output
    unknown = runner.invoke(args=["invitations", "revoke", "ZZZZ-ZZZZ"])
    assert unknown.exit_code == 2 and "No invitation or series" in unknown.output


def test_what_was_revoked_is_named_in_the_singular_or_the_plural():
    assert invitations.numbered([5]) == "invitation 5"
    assert invitations.numbered([5, 6]) == "invitations 5, 6"
