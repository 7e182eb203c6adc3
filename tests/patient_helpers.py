"""Drive the patient flow through the Flask test client, with real CSRF tokens."""

from __future__ import annotations

import re

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(response) -> str:
    return TOKEN.search(response.get_data(as_text=True)).group(1)


# The landing page's choices by the condition they screen for.
KEYS = {"adhd": "asrs-v1.1", "rls": "rls-irlssg", "iron": "iron-context"}


def start(client, screeners=("adhd", "rls"), iron=True):
    token = csrf_token(client.get("/"))
    chosen = [KEYS.get(name, name) for name in screeners] + (["iron-context"] if iron else [])
    data = {"csrf_token": token, "consent": "y", "screeners": chosen}
    response = client.post("/screen/start", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    # Starting renews the session, and with it the CSRF token.
    return csrf_token(client.get("/screen/step/1"))


def resume(client, link: str, consent: bool = False):
    """Open the private link and press its button, as a patient does; returns the POST."""
    page = client.get(link)
    assert page.status_code == 200, page.status_code
    data = {"csrf_token": csrf_token(page)}
    if consent:
        data["consent"] = "y"
    return client.post(link, data=data)


def post_step(client, number: int, answers: dict, token: str | None = None, **extra):
    if token is None:
        token = csrf_token(client.get(f"/screen/step/{number}"))
    return client.post(f"/screen/step/{number}", data={"csrf_token": token, **answers}, **extra)
