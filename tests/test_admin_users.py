"""Admins create accounts, change roles and deactivate; each change audited and immediate."""

from __future__ import annotations

import re

from sqlalchemy import select

from screener.codes import normalise_code
from screener.extensions import db
from screener.models import AuditEvent, User
from tests.auth_helpers import PASSWORD, csrf_token, login, make_user, signed_in


def _user(app, email):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        return user.id, user.active, user.roles


def _events(app, action):
    with app.app_context():
        return db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        ).all()


def _post(client, url, page, **data):
    return client.post(url, data={"csrf_token": csrf_token(client, page), **data})


def test_create_an_account_that_can_then_sign_in(app):
    admin = signed_in(app, "boss@clinic.example", "admin")
    response = _post(
        admin,
        "/admin/users",
        "/admin/users",
        email="New.Person@Clinic.example",
        password=PASSWORD,
        roles=["clinician", "staff"],
    )
    assert response.status_code == 303
    assert "Account new.person@clinic.example created." in admin.get("/admin/users").get_data(
        as_text=True
    )
    assert _user(app, "new.person@clinic.example")[2] == {"clinician", "staff"}
    assert login(app.test_client(), "new.person@clinic.example").status_code == 302
    event = _events(app, "user.create")[-1]
    assert (event.reference, event.actor, event.outcome) == (
        "new.person@clinic.example",
        "boss@clinic.example",
        "ok",
    )
    assert PASSWORD not in (event.detail or "")


def test_weak_passwords_duplicates_and_bad_input_are_refused_with_a_message(app):
    admin = signed_in(app, "boss@clinic.example", "admin")
    cases = [
        ({"email": "a@clinic.example", "password": "short", "roles": "clinician"}, "at least 12"),
        ({"email": "a@clinic.example", "password": "password1234", "roles": "clinician"}, "common"),
        (
            {"email": "boss@clinic.example", "password": PASSWORD, "roles": "admin"},
            "already exists",
        ),
        ({"email": "not-an-email", "password": PASSWORD, "roles": "admin"}, "not an e-mail"),
        ({"email": "a@clinic.example", "password": PASSWORD}, "Choose at least one role"),
        (
            {"email": "a@clinic.example", "password": PASSWORD, "roles": "root"},
            "Choose roles from the list: clinician, staff or admin.",
        ),
        ({"email": "", "password": ""}, "Enter an email address."),
        # Every problem at once, not the address only after a password is given.
        ({"email": "not-an-email", "password": ""}, "not an e-mail"),
        ({"email": "not-an-email", "password": ""}, "Enter a first password."),
    ]
    for data, message in cases:
        response = _post(admin, "/admin/users", "/admin/users", **data)
        assert response.status_code == 400, data
        body = response.get_data(as_text=True)
        assert message in body, (data, message)
        assert "must be among" not in body and "not a valid choice" not in body
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "a@clinic.example")) is None
    # Each refusal the service saw is recorded once, as refused, and never as "ok" first.
    events = _events(app, "user.create")
    # (A malformed address is refused by the form with the rest of its problems.)
    assert [e.outcome for e in events] == ["refused"] * 4
    assert "already exists" in events[2].detail


def test_an_unknown_role_in_a_role_change_is_refused_in_plain_words(app):
    admin = signed_in(app, "boss@clinic.example", "admin")
    doc_id = make_user(app, "doc@clinic.example", "clinician")
    page = f"/admin/users/{doc_id}"
    response = _post(admin, f"{page}/roles", page, roles=["root"])
    assert "Choose roles from the list" in admin.get(response.headers["Location"]).get_data(
        as_text=True
    )
    assert _user(app, "doc@clinic.example")[2] == {"clinician"}


def test_role_changes_are_audited_and_apply_on_the_next_request(app):
    admin = signed_in(app, "boss@clinic.example", "admin")
    doc = signed_in(app, "doc@clinic.example", "clinician")
    doc_id = _user(app, "doc@clinic.example")[0]
    assert doc.get("/clinician/").status_code == 200
    assert doc.get("/admin/users").status_code == 403
    page = f"/admin/users/{doc_id}"
    assert _post(admin, f"{page}/roles", page, roles=["admin"]).status_code == 303
    assert doc.get("/clinician/").status_code == 403
    assert doc.get("/admin/users").status_code == 200
    event = _events(app, "user.roles")[-1]
    assert (event.reference, event.detail, event.actor) == (
        "doc@clinic.example",
        "clinician -> admin",
        "boss@clinic.example",
    )


def test_deactivation_ends_the_users_sessions_at_once(app):
    admin = signed_in(app, "boss@clinic.example", "admin")
    doc = signed_in(app, "doc@clinic.example", "clinician")
    doc_id = _user(app, "doc@clinic.example")[0]
    page = f"/admin/users/{doc_id}"
    assert _post(admin, f"{page}/deactivate", page).status_code == 303
    response = doc.get("/clinician/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert login(doc, "doc@clinic.example").status_code == 200  # cannot sign in again
    assert _events(app, "user.deactivate")[-1].reference == "doc@clinic.example"
    assert _post(admin, f"{page}/reactivate", page).status_code == 303
    assert login(doc, "doc@clinic.example").status_code == 302


def test_admins_cannot_lock_themselves_out(app):
    admin = signed_in(app, "boss@clinic.example", "admin")
    boss_id = _user(app, "boss@clinic.example")[0]
    page = f"/admin/users/{boss_id}"
    response = _post(admin, f"{page}/deactivate", page)
    assert "cannot deactivate your own account" in admin.get(response.headers["Location"]).get_data(
        as_text=True
    )
    response = _post(admin, f"{page}/roles", page, roles=["clinician"])
    assert "cannot remove your own admin role" in admin.get(page).get_data(as_text=True)
    response = _post(admin, f"{page}/roles", page)
    assert "Choose at least one role" in admin.get(page).get_data(as_text=True)
    assert _user(app, "boss@clinic.example")[1:] == (True, {"admin"})
    assert [e.outcome for e in _events(app, "user.roles")] == ["refused", "refused"]


def test_unknown_accounts_are_404(app):
    admin = signed_in(app, "boss@clinic.example", "admin")
    assert admin.get("/admin/users/9999").status_code == 404
    make_user(app, "x@clinic.example", "staff")
    assert _post(admin, "/admin/users/9999/deactivate", "/admin/users").status_code == 404


def test_deactivation_asks_first_and_the_page_itself_changes_nothing(app):
    admin = signed_in(app, "boss@clinic.example", "admin")
    doc_id = make_user(app, "doc@clinic.example", "clinician")
    page = admin.get(f"/admin/users/{doc_id}").get_data(as_text=True)
    # The account page links to a confirmation page; it holds no deactivating form.
    assert f'href="/admin/users/{doc_id}/deactivate"' in page
    assert f'action="/admin/users/{doc_id}/deactivate"' not in page
    confirm = admin.get(f"/admin/users/{doc_id}/deactivate")
    assert confirm.status_code == 200
    html = confirm.get_data(as_text=True)
    assert "Deactivate doc@clinic.example?" in html
    assert f'action="/admin/users/{doc_id}/deactivate"' in html and 'name="csrf_token"' in html
    assert "Yes, deactivate the account" in html and "No, keep it active" in html
    assert _user(app, "doc@clinic.example")[1] is True
    assert _events(app, "user.deactivate") == []
    page = f"/admin/users/{doc_id}/deactivate"
    assert _post(admin, page, page).status_code == 303
    assert _user(app, "doc@clinic.example")[1] is False
    # Asking again for a deactivated account, or for one's own, says why not.
    again = admin.get(page)
    assert again.status_code == 303
    assert "already deactivated" in admin.get(again.headers["Location"]).get_data(as_text=True)
    boss_id = _user(app, "boss@clinic.example")[0]
    own = admin.get(f"/admin/users/{boss_id}/deactivate")
    assert "cannot deactivate your own account" in admin.get(own.headers["Location"]).get_data(
        as_text=True
    )
    assert admin.get("/admin/users/9999/deactivate").status_code == 404


def test_the_erasure_page_is_in_the_admin_menu_with_a_whole_example_code(app):
    admin = signed_in(app, "boss@clinic.example", "admin")
    html = admin.get("/admin/users").get_data(as_text=True)
    assert '<a href="/admin/erasure/">Erase a screening</a>' in html
    erase = admin.get("/admin/erasure/").get_data(as_text=True)
    assert 'aria-current="page">Erase a screening</a>' in erase
    example = re.search(r"For example ([A-Z0-9-]+)\.", erase).group(1)
    assert normalise_code(example) is not None and len(example.replace("-", "")) == 12
    # Other roles do not see the link.
    doc = signed_in(app, "doc@clinic.example", ["clinician", "staff"])
    assert "Erase a screening" not in doc.get("/clinician/").get_data(as_text=True)
