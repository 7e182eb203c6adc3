"""Patient pages. Thin: parse the request, call ``services.screenings``, render or redirect.

Answers live on the server; the cookie session holds only which screening is open, its
resume token sealed, and when it was last used (``patient.sessions``). Every step is
committed before the redirect, so closing the browser loses nothing already saved.

A request only ever opens a screening in this browser after its CSRF token has passed:
a page of another site cannot plant its own screening here (whose answers its author
could later read through the resume link).
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy.exc import InterfaceError, OperationalError

from screener import audit, codes, qr, unit_of_work, web
from screener.edge import handles_nul
from screener.extensions import csrf, db, limiter
from screener.models import Screening
from screener.patient import presenters
from screener.patient import sessions as patient_sessions
from screener.patient.questions import StepForm, build_form, submitted_values
from screener.services import clinic, invitations, screenings
from screener.services.invitations import InvitationEnded
from screener.services.screenings import ScreeningError

blueprint = Blueprint("patient", __name__, url_prefix="/screen")
# CSRF is checked inside the views, so that a stale token re-shows the page with the
# patient's choices instead of a bare 400.
csrf.exempt(blueprint)


def _open_screening(light: bool = False):
    """The screening this browser has open, if its session is current and its token matches.

    ``light`` gives a read-only row (id, reference code, status), enough for showing a
    step, without the cost of loading an ORM object on the busiest page. The token is
    kept in ``g.resume_token`` for the pages that show or carry it.
    """
    opened = patient_sessions.current()
    if opened is None:
        return None
    screening_id, token = opened
    if light:
        screening = screenings.light_by_id(screening_id)
    else:
        screening = db.session.get(Screening, screening_id)
    if screening is None or not codes.same(screening.resume_token_hash, codes.token_hash(token)):
        patient_sessions.forget()
        return None
    g.resume_token = token
    return screening


def _remember(screening: Screening, token: str) -> None:
    patient_sessions.remember(screening.id, token)
    g.resume_token = token


def _require_open() -> Screening:
    screening = _open_screening()
    if screening is None:
        abort(redirect(url_for("patient.ended")))
    return screening


def _sealed() -> str:
    """The open screening's token, sealed, for a page's hidden field."""
    token = g.get("resume_token")
    return patient_sessions.seal(token) if token else ""


@blueprint.post("/start")
@limiter.limit(clinic.screenings_limit, scope="screening-start")
def start():
    """Consent and the choice of screeners → a new draft screening.

    Limited per address so a script cannot fill the database with drafts; the limit is a
    clinic setting (generous by default) because a waiting room or library may share
    one address.
    """
    form = presenters.StartForm()
    if not form.validate_on_submit():
        return render_template("public/index.html", form=form, **presenters.landing()), 400
    with unit_of_work.write():
        screening, token = screenings.start(form.chosen())
    _remember(screening, token)
    return redirect(url_for("patient.started"))


@blueprint.get("/started")
def started():
    """The reference code and private resume link, shown before the first question."""
    screening = _require_open()
    resume_url = url_for("patient.resume", token=g.resume_token, _external=True)
    return render_template(
        "patient/started.html",
        code=codes.format_code(screening.reference_code),
        resume_url=resume_url,
        resume_qr=_qr_svg(resume_url),
        # The most pages there can be, so the count said here never grows later.
        max_steps=presenters.progress(screening, screenings.steps(screening))["total"],
        draft_days=clinic.current()["draft_retention_days"],
        # An invitation's unfinished screening is kept while the invitation runs.
        invitation=invitations.of_screening(screening.id),
    )


def _qr_svg(url: str):
    """The private link as a QR code (see ``screener.qr``)."""
    return qr.svg(url, "QR code of your private link")


@blueprint.route("/resume/<token>", methods=["GET", "POST"])
def resume(token: str):
    """The private link: a page with one button that reopens the screening here.

    Opening the link changes nothing (a link can be sent, or loaded, by anyone); the
    button's POST, with its CSRF token, does. A screening with no answer yet asks for
    consent again, as the home page does: whoever started it may not be who opens it.
    """
    screening = screenings.by_token(token)
    if screening is None:
        # Expired, erased, turned off at Finish, or mistyped: say so, and how to go on.
        return render_template("patient/link_unknown.html"), 404
    not_started = screening.status == "draft" and not screenings.has_answers(screening)
    form = presenters.ResumeForm(needs_consent=not_started)
    if request.method == "POST":
        if form.validate_on_submit():
            _remember(screening, token)
            return redirect(_next_url(screening))
        status = 400
    else:
        status = 200
    page = render_template(
        "patient/resume.html",
        form=form,
        not_started=not_started,
        submitted=screening.status == "submitted",
        code=codes.format_code(screening.reference_code),
    )
    return page, status


def open_here() -> dict[str, Any] | None:
    """The screening open in this browser, for the landing page: its code and where it
    goes on. Without it, a patient who taps the header or opens the start page in a
    second tab starts a new screening and loses sight of the one they were answering."""
    if not patient_sessions.has_screening():
        return None
    screening = _open_screening(light=True)
    if screening is None:
        return None
    return {
        "code": codes.format_code(screening.reference_code),
        "submitted": screening.status == "submitted",
        "url": _next_url(screening),
    }


def _page_is_for(screening) -> bool:
    """The posted page was made for ``screening``, by the sealed token every page carries.

    A page left open in another tab after a new screening was started in this browser
    would otherwise save its answers into the new one."""
    token = patient_sessions.unseal(request.form.get("resume", ""), any_age=True)
    return token is None or codes.same(screening.resume_token_hash, codes.token_hash(token))


def _other_screening():
    page = render_template("patient/other_screening.html", url=_next_url(_require_open()))
    return page, 409


def _next_url(screening: Screening, answers=None) -> str:
    if screening.status == "submitted":
        return url_for("patient.results")
    step = screenings.first_incomplete(screening, answers)
    return url_for("patient.step", number=step.number) if step else url_for("patient.review")


@blueprint.route("/step/<int:number>", methods=["GET", "POST"])
@handles_nul  # each field says what is wrong, and the patient's other answers stay
def step(number: int):
    """One section of one questionnaire. POST saves it and moves on."""
    screening = _open_screening(light=True)
    restoring = screening is None and request.method == "POST"
    if restoring:
        screening = _from_form()
    if screening is None:
        return redirect(url_for("patient.ended"))
    if request.method == "POST" and not restoring and not _page_is_for(screening):
        return _other_screening()
    if screening.status == "submitted":
        return redirect(url_for("patient.results"))
    answers = screenings.answers_of(screening)
    steps = screenings.steps(screening, answers)
    first_open = screenings.first_open_step(steps, answers)
    limit = first_open.number if first_open else len(steps)
    if not 1 <= number <= limit:
        return redirect(_next_url(screening))
    current = steps[number - 1]
    if request.method == "GET":
        return _render_step(screening, answers, steps, current, answers.get(current.key, {}))

    form = build_form(current.sha256, current.definition, current.section, formdata=request.form)
    values = submitted_values(form, current.section)
    if not form.validate():  # only the CSRF token can fail here
        return _render_step(screening, answers, steps, current, values, expired=True), 400
    if restoring:  # the CSRF token passed: now this browser may hold the screening
        _remember(screening, g.resume_token)
    clean, errors = screenings.check_section(
        screening, current.key, current.section.id, values, answers
    )
    going_back = request.form.get("go") == "back"
    if going_back:
        # Keep what was chosen on this page, unfinished or not; ask for nothing now.
        clean = {k: v for k, v in clean.items() if v is not None and k not in errors}
        errors = {}
    if errors:
        return _render_step(screening, answers, steps, current, values, errors=errors), 422
    try:
        with unit_of_work.write():  # the lock is held only for the write and its commit
            invitations.check_not_revoked(screening.id)
            screenings.store_section(screening.id, current.key, clean)
    except InvitationEnded as ended:
        return _invitation_ended(ended)
    except ScreeningError:
        return redirect(url_for("patient.results"))
    except (OperationalError, InterfaceError) as exc:
        # The database went away between reading and writing: keep the patient's
        # choices on the page, so pressing Continue again later loses nothing.
        web.database_lost(exc)
        page = _render_step(screening, answers, steps, current, values, unsaved=True)
        return page, 503, {"Retry-After": "30"}
    answers = screenings.with_page(answers, current.key, clean)
    if going_back:
        if number > 1:
            return redirect(url_for("patient.step", number=number - 1))
        return redirect(url_for("patient.started"))
    if request.args.get("return") == "review":
        return redirect(_next_url(screening, answers))
    if number < len(screenings.steps(screening, answers)):
        return redirect(url_for("patient.step", number=number + 1))
    return redirect(_next_url(screening, answers))


def _from_form() -> Screening | None:
    """After the cookie session is lost, the screening named by the page's own sealed token.

    Only for a POST from one of our pages, and it does not open the screening in this
    browser: the caller does that once the CSRF token has passed (the first POST after a
    lost session re-shows the page with a fresh CSRF token; Continue again saves).
    """
    if not patient_sessions.same_site_post():
        return None
    token = patient_sessions.unseal(request.form.get("resume", ""))
    screening = screenings.by_token(token) if token else None
    if screening is not None:
        g.resume_token = token
    return screening


def _render_step(
    screening, answers, steps, current, values, *, errors=None, expired=False, unsaved=False
):
    page = presenters.step_page(
        screening, steps, current, values, errors or {}, expired, answers=answers
    )
    return render_template(
        "patient/step.html",
        **page,
        unsaved=unsaved,
        resume=_sealed(),
    )


@blueprint.get("/review")
def review():
    """Every answer, with a link to change it, and the one Submit button."""
    screening = _require_open()
    if screening.status == "submitted":
        return redirect(url_for("patient.results"))
    first_open = screenings.first_incomplete(screening)
    if first_open is not None:
        return redirect(url_for("patient.step", number=first_open.number))
    return render_template(
        "patient/review.html", **presenters.review_page(screening), resume=_sealed()
    )


@blueprint.post("/submit")
def submit():
    """Submit once: a double click, a refresh or Back-and-submit still gives one submission."""
    screening = _open_screening()
    restoring = screening is None
    if restoring:
        screening = _from_form()
    if screening is None:
        return redirect(url_for("patient.ended"))
    if not restoring and not _page_is_for(screening):
        return _other_screening()
    form = StepForm()
    if not form.validate():
        if screening.status == "submitted":
            return redirect(url_for("patient.results"))
        page = presenters.review_page(screening)
        return render_template("patient/review.html", **page, resume=_sealed(), expired=True), 400
    if restoring:
        _remember(screening, g.resume_token)
    try:
        with unit_of_work.change(None, anonymous_is_patient=True) as work:
            screening = db.session.get(Screening, screening.id)
            if screening.status == "draft":
                invitations.check_not_revoked(screening.id)
            if screenings.submit(screening):
                _complete_invitation(screening, work)
    except InvitationEnded as ended:
        return _invitation_ended(ended)
    except ScreeningError:
        return redirect(_next_url(screening))
    return redirect(url_for("patient.results"))


def _invitation_ended(ended: InvitationEnded):
    """The screening's invitation has ended: say so, and close it in this browser."""
    patient_sessions.forget()
    audit.record(
        "invitation.open",
        reference=invitations.reference(ended.invitation),
        outcome=ended.state,
        anonymous_is_patient=True,
    )
    page = render_template("patient/invitation_ended.html", state=ended.state, started=True)
    response = make_response(page, 410)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _complete_invitation(screening: Screening, work) -> None:
    """A screening started from an invitation uses it up, in the same transaction."""
    invitation = invitations.complete_for(screening.id)
    if invitation is not None:
        work.action = "invitation.complete"
        work.reference = invitations.reference(invitation)
        work.detail = f"screening {codes.format_code(screening.reference_code)}"


@blueprint.get("/results")
def results():
    screening = _require_open()
    if screening.status != "submitted":
        return redirect(_next_url(screening))
    return render_template("patient/results.html", **presenters.results_page(screening))


@blueprint.get("/summary.pdf")
def summary_pdf():
    """The PDF summary, through this browser's open screening only."""
    screening = _require_open()
    if screening.status != "submitted":
        return redirect(_next_url(screening))
    from screener.services import reports

    return reports.pdf_response(screening)


@blueprint.post("/finish")
def finish():
    """Forget the screening on this device (a shared or library computer).

    It ends even when the page's CSRF token has expired (results read for over an hour):
    ending a screening only ever takes access away, and another site cannot do it, since
    the browser does not send the (SameSite=Lax) cookie with a cross-site POST.
    """
    if not patient_sessions.has_open():
        return redirect(url_for("public.index"))
    screening = _open_screening() if request.form.get("close_link") == "1" else None
    patient_sessions.forget()
    if StepForm().validate():
        session.clear()
        if screening is not None:
            _close_link(screening)
    return redirect(url_for("public.index", finished=1))


def _close_link(screening: Screening) -> None:
    """Turn the private link off: afterwards only the clinic can open these results.

    The column is unique and not null, so it gets the hash of a fresh random token that
    is never shown to anyone; ``by_token`` then finds nothing for the old link. Asked for
    only with a valid CSRF token, since unlike ending the session it cannot be undone.
    """
    with unit_of_work.change("patient.link_closed", anonymous_is_patient=True) as work:
        screening = db.session.get(Screening, screening.id)
        work.reference = screening.reference_code
        screening.resume_token_hash = codes.token_hash(codes.new_resume_token())


@blueprint.get("/ended")
def ended():
    """Shown when this browser has no open screening (closed, expired or finished)."""
    return render_template("patient/ended.html"), 200


@blueprint.app_context_processor
def _clinic():
    if g.get("database_unavailable"):
        return {"clinic_name": current_app.config["CLINIC_NAME"], "debug": current_app.debug}
    return {"clinic_name": clinic.current()["name"], "debug": current_app.debug}
