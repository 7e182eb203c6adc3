"""Service tokens and calls for the API tests."""

from __future__ import annotations

from screener.extensions import db
from screener.services import tokens


def make_token(app, name: str, *scopes: str, days: int = 30) -> str:
    """A new token with ``scopes``; returns the token text."""
    with app.app_context():
        _, token = tokens.create(name, list(scopes), days, created_by="tests")
        db.session.commit()
        return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
