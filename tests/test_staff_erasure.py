"""Erasing a screening by reference code (admins): find, confirm, erase, audit."""

from __future__ import annotations

from sqlalchemy import select

from screener import codes
from screener.extensions import db
from screener.models import AuditEvent
from tests.auth_helpers import signed_in
from tests.staff_pages import admin_client, hidden, staff_client
from tests.test_retention import rows_left, submitted_screening

FIND = "/admin/erasure/"


def make_screening(app) -> tuple[int, str]:
    with app.app_context():
        screening_id, code, _ = submitted_screening(1)
    return screening_id, code


def test_erasure_is_for_admins_only(app):
    _, code = make_screening(app)
    assert app.test_client().get(FIND).status_code == 302
    for client in (
        staff_client(app),
        signed_in(app, "clinician@example.org", "clinician"),
    ):
        assert client.get(FIND).status_code == 403
        assert client.post("/admin/erasure/erase", data={"code": code}).status_code in (400, 403)
    assert admin_client(app).get(FIND).status_code == 200


def test_an_admin_finds_confirms_and_erases_every_copy(app):
    screening_id, code = make_screening(app)
    client = admin_client(app)
    page = client.get(FIND).get_data(as_text=True)
    found = client.post(
        "/admin/erasure/confirm",
        data={"csrf_token": hidden(page, "csrf_token"), "code": codes.format_code(code).lower()},
    )
    confirm = found.get_data(as_text=True)
    assert found.status_code == 200
    assert codes.format_code(code) in confirm
    assert "often" not in confirm.lower().replace("cannot be undone", "")
    assert hidden(confirm, "code") == code
    with app.app_context():  # the lookup itself is audited, like a clinician's search
        search = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "screening.search")
        ).one()
        assert (search.reference, search.outcome) == (codes.format_code(code), "ok")

    unticked = client.post(
        "/admin/erasure/erase",
        data={"csrf_token": hidden(confirm, "csrf_token"), "code": code},
    )
    assert unticked.status_code == 400
    with app.app_context():
        assert rows_left(screening_id)["screenings"] == 1

    erased = client.post(
        "/admin/erasure/erase",
        data={"csrf_token": hidden(confirm, "csrf_token"), "code": code, "confirm": "y"},
        follow_redirects=True,
    )
    assert erased.status_code == 200
    assert "has been erased" in erased.get_data(as_text=True)
    with app.app_context():
        assert set(rows_left(screening_id).values()) == {0}
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "screening.erase")
        ).one()
        assert (event.reference, event.actor, event.outcome) == (
            code,
            "admin@example.org",
            "ok",
        )
        assert event.at is not None and "consistent" not in (event.detail or "")


def test_an_unknown_code_says_so_without_erasing_anything(app):
    screening_id, code = make_screening(app)
    client = admin_client(app)
    page = client.get(FIND).get_data(as_text=True)
    other = ("A" if code[0] != "A" else "C") + code[1:]
    response = client.post(
        "/admin/erasure/confirm", data={"csrf_token": hidden(page, "csrf_token"), "code": other}
    )
    assert response.status_code == 404
    assert "No screening has that reference code" in response.get_data(as_text=True)
    response = client.post(
        "/admin/erasure/erase",
        data={"csrf_token": hidden(page, "csrf_token"), "code": other, "confirm": "y"},
        follow_redirects=True,
    )
    assert "No screening has that reference code" in response.get_data(as_text=True)
    with app.app_context():
        assert rows_left(screening_id)["screenings"] == 1


def test_erasing_needs_a_csrf_token(app):
    screening_id, code = make_screening(app)
    client = admin_client(app)
    assert client.post("/admin/erasure/confirm", data={"code": code}).status_code == 400
    response = client.post("/admin/erasure/erase", data={"code": code, "confirm": "y"})
    assert response.status_code == 400
    with app.app_context():
        assert rows_left(screening_id)["screenings"] == 1
