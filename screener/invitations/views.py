"""Invitation pages of the portal: the list with each one's state, making and revoking
(revoking is asked first, on a page of its own, then posted from there).

A new invitation's link and kiosk code are shown once, on the letter page that answers
the form: they are stored hashed, so they cannot be shown again (and are never put in a
redirect or the session cookie). Labels are health data: the list is audited before it
is shown, and labels never go into the audit trail or a log.
"""

from __future__ import annotations

from flask import (
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user

from screener import audit, background, mailer, paging, qr, unit_of_work
from screener.codes import format_code
from screener.extensions import db
from screener.invitations.blueprint import blueprint
from screener.invitations.forms import CreateInvitationForm, FindByLabelForm, RevokeForm
from screener.models import Invitation, InvitationSeries, Screening
from screener.models.invitation import STATES
from screener.services import invitation_history, invitation_mail, invitations
from screener.services.invitations import InvitationError

STATE_FILTERS = {"": "Any state", **{state: state.capitalize() for state in STATES}}
# Where an error that is no one field's points: the top of the form to make one.
FORM_TOP = "create-form"
NO_MAIL_SERVER = (
    "No invitation was made: this clinic has no e-mail server set up, so it cannot "
    "e-mail one. Press Make invitation again, then give the patient the letter or the link."
)


def _page(
    form: CreateInvitationForm,
    status: int = 200,
    error: str | None = None,
    error_field: str = FORM_TOP,
    find_form: FindByLabelForm | None = None,
    found: invitations.ListPage | None = None,
):
    """The list page. ``found``: the invitations a label search matched, shown instead
    of a page of all of them."""
    wanted = request.args.get("state", "")
    state_error = None
    if wanted not in STATE_FILTERS:
        wanted, status = "", 400
        state_error = "Choose a state from the list."
    page_error = None
    number = paging.number(request.args.get("page"))
    if number is None:  # a hand-edited address: show the first page
        number, status, page_error = 1, 400, paging.NOT_A_PAGE
    if found is not None:
        listed, wanted = found, ""
        # Says that a label was searched, never which (a label is health data).
        audit.record("invitations.list", detail="label=(searched)")
    else:
        listed = invitations.listing(wanted, number)
        audit.record("invitations.list", detail=f"state={wanted or 'any'} page={listed.number}")
    page = render_template(
        "invitations/index.html",
        listed=listed,
        rows=listed.rows,
        wanted=wanted,
        state_filters=STATE_FILTERS,
        state_error=state_error,
        page_error=page_error,
        form=form,
        find_form=find_form or FindByLabelForm(formdata=None),
        searched=found is not None,
        error=error,
        error_field=error_field,
        names=invitations.short_names(),
        mail_enabled=mailer.enabled(),
        max_weeks=invitations.MAX_EVERY_WEEKS,
        max_times=invitations.MAX_TIMES,
    )
    return make_response(page, status)


@blueprint.get("/", endpoint="index")
def index():
    """Every invitation, newest first, with its state; the form to make one."""
    return _page(CreateInvitationForm())


@blueprint.post("/label", endpoint="by_label")
def by_label():
    """Invitations whose label contains the typed text, newest first, on one page. A
    POST, so a label never appears in a URL or an access log."""
    find_form = FindByLabelForm()
    if not find_form.validate_on_submit():
        return _page(CreateInvitationForm(formdata=None), 400, find_form=find_form)
    found = invitations.labelled(find_form.find_label.data)
    return _page(CreateInvitationForm(formdata=None), find_form=find_form, found=found)


@blueprint.post("/", endpoint="create")
def create():
    """Make an invitation and show its letter: link, QR code and kiosk code."""
    form = CreateInvitationForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    made = session.get(MADE_KEY) or {}
    if form.once.data and form.once.data in made:
        return _made_already(made[form.once.data])
    # The service checks these again inside the write; checked here first, each message
    # is shown at its own field.
    try:
        invitations.clean_label(form.label.data)
        invitations.check_instruments(form.instruments.data)
        repeat = invitations.check_series(form.every_weeks.data, form.times.data, form.days.data)
    except InvitationError as exc:
        return _page(form, 400, error=str(exc), error_field=exc.field or FORM_TOP)
    try:
        address = invitation_mail.clean_address(form.email.data)
    except InvitationError as exc:
        if not mailer.enabled():  # the page has no e-mail field to point at
            return _page(form, 400, error=NO_MAIL_SERVER)
        return _page(form, 400, error=str(exc), error_field="email")
    at_once = background.works_in_request()  # no worker: the first e-mail goes now
    with unit_of_work.change("invitation.create") as work:
        try:
            issued = invitations.create_from(
                form.label.data, form.instruments.data, form.days.data, repeat, current_user.email
            )
        except InvitationError as exc:
            work.refuse(str(exc))
        else:
            work.reference = invitations.reference(issued.invitation)
            work.detail = invitations.audit_detail(issued, form.days.data)
            if address:
                invitation_mail.attach(issued, address, _link(issued), claim=at_once)
    if work.refused is not None:
        return _page(form, 400, error=work.refused)
    if form.once.data:
        kept = list(made.items())[-(MADE_KEPT - 1) :]
        session[MADE_KEY] = {**dict(kept), form.once.data: issued.invitation.id}
    label = invitations.label_of(issued.invitation)
    emailed = invitation_mail.deliver_first(issued.invitation.id, at_once) if address else None
    return _letter(issued, label, emailed)


MADE_KEY = "invitations_made"  # form nonce -> the invitation it made, in this browser
MADE_KEPT = 20


def _made_already(invitation_id: int):
    """The form was sent again: say which invitation it made instead of making another
    (its link and code are shown only once, when it is made)."""
    page = render_template("invitations/made_already.html", number=invitation_id)
    return make_response(page, 409)


def _link(issued: invitations.Issued) -> str:
    return url_for("patient.invitation", invitation_token=issued.token, _external=True)


def _letter(issued: invitations.Issued, label: str | None, emailed: str | None = None):
    link = _link(issued)
    names = invitations.instrument_names()
    page = render_template(
        "invitations/letter.html",
        link=link,
        code=invitations.format_code(issued.code),
        start_url=url_for("public.index", _external=True),
        qr=qr.svg(link, "QR code of the invitation link"),
        label=label,
        questionnaires=[names.get(key, key) for key in issued.invitation.instruments],
        expires_at=issued.invitation.expires_at,
        number=issued.invitation.id,
        schedule=issued.schedule,
        series_id=issued.series.id if issued.series is not None else None,
        emailed=emailed,
        email_error=issued.invitation.email_error if emailed == invitation_mail.FAILED else None,
    )
    # The site's own Referrer-Policy (same-origin): this page's address holds no token,
    # and under HTTPS its forms (sign out) need the Referer for their CSRF check.
    return make_response(page, 201)


@blueprint.get("/<int:invitation_id>", endpoint="detail")
def detail(invitation_id: int):
    """One invitation: its state and what that means for the patient, its series, the
    screening it led to, and its history from the audit trail. Shows the label, so the
    view is audited first."""
    invitation = _or_404(Invitation, invitation_id)
    audit.record("invitation.view", reference=invitations.reference(invitation))
    series = invitations.series_of(invitation)
    members = (
        [(row, invitations.state(row)) for row in invitations.members(series)] if series else []
    )
    screening = (
        db.session.get(Screening, invitation.screening_id) if invitation.screening_id else None
    )
    return render_template(
        "invitations/detail.html",
        invitation=invitation,
        state=invitations.state(invitation),
        open_states=invitations.OPEN_STATES,
        label=invitations.label_of(invitation),
        names=invitations.instrument_names(),
        delivery=invitation_mail.delivery(invitation),
        series=series,
        members=members,
        series_open=any(current in invitations.OPEN_STATES for _, current in members),
        screening=screening,
        screening_code=format_code(screening.reference_code) if screening else None,
        can_read=current_user.has_role("clinician"),
        events=invitation_history.history(invitation, series),
    )


@blueprint.get("/<int:invitation_id>/revoke", endpoint="confirm_revoke")
def confirm_revoke(invitation_id: int):
    """Ask first: which invitation, and what the patient will see once it is revoked.
    Nothing changes here (the form posts to ``revoke``); no label is shown, so nothing
    is audited."""
    invitation = _or_404(Invitation, invitation_id)
    current = invitations.state(invitation)
    series = invitations.series_of(invitation)
    # For one of a series: the next screening its link moves on to, and whether any
    # other is still open (if none, revoking this one ends the link too).
    others = [
        row
        for row in (invitations.members(series) if series is not None else [])
        if row.id != invitation.id and invitations.state(row) in invitations.OPEN_STATES
    ]
    later = next(
        (row for row in others if (row.series_position or 0) > (invitation.series_position or 0)),
        None,
    )
    page = render_template(
        "invitations/revoke.html",
        invitation=invitation,
        state=current,
        ended=current in invitations.ENDED_STATES,
        series=series,
        later=later,
        others_open=bool(others),
        names=invitations.instrument_names(),
    )
    return make_response(page, 409 if current in invitations.ENDED_STATES else 200)


@blueprint.get("/series/<int:series_id>/revoke", endpoint="confirm_revoke_series")
def confirm_revoke_series(series_id: int):
    """Ask first: which screenings of the series end and which stay."""
    series = _or_404(InvitationSeries, series_id)
    rows = [(row, invitations.state(row)) for row in invitations.members(series)]
    is_open = any(current in invitations.OPEN_STATES for _, current in rows)
    page = render_template(
        "invitations/revoke_series.html",
        series=series,
        rows=rows,
        ended=not is_open,
        open_states=invitations.OPEN_STATES,
        names=invitations.instrument_names(),
    )
    return make_response(page, 200 if is_open else 409)


def _or_404(model, key: int):
    row = db.session.get(model, key)
    if row is None:
        abort(404)
    return row


@blueprint.post("/<int:invitation_id>/revoke")
def revoke(invitation_id: int):
    """Revoke: the link and the code stop working at once; a started draft stays."""
    _, refused = invitations.revoke_audited(_to_revoke(Invitation, invitation_id))
    said = f"Invitation {invitation_id} is revoked. Its link and code no longer work."
    return _back_to_list(said, refused)


@blueprint.post("/series/<int:series_id>/revoke")
def revoke_series(series_id: int):
    """Revoke what is left of a series: its link and code stop working at once; the
    screenings already sent stay."""
    revoked, refused = invitations.revoke_audited(_to_revoke(InvitationSeries, series_id))
    said = (
        f"Series {series_id} is revoked ({invitations.numbered(revoked)}). "
        "Its link and code no longer work."
    )
    return _back_to_list(said, refused)


def _to_revoke(model, key: int):
    """The row a revoke form names: 400 without the form's CSRF token, 404 if unknown."""
    if not RevokeForm().validate_on_submit():
        abort(400)
    return _or_404(model, key)


def _back_to_list(said: str, refused: str | None):
    if refused is not None:
        flash(refused, "error")
    else:
        flash(said)
    return redirect(url_for("invitations.index"), 303)
