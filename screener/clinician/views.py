"""The clinician's pages: worklist, search by code, detail, PDF (and trying a failed one
again), review and CSV export.

Detail pages are addressed by the screening's internal id, never by its reference
code: a code is typed into a POST search form that redirects to the detail URL, so
codes stay out of URLs, browser history and access logs. The id is no secret and
needs none: every URL here is reachable only by a signed-in clinician, who may see
every submitted screening anyway; drafts answer 404.

Each page that shows health data records its audit row first; if that fails the
request ends with a 503 and nothing is shown (see ``screener.audit``).
"""

from __future__ import annotations

from dataclasses import replace

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from screener import audit, background, unit_of_work
from screener.clinician import export, presenters, worklist
from screener.clinician.blueprint import blueprint
from screener.clinician.forms import FindForm, LabelForm, RetryForm, ReviewForm
from screener.clinician.review import ReviewError, mark_reviewed
from screener.clinician.review import history as review_history
from screener.codes import format_code
from screener.database import utcnow
from screener.extensions import csrf, db
from screener.models import Screening, User
from screener.services import invitations, render_jobs, screenings

NOT_FOUND = "No submitted screening has this reference code. Check the code and try again."


@blueprint.get("/", endpoint="worklist")
def worklist_page():
    """Submitted screenings, newest first, with filters in the query string."""
    filters, errors = worklist.parse_filters(request.args)
    return _worklist(filters, errors, FindForm(), status=400 if errors else 200)


def _worklist(filters, errors, find_form, status=200, find_error=None, label_form=None):
    audit.record("screenings.list", detail=filters.describe())
    screens = worklist.screens()
    size = worklist.LABEL_PAGE_SIZE if filters.label else worklist.PAGE_SIZE
    return (
        render_template(
            "clinician/worklist.html",
            page=worklist.page(filters, screens, size),
            filters=filters,
            errors=errors,
            find_form=find_form,
            find_error=find_error,
            screens=screens,
            outcome_filters=worklist.outcome_filters(screens),
            review_filters=worklist.REVIEW_FILTERS,
            source_filters=worklist.SOURCE_FILTERS,
            label_form=label_form or LabelForm(formdata=None),
            words=presenters.outcome_words,
            flagged=presenters.flagged,
            format_code=format_code,
        ),
        status,
    )


@blueprint.post("/label")
def by_label():
    """Screenings whose invitation's label contains the typed text, with the other filters.

    A POST, like the search by code, so a label (health data) never appears in a URL or
    an access log; the matches are shown on one page for the same reason.
    """
    form = LabelForm()
    filters, errors = worklist.parse_filters(request.form)
    if not form.validate_on_submit():
        return _worklist(filters, errors, FindForm(formdata=None), 400, label_form=form)
    filters = replace(filters, label=form.label.data.strip(), page=1)
    return _worklist(
        filters, errors, FindForm(formdata=None), 400 if errors else 200, label_form=form
    )


@blueprint.post("/find")
def find():
    """Look a screening up by its reference code and go to its page.

    A mistyped, altered, unknown or draft code all get the same answer.
    """
    form = FindForm()
    if not form.validate_on_submit():
        message = next(iter(form.code.errors), "Enter a reference code.")
        return _worklist(worklist.Filters(), {}, form, status=400, find_error=message)
    screening = screenings.by_code(form.code.data)
    if screening is None or screening.status != "submitted":
        audit.record("screening.search", reference=form.code.data.strip()[:40], outcome="not_found")
        return _worklist(worklist.Filters(), {}, form, status=404, find_error=NOT_FOUND)
    audit.record("screening.search", reference=format_code(screening.reference_code))
    return redirect(url_for("clinician.detail", screening_id=screening.id), 303)


def _submitted(screening_id: int) -> Screening:
    screening = db.session.get(Screening, screening_id)
    if screening is None or screening.status != "submitted":
        abort(404)
    return screening


@blueprint.get("/screenings/<int:screening_id>")
def detail(screening_id: int):
    """One screen answers what, how sure and what next: the review with its notes,
    the outcomes against their cut-offs and the next step; the patient's paragraphs and
    every answer follow, folded."""
    return _detail_page(_submitted(screening_id), ReviewForm(formdata=None))


def _detail_page(screening: Screening, form: ReviewForm, review_error: str | None = None):
    audit.record("screening.view", reference=format_code(screening.reference_code))
    # The invitation it came from, if any: its label, and a link to its page.
    invitation = invitations.of_screening(screening.id)
    return render_template(
        "clinician/detail.html",
        screening=screening,
        code=format_code(screening.reference_code),
        reviews=review_history(screening),
        invitation=invitation,
        invitation_label=invitations.label_of(invitation) if invitation else None,
        form=form,
        review_error=review_error,
        pdf_state=None if background.works_in_request() else render_jobs.state(screening.id),
        trend=presenters.trend(screening),
        **presenters.detail(screenings.summary(screening)),
    )


@blueprint.get("/screenings/<int:screening_id>/pdf")
def pdf(screening_id: int):
    """The PDF summary (the download is audited by ``pdf_response``)."""
    from screener.services import reports

    return reports.pdf_response(_submitted(screening_id))


@blueprint.post("/screenings/<int:screening_id>/pdf/retry")
def retry_pdf(screening_id: int):
    """Try a failed PDF render again, with fresh tries (a stored PDF is never re-rendered)."""
    screening = _submitted(screening_id)
    if not RetryForm().validate_on_submit():
        flash("The page had expired. Try again.", "error")
        return redirect(url_for("clinician.detail", screening_id=screening_id), 303)
    code = format_code(screening.reference_code)
    with unit_of_work.change("report.retry", reference=code) as work:
        if render_jobs.state(screening_id) != render_jobs.FAILED:
            work.refuse("the PDF summary is not failed")
        else:
            render_jobs.request(screening_id)
    if work.refused:
        flash("The PDF summary is already stored or being prepared.")
    else:
        flash("The PDF summary is being prepared again.")
    return redirect(url_for("clinician.detail", screening_id=screening_id), 303)


@csrf.exempt  # checked below by the form, so a refused review keeps its typed note
@blueprint.post("/screenings/<int:screening_id>/review")
def review(screening_id: int):
    """Add a review, with an optional note; earlier reviews and notes are kept.

    A note too long, or sent after the page was open too long (its CSRF token expired),
    comes back in the form with what to do: a clinician's typed note is never lost."""
    screening = _submitted(screening_id)
    form = ReviewForm()
    if not form.validate_on_submit():
        said = next(iter(form.note.errors), None) or (
            "The page was open too long, so the review was not saved. Your note is still "
            "here: press the button again."
        )
        return _detail_page(screening, form, said), 400
    code = format_code(screening.reference_code)
    with unit_of_work.change("screening.review", reference=code) as work:
        try:
            mark_reviewed(
                _submitted(screening_id), db.session.get(User, current_user.id), form.note.data
            )
        except ReviewError as exc:
            work.refuse(str(exc))
    if work.refused:
        flash(work.refused, "error")
    else:
        # Flashed messages travel in the (signed, not encrypted) session cookie: no code.
        flash("This screening is marked as reviewed.")
    return redirect(url_for("clinician.detail", screening_id=screening_id), 303)


@blueprint.get("/export.csv")
def export_csv():
    """Outcomes of every screening matching the filters, as CSV (no free text); with
    ``items=1`` also a column per item with the answer."""
    screens = worklist.screens()
    filters, errors = worklist.parse_filters(request.args, screens)
    with_items = request.args.get("items", "")
    if errors or with_items not in ("", "0", "1"):
        abort(400)
    query = worklist.filtered(filters, screens)
    found = db.session.scalars(
        query.order_by(Screening.submitted_at.desc(), Screening.id.desc())
    ).all()
    rows = worklist.rows_for(found)
    items = export.item_answers(found) if with_items == "1" else None
    detail = f"{len(rows)} rows{'; items' if items else ''}; {filters.describe()}"
    audit.record("screenings.export", detail=detail)
    response = Response(export.to_csv(rows, screens, items), mimetype="text/csv")
    filename = f"screenings-{utcnow():%Y%m%d-%H%M}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
