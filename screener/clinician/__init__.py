"""Clinicians find, read, download and review submitted screenings."""

from screener.clinician import views  # noqa: F401  (registers the routes)
from screener.clinician.blueprint import blueprint

__all__ = ["blueprint"]
