"""Marking a screening as reviewed: the clinician's only change to a screening."""

from __future__ import annotations

from screener.database import utcnow
from screener.models import Screening, User

MAX_NOTE = 2000


class ReviewError(ValueError):
    """The review cannot be saved as given; the message says why."""


def mark_reviewed(screening: Screening, reviewer: User, note: str) -> None:
    """Record who reviewed the screening, when, and their note (which may be empty).

    Saving again replaces the note and the time: the latest review is the one shown.
    """
    if screening.status != "submitted":
        raise ReviewError("Only a submitted screening can be reviewed.")
    note = (note or "").replace("\r\n", "\n").strip()
    if len(note) > MAX_NOTE:
        raise ReviewError(f"Keep the note to {MAX_NOTE} characters or fewer.")
    if "\x00" in note:
        raise ReviewError("The note contains a character that cannot be stored.")
    screening.reviewed_at = utcnow()
    screening.reviewed_by_id = reviewer.id
    screening.review_note = note or None
