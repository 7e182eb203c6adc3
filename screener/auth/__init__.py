"""Sign-in, sign-out and the sessions they create."""

from __future__ import annotations

from flask import Flask
from flask_login import current_user

from screener.auth import redirects, sessions, throttle, views  # noqa: F401  (views register routes)
from screener.auth.blueprint import blueprint


def init_app(app: Flask) -> None:
    """Set up sessions and throttling, and register the sign-in pages."""
    sessions.init_app(app)
    throttle.init_app(app)
    app.register_blueprint(blueprint)
    app.context_processor(lambda: {"portal_links": lambda: redirects.portal_links(current_user)})


__all__ = ["blueprint", "init_app"]
