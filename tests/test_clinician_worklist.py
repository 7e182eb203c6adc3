"""The clinician's worklist: newest first, filters, pages, search by code, CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from sqlalchemy import select, update

from screener.clinician.export import safe_cell
from screener.codes import ALPHABET, format_code
from screener.extensions import db
from screener.models import AuditEvent, ReviewNote, Screening
from screener.services import screenings
from tests.auth_helpers import csrf_token, signed_in, submitted_screening
from tests.helpers import rls


@pytest.fixture
def clinician(app):
    return signed_in(app, "doc@clinic.example", "clinician")


def _codes_in(html: str) -> list[str]:
    return re.findall(r'class="code">([A-Z0-9-]{14})<', html)


def _set_submitted(app, screening_id, when):
    with app.app_context():
        db.session.execute(
            update(Screening).where(Screening.id == screening_id).values(submitted_at=when)
        )
        db.session.commit()


def _events(app, action):
    with app.app_context():
        return db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        ).all()


def test_submitted_screenings_newest_first_and_drafts_left_out(app, clinician):
    older = submitted_screening(app, adhd="never")
    newer = submitted_screening(app, adhd="often")
    with app.app_context():
        draft, _ = screenings.start(["asrs-v1.1"])
        db.session.commit()
        draft_code = draft.reference_code
    _set_submitted(app, older[0], dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC))
    page = clinician.get("/clinician/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert _codes_in(html) == [format_code(newer[1]), format_code(older[1])]
    assert format_code(draft_code) not in html
    assert "Consistent" in html and "Not consistent" in html
    assert page.headers["Cache-Control"] == "no-store"
    assert _events(app, "screenings.list")[-1].actor == "doc@clinic.example"


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        ("adhd", {"adhd", "both", "adhd_treated"}),
        ("rls", {"rls", "possible", "both", "treated", "adhd_treated"}),
        ("both", {"both", "adhd_treated"}),
        ("neither", {"none"}),
        ("", {"adhd", "rls", "possible", "both", "none", "treated", "adhd_treated", "adhd_no"}),
    ],
)
def test_filter_by_outcome(app, clinician, outcome, expected):
    """A "no" from someone on medicine for the legs ("cannot tell") is never cleared as
    "neither"; nor is a screening that did not take every screen ("adhd_no")."""
    made = {
        "adhd": submitted_screening(app, adhd="often"),
        "rls": submitted_screening(app, adhd="never", rls_answers=rls()),
        "possible": submitted_screening(
            app, adhd=None, rls_answers=rls(causes={"cramps": "unsure"})
        ),
        "both": submitted_screening(app, adhd="often", rls_answers=rls()),
        "none": submitted_screening(app, adhd="never", rls_answers=rls(gate="no")),
        "treated": submitted_screening(
            app, adhd="never", rls_answers=rls(gate="no", medicine="yes")
        ),
        "adhd_treated": submitted_screening(
            app, adhd="often", rls_answers=rls(gate="no", medicine="yes")
        ),
        "adhd_no": submitted_screening(app, adhd="never"),
    }
    html = clinician.get("/clinician/", query_string={"outcome": outcome}).get_data(as_text=True)
    shown = set(_codes_in(html))
    assert shown == {format_code(made[name][1]) for name in expected}


def test_filter_by_review_and_date(app, clinician):
    jan = submitted_screening(app)
    mar = submitted_screening(app)
    _set_submitted(app, jan[0], dt.datetime(2026, 1, 15, 23, 59, tzinfo=dt.UTC))
    _set_submitted(app, mar[0], dt.datetime(2026, 3, 1, 0, 0, tzinfo=dt.UTC))
    with app.app_context():
        db.session.execute(
            update(Screening)
            .where(Screening.id == mar[0])
            .values(reviewed_at=dt.datetime(2026, 3, 2, tzinfo=dt.UTC))
        )
        db.session.commit()

    def shown(**args):
        return set(
            _codes_in(clinician.get("/clinician/", query_string=args).get_data(as_text=True))
        )

    assert shown(reviewed="yes") == {format_code(mar[1])}
    assert shown(reviewed="no") == {format_code(jan[1])}
    assert shown(**{"from": "2026-01-15", "to": "2026-01-15"}) == {format_code(jan[1])}
    assert shown(**{"from": "2026-03-01"}) == {format_code(mar[1])}
    assert shown(to="2026-02-28") == {format_code(jan[1])}


@pytest.mark.parametrize(
    "args",
    [
        {"from": "yesterday"},
        {"to": "2026-02-30"},
        {"from": "2026-03-02", "to": "2026-03-01"},
        {"outcome": "cancer"},
        {"reviewed": "maybe"},
        {"page": "-1"},
        {"page": "²"},
        {"from": "\x00"},
    ],
)
def test_bad_filters_get_a_message_and_a_400_not_a_crash(clinician, args):
    response = clinician.get("/clinician/", query_string=args)
    assert response.status_code == 400
    assert "There is a problem" in response.get_data(as_text=True)


def test_pages_of_twenty_five(app, clinician):
    made = [submitted_screening(app, adhd="never") for _ in range(26)]
    first = clinician.get("/clinician/").get_data(as_text=True)
    assert len(_codes_in(first)) == 25 and "Page 1 of 2" in first
    second = clinician.get("/clinician/?page=2").get_data(as_text=True)
    assert _codes_in(second) == [format_code(made[0][1])]
    beyond = clinician.get("/clinician/?page=99").get_data(as_text=True)
    assert "Page 2 of 2" in beyond


def _find(client, code):
    return client.post(
        "/clinician/find", data={"csrf_token": csrf_token(client, "/clinician/"), "code": code}
    )


@pytest.mark.parametrize(
    "typed", ["{code}", "{lower}", "{dashed}", "  {spaced}  ", "{en_dashed}", "{em_dashed}"]
)
def test_find_by_code_redirects_to_the_detail_without_the_code_in_the_url(app, clinician, typed):
    screening_id, code = submitted_screening(app)
    text = typed.format(
        code=code,
        lower=code.lower(),
        dashed=format_code(code),
        spaced=" ".join(code),
        # Pasted from a word processor or typed on a phone, whose dashes are not hyphens.
        en_dashed=format_code(code).replace("-", "\u2013"),
        em_dashed=format_code(code).lower().replace("-", " \u2014 "),
    )
    response = _find(clinician, text)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/clinician/screenings/{screening_id}"
    assert code not in response.headers["Location"]
    event = _events(app, "screening.search")[-1]
    assert (event.reference, event.outcome) == (format_code(code), "ok")


def _altered(code: str) -> str:
    swap = ALPHABET[(ALPHABET.index(code[-1]) + 1) % len(ALPHABET)]
    return code[:-1] + swap


def test_other_altered_draft_and_garbage_codes_all_get_the_same_not_found(app, clinician):
    _, code = submitted_screening(app)
    with app.app_context():
        draft, _ = screenings.start(["asrs-v1.1"])
        db.session.commit()
        draft_code = draft.reference_code
    attempts = [
        _altered(code),  # one character changed
        code[::-1],  # the same characters in another order
        "ACDEFHJKMNPQ",  # a well-formed code nobody has
        draft_code,  # a real code that is not submitted yet
        code[:-1],  # too short
        code + "A",  # too long
        "' OR 1=1--",
        "<script>alert(1)</script>",
    ]
    bodies = set()
    for attempt in attempts:
        response = _find(clinician, attempt)
        assert response.status_code == 404
        body = response.get_data(as_text=True)
        assert "No submitted screening has this reference code" in body
        assert "<script>alert" not in body
        bodies.add(re.sub(r'(name="code" value|name="csrf_token" value)="[^"]*"', "", body))
    assert len(bodies) == 1
    events = _events(app, "screening.search")
    assert [e.outcome for e in events] == ["not_found"] * len(attempts)


def test_detail_ids_of_drafts_and_missing_screenings_are_404(app, clinician):
    with app.app_context():
        draft, _ = screenings.start(["asrs-v1.1"])
        db.session.commit()
        draft_id = draft.id
    assert clinician.get(f"/clinician/screenings/{draft_id}").status_code == 404
    assert clinician.get("/clinician/screenings/999999").status_code == 404
    assert clinician.get("/clinician/screenings/abc").status_code == 404


def test_an_empty_search_says_what_to_do(clinician):
    response = _find(clinician, "")
    assert response.status_code == 400
    assert "Enter a reference code." in response.get_data(as_text=True)


def test_export_is_csv_of_outcomes_only_and_audited(app, clinician):
    adhd = submitted_screening(app, adhd="often", rls_answers=rls(causes={"cramps": "unsure"}))
    submitted_screening(app, adhd="never")
    with app.app_context():
        reviewed = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
        db.session.execute(
            update(Screening).where(Screening.id == adhd[0]).values(reviewed_at=reviewed)
        )
        db.session.add(ReviewNote(screening_id=adhd[0], created_at=reviewed, note="=HYPERLINK(1)"))
        db.session.commit()
    response = clinician.get("/clinician/export.csv", query_string={"outcome": "adhd"})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    assert "HYPERLINK" not in text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 1
    row = rows[0]
    assert row["reference_code"] == format_code(adhd[1])
    assert (row["adhd_outcome"], row["rls_outcome"], row["reviewed"]) == (
        "consistent",
        "possible",
        "yes",
    )
    event = _events(app, "screenings.export")[-1]
    assert event.detail.startswith("1 rows") and "outcome=adhd" in event.detail


def test_export_refuses_bad_filters(clinician):
    assert clinician.get("/clinician/export.csv?from=soon").status_code == 400


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("|calc", "'|calc"),
        ("consistent", "consistent"),
        ("ACDE-FHJK-MNPQ", "ACDE-FHJK-MNPQ"),
        (None, ""),
    ],
)
def test_cells_are_guarded_against_formula_injection(value, expected):
    assert safe_cell(value) == expected
