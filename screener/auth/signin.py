"""Checking a password and recording the outcome.

An unknown e-mail, a deactivated account and a wrong password take the same path
and the same time (a full argon2 check every time), and the caller shows the same
message for all three, so the form cannot be used to find out who has an account.
"""

from __future__ import annotations

from screener import audit, passwords, unit_of_work
from screener.database import utcnow
from screener.extensions import db
from screener.models import User
from screener.observability.metrics import SIGN_IN_FAILURES
from screener.services.accounts import find_user


def authenticate(email: str, password: str) -> User | None:
    """The account if the password is right and the account active; None otherwise.

    Both outcomes are audited. The audit row is written before this request takes
    the write lock (it uses its own connection); then the sign-in time is stored and
    an outdated hash replaced.
    """
    user = find_user(email)
    if user is None:
        passwords.dummy_verify(password)
        audit.record("auth.sign_in", outcome="failed", detail="unknown account")
        SIGN_IN_FAILURES.inc()
        return None
    correct = passwords.verify(user.password_hash, password)
    if not correct or not user.active:
        reason = "wrong password" if not correct else "deactivated account"
        audit.record("auth.sign_in", outcome="failed", actor=user.email, detail=reason)
        SIGN_IN_FAILURES.inc()
        return None
    audit.record("auth.sign_in", actor=user.email, role=",".join(sorted(user.roles)))
    user_id = user.id
    with unit_of_work.write():
        user = db.session.get(User, user_id)
        if passwords.needs_rehash(user.password_hash):
            user.password_hash = passwords.hash_password(password)
        user.last_login_at = utcnow()
    return user


def end_all_sessions(user: User) -> None:
    """Make every session of ``user`` stop working at its next request."""
    user_id = user.id
    with unit_of_work.write():
        user = db.session.get(User, user_id)
        user.session_version += 1
