"""Operator commands for accounts: ``screener users create|roles|password|deactivate|reactivate``.

They call the same account service as the admin pages and leave the same audit rows
(actor ``cli``). They are the way back in when no admin can sign in: a forgotten admin
password, or the last admin account deactivated. Exit code 2 means the account or the
input was refused; nothing was changed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import click
from flask.cli import AppGroup

from screener import audit, unit_of_work
from screener.extensions import db
from screener.models import ROLES, User
from screener.services import accounts

ROLE_OPTION = click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice(list(ROLES)),
    help="Repeat for several roles.",
)


@click.group("users", cls=AppGroup)
def users() -> None:
    """Manage clinic accounts."""


@users.command("create")
@click.argument("email")
@ROLE_OPTION
def create_user_command(email: str, roles: tuple[str, ...]) -> None:
    """Create an account; the password comes from standard input or a prompt."""
    password = _read_password()
    email = accounts.normalise_email(email)
    try:
        # Checked before the audit row, so a refusal is recorded once, as refused.
        accounts.check_new_user(email, password, roles)
    except accounts.AccountError as exc:
        _refuse("user.create", email, str(exc))
    detail = f"roles: {','.join(sorted(set(roles)))}"
    _change("user.create", email, lambda: accounts.create_user(email, password, roles), detail)
    click.echo(f"Created {email} with roles: {', '.join(sorted(set(roles)))}")


@users.command("roles")
@click.argument("email")
@ROLE_OPTION
def roles_command(email: str, roles: tuple[str, ...]) -> None:
    """Replace an account's roles; they apply from its next request."""
    user = _existing(email, "user.roles")
    new = sorted(set(roles))
    detail = f"{','.join(sorted(user.roles))} -> {','.join(new)}"
    _change("user.roles", user.email, lambda: accounts.set_roles(user, new), detail)
    click.echo(f"{user.email} now has roles: {', '.join(new)}")


@users.command("password")
@click.argument("email")
def password_command(email: str) -> None:
    """Set a new password (standard input or a prompt); every session of the account ends."""
    password = _read_password()
    user = _existing(email, "user.password")
    _change("user.password", user.email, lambda: accounts.set_password(user, password))
    click.echo(f"Password of {user.email} changed; its sessions have ended.")


@users.command("deactivate")
@click.argument("email")
def deactivate_command(email: str) -> None:
    """Refuse further sign-ins and end every session of the account at once."""
    email = _set_active(email, False)
    click.echo(f"{email} is deactivated; its sessions have ended.")


@users.command("reactivate")
@click.argument("email")
def reactivate_command(email: str) -> None:
    """Let a deactivated account sign in again."""
    email = _set_active(email, True)
    click.echo(f"{email} is active again.")


def _set_active(email: str, active: bool) -> str:
    action, change = (
        ("user.reactivate", accounts.reactivate)
        if active
        else ("user.deactivate", accounts.deactivate)
    )
    user = _existing(email, action)
    _change(action, user.email, lambda: change(user))
    return user.email


def _change(
    action: str, email: str, change: Callable[[], object], detail: str | None = None
) -> None:
    """Make one account change in one unit of work, audited with it (actor ``cli``).

    Taking the write lock ends the read transaction that found the account; its object
    stays in the session and reloads inside the write transaction.
    """
    with unit_of_work.change(
        action, reference=email, detail=detail, actor="cli", role="operator"
    ) as work:
        try:
            change()
        except accounts.AccountError as exc:
            work.refuse(str(exc))
    if work.refused:
        click.echo(f"Error: {work.refused}", err=True)
        sys.exit(2)


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


def _existing(email: str, action: str) -> User:
    user = accounts.find_user(email)
    if user is None:
        _refuse(action, accounts.normalise_email(email), "no account with that e-mail address")
    return user


def _refuse(action: str, email: str, message: str):
    db.session.rollback()
    audit.record(
        action, reference=email, outcome="refused", detail=message, actor="cli", role="operator"
    )
    click.echo(f"Error: {message}", err=True)
    sys.exit(2)
