"""The patient's screening flow: start, one page per section, review, submit, results."""

from screener.patient import invitation_views  # noqa: F401  (registers the routes)
from screener.patient.views import blueprint

__all__ = ["blueprint"]
