"""Recording each invitation's expiry in the audit trail, once, when it happens.

Every other step of an invitation's life (made, opened, started, completed, revoked) is
a request, audited as it is made. Expiry is not: it is a moment passing. So every
minute each worker (and the embedded default's worker thread) looks for invitations
that have expired since it last looked and records ``invitation.expire`` for each,
with what the patient had done by then ("unused", "opened, not started", "started,
not submitted") and the moment it expired. An invitation whose unfinished screening was
deleted before a worker recorded its expiry is recorded the same way, with the time a
worker found it so (the moment of the deletion is not kept).

Several workers may look at once: each expiry is claimed with one conditional UPDATE
(``expiry_recorded_at``), in the same transaction as its audit row, so it is recorded
exactly once. Invitations that expired before this record existed are recorded on the
first look, each with its own expiry time in the detail.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from screener import audit
from screener.extensions import db
from screener.models import Invitation
from screener.services import invitations
from screener.unit_of_work import write

ACTION = "invitation.expire"
BATCH = 500  # at most this many a minute, so a first look at a long history stays short


def _detail(row: Invitation, now: dt.datetime) -> str:
    """What the patient had done when it ended, and when that was: its expiry time, or,
    for an unfinished screening that was deleted, when a worker found it deleted (the
    moment of the deletion is not kept; a first look may come after the expiry time)."""
    if row.started_at is not None and row.screening_id is None:  # the draft period
        return f"started; the unfinished screening was deleted (found {now:%Y-%m-%d %H:%M:%S} UTC)"
    if row.started_at is not None:
        done = "started, not submitted"
    else:
        done = "opened, not started" if row.opened_at is not None else "unused"
    return f"{done}; ended {row.expires_at:%Y-%m-%d %H:%M:%S} UTC"


def record_expiries(now: dt.datetime | None = None) -> int:
    """Audit every expiry not yet recorded; returns how many this call recorded."""
    now = now or invitations.utcnow()
    candidates = list(
        db.session.scalars(
            select(Invitation)
            .where(Invitation.expiry_recorded_at.is_(None), Invitation.has_expired(now))
            .order_by(Invitation.id)
            .limit(BATCH)
        )
    )
    found = [(row.id, _detail(row, now)) for row in candidates]
    db.session.rollback()  # end the read before the writes
    recorded = 0
    for row_id, detail in found:
        with write():
            claimed = db.session.execute(
                update(Invitation)
                .where(
                    Invitation.id == row_id,
                    Invitation.expiry_recorded_at.is_(None),
                    # Still expired: not completed or revoked since it was read.
                    Invitation.has_expired(now),
                )
                .values(expiry_recorded_at=now)
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount == 1:
                db.session.add(
                    audit.event(
                        ACTION,
                        reference=invitations.reference_to(row_id),
                        outcome="expired",
                        detail=detail,
                        actor="worker",
                    )
                )
                recorded += 1
    return recorded
