"""The state of each screening's PDF render: asked for, claimed, done, failed, tried again.

``screener.models.render_job`` says why the state lives in the app's own database and
not in the queue. This module changes it; the caller holds the write transaction (a
``screener.unit_of_work`` block), except for ``claim``, ``finish_failed`` and
``request_missing``, which are whole units of their own.

A render is asked for in the transaction that submits the screening; the queue is told
only after that transaction commits (``screener.background`` listens for the commit),
so a worker never looks for a job that is not stored yet, and a rolled-back submission
queues nothing.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import and_, or_, select, update

from screener.database import utcnow
from screener.extensions import db
from screener.models import RenderJob, StoredReport
from screener.models.render_job import DONE, FAILED, PENDING, RUNNING
from screener.unit_of_work import write

# session.info key: screenings whose render is to be queued once the transaction commits
TO_QUEUE = "screener_render_to_queue"

READY, PREPARING = "ready", "preparing"  # what a page shows, with FAILED


def _setting(name: str, default: int) -> int:
    return int(current_app.config.get(name, default))


def attempts_allowed() -> int:
    return _setting("RENDER_ATTEMPTS", 4)


def backoff_seconds(attempts: int) -> int:
    """The wait before try ``attempts + 1``: the base, then four times longer each time
    (30 s, 2 min, 8 min as shipped), so a passing fault clears quickly and a lasting one
    does not keep a worker busy."""
    return _setting("RENDER_RETRY_SECONDS", 30) * 4 ** max(attempts - 1, 0)


def request(screening_id: int) -> None:
    """Ask for the screening's render (inside the caller's write transaction).

    Idempotent: one row per screening; asking again for a pending or running render
    changes nothing. A failed render, or a done one whose PDF is missing, starts over
    with fresh tries.
    """
    job = db.session.get(RenderJob, screening_id)
    if job is None:
        db.session.add(RenderJob(screening_id=screening_id, status=PENDING, attempts=0))
    elif job.status in (PENDING, RUNNING):
        return
    else:
        job.status, job.attempts, job.next_attempt_at = PENDING, 0, utcnow()
        job.claimed_at, job.claimed_by, job.last_error = None, None, None
    db.session.info.setdefault(TO_QUEUE, set()).add(screening_id)


def request_missing(screening_id: int) -> str:
    """A download found no stored PDF: make sure a render is on its way; its state.

    A screening submitted before renders were queued has no job yet: it gets one now.
    A failed render stays failed here (a clinician tries it again on purpose).
    """
    job = db.session.get(RenderJob, screening_id)
    if job is not None and job.status == FAILED:
        return FAILED
    if job is None or job.status == DONE:
        with write():
            request(screening_id)
    return PREPARING


def state(screening_id: int) -> str:
    """ready, preparing or failed, as the clinician's page shows it."""
    if db.session.scalar(select(StoredReport.screening_id).filter_by(screening_id=screening_id)):
        return READY
    job = db.session.get(RenderJob, screening_id)
    if job is not None and job.status == FAILED:
        return FAILED
    return PREPARING


class Interrupted(Exception):
    """The database went away while this worker held the job: it stays "running" under
    try ``attempt``, which the worker's own retry may take back (``claim``'s ``own_try``)
    without waiting for the lease."""

    def __init__(self, attempt: int) -> None:
        super().__init__(f"try {attempt} interrupted")
        self.attempt = attempt


def claim(screening_id: int, own_try: int | None = None) -> RenderJob | None:
    """Take the job for this worker, counting the try; None when another worker has it,
    it is done or failed, or it is gone (the screening was erased).

    One conditional UPDATE, so two workers woken for the same screening cannot both take
    it. A job running for longer than the lease belongs to a worker that died: it may be
    taken again. A job still running under ``own_try`` was this worker's own, cut off by
    the database (``Interrupted``): it is taken back at once; had another worker taken
    it meanwhile, its try count would differ.
    """
    now = utcnow()
    stale = now - dt.timedelta(seconds=_setting("RENDER_LEASE_SECONDS", 120))
    takeable = [
        RenderJob.status == PENDING,
        and_(RenderJob.status == RUNNING, RenderJob.claimed_at < stale),
    ]
    if own_try is not None:
        takeable.append(and_(RenderJob.status == RUNNING, RenderJob.attempts == own_try))
    with write():
        taken = db.session.execute(
            update(RenderJob)
            .where(RenderJob.screening_id == screening_id, or_(*takeable))
            .values(
                status=RUNNING,
                claimed_at=now,
                claimed_by=holder(),
                attempts=RenderJob.attempts + 1,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
    if not taken:
        return None
    return db.session.get(RenderJob, screening_id, populate_existing=True)


def mark_done(screening_id: int) -> None:
    """The PDF is stored (inside the caller's write transaction, beside the stored row)."""
    db.session.execute(
        update(RenderJob)
        .where(RenderJob.screening_id == screening_id)
        .values(status=DONE, claimed_at=None, claimed_by=None, last_error=None, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def drop(screening_id: int) -> None:
    """Nothing to render (the screening is not submitted): forget the job."""
    job = db.session.get(RenderJob, screening_id)
    if job is not None:
        db.session.delete(job)


@dataclass(frozen=True)
class Failure:
    attempts: int
    retry_in: int | None  # seconds; None: no tries left, the job is failed


def finish_failed(screening_id: int, error: str) -> Failure | None:
    """Record a failed try: pending again after its back-off, or failed for good.

    ``error`` is the exception's type name only. None if the job is no longer there.
    """
    with write():
        job = db.session.get(RenderJob, screening_id, populate_existing=True)
        if job is None or job.status != RUNNING:
            return None
        job.last_error, job.claimed_at, job.claimed_by = error[:80], None, None
        if job.attempts >= attempts_allowed():
            job.status = FAILED
            return Failure(job.attempts, None)
        delay = backoff_seconds(job.attempts)
        job.status, job.next_attempt_at = PENDING, utcnow() + dt.timedelta(seconds=delay)
        return Failure(job.attempts, delay)


def holder() -> str:
    """This worker process, as a running job names it: ``host:pid``."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}"


def _gone(pid: int) -> bool:
    """The process no longer runs here (a zombie, killed but not yet reaped, counts as
    gone). In doubt (no permission to look), it runs."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rpartition(")")[2].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def release_orphans() -> list[int]:
    """Give back the running jobs whose worker process died on this host (``kill -9``, a
    crash, the machine's OOM killer), so they are taken again now rather than after the
    lease; a whole unit of its own. Jobs held on other hosts wait for the lease, as a
    process elsewhere cannot be checked from here. Returns their screening ids."""
    host = holder().rpartition(":")[0]
    rows = db.session.execute(
        select(RenderJob.screening_id, RenderJob.claimed_by).where(
            RenderJob.status == RUNNING, RenderJob.claimed_by.like(f"{host}:%")
        )
    ).all()
    orphans = []
    for screening_id, claimed_by in rows:
        pid = claimed_by.rpartition(":")[2]
        if pid.isdigit() and _gone(int(pid)):
            orphans.append((screening_id, claimed_by))
    released = []
    if orphans:
        with write():
            for screening_id, claimed_by in orphans:
                freed = db.session.execute(
                    update(RenderJob)
                    .where(
                        RenderJob.screening_id == screening_id,
                        RenderJob.status == RUNNING,
                        RenderJob.claimed_by == claimed_by,
                    )
                    .values(
                        status=PENDING,
                        claimed_at=None,
                        claimed_by=None,
                        next_attempt_at=utcnow(),
                        updated_at=utcnow(),
                    )
                    .execution_options(synchronize_session=False)
                ).rowcount
                if freed:
                    released.append(screening_id)
    return released


def overdue(now: dt.datetime | None = None) -> list[int]:
    """Jobs whose queue message must have been lost: pending well past their time, or
    running past the lease (the worker died). They are queued again."""
    now = now or utcnow()
    late = now - dt.timedelta(seconds=_setting("RENDER_LOST_AFTER_SECONDS", 60))
    stale = now - dt.timedelta(seconds=_setting("RENDER_LEASE_SECONDS", 120))
    return list(
        db.session.scalars(
            select(RenderJob.screening_id).where(
                or_(
                    and_(RenderJob.status == PENDING, RenderJob.next_attempt_at < late),
                    and_(RenderJob.status == RUNNING, RenderJob.claimed_at < stale),
                )
            )
        )
    )


def counts() -> dict[str, int]:
    """How many jobs are in each state: what an operator watches."""
    rows = db.session.execute(
        select(RenderJob.status, db.func.count()).group_by(RenderJob.status)
    ).all()
    return {status: count for status, count in rows}
