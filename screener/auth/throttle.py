"""Throttling of failed sign-ins, per account and per address, with Flask-Limiter.

Only failures count (``deduct_when``); a throttled request is refused before the
password is checked. The store is Flask-Limiter's (``RATELIMIT_STORAGE_URI``): memory
for one process, Redis when several workers must share the counts.

A refused (429) attempt is audited as ``auth.sign_in`` with outcome ``throttled``, at most
once per key per window of the limit, so a script hammering the form cannot flood the
audit log: the audit's own limit is counted in the same store.

The address is ``request.remote_addr`` (an IPv6 one as its /64:
``screener.client_address``). ``X-Forwarded-For`` is only believed when
``TRUSTED_PROXY_COUNT`` (env ``SCREENER_TRUSTED_PROXY_COUNT``) says how many proxies
in front of the app add to it; otherwise anyone could pick a fresh address per guess.
"""

from __future__ import annotations

import os

from flask import Flask, current_app, g, request
from flask_limiter import RequestLimit
from limits import RateLimitItemPerSecond
from werkzeug.middleware.proxy_fix import ProxyFix

from screener import audit
from screener.client_address import client_address
from screener.extensions import limiter
from screener.services.accounts import find_user, normalise_email

PER_ACCOUNT = "5 per 15 minutes"
PER_ADDRESS = "20 per 15 minutes"


def init_app(app: Flask) -> None:
    app.config.setdefault("LOGIN_LIMIT_PER_ACCOUNT", PER_ACCOUNT)
    app.config.setdefault("LOGIN_LIMIT_PER_ADDRESS", PER_ADDRESS)
    app.config.setdefault(
        "TRUSTED_PROXY_COUNT", int(os.environ.get("SCREENER_TRUSTED_PROXY_COUNT", "0") or 0)
    )
    proxies = app.config["TRUSTED_PROXY_COUNT"]
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0)


def mark_failed() -> None:
    """Count this request against both limits (called by the view on a failed sign-in)."""
    g.sign_in_failed = True


def _failed(_response) -> bool:
    return bool(g.get("sign_in_failed"))


def _account_key() -> str:
    return "account:" + normalise_email(request.form.get("email", ""))[:254]


def _address_key() -> str:
    return "address:" + client_address()


def _limit(name: str):
    return lambda: current_app.config[name]


def first_breach_in_window(breached: RequestLimit, what: str) -> bool:
    """True for the first breach of ``breached``'s key in its window (counted in the
    limiter's own store), so an ``on_breach`` callback acts once per window, not once
    per refused request."""
    once = RateLimitItemPerSecond(1, breached.limit.get_expiry())
    return limiter.limiter.hit(once, what, breached.key)


def _audit_throttled(kind: str):
    """An ``on_breach`` callback: one audit row per key and window of the breached limit."""

    def on_breach(breached: RequestLimit) -> None:
        if not first_breach_in_window(breached, "audit-throttled"):
            return
        user = find_user(request.form.get("email", "")[:254]) if kind == "account" else None
        audit.record(
            "auth.sign_in",
            outcome="throttled",
            actor=user.email if user else None,
            detail=f"too many failed sign-ins per {kind}; further attempts refused this window",
        )

    return on_breach


def failed_sign_ins(view):
    """Refuse sign-in attempts once an account or an address has failed too often."""
    view = limiter.limit(
        _limit("LOGIN_LIMIT_PER_ACCOUNT"),
        key_func=_account_key,
        methods=["POST"],
        deduct_when=_failed,
        scope="sign-in-account",
        on_breach=_audit_throttled("account"),
    )(view)
    return limiter.limit(
        _limit("LOGIN_LIMIT_PER_ADDRESS"),
        key_func=_address_key,
        methods=["POST"],
        deduct_when=_failed,
        scope="sign-in-address",
        on_breach=_audit_throttled("address"),
    )(view)
