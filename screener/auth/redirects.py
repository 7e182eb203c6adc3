"""Where to send someone after signing in: a safe ``next`` or their own area."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, url_for

from screener.models import User

# The first area an account may open, in this order, is its home after sign-in.
HOMES = (
    ("clinician", "clinician.worklist"),
    ("staff", "staff.index"),
    ("admin", "admin.users"),
)
MAX_NEXT_LENGTH = 2000


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None.

    Only same-site relative paths pass: ``//host``, ``/\\host`` (browsers read a
    backslash as a slash), schemes such as ``javascript:``, absolute URLs and
    control characters are refused.
    """
    if not target or len(target) > MAX_NEXT_LENGTH:
        return None
    if "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def home_for(user: User) -> str:
    for role, endpoint in HOMES:
        if user.has_role(role) and endpoint in current_app.view_functions:
            return url_for(endpoint)
    return url_for("public.index")


# The clinic areas, for the account bar: (role, endpoint, label).
AREAS = (
    ("clinician", "clinician.worklist", "Screenings"),
    ("clinician", "invitations.index", "Invitations"),
    ("staff", "invitations.index", "Invitations"),  # an area of two roles: listed once
    ("staff", "staff.index", "Questionnaires"),
    ("admin", "admin.users", "Users"),
    ("admin", "admin.audit_log", "Audit log"),
    ("admin", "admin.tokens_page", "API tokens"),
    ("admin", "staff_admin.find", "Erase a screening"),
)


def portal_links(user) -> list[tuple[str, str]]:
    """The areas ``user`` may open, as (label, URL), skipping areas not installed."""
    if not user.is_authenticated:
        return []
    links: dict[str, str] = {}
    for role, endpoint, label in AREAS:
        if user.has_role(role) and endpoint in current_app.view_functions:
            links.setdefault(url_for(endpoint), label)
    return [(label, href) for href, label in links.items()]
