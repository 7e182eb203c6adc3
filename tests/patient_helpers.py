"""Drive the patient flow through the Flask test client, with real CSRF tokens."""

from __future__ import annotations

import re

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(response) -> str:
    return TOKEN.search(response.get_data(as_text=True)).group(1)


def start(client, screeners=("adhd", "rls"), iron=True):
    token = csrf_token(client.get("/"))
    data = {"csrf_token": token, "consent": "y", "screeners": list(screeners)}
    if iron:
        data["iron"] = "y"
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
