"""Who may open what. Protection is the default: every blueprint declares a policy.

A blueprint is either public (listed in ``PUBLIC_BLUEPRINTS``) or protected with
``protect(blueprint, *roles)``, which installs one ``before_request`` guard for the
whole area, so a new route cannot be left open by forgetting a decorator. The app
refuses to serve an endpoint whose blueprint has no policy (see ``check_policies``).
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort, redirect, request, url_for
from flask_login import current_user

# Blueprints anyone may open. Everything else must be protected with ``protect``.
# "health" says only whether the app is up; "metrics" guards itself (loopback or the
# metrics token, else 404: see screener.observability.metrics).
PUBLIC_BLUEPRINTS = frozenset({"public", "patient", "auth", "api_docs", "health", "metrics"})
PUBLIC_ENDPOINTS = frozenset({"static"})

_policies: dict[str, frozenset[str]] = {}
# The policy of an area that other systems call with a service token instead of a
# session: no role reaches it, and without a token every route answers 401.
TOKEN_POLICY = frozenset({"service token"})


def protect(blueprint: Blueprint, *roles: str) -> None:
    """Require a signed-in, active account holding one of ``roles`` for every route."""
    allowed = frozenset(roles)
    if not allowed:
        raise ValueError("name at least one role")
    _policies[blueprint.name] = allowed

    @blueprint.before_request
    def _guard():
        if not current_user.is_authenticated:
            if request.method == "GET":
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            abort(401)
        if not current_user.has_role(*allowed):
            from screener import audit

            audit.record("access.denied", outcome="forbidden", detail=request.endpoint)
            abort(403)
        return None


def protect_with_token(blueprint: Blueprint, guard) -> None:
    """Require a service token for every route; ``guard`` checks it and the scope."""
    _policies[blueprint.name] = TOKEN_POLICY
    blueprint.before_request(guard)


def needs_token(endpoint: str) -> bool:
    return policy_of(endpoint) == TOKEN_POLICY


def policy_of(endpoint: str) -> frozenset[str] | None:
    """The roles an endpoint needs; an empty set for public ones; None if undeclared."""
    if endpoint in PUBLIC_ENDPOINTS:
        return frozenset()
    blueprint = endpoint.split(".", 1)[0] if "." in endpoint else None
    if blueprint in PUBLIC_BLUEPRINTS:
        return frozenset()
    return _policies.get(blueprint) if blueprint else None


def check_policies(app: Flask) -> None:
    """Refuse to start when any endpoint has no declared policy."""
    undeclared = sorted(
        rule.endpoint for rule in app.url_map.iter_rules() if policy_of(rule.endpoint) is None
    )
    if undeclared:
        raise RuntimeError(f"endpoints without an access policy: {', '.join(undeclared)}")
