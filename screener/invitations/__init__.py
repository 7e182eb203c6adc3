"""Clinicians and staff invite patients by link, letter or kiosk code, and follow them."""

from screener.invitations import views  # noqa: F401  (registers the routes)
from screener.invitations.blueprint import blueprint

__all__ = ["blueprint"]
