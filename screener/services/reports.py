"""The PDF summary of a submitted screening: rendered once, stored with its hash, served as stored.

A stored PDF is never rendered again, so it always matches what the patient and the
clinician first saw, whatever happens to the definitions later. Rendering happens
outside the submission: a background worker renders it after the submission commits
(``screener.background``, ``report_rendering``), so neither the submit nor the results
page waits for it. A download before it is stored gets a page that says it is being
prepared and asks again by itself. If rendering fails, the submission and its answers
stay as they are and nothing is stored.

With ``QUEUE_URL=immediate`` (the tests) there is no queue: the first download renders
the PDF in its request, as it did before renders were queued; the API does the same
whatever the queue, since a system that asks for the PDF waits for its answer.
"""

from __future__ import annotations

import hashlib
import logging

from flask import Response, abort, current_app, make_response, render_template, request
from sqlalchemy.exc import IntegrityError

from screener import audit
from screener.codes import format_code
from screener.database import begin_write
from screener.extensions import db
from screener.models import Screening, StoredReport
from screener.report import data, render
from screener.services import render_jobs, screenings, series_trend
from screener.services.screenings import ScreeningError

log = logging.getLogger(__name__)

# Screenings whose summary was too large under the bounds of the time, in this process:
# the same pinned data under the same bounds fails the same way, so it is not rendered
# again (a layout can cost seconds of CPU). Raising a bound renders it afresh.
_too_large: dict[str, tuple[int, int]] = {}  # by reference code


def _bounds() -> tuple[int, int]:
    config = current_app.config
    return (
        config.get("REPORT_MAX_PAGES", render.MAX_PAGES),
        config.get("REPORT_MAX_HTML_CHARS", render.MAX_HTML_CHARS),
    )


def render_pdf(screening: Screening) -> bytes:
    """Render the summary from the versions the screening is pinned to (nothing stored).

    Raises ``render.ReportTooLarge`` past the bounds; once per process and screening: a
    second attempt under the same (or lower) bounds fails at once without rendering.
    """
    if screening.status != "submitted":
        raise ScreeningError("only a submitted screening has a summary")
    max_pages, max_chars = _bounds()
    failed_under = _too_large.get(screening.reference_code)
    if failed_under and max_pages <= failed_under[0] and max_chars <= failed_under[1]:
        raise render.ReportTooLarge("the summary was too large before; not rendered again")
    try:
        return render.render_pdf(
            data.build(screenings.summary(screening), series_trend.trend_for(screening)),
            max_pages=max_pages,
            max_chars=max_chars,
        )
    except render.ReportTooLarge as exc:
        _too_large[screening.reference_code] = (max_pages, max_chars)
        log.error(
            "PDF summary %s is too large: %s. Staff: lower max_length of free-text items or "
            "shorten the definitions; or raise REPORT_MAX_PAGES / REPORT_MAX_HTML_CHARS",
            format_code(screening.reference_code),
            exc,
        )
        raise


def stored(screening: Screening) -> StoredReport | None:
    return db.session.get(StoredReport, screening.id)


def waiting(screening: Screening, row: StoredReport | None) -> str | None:
    """Why a download cannot have the PDF now: ``render_jobs.PREPARING`` (a render is on
    its way; one is asked for if none is) or ``render_jobs.FAILED``. None when it is
    stored (``row``) or renders in the request (``QUEUE_URL=immediate``)."""
    from screener import background

    if row is not None or background.works_in_request():
        return None
    return render_jobs.request_missing(screening.id)


def ensure_stored(screening: Screening) -> StoredReport:
    """The stored PDF, rendered in this request and added (flushed, not committed) the
    first time.

    Renders before taking the write lock, so a slow render never holds up other
    writers. Two first downloads at once may both render; the one that stores second
    finds the first PDF and uses it, so every download serves the same bytes.
    """
    existing = stored(screening)
    if existing is not None:
        return existing
    pdf = render_pdf(screening)
    begin_write()
    return store(screening.id, pdf)


def store(screening_id: int, pdf: bytes) -> StoredReport | None:
    """Keep ``pdf`` as the screening's summary unless one is stored already; under the
    caller's write transaction. Marks the render job done.

    Checks again, under the lock, that the screening is still there and submitted: None
    (nothing stored) if it was erased since it was rendered.
    """
    screening = db.session.get(Screening, screening_id, populate_existing=True)
    if screening is None or screening.status != "submitted":
        render_jobs.drop(screening_id)
        return None
    existing = db.session.get(StoredReport, screening_id, populate_existing=True)
    if existing is None:
        row = StoredReport(
            screening_id=screening_id, pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest()
        )
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:  # PostgreSQL: another worker stored it meanwhile
            row = db.session.get(StoredReport, screening_id, populate_existing=True)
        existing = row
    render_jobs.mark_done(screening_id)
    return existing


def pdf_filename(code: str) -> str:
    """The download's name says what the file is: ``screening-summary-ACDE-FHJK-MNPQ.pdf``.

    The same for the patient and the clinician, so a saved copy is recognisable in a
    downloads folder or an e-mail attachment list.
    """
    return f"screening-summary-{code}.pdf"


def pdf_response(screening: Screening) -> Response:
    """The download of a screening's PDF summary, for the patient's and the clinician's routes.

    Contract for the view that calls it:
    - The caller has already decided that the current visitor may see this screening
      (the patient's private link, or a clinician's role); this function checks nothing
      about who is asking.
    - It is the whole of the request's work: it writes the audit row ``report.download``
      (actor taken from the signed-in user, if any) before any byte is returned. Do not
      record the download again.
    - A draft has no summary: 404.
    - Not stored yet: 202 with the calm "being prepared" page, which asks again by itself
      every few seconds (``<meta http-equiv="refresh">``: no script, which the CSP would
      refuse inline; CSP has no directive over a refresh). A screening with no render job
      (submitted before renders were queued) gets one now. Nothing is audited: nothing of
      the screening is shown.
    - The render failed for good: 503 with the calm error page (audited
      ``render_failed``); a clinician may try it again from the screening's page.
    - With ``QUEUE_URL=immediate`` the first download renders in the request instead; a
      render that fails (including one over the page bound) stores nothing and answers
      503 with the calm error page; the next request renders again.
    - Success: 200, ``application/pdf``, ``Content-Disposition: attachment;
      filename="screening-summary-<reference code>.pdf"`` (``pdf_filename``),
      ``Cache-Control: no-store``; the stored bytes.
    """
    if screening.status != "submitted":
        abort(404)
    code = format_code(screening.reference_code)
    row = stored(screening)
    not_yet = waiting(screening, row)
    if not_yet == render_jobs.FAILED:
        return _failed(code)
    if not_yet is not None:
        return _preparing()
    try:
        row = row or ensure_stored(screening)
        pdf, sha256 = row.pdf, row.sha256
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        # The exception's text may quote the document: log only its type.
        if not isinstance(exc, render.ReportTooLarge):  # logged with its sizes already
            log.error("PDF summary %s could not be rendered (%s)", code, type(exc).__name__)
        return _failed(code)
    audit.record(
        "report.download",
        reference=code,
        detail=f"sha256 {sha256[:16]}",
        anonymous_is_patient=True,
    )
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{pdf_filename(code)}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Length"] = str(len(pdf))
    return response


REFRESH_SECONDS = 5


def _preparing() -> Response:
    response = make_response(
        render_template("preparing.html", refresh=REFRESH_SECONDS, url=request.path), 202
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _failed(code: str) -> Response:
    from screener.web import error_page

    audit.record(
        "report.download", reference=code, outcome="render_failed", anonymous_is_patient=True
    )
    failed = make_response(error_page(503))
    failed.headers["Cache-Control"] = "no-store"
    return failed
