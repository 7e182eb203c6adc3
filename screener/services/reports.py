"""The PDF summary of a submitted screening: rendered once, stored with its hash, served as stored.

A stored PDF is never rendered again, so it always matches what the patient and the
clinician first saw, whatever happens to the definitions later. Rendering happens
outside the submission: if it fails, the submission and its answers stay as they are,
nothing is stored, and the next download simply tries again.
"""

from __future__ import annotations

import hashlib
import logging

from flask import Response, abort, current_app, make_response
from sqlalchemy.exc import IntegrityError

from screener import audit
from screener.codes import format_code
from screener.database import begin_write
from screener.extensions import db
from screener.models import Screening, StoredReport
from screener.report import data, render
from screener.services import screenings, series_trend
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


def ensure_stored(screening: Screening) -> StoredReport:
    """The stored PDF, rendered and added (flushed, not committed) the first time.

    Renders before taking the write lock, so a slow render never holds up other
    writers. Two first downloads at once may both render; the one that stores second
    finds the first PDF and uses it, so every download serves the same bytes.
    """
    existing = stored(screening)
    if existing is not None:
        return existing
    pdf = render_pdf(screening)
    begin_write()
    existing = db.session.get(StoredReport, screening.id, populate_existing=True)
    if existing is not None:
        return existing
    row = StoredReport(screening_id=screening.id, pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest())
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:  # PostgreSQL: another worker stored it meanwhile
        return db.session.get(StoredReport, screening.id, populate_existing=True)
    return row


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
    - It is the whole of the request's work: it commits the stored PDF the first time,
      and writes the audit row ``report.download`` (actor taken from the signed-in user,
      if any) before any byte is returned. Do not record the download again.
    - A draft has no summary: 404. A render that fails (including one over the page
      bound) stores nothing and answers 503 with the calm error page; the submission is
      untouched and the next request renders again.
    - Success: 200, ``application/pdf``, ``Content-Disposition: attachment;
      filename="screening-summary-<reference code>.pdf"`` (``pdf_filename``),
      ``Cache-Control: no-store``; the stored bytes.
    """
    from screener.web import error_page

    if screening.status != "submitted":
        abort(404)
    code = format_code(screening.reference_code)
    try:
        row = ensure_stored(screening)
        pdf, sha256 = row.pdf, row.sha256
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        # The exception's text may quote the document: log only its type.
        if not isinstance(exc, render.ReportTooLarge):  # logged with its sizes already
            log.error("PDF summary %s could not be rendered (%s)", code, type(exc).__name__)
        audit.record(
            "report.download", reference=code, outcome="render_failed", anonymous_is_patient=True
        )
        failed = make_response(error_page(503))
        failed.headers["Cache-Control"] = "no-store"
        return failed
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
