"""The rendering of a screening's PDF summary as a job: the durable record of its state.

One row per submitted screening (the screening's id is the key, so a second submission
or a second request can never queue a second render). The queue only carries a wake-up
call; what is to be done, how often it was tried and whether it failed is kept here, in
the app's own database, where the clinician's page reads it and where a lost queue
message is found again.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from screener.database import UTCDateTime, utcnow
from screener.extensions import db

PENDING = "pending"  # waiting for a worker (first try, or a retry after a back-off)
RUNNING = "running"  # claimed by a worker at ``claimed_at``
DONE = "done"  # the PDF is stored
FAILED = "failed"  # every try failed; a clinician may try again
STATUSES = (PENDING, RUNNING, DONE, FAILED)


class RenderJob(db.Model):
    __tablename__ = "render_jobs"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'running', 'done', 'failed')", name="status_known"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        Index("ix_render_jobs_status_next_attempt_at", "status", "next_attempt_at"),
    )

    screening_id: Mapped[int] = mapped_column(
        ForeignKey("screenings.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    # When the next try is due (a retry waits out its back-off); a pending job well past
    # it has lost its queue message and is queued again.
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When a worker took it; a running job older than the lease belongs to a worker that died.
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Which worker process took it ("host:pid"): a worker on the same host can see that
    # process is gone and give the job back without waiting out the lease.
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    # The exception's type only: its text may quote the document.
    last_error: Mapped[str | None] = mapped_column(String(80))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
