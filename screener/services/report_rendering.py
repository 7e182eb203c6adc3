"""One try at a screening's PDF summary, as a background worker runs it.

The job is idempotent: it renders only a job it could claim, of a screening that is
still submitted, with no PDF stored yet; it stores the PDF under the write lock after
checking all of that again (the screening may have been erased meanwhile), beside the
job's "done". A worker that dies between rendering and storing leaves the job running
and nothing stored; the job is taken again (at once by a worker on the same host, else
once the lease is over) and stored once. A draft, or a screening that is gone, is never
rendered.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import InterfaceError, OperationalError

from screener.codes import format_code
from screener.extensions import db
from screener.models import Screening
from screener.observability.metrics import RENDER_SECONDS, RENDERS_FAILED
from screener.services import render_jobs, reports
from screener.unit_of_work import write

log = logging.getLogger(__name__)


def run(screening_id: int, own_try: int | None = None) -> int | None:
    """Try the render once. Returns the seconds until the next try, or None when there
    is nothing more to do (stored, failed for good, taken by another worker, or gone).

    ``own_try``: this is the retry of a try the database cut off (``claim``). If the
    database goes away once the job is taken, raises ``render_jobs.Interrupted``.
    """
    job = render_jobs.claim(screening_id, own_try)
    if job is None:
        return None
    attempt = job.attempts  # read now: after a rollback it could not be loaded
    try:
        return _render_claimed(screening_id)
    except (OperationalError, InterfaceError) as exc:
        db.session.rollback()
        raise render_jobs.Interrupted(attempt) from exc


def _render_claimed(screening_id: int) -> int | None:
    screening = db.session.get(Screening, screening_id)
    if screening is None or screening.status != "submitted":
        with write():
            render_jobs.drop(screening_id)
        return None
    if reports.stored(screening) is not None:
        with write():
            render_jobs.mark_done(screening_id)
        return None
    code = format_code(screening.reference_code)
    try:
        with RENDER_SECONDS.time():
            pdf = reports.render_pdf(screening)
        with write():
            reports.store(screening_id, pdf)
    except Exception as exc:
        db.session.rollback()
        RENDERS_FAILED.inc()
        failure = render_jobs.finish_failed(screening_id, type(exc).__name__)
        if failure is None:
            return None
        # The exception's text may quote the document: log its type only.
        if failure.retry_in is None:
            log.error(
                "PDF summary %s failed %d times (%s); it waits for a clinician to try again",
                code,
                failure.attempts,
                type(exc).__name__,
            )
        else:
            log.warning(
                "PDF summary %s could not be rendered (%s); try %d again in %d s",
                code,
                type(exc).__name__,
                failure.attempts + 1,
                failure.retry_in,
            )
        return failure.retry_in
    return None
