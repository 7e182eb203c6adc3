"""Input that no field can store is refused at the edge: a 4xx with a calm page, never a 5xx.

A NUL character (PostgreSQL text cannot hold one), an id beyond what an integer column
holds, or a date at the end of the calendar used to reach the database or date arithmetic
and come back as a 500, whose traceback quoted the typed value in the error log.
"""

from __future__ import annotations

import contextlib
import logging

import pytest
from sqlalchemy import text

from screener.database import begin_write
from screener.extensions import db
from screener.models import User
from tests.auth_helpers import PASSWORD, csrf_token, make_user, signed_in

PROBE = "probe7f3a"
NUL = f"{PROBE}\x00x"
BEYOND_INT4 = 2**31
BEYOND_INT64 = 2**63
HUGE = 10**30

# (name, method, path, query or form values); "csrf" is filled in by the test.
REQUESTS = [
    ("sign-in e-mail", "POST", "/auth/login", {"email": f"{NUL}@example.org", "password": "x"}),
    ("audit actor", "GET", "/admin/audit", {"actor": NUL}),
    ("audit outcome", "GET", "/admin/audit", {"outcome": NUL}),
    ("audit action", "GET", "/admin/audit", {"action": NUL}),
    ("audit find", "POST", "/admin/audit/find", {"reference": NUL}),
    ("audit date to", "GET", "/admin/audit", {"date_to": "9999-12-31"}),
    ("audit date from", "GET", "/admin/audit", {"date_from": "0001-01-01", "date_to": ""}),
    ("worklist date to", "GET", "/clinician/", {"to": "9999-12-31"}),
    ("settings name", "POST", "/staff/settings", {"name": NUL, "retention_days": "30"}),
    ("settings provider", "POST", "/staff/settings", {"providers-0-name": NUL}),
    ("settings lock", "POST", "/staff/settings", {"lock_version": str(HUGE)}),
    ("settings days", "POST", "/staff/settings", {"retention_days": str(HUGE)}),
    ("definition note", "POST", "/staff/definitions/new", {"source": "x: 1", "note": NUL}),
    ("definition based on", "POST", "/staff/definitions/new", {"based_on": str(HUGE)}),
    ("definition key", "GET", "/staff/definitions/" + NUL, {}),
    ("erasure find", "POST", "/admin/erasure/confirm", {"code": NUL}),
    ("erasure erase", "POST", "/admin/erasure/erase", {"code": NUL, "confirm": "y"}),
    ("create user", "POST", "/admin/users", {"email": f"{NUL}@example.org"}),
    ("user id int4", "GET", f"/admin/users/{BEYOND_INT4}", {}),
    ("user id int64", "GET", f"/admin/users/{BEYOND_INT64}", {}),
    ("user roles id", "POST", f"/admin/users/{HUGE}/roles", {"roles": "staff"}),
    ("user deactivate id", "POST", f"/admin/users/{BEYOND_INT64}/deactivate", {}),
    ("screening id", "GET", f"/clinician/screenings/{BEYOND_INT4}", {}),
    ("screening pdf id", "GET", f"/clinician/screenings/{BEYOND_INT64}/pdf", {}),
    ("screening review id", "POST", f"/clinician/screenings/{HUGE}/review", {"note": "ok"}),
    ("query key with NUL", "GET", "/clinician/", {NUL: "1"}),
    ("diff from", "GET", "/staff/definitions/asrs-v1.1/diff", {"from": str(HUGE)}),
    ("diff to", "GET", "/staff/definitions/asrs-v1.1/diff", {"to": str(BEYOND_INT4)}),
    ("diff not a number", "GET", "/staff/definitions/asrs-v1.1/diff", {"to": "two"}),
]


@pytest.fixture
def everyone(make_app):
    """An app that reports errors as production does, and a client with every role."""
    app = make_app(TESTING=False)
    client = signed_in(app, "all-roles@example.org", ["admin", "staff", "clinician"])
    return app, client


@pytest.mark.parametrize(
    ("method", "path", "values"),
    [request[1:] for request in REQUESTS],
    ids=[request[0] for request in REQUESTS],
)
def test_unstorable_input_is_a_4xx_and_stays_out_of_the_logs(
    everyone, caplog, method, path, values
):
    app, client = everyone
    if path == "/auth/login":
        client = app.test_client()
    caplog.set_level(logging.DEBUG)
    if method == "GET":
        response = client.get(path, query_string=values)
    else:
        form = {"csrf_token": csrf_token(client, path if path == "/auth/login" else "/admin/users")}
        response = client.post(path, data={**form, **values})
    assert 400 <= response.status_code < 500, response.status_code
    body = response.get_data(as_text=True)
    assert '<html lang="en">' in body
    assert "\x00" not in body
    assert response.headers["Content-Security-Policy"]
    assert PROBE not in caplog.text
    assert "Traceback" not in caplog.text


def test_a_nul_gets_a_message_that_says_what_is_wrong(everyone):
    _, client = everyone
    response = client.get("/admin/audit", query_string={"actor": NUL})
    assert response.status_code == 400
    assert "character that cannot be stored" in response.get_data(as_text=True)


def test_a_date_beyond_the_range_gets_a_message(everyone):
    _, client = everyone
    response = client.get("/clinician/", query_string={"to": "9999-12-31"})
    assert response.status_code == 400
    assert "There is a problem" in response.get_data(as_text=True)
    response = client.get("/admin/audit", query_string={"date_to": "9999-12-31"})
    assert response.status_code == 400
    assert "Enter a date" in response.get_data(as_text=True)


def test_the_sign_in_form_still_works_beside_the_check(everyone):
    app, _ = everyone
    make_user(app, "plain@example.org", "staff")
    client = app.test_client()
    data = {"csrf_token": csrf_token(client), "email": "plain@example.org", "password": PASSWORD}
    assert client.post("/auth/login", data=data).status_code == 302


def test_the_error_page_cannot_fail_after_a_failed_statement(make_app):
    """On PostgreSQL a failed statement aborts the transaction; the 500 page still renders,
    from the app, with its security headers (not the server's bare 500)."""
    app = make_app(TESTING=False)

    @app.get("/failed-statement-for-test")
    def failed_statement():
        with contextlib.suppress(Exception):
            db.session.execute(text("SELECT no_such_function_for_test()"))
        raise RuntimeError("after a failed statement")

    response = app.test_client().get("/failed-statement-for-test")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.get_data(as_text=True)
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_a_database_error_in_the_log_carries_no_typed_value(make_app, caplog):
    """A unique e-mail clash logs its traceback without the address: neither the bound
    parameters (SQLAlchemy) nor PostgreSQL's DETAIL line that quotes the key."""
    app = make_app(TESTING=False)
    make_user(app, f"{PROBE}@example.org", "staff")

    @app.get("/duplicate-for-test")
    def duplicate():
        begin_write()  # as every write in a request starts
        db.session.add(User(email=f"{PROBE}@example.org", password_hash="x"))
        db.session.flush()
        return "unreachable"

    caplog.set_level(logging.INFO)
    response = app.test_client().get("/duplicate-for-test")
    assert response.status_code == 500
    assert "IntegrityError" in caplog.text  # the traceback is logged ...
    assert PROBE not in caplog.text  # ... without the value


def test_an_empty_start_is_a_4xx(everyone):
    """A bot's empty POST to the landing page's form (no fields at all)."""
    app, _ = everyone
    response = app.test_client().post("/screen/start", data={})
    assert 400 <= response.status_code < 500, response.status_code


@pytest.mark.parametrize(
    "working",
    [
        "id: asrs-v1.1\nsections: hello\n",
        "id: asrs-v1.1\nsections: [a, b]\n",
        "id: asrs-v1.1\nsections:\n  - id: a\n    items: 5\n",
    ],
    ids=["sections a string", "sections of strings", "items a number"],
)
@pytest.mark.parametrize("values", ["1", ""], ids=["editor", "preview"])
def test_a_structured_document_of_the_wrong_shape_is_a_400(everyone, working, values):
    _, client = everyone
    path = "/staff/definitions/asrs-v1.1/structured"
    data = {"csrf_token": csrf_token(client, path), "working": working, "based_on": "1"}
    response = client.post(path, data={**data, "values": values, "action": "move_up:0"})
    assert response.status_code == 400


def test_audit_page_links_carry_only_the_filters(everyone):
    """Other query names were handed to url_for as its options: ?_method=POST was a 500."""
    from screener import audit

    app, client = everyone
    with app.app_context():
        for _ in range(60):  # more than one page
            audit.record("test.event", actor="someone@example.org")
    response = client.get("/admin/audit", query_string={"_method": "POST", "_anchor": "x"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "page=2" in page and "_anchor" not in page and "#x" not in page
