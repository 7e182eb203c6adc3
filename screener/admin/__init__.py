"""Admins manage accounts and service tokens and read the audit log."""

from screener.admin import audit_views, token_views, user_views  # noqa: F401  (the routes)
from screener.admin.blueprint import blueprint

__all__ = ["blueprint"]
