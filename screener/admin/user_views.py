"""Accounts: create, change roles, deactivate and reactivate. Every change is audited.

The audit row is written before the change takes the write lock (SQLite would make the
audit connection wait for it); a change that is then refused is rolled back and the
refusal recorded too.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from screener import audit, unit_of_work
from screener.admin.blueprint import blueprint
from screener.admin.forms import ConfirmForm, CreateUserForm, RolesForm
from screener.extensions import db
from screener.models import User
from screener.services import accounts
from screener.services.accounts import AccountError


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@blueprint.get("/users")
def users():
    """Every account with its roles and state, and the form to add one."""
    return _users_page(CreateUserForm())


def _users_page(form: CreateUserForm, status: int = 200, error: str | None = None):
    rows = db.session.scalars(select(User).order_by(User.email)).all()
    return (
        render_template("admin/users.html", users=rows, form=form, error=error),
        status,
    )


@blueprint.post("/users")
def create_user():
    form = CreateUserForm()
    if not form.validate_on_submit():
        return _users_page(form, 400)
    email = accounts.normalise_email(form.email.data)
    roles = sorted(set(form.roles.data or []))
    detail = f"roles: {','.join(roles) or 'none'}"
    try:
        # Checked first, so a refused account is recorded once, as refused.
        accounts.check_new_user(email, form.password.data, roles)
    except AccountError as exc:
        return _refuse_create(form, email, f"{detail}; {exc}", str(exc))
    with unit_of_work.change("user.create", reference=email, detail=detail) as work:
        try:
            accounts.create_user(email, form.password.data, roles)
        except AccountError as exc:
            # Only when another admin added the same address a moment ago.
            work.refuse(str(exc))
    if work.refused:
        return _users_page(form, 400, error=work.refused)
    flash(f"Account {email} created.")
    return redirect(url_for("admin.users"), 303)


def _refuse_create(form: CreateUserForm, email: str, detail: str, message: str):
    audit.record("user.create", reference=email, outcome="refused", detail=detail)
    return _users_page(form, 400, error=message)


@blueprint.get("/users/<int:user_id>")
def user(user_id: int):
    account = _user_or_404(user_id)
    form = RolesForm(roles=sorted(account.roles))
    return render_template("admin/user.html", account=account, form=form, confirm=ConfirmForm())


@blueprint.post("/users/<int:user_id>/roles")
def change_roles(user_id: int):
    """Replace an account's roles; effective on that account's next request."""
    account = _user_or_404(user_id)
    form = RolesForm()
    valid = form.validate_on_submit()
    new = sorted(set(form.roles.data or [])) if valid else []
    old = sorted(account.roles)
    error = next(iter(form.roles.errors), None) if not valid else _refusal(account, roles=new)
    detail = f"{','.join(old)} -> {','.join(new) or 'none'}"
    if error:
        audit.record("user.roles", reference=account.email, outcome="refused", detail=detail)
        flash(error, "error")
        return redirect(url_for("admin.user", user_id=user_id), 303)
    with unit_of_work.change("user.roles", reference=account.email, detail=detail):
        accounts.set_roles(_user_or_404(user_id), new)
    flash(f"Roles of {account.email} changed.")
    return redirect(url_for("admin.user", user_id=user_id), 303)


@blueprint.get("/users/<int:user_id>/deactivate")
def confirm_deactivate(user_id: int):
    """Ask before deactivating: what it does, and a button that does it (no JavaScript)."""
    account = _user_or_404(user_id)
    error = _refusal(account, deactivate=True)
    if error:
        flash(error, "error")
        return redirect(url_for("admin.user", user_id=user_id), 303)
    if not account.active:
        flash(f"{account.email} is already deactivated.")
        return redirect(url_for("admin.user", user_id=user_id), 303)
    return render_template("admin/deactivate.html", account=account)


@blueprint.post("/users/<int:user_id>/deactivate")
def deactivate(user_id: int):
    """Refuse further sign-ins and end the account's sessions at once."""
    return _set_active(user_id, False)


@blueprint.post("/users/<int:user_id>/reactivate")
def reactivate(user_id: int):
    return _set_active(user_id, True)


def _set_active(user_id: int, active: bool):
    account = _user_or_404(user_id)
    ConfirmForm().validate_on_submit()  # the CSRF token was checked before the view
    action = "user.reactivate" if active else "user.deactivate"
    error = None if active else _refusal(account, deactivate=True)
    if error:
        audit.record(action, reference=account.email, outcome="refused")
        flash(error, "error")
        return redirect(url_for("admin.user", user_id=user_id), 303)
    with unit_of_work.change(action, reference=account.email):
        account = _user_or_404(user_id)
        (accounts.reactivate if active else accounts.deactivate)(account)
    state = "active again" if active else "deactivated; their sessions have ended"
    flash(f"{account.email} is {state}.")
    return redirect(url_for("admin.user", user_id=user_id), 303)


def _refusal(account: User, roles: list[str] | None = None, deactivate: bool = False) -> str | None:
    """Why a change must not be made, or None. Admins cannot lock themselves out."""
    if roles is not None and not roles:
        return "Choose at least one role. To stop someone signing in, deactivate the account."
    if account.id == current_user.id:
        if deactivate:
            return "You cannot deactivate your own account. Ask another admin."
        if roles is not None and "admin" not in roles:
            return "You cannot remove your own admin role. Ask another admin."
    return None
