"""Sign-in: the form, same answer for unknown and wrong, rehashing, safe ``next``, CSRF."""

from __future__ import annotations

import re
import statistics
import time

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from screener import passwords
from screener.extensions import db
from screener.models import AuditEvent, User
from tests.auth_helpers import PASSWORD, csrf_token, login, make_user


@pytest.fixture
def app(make_app):
    """CSRF protection on, explicitly: these tests prove it refuses forged requests."""
    return make_app(WTF_CSRF_ENABLED=True)


def _body(response) -> str:
    """The page without its per-session CSRF token, to compare two answers."""
    return re.sub(r'value="[^"]*"', 'value=""', response.get_data(as_text=True))


def test_sign_in_page_is_accessible_without_javascript(client):
    page = client.get("/auth/login")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<label for="email">' in html and '<label for="password">' in html
    assert 'autocomplete="username"' in html
    assert 'autocomplete="current-password"' in html
    assert 'type="email"' in html and 'type="password"' in html
    assert "<script" not in html and "style=" not in html


def test_a_failed_sign_in_shows_an_error_summary_linked_to_the_field(app, client):
    make_user(app, "ana@clinic.example", "clinician")
    html = login(client, "ana@clinic.example", "wrong password here").get_data(as_text=True)
    assert 'class="error-summary" role="alert"' in html
    assert '<a href="#email">The email address or password is not right.</a>' in html
    assert 'value="ana@clinic.example"' in html  # what was typed is kept ...
    assert "wrong password here" not in html  # ... but never the password


def test_empty_fields_are_named_in_the_summary_and_marked_invalid(client):
    html = client.post(
        "/auth/login", data={"csrf_token": csrf_token(client), "email": "", "password": ""}
    ).get_data(as_text=True)
    assert '<a href="#email">Enter your email address.</a>' in html
    assert '<a href="#password">Enter your password.</a>' in html
    assert 'aria-describedby="email-error"' in html and 'aria-invalid="true"' in html


def test_success_redirects_home_and_records_the_sign_in(app, client):
    make_user(app, "ana@clinic.example", "clinician")
    response = login(client, "ANA@clinic.example ", PASSWORD)
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "ana@clinic.example"))
        assert user.last_login_at is not None
        event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert (event.action, event.outcome, event.actor) == ("auth.sign_in", "ok", user.email)
        assert event.role == "clinician" and event.address == "127.0.0.1"
        assert event.at.tzinfo is not None


def test_unknown_account_wrong_password_and_deactivated_look_the_same(app, client):
    make_user(app, "ana@clinic.example", "clinician")
    make_user(app, "old@clinic.example", "clinician")
    with app.app_context():
        old = db.session.scalar(select(User).where(User.email == "old@clinic.example"))
        old.active = False
        db.session.commit()
    answers = {
        "unknown": login(client, "nobody@clinic.example", "some password 123"),
        "wrong": login(client, "ana@clinic.example", "some password 123"),
        "inactive": login(client, "old@clinic.example", PASSWORD),
    }
    statuses = {name: r.status_code for name, r in answers.items()}
    assert set(statuses.values()) == {200}
    bodies = {
        name: _body(r).replace(email, "EMAIL")
        for (name, r), email in zip(
            answers.items(),
            ["nobody@clinic.example", "ana@clinic.example", "old@clinic.example"],
            strict=True,
        )
    }
    assert bodies["unknown"] == bodies["wrong"] == bodies["inactive"]
    with app.app_context():
        failed = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "auth.sign_in", AuditEvent.outcome == "failed")
            .order_by(AuditEvent.id)
        ).all()
        assert [e.detail for e in failed] == [
            "unknown account",
            "wrong password",
            "deactivated account",
        ]
        assert failed[0].actor is None  # a mistyped password in the e-mail field is not kept


@pytest.mark.real_password_hashing
def test_unknown_account_and_wrong_password_take_similar_time(app, client):
    make_user(app, "ana@clinic.example", "clinician")
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = app.config["LOGIN_LIMIT_PER_ADDRESS"] = "100/minute"

    def timed(email):
        start = time.perf_counter()
        assert login(client, email, "not the password 1").status_code == 200
        return time.perf_counter() - start

    # Interleaved, so a burst of load from elsewhere on the machine falls on both alike.
    # Without the dummy hash check an unknown account would answer many times faster.
    pairs = [(timed("nobody@clinic.example"), timed("ana@clinic.example")) for _ in range(7)]
    unknown = statistics.median(u for u, _ in pairs)
    wrong = statistics.median(w for _, w in pairs)
    assert 0.5 < unknown / wrong < 2, (unknown, wrong)


@pytest.mark.real_password_hashing
def test_an_outdated_hash_is_replaced_at_the_next_sign_in(app, client):
    make_user(app, "ana@clinic.example", "clinician")
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    with app.app_context():
        user = db.session.scalar(select(User))
        user.password_hash = weak
        db.session.commit()
    assert login(client, "ana@clinic.example").status_code == 302
    with app.app_context():
        stored = db.session.scalar(select(User.password_hash))
        assert stored != weak
        assert not passwords.needs_rehash(stored) and passwords.verify(stored, PASSWORD)
    # The new hash is argon2id at or above the OWASP minimum (m = 19 MiB, t = 2).
    params = dict(part.split("=") for part in stored.split("$")[3].split(","))
    assert stored.startswith("$argon2id$")
    assert int(params["m"]) >= 19 * 1024 and int(params["t"]) >= 2


def test_long_and_any_character_passwords_are_accepted_exactly(app, client):
    password = "ünïcödé 🦀 \" ' <tag> " * 40
    make_user(app, "ana@clinic.example", "clinician", password=password)
    assert login(client, "ana@clinic.example", password[:-1]).status_code == 200
    assert login(client, "ana@clinic.example", password).status_code == 302


def test_the_session_is_rotated_at_sign_in(app, client):
    make_user(app, "ana@clinic.example", "clinician")
    client.get("/auth/login")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
        before = dict(session)
    assert login(client, "ana@clinic.example").status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("csrf_token") != before.get("csrf_token")
        assert set(session) >= {"_user_id", "login_at", "seen_at"}


@pytest.mark.parametrize(
    "payload",
    [
        "//evil.example",
        "//evil.example/clinician/",
        "/\\evil.example",
        "\\\\evil.example",
        "/\\/evil.example",
        "https://evil.example/",
        "http:evil.example",
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " //evil.example",
        "/\t/evil.example",
        "/\r\nLocation: https://evil.example",
        "evil.example",
        "data:text/html,<script>alert(1)</script>",
    ],
)
def test_next_never_leaves_the_site(app, client, payload):
    make_user(app, "ana@clinic.example", "clinician")
    page = client.get("/auth/login", query_string={"next": payload}).get_data(as_text=True)
    assert "evil.example" not in page and "javascript" not in page.lower()
    response = login(client, "ana@clinic.example", next_url=payload)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\"))
    assert "evil.example" not in location and ":" not in location


def test_next_to_a_page_on_this_site_is_followed(app, client):
    make_user(app, "ana@clinic.example", "clinician")
    response = login(client, "ana@clinic.example", next_url="/somewhere/here?page=2")
    assert response.headers["Location"] == "/somewhere/here?page=2"


def test_sign_in_without_a_csrf_token_is_refused(app, client):
    make_user(app, "ana@clinic.example", "clinician")
    client.get("/auth/login")
    data = {"email": "ana@clinic.example", "password": PASSWORD}
    assert client.post("/auth/login", data=data).status_code == 400
    assert client.post("/auth/login", data={**data, "csrf_token": "forged"}).status_code == 400
    with client.session_transaction() as session:
        assert "_user_id" not in session
    with app.app_context():
        assert db.session.scalar(select(User.last_login_at)) is None


def test_an_over_long_email_is_a_form_error_not_a_crash(client):
    response = client.post(
        "/auth/login",
        data={"csrf_token": csrf_token(client), "email": "a" * 5000, "password": "x" * 5000},
    )
    assert response.status_code == 200
    assert "error-summary" in response.get_data(as_text=True)
