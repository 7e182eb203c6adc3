"""Admins manage accounts and read the audit log."""

from screener.admin import audit_views, user_views  # noqa: F401  (register the routes)
from screener.admin.blueprint import blueprint

__all__ = ["blueprint"]
