"""Service-token access to the API: every call needs a token; each endpoint names the
scope it needs. A missing, malformed, unknown, expired or revoked token is 401; a token
without the scope is 403. Every call, allowed or refused, leaves an audit row naming the
token (never the token itself); calls without a valid token leave one per address and
reason a minute."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, g, request

from screener import audit
from screener.api.errors import fail
from screener.client_address import client_address
from screener.codes import token_hash
from screener.services import tokens

ANY_SCOPE = None
DEFAULT_RATE_LIMIT = "120 per minute"  # per token
DEFAULT_ADDRESS_RATE_LIMIT = "600 per minute"  # per address, any token or none
REQUIRED: dict[str, str | None] = {}  # endpoint -> scope
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="screener"'}


def register(endpoint: str, scope: str | None) -> None:
    if scope is not None and scope not in tokens.SCOPES:
        raise ValueError(f"unknown scope {scope!r}")
    REQUIRED[endpoint] = scope


def bearer() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token and len(token) <= 200 else None


def guard() -> None:
    """Before every API request: authenticate the token and check the endpoint's scope."""
    endpoint = request.endpoint or ""
    token = bearer()
    if token is None:
        _refused("missing", None)
        fail(401, "Send a service token: Authorization: Bearer scrn_...", **CHALLENGE)
    caller, reason = tokens.authenticate(token)
    if caller is None:
        _refused(reason, None)
        fail(401, "The token is not valid: unknown, mistyped, expired or revoked.", **CHALLENGE)
    if endpoint not in REQUIRED:  # fail closed: an endpoint must declare its scope
        _refused("no_scope_declared", caller)
        fail(403)
    scope = REQUIRED[endpoint]
    if scope is not None and scope not in caller.scopes:
        _refused("forbidden", caller)
        fail(403, f"This token does not have the scope {scope}.")
    g.api_caller = caller


def _refused(reason: str, caller: tokens.Caller | None) -> None:
    """One audit row per refused call of a known token; for calls without a valid token,
    one per address and reason a minute: the trail is never deleted, and each row is a
    write, so a stream of made-up tokens must not be able to fill it (or hold up the
    writes of patients saving answers)."""
    if caller is None and not _first_refusal_this_minute(reason):
        return
    actor = f"token:{caller.name}" if caller else "token:none"
    audit.record(
        "api.denied",
        outcome=reason[:30],
        detail=f"{request.method} {request.path}",
        actor=actor,
        role="api",
    )


def _first_refusal_this_minute(reason: str) -> bool:
    from limits import RateLimitItemPerMinute

    from screener.extensions import limiter

    return limiter.limiter.hit(
        RateLimitItemPerMinute(1), "api-denied-audit", client_address(), reason
    )


def record(action: str, reference: str | None = None, detail: str | None = None, **kw) -> None:
    """The audit row of an API call, before any data is returned."""
    caller: tokens.Caller = g.api_caller
    audit.record(
        action,
        reference=reference,
        detail=detail,
        actor=f"token:{caller.name}",
        role="api",
        **kw,
    )


def rate_key() -> str:
    """Calls are counted per token (per address for anything that is not one of ours)."""
    token = bearer()
    if token is not None and tokens.well_formed(token):
        return "api-token:" + token_hash(token)[:32]
    return address_key()


def address_key() -> str:
    return "api-address:" + client_address()


def rate_limit() -> str:
    return current_app.config.get("API_RATE_LIMIT", DEFAULT_RATE_LIMIT)


def address_rate_limit() -> str:
    return current_app.config.get("API_ADDRESS_RATE_LIMIT", DEFAULT_ADDRESS_RATE_LIMIT)


def limits(limiter) -> list[Callable]:
    """The two limits every API route is under, as Flask-Limiter decorators."""
    return [
        limiter.limit(rate_limit, key_func=rate_key),
        limiter.limit(address_rate_limit, key_func=address_key),
    ]
