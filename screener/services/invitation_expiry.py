"""Recording each invitation's expiry in the audit trail, once, when it happens.

Every other step of an invitation's life (made, opened, started, completed, revoked) is
a request, audited as it is made. Expiry is not: it is a moment passing. So every
minute each worker (and the embedded default's worker thread) looks for invitations
that have expired since it last looked and records ``invitation.expire`` for each,
with what the patient had done by then ("unused", "opened, not started", "started,
not submitted") and the moment it expired. An invitation whose unfinished screening was
deleted (the clinic's draft period) ends then, and is recorded the same way.

Several workers may look at once: each expiry is claimed with one conditional UPDATE
(``expiry_recorded_at``), in the same transaction as its audit row, so it is recorded
exactly once. Invitations that expired before this record existed are recorded on the
first look, each with its real expiry time in the detail.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, or_, select, update

from screener import audit
from screener.extensions import db
from screener.models import Invitation
from screener.services import invitations
from screener.unit_of_work import write

ACTION = "invitation.expire"
BATCH = 500  # at most this many a minute, so a first look at a long history stays short


def _what_was_done(row: Invitation) -> str:
    if row.started_at is not None:
        if row.screening_id is None:
            return "started; the unfinished screening was deleted"
        return "started, not submitted"
    return "opened, not started" if row.opened_at is not None else "unused"


def record_expiries(now: dt.datetime | None = None) -> int:
    """Audit every expiry not yet recorded; returns how many this call recorded."""
    now = now or invitations.utcnow()
    candidates = list(
        db.session.scalars(
            select(Invitation)
            .where(
                Invitation.expiry_recorded_at.is_(None),
                Invitation.completed_at.is_(None),
                Invitation.revoked_at.is_(None),
                or_(
                    Invitation.expires_at <= now,
                    and_(Invitation.started_at.is_not(None), Invitation.screening_id.is_(None)),
                ),
            )
            .order_by(Invitation.id)
            .limit(BATCH)
        )
    )
    found = [
        (row.id, _what_was_done(row), min(row.expires_at, now))
        for row in candidates
        if row.state(now) == "expired"
    ]
    db.session.rollback()  # end the read before the writes
    recorded = 0
    for row_id, done, when in found:
        with write():
            claimed = db.session.execute(
                update(Invitation)
                .where(Invitation.id == row_id, Invitation.expiry_recorded_at.is_(None))
                .values(expiry_recorded_at=now)
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount == 1:
                db.session.add(
                    audit.event(
                        ACTION,
                        reference=invitations.reference_to(row_id),
                        outcome="expired",
                        detail=f"{done}; ended {when:%Y-%m-%d %H:%M:%S} UTC",
                        actor="worker",
                    )
                )
                recorded += 1
    return recorded
