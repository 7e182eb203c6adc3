"""The patient's screening flow: start, one page per section, review, submit, results."""

from screener.patient.views import blueprint

__all__ = ["blueprint"]
