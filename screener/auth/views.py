"""Sign-in and sign-out pages."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from screener import audit
from screener.auth import redirects, sessions, signin, throttle
from screener.auth.blueprint import blueprint
from screener.auth.forms import SignInForm, SignOutForm

FAILED = "The email address or password is not right."


@blueprint.route("/login", methods=["GET", "POST"])
@throttle.failed_sign_ins
def login():
    """Show the sign-in form; on success start a fresh session and go on to ``next``."""
    form = SignInForm()
    if request.method == "GET":
        form.next.data = redirects.safe_next(request.args.get("next")) or ""
    failed = False
    if form.validate_on_submit():
        user = signin.authenticate(form.email.data, form.password.data)
        if user is not None:
            target = redirects.safe_next(form.next.data) or redirects.home_for(user)
            sessions.start(user)
            return redirect(target)
        throttle.mark_failed()
        failed = True
    form.password.data = ""
    return render_template("auth/login.html", form=form, failed=failed, failed_text=FAILED)


@blueprint.post("/logout")
def logout():
    """End this session and every other session of the account (a copied cookie too)."""
    form = SignOutForm()
    if not form.validate_on_submit():
        return redirect(url_for("auth.login"))
    if current_user.is_authenticated:
        audit.record("auth.sign_out")
        signin.end_all_sessions(current_user)
    sessions.end()
    flash("You have signed out.")
    return redirect(url_for("auth.login"))
