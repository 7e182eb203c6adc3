"""Sessions: logout that really ends them, version bumps, idle and absolute timeouts."""

from __future__ import annotations

import time

import pytest
from flask import Blueprint
from sqlalchemy import select

from screener import access
from screener.extensions import db
from screener.models import AuditEvent, User
from screener.services import accounts
from tests.auth_helpers import PASSWORD, csrf_token, login, logout, make_user

probe = Blueprint("probe", __name__, url_prefix="/probe")
access.protect(probe, "clinician")


@probe.get("/")
def inside():
    return "inside"


@pytest.fixture
def app(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    app.register_blueprint(probe)
    return app


def _signed_in(app, email="ana@clinic.example", roles="clinician"):
    make_user(app, email, roles)
    client = app.test_client()
    assert login(client, email).status_code == 302
    assert client.get("/probe/").get_data(as_text=True) == "inside"
    return client


def _copy(app, client):
    """A second browser holding a copy of ``client``'s session cookie."""
    thief = app.test_client()
    cookie = client.get_cookie("session")
    thief.set_cookie("session", cookie.value)
    return thief


def _is_out(client) -> bool:
    response = client.get("/probe/")
    return response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_anonymous_requests_are_sent_to_sign_in_with_next(client, app):
    response = client.get("/probe/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=/probe/"


def test_logout_ends_the_session_and_a_copied_cookie(app):
    client = _signed_in(app)
    thief = _copy(app, client)
    assert thief.get("/probe/").status_code == 200
    response = logout(client)
    assert response.status_code == 302
    assert "You have signed out." in client.get("/auth/login").get_data(as_text=True)
    assert _is_out(client)
    assert _is_out(thief)


def test_logout_needs_a_post_with_a_csrf_token(app):
    client = _signed_in(app)
    assert client.get("/auth/logout").status_code == 405
    assert client.post("/auth/logout").status_code == 400
    assert client.post("/auth/logout", data={"csrf_token": "forged"}).status_code == 400
    other = app.test_client()
    foreign = csrf_token(other)
    assert client.post("/auth/logout", data={"csrf_token": foreign}).status_code == 400
    assert client.get("/probe/").status_code == 200  # nothing changed


def test_deactivation_ends_sessions_on_the_next_request(app):
    client = _signed_in(app)
    with app.app_context():
        user = db.session.scalar(select(User))
        accounts.deactivate(user)
        db.session.commit()
    assert _is_out(client)


def test_a_password_change_ends_older_sessions(app):
    client = _signed_in(app)
    with app.app_context():
        accounts.set_password(db.session.scalar(select(User)), "a-brand-new-passphrase-9")
        db.session.commit()
    assert _is_out(client)
    assert login(client, "ana@clinic.example", PASSWORD).status_code == 200
    assert login(client, "ana@clinic.example", "a-brand-new-passphrase-9").status_code == 302


def test_removing_a_role_takes_effect_on_the_next_request(app):
    client = _signed_in(app, roles=["clinician", "admin"])
    with app.app_context():
        accounts.set_roles(db.session.scalar(select(User)), ["admin"])
        db.session.commit()
    assert client.get("/probe/").status_code == 403
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert (event.action, event.outcome, event.actor, event.detail) == (
            "access.denied",
            "forbidden",
            "ana@clinic.example",
            "probe.inside",
        )


def test_idle_timeout(app):
    client = _signed_in(app)
    with client.session_transaction() as session:
        session["seen_at"] = int(time.time()) - 29 * 60
    assert client.get("/probe/").status_code == 200  # and this request counts as activity
    with client.session_transaction() as session:
        assert session["seen_at"] >= int(time.time()) - 5
        session["seen_at"] = int(time.time()) - 31 * 60
    assert _is_out(client)
    assert "Your session has ended. Please sign in again." in client.get("/auth/login").get_data(
        as_text=True
    )


def test_absolute_timeout_even_when_active(app):
    client = _signed_in(app)
    with client.session_transaction() as session:
        session["login_at"] = int(time.time()) - 12 * 3600 - 5
    assert _is_out(client)


def test_a_session_without_times_or_with_a_tampered_id_does_not_count(app):
    client = _signed_in(app)
    with client.session_transaction() as session:
        del session["login_at"]
    assert _is_out(client)
    client = _signed_in(app, email="bo@clinic.example")
    with client.session_transaction() as session:
        user_id, _, version = session["_user_id"].partition(":")
        session["_user_id"] = f"{user_id}:{int(version) + 1}"
    assert _is_out(client)


def test_signing_in_again_after_logout_works(app):
    client = _signed_in(app)
    logout(client)
    assert login(client, "ana@clinic.example").status_code == 302
    assert client.get("/probe/").status_code == 200


def test_a_form_open_too_long_leads_back_to_its_page_not_the_patients(app):
    """A portal form sent with an expired (or missing) CSRF token: the page says what
    happened and leads back to the page the form was on, or to the person's own area."""
    from tests.auth_helpers import signed_in

    staff = signed_in(app, "staff@clinic.example", "staff")
    settings = "http://localhost/staff/settings"
    refused = staff.post(
        "/staff/settings",
        data={"csrf_token": "expired", "name": "X"},
        headers={"Referer": settings},
    )
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "This page was open too long" in text and "Nothing was changed" in text
    assert '<a href="/staff/settings">Open the page again</a>' in text
    # From another site (or with no Referer): the person's own area, not the patients'.
    elsewhere = staff.post(
        "/staff/settings", data={"csrf_token": "x"}, headers={"Referer": "https://evil.example/"}
    )
    assert 'href="/staff/">Go to your start page</a>' in elsewhere.get_data(as_text=True)
    # Signed out, on the sign-in page: back to the sign-in page.
    login = app.test_client().post(
        "/auth/login",
        data={"csrf_token": "expired", "email": "a@b.example", "password": "x"},
        headers={"Referer": "http://localhost/auth/login?next=/clinician/"},
    )
    assert login.status_code == 400
    assert 'href="/auth/login?next=/clinician/">Open the page again' in login.get_data(as_text=True)
