"""Clinic accounts: creation, roles and deactivation."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select

from screener import passwords
from screener.extensions import db
from screener.models import ROLES, User, UserRole

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,60}$")


class AccountError(ValueError):
    """The account cannot be created or changed as asked; the message says why."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def email_problem(email: str) -> str | None:
    """What is wrong with a typed e-mail address, or None."""
    email = normalise_email(email)
    if EMAIL.match(email):
        return None
    return f"{email or 'That'} is not an e-mail address. Enter one like name@clinic.example."


def check_new_user(email: str, password: str, roles: Iterable[str]) -> str:
    """Why an account cannot be created as asked (``AccountError``), checked before any
    change or audit row; return the normalised e-mail address. Messages are for a person
    at the admin page or the command line, so they say what to do."""
    problem = email_problem(email)
    if problem:
        raise AccountError(problem)
    email = normalise_email(email)
    _check_roles(roles)
    if find_user(email) is not None:
        raise AccountError(
            f"An account for {email} already exists. Open it from the list to change it."
        )
    try:
        passwords.check_policy(password, (email, *email.split("@")))
    except passwords.PasswordRejected as exc:
        raise AccountError(str(exc)) from None
    return email


def create_user(email: str, password: str, roles: Iterable[str]) -> User:
    """Create the account (checked again here, inside the write transaction)."""
    email = check_new_user(email, password, roles)
    user = User(email=email, password_hash=passwords.hash_password(password))
    user.role_rows = [UserRole(role=role) for role in sorted(set(roles))]
    db.session.add(user)
    db.session.flush()
    return user


def _check_roles(roles: Iterable[str]) -> None:
    roles = set(roles)
    if not roles:
        raise AccountError(
            "Choose at least one role: clinician, staff or admin. To stop someone signing "
            "in, deactivate the account."
        )
    unknown = roles - set(ROLES)
    if unknown:
        raise AccountError(
            f"There is no role called {', '.join(sorted(unknown))}. "
            "Choose clinician, staff or admin."
        )


def set_password(user: User, password: str) -> None:
    try:
        passwords.check_policy(password, (user.email, *user.email.split("@")))
    except passwords.PasswordRejected as exc:
        raise AccountError(str(exc)) from None
    user.password_hash = passwords.hash_password(password)
    user.session_version += 1


def set_roles(user: User, roles: Iterable[str]) -> None:
    """Replace the account's roles; the change applies from its next request."""
    _check_roles(roles)
    roles = set(roles)
    user.role_rows = [row for row in user.role_rows if row.role in roles] + [
        UserRole(role=role) for role in sorted(roles - user.roles)
    ]
    db.session.flush()


def deactivate(user: User) -> None:
    """Refuse further sign-ins and end every session of the account at once."""
    user.active = False
    user.session_version += 1


def reactivate(user: User) -> None:
    user.active = True
