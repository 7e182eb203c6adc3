"""Accounts and sign-in for tests, through the real sign-in form (CSRF token included)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from screener.extensions import db
from screener.services import accounts

PASSWORD = "plum-harbour-7-lantern-quietly"
TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def make_user(app, email: str, roles: Iterable[str] | str, password: str = PASSWORD) -> int:
    """Create an account and return its id. ``roles`` is a role name or several."""
    roles = [roles] if isinstance(roles, str) else list(roles)
    with app.app_context():
        user = accounts.create_user(email, password, roles)
        db.session.commit()
        return user.id


def csrf_token(client, path: str = "/auth/login") -> str:
    """The CSRF token from a page's form (the session cookie keeps it valid)."""
    page = client.get(path)
    match = TOKEN.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path} ({page.status_code})"
    return match.group(1)


def login(client, email: str, password: str = PASSWORD, next_url: str | None = None):
    """Post the sign-in form as a browser would; returns the response (302 on success)."""
    data = {"csrf_token": csrf_token(client), "email": email, "password": password}
    if next_url is not None:
        data["next"] = next_url
    return client.post("/auth/login", data=data)


def logout(client, from_path: str = "/auth/login"):
    return client.post("/auth/logout", data={"csrf_token": csrf_token(client, from_path)})


def signed_in(app, email: str, roles: Iterable[str] | str):
    """A new test client signed in to a new account with ``roles``."""
    make_user(app, email, roles)
    client = app.test_client()
    response = login(client, email)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def submitted_screening(
    app, adhd: str | None = "often", rls_answers: dict | None = None, keys=None
) -> tuple[int, str]:
    """Submit a screening as a patient would; return its id and reference code.

    ``adhd`` is the answer to all six Part A items ("often" is consistent, "never" not);
    None leaves the ADHD questionnaire out. ``rls_answers`` come from ``tests.helpers.rls``;
    None leaves RLS out.
    """
    from screener.services import screenings
    from tests.helpers import asrs, fill

    answers = {}
    if adhd is not None:
        answers["asrs-v1.1"] = asrs([adhd] * 6)
    if rls_answers is not None:
        answers["rls-irlssg"] = rls_answers
    with app.app_context():
        screening, _ = screenings.start(keys or list(answers))
        fill(screening, answers)
        assert screenings.submit(screening)
        db.session.commit()
        return screening.id, screening.reference_code
