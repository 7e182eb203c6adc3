"""Reviewing a screening: the clinician's only change to a screening.

Every review is kept as a ``ReviewNote`` (who, when, what); a later review adds a row
and never overwrites an earlier one. The screening carries the latest review's time and
reviewer, which the worklist filters on.
"""

from __future__ import annotations

from screener.database import utcnow
from screener.models import ReviewNote, Screening, User

MAX_NOTE = 2000


class ReviewError(ValueError):
    """The review cannot be saved as given; the message says why."""


def mark_reviewed(screening: Screening, reviewer: User, note: str) -> ReviewNote:
    """Add a review by ``reviewer`` now, with their note (which may be empty)."""
    if screening.status != "submitted":
        raise ReviewError("Only a submitted screening can be reviewed.")
    note = (note or "").replace("\r\n", "\n").strip()
    if len(note) > MAX_NOTE:
        raise ReviewError(f"Keep the note to {MAX_NOTE} characters or fewer.")
    if "\x00" in note:
        raise ReviewError("The note contains a character that cannot be stored.")
    now = utcnow()
    review = ReviewNote(
        author_id=reviewer.id, author=reviewer.email, created_at=now, note=note or None
    )
    screening.review_notes.append(review)
    screening.reviewed_at = now
    screening.reviewed_by_id = reviewer.id
    return review


def history(screening: Screening) -> list[ReviewNote]:
    """Every review of the screening, newest first."""
    return sorted(screening.review_notes, key=lambda r: (r.created_at, r.id), reverse=True)
