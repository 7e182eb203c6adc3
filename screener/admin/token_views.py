"""Service tokens in the web: admins make, list and revoke them, as ``screener tokens`` does.

A new token is shown once, on the page that answers the form (never in a redirect or a
flash message, which would put it in the session cookie). Every change is audited
before it is made.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms import SelectChoice

from screener import audit
from screener.admin.blueprint import blueprint
from screener.admin.forms import ConfirmForm, CreateTokenForm
from screener.database import utcnow
from screener.extensions import db
from screener.models import ServiceToken
from screener.services import tokens
from screener.unit_of_work import change


def _form() -> CreateTokenForm:
    form = CreateTokenForm()
    form.scopes.choices = [
        SelectChoice(scope, f"{scope}: {meaning}") for scope, meaning in tokens.SCOPES.items()
    ]
    return form


def _page(form: CreateTokenForm, status: int = 200, error: str | None = None, new=None):
    return (
        render_template(
            "admin/tokens.html",
            tokens=tokens.all_tokens(),
            now=utcnow(),
            form=form,
            error=error,
            new=new,
        ),
        status,
    )


@blueprint.get("/tokens")
def tokens_page():
    """Every token (never the token itself) and the form to make one."""
    return _page(_form())


@blueprint.post("/tokens")
def create_token():
    form = _form()
    if not form.validate_on_submit():
        return _page(form, 400)
    name, scopes, days = form.name.data.strip(), sorted(set(form.scopes.data or [])), form.days.data
    try:
        tokens.check_new(name, scopes, days)
    except tokens.TokenError as exc:
        audit.record("token.create", reference=name[:60], outcome="refused", detail=str(exc))
        return _page(form, 400, error=str(exc))
    with change("token.create", reference=name, detail=",".join(scopes)):
        row, token = tokens.create(name, scopes, days, created_by=current_user.email)
    return _page(_form(), 201, new={"name": row.name, "token": token})


@blueprint.post("/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    row = db.session.get(ServiceToken, token_id)
    if row is None or row.revoked_at is not None:
        abort(404)
    with change("token.revoke", reference=row.name):
        tokens.revoke(row.name)
    flash(f"Token {row.name} is revoked; it stops working at once.")
    return redirect(url_for("admin.tokens_page"), 303)
