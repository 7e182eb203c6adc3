"""The trend of a repeat-screen series, for one of its screenings.

Only the screenings of the same series (the same patient's invitations) are compared,
and only those submitted up to the one asked about: a patient's link to an earlier
screening, and its stored PDF, show the series as it was when that one was done. A
screening that did not come from a series has no trend, so it renders as before.
"""

from __future__ import annotations

from sqlalchemy import select

from screener import clinic_time
from screener.extensions import db
from screener.models import ContentVersion, Invitation, Screening
from screener.services import content
from screener.services.screening_store import answers_of, pinned, results_of
from screener.trend import Trend, Visit, build


def series_screenings(screening: Screening) -> list[Screening]:
    """The submitted screenings of ``screening``'s series up to it, oldest first;
    empty when it is not part of a series (or not submitted)."""
    if screening.status != "submitted" or screening.submitted_at is None:
        return []
    series_id = db.session.scalar(
        select(Invitation.series_id).where(Invitation.screening_id == screening.id)
    )
    if series_id is None:
        return []
    return list(
        db.session.scalars(
            select(Screening)
            .join(Invitation, Invitation.screening_id == Screening.id)
            .where(
                Invitation.series_id == series_id,
                Screening.status == "submitted",
                Screening.submitted_at <= screening.submitted_at,
            )
            .order_by(Screening.submitted_at, Screening.id)
        )
    )


def _visit(screening: Screening) -> Visit:
    results = results_of(screening, answers_of(screening))
    return Visit(
        screening.submitted_at,
        tuple(
            (p.key, p.definition, p.version.version, p.version.revision, results[p.key])
            for p in pinned(screening)
        ),
    )


def trend_for(screening: Screening, voice: str = "report") -> Trend | None:
    """The series' trend up to ``screening``; None outside a series or with one point."""
    rows = series_screenings(screening)
    if len(rows) < 2:
        return None
    texts = content.texts_of(db.session.get(ContentVersion, screening.texts_version_id))
    return build([_visit(row) for row in rows], texts, clinic_time.current().date, voice)
