"""The patient's side of an invitation: its link, its kiosk code, and starting from it.

Opening the link (GET or HEAD, as often as a mail scanner or link preview likes) only
shows the page and records the first opening; starting is a POST with consent and a
CSRF token. The kiosk code, typed on the landing page, opens the same page through the
session (the code never goes into a URL). An invitation's screening does not count
against the landing page's per-address limit: a waiting room full of invited patients
shares one address.

These pages never send a ``Referer``, so the link's token does not leave with a click.
"""

from __future__ import annotations

import logging

from flask import make_response, redirect, render_template, request, url_for
from flask_limiter import RequestLimit

from screener import audit, unit_of_work
from screener.auth.throttle import first_breach_in_window
from screener.extensions import db, limiter
from screener.models import Invitation, InvitationSeries, Screening
from screener.patient import presenters
from screener.patient import sessions as patient_sessions
from screener.patient.views import _next_url, _remember, blueprint
from screener.services import clinic, invitations, screenings
from screener.services.invitations import InvitationError

log = logging.getLogger(__name__)

CODE_FAILURES = "20 per 10 minutes"  # per address (an IPv6 /64); only unknown codes count
# And from all addresses together: a code has about 2^36 values, so a guesser with many
# networks must still not get far. Past it, codes are refused for the rest of the hour
# (invited patients can still use their link) and the log says so once.
CODE_FAILURES_ALL = "300 per hour"


def _no_referrer(response):
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _ended_page(invitation: Invitation, state: str):
    audit.record(
        "invitation.open",
        reference=invitations.reference(invitation),
        outcome=state,
        anonymous_is_patient=True,
    )
    page = render_template("patient/invitation_ended.html", state=state)
    return _no_referrer(make_response(page, 410))


def _unknown(status: int = 404):
    page = render_template("patient/invitation_unknown.html")
    return _no_referrer(make_response(page, status))


def _due(series: InvitationSeries):
    """The series' invitation that is due now, or the page that says why there is none:
    an early open says when the next one is ready; after the last one, that it is done."""
    due = invitations.due(series)
    if due.invitation is not None:
        return due.invitation
    reference = invitations.series_reference(series)
    if due.next_opens_at is not None:
        page = render_template(
            "patient/invitation_not_yet.html",
            opens_at=due.next_opens_at,
            position=due.position,
            times=due.times,
        )
        return _no_referrer(make_response(page, 200))
    state = "series_revoked" if due.cancelled else "series_done"
    audit.record(
        "invitation.open",
        reference=reference,
        outcome="revoked" if due.cancelled else "ended",
        anonymous_is_patient=True,
    )
    page = render_template("patient/invitation_ended.html", state=state)
    return _no_referrer(make_response(page, 410))


def _place(invitation: Invitation) -> tuple[int, int] | None:
    """(2, 3) for the second screening of a series of three; None for a single one."""
    series = invitations.series_of(invitation)
    return (invitation.series_position or 0, series.times) if series else None


def _record_opening(invitation: Invitation) -> None:
    """The first opening changes the state to "opened"; later ones change nothing."""
    if invitation.opened_at is not None:
        return
    with unit_of_work.change(
        "invitation.open", reference=invitations.reference(invitation), anonymous_is_patient=True
    ) as work:
        if not invitations.mark_opened(invitation):
            work.action = None  # another request recorded it first


def _show(invitation: Invitation, action: str, form=None, status: int = 200):
    """The invitation's page: what it asks, consent, and Start (or Continue)."""
    state = invitations.state(invitation)
    if state in invitations.ENDED_STATES:
        return _ended_page(invitation, state)
    continuing = state == "started"
    screening = db.session.get(Screening, invitation.screening_id) if continuing else None
    needs_consent = screening is None or not screenings.has_answers(screening)
    if form is None:
        form = presenters.ResumeForm(needs_consent=needs_consent, formdata=None)
    names = invitations.instrument_names()
    page = render_template(
        "patient/invitation.html",
        form=form,
        action=action,
        continuing=continuing,
        needs_consent=needs_consent,
        questionnaires=[names.get(key, key) for key in invitation.instruments],
        expires_at=invitation.expires_at,
        place=_place(invitation),
        retention_days=clinic.current()["retention_days"],  # the clinic's name: _clinic()
    )
    return _no_referrer(make_response(page, status))


def _use(invitation: Invitation, action: str):
    """The POST behind Start or Continue: consent, then open the screening here."""
    state = invitations.state(invitation)
    if state in invitations.ENDED_STATES:
        return _ended_page(invitation, state)
    continuing = state == "started"
    screening = db.session.get(Screening, invitation.screening_id) if continuing else None
    form = presenters.ResumeForm(
        needs_consent=screening is None or not screenings.has_answers(screening)
    )
    if not form.validate_on_submit():
        return _show(invitation, action, form, 400)
    if continuing:
        token = invitations.resume_token(invitation)
        if token is None or screening is None:
            return _show(invitation, action)
        _remember(screening, token)
        return _no_referrer(redirect(_next_url(screening), 303))
    with unit_of_work.change(
        "invitation.start", reference=invitations.reference(invitation), anonymous_is_patient=True
    ) as work:
        try:
            screening, token = invitations.start(invitation)
        except InvitationError as exc:
            work.refuse(str(exc))
    if work.refused is not None:
        if work.refused == "unavailable":
            page = render_template("patient/invitation_ended.html", state="unavailable")
            return _no_referrer(make_response(page, 409))
        # Ended meanwhile, or started from another device a moment ago: show what it is now.
        db.session.expire_all()
        return _show(db.session.get(Invitation, invitation.id), action)
    _remember(screening, token)
    return _no_referrer(redirect(url_for("patient.started"), 303))


@blueprint.route("/invite/<invitation_token>", methods=["GET", "POST"])
def invitation(invitation_token: str):
    """The invitation's link, as printed on the letter or copied into a message."""
    found = invitations.by_token(invitation_token)
    if found is None:
        series = invitations.series_by_token(invitation_token)
        if series is None:
            return _unknown()
        found = _due(series)
        if not isinstance(found, Invitation):
            return found
    action = url_for("patient.invitation", invitation_token=invitation_token)
    if request.method == "POST":
        return _use(found, action)
    if invitations.state(found) not in invitations.ENDED_STATES:
        _record_opening(found)
    return _show(found, action)


def _unknown_code(response) -> bool:
    return response.status_code == 404


def _guessing_alarm(breached: RequestLimit) -> None:
    if first_breach_in_window(breached, "code-guessing-alarm"):
        log.warning(
            "Too many unknown kiosk codes from all addresses: codes are refused for the "
            "rest of the window (%s); someone may be guessing them",
            CODE_FAILURES_ALL,
        )


@blueprint.post("/code")
@limiter.limit(
    CODE_FAILURES_ALL,
    key_func=lambda: "all",
    scope="invitation-code-all",
    methods=["POST"],
    deduct_when=_unknown_code,
    on_breach=_guessing_alarm,
)
@limiter.limit(
    CODE_FAILURES,
    scope="invitation-code",
    methods=["POST"],
    deduct_when=_unknown_code,
)
def invitation_code():
    """The kiosk code typed on the landing page: its invitation opens in this browser."""
    form = presenters.CodeForm()
    if not form.validate_on_submit():
        return _landing(form, 400)
    found = invitations.by_code(form.code.data)
    if found is None:
        series = invitations.series_by_code(form.code.data)
        if series is not None:
            patient_sessions.hold_invitation(patient_sessions.SERIES, series.id)
            return _no_referrer(redirect(url_for("patient.invited"), 303))
    if found is None:
        form.code.errors.append(
            "No invitation has this code. Check each letter and try again, or ask at the desk."
        )
        return _landing(form, 404)
    state = invitations.state(found)
    if state in invitations.ENDED_STATES:
        return _ended_page(found, state)
    _record_opening(found)
    patient_sessions.hold_invitation(patient_sessions.INVITATION, found.id)
    return _no_referrer(redirect(url_for("patient.invited"), 303))


@blueprint.route("/invited", methods=["GET", "POST"])
def invited():
    """The invitation whose kiosk code was typed in this browser."""
    invitation_id = patient_sessions.held_invitation(patient_sessions.INVITATION)
    found = db.session.get(Invitation, invitation_id) if invitation_id is not None else None
    series_id = patient_sessions.held_invitation(patient_sessions.SERIES)
    if found is None and series_id is not None:
        series = db.session.get(InvitationSeries, series_id)
        found = _due(series) if series is not None else None
        if found is not None and not isinstance(found, Invitation):
            return found
    if found is None:
        return redirect(url_for("public.index"))
    action = url_for("patient.invited")
    if request.method == "POST":
        return _use(found, action)
    if request.method == "GET" and invitations.state(found) not in invitations.ENDED_STATES:
        _record_opening(found)
    return _show(found, action)


def _landing(code_form, status: int):
    page = render_template(
        "public/index.html",
        form=presenters.fresh_start_form(),
        **presenters.landing(code_form=code_form),
    )
    return make_response(page, status)
