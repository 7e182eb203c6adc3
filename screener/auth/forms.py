"""The sign-in form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import InputRequired

from screener.form_rules import at_most
from screener.passwords import MAX_LENGTH


class SignInForm(FlaskForm):
    email = EmailField(
        "Email address",
        validators=[InputRequired("Enter your email address."), at_most(254)],
    )
    password = PasswordField(
        "Password",
        validators=[InputRequired("Enter your password."), at_most(MAX_LENGTH)],
    )
    next = HiddenField()


class SignOutForm(FlaskForm):
    """Only the CSRF token: signing out is a POST that another site cannot forge."""
