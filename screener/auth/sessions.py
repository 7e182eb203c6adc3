"""Signed-in sessions on top of Flask's signed cookie.

The cookie holds only the account id, the account's ``session_version``, the sign-in
time and the time of the last request. A cookie cannot be revoked, so every request
reloads the account and compares versions: logout, a password change and
deactivation bump the version, and every cookie issued before stops working on its
very next request. Idle and absolute timeouts are checked on the same path.
"""

from __future__ import annotations

import time

from flask import Flask, current_app, flash, session
from flask_login import login_user, logout_user

from screener.extensions import db, login_manager
from screener.models import User

IDLE_SECONDS = 30 * 60
ABSOLUTE_SECONDS = 12 * 60 * 60
ENDED = "Your session has ended. Please sign in again."


def init_app(app: Flask) -> None:
    app.config.setdefault("SESSION_IDLE_SECONDS", IDLE_SECONDS)
    app.config.setdefault("SESSION_ABSOLUTE_SECONDS", ABSOLUTE_SECONDS)
    login_manager.init_app(app)
    # Our own checks replace Flask-Login's address/agent fingerprint; no remember-me cookie.
    login_manager.session_protection = None
    login_manager.user_loader(load_user)


def start(user: User) -> None:
    """Begin a fresh session for ``user``: nothing from the anonymous session survives."""
    session.clear()
    login_user(user)
    now = int(time.time())
    session["login_at"] = now
    session["seen_at"] = now


def end() -> None:
    """Forget the signed-in account in this cookie (the caller bumps the version)."""
    logout_user()
    session.clear()


def load_user(user_id: str) -> User | None:
    """The account behind the session, or None when the session must not count any more."""
    user = _account(user_id)
    if user is None or not _within_timeouts():
        session.clear()
        flash(ENDED)
        return None
    session["seen_at"] = int(time.time())
    return user


def _account(user_id: str) -> User | None:
    raw_id, _, raw_version = (user_id or "").partition(":")
    if not (raw_id + raw_version).isascii() or not (raw_id.isdigit() and raw_version.isdigit()):
        return None
    user = db.session.get(User, int(raw_id))
    if user is None or not user.active or user.session_version != int(raw_version):
        return None
    return user


def _within_timeouts() -> bool:
    login_at, seen_at = session.get("login_at"), session.get("seen_at")
    if not isinstance(login_at, int) or not isinstance(seen_at, int):
        return False
    now = time.time()
    config = current_app.config
    return (
        now - login_at <= config["SESSION_ABSOLUTE_SECONDS"]
        and now - seen_at <= config["SESSION_IDLE_SECONDS"]
    )
