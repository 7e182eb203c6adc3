"""What happened to one invitation, in words, from the audit trail.

The trail is the record of the lifecycle (made, e-mailed, opened, started, completed,
expired, revoked): every change is written there in the change's own transaction, so
the invitation page reads it back rather than keeping a second history beside it. Reads
of the label (``invitation.view``, ``invitations.list``) are accesses, not events in the
invitation's life, and stay on the audit page alone.

Nothing here writes, and nothing here holds health data: the trail never names the
label, the address or the patient.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import or_, select

from screener.extensions import db
from screener.models import AuditEvent, Invitation, InvitationSeries
from screener.services import invitations

LIMIT = 200  # an invitation has a dozen events; a link tried after it ended adds one each
_START_REFUSED = {
    "started": "it had just been started, on another device or by a double press",
    "unavailable": "its questionnaires could not be loaded",
}
_SCREENING = re.compile(r"^screening ([A-Z0-9-]+)$")


@dataclass(frozen=True)
class Happening:
    at: dt.datetime
    what: str
    by: str
    # False for what went wrong or was refused: the page marks it.
    ok: bool = True
    # The screening's code, on the event that completed it.
    screening_code: str | None = None


def _by(event: AuditEvent) -> str:
    if event.actor == "patient":
        return "The patient"
    if event.actor in (None, "worker"):
        return "The app"
    return event.actor


def _said(event: AuditEvent) -> tuple[str, bool]:
    """The event in words, and whether it went as meant."""
    action, outcome = event.action, event.outcome
    if action == "invitation.create":
        return "Made", True
    if action == "invitation.open":
        if outcome == "ok":
            return "Opened for the first time", True
        return f"Link or code used after it ended (the page said: {outcome})", False
    if action == "invitation.start":
        if outcome == "ok":
            return "Screening started", True
        why = _START_REFUSED.get(event.detail or "", f"it was {event.detail or outcome}")
        return f"Start refused: {why}", False
    if action == "invitation.complete":
        return "Screening submitted", True
    if action == "invitation.expire":
        # The trail's detail ends with its moment in UTC ("; ended …", "(found …)"); the
        # page gives every time in the clinic's zone, so only what had been done is kept.
        done = re.split(r"; ended | \(found ", event.detail or "")[0]
        return f"Expired: {done}" if done else "Expired", True
    if action in ("invitation.email", "invitation.remind"):
        kind = "E-mail" if action == "invitation.email" else "Reminder e-mail"
        if outcome == "sent":
            return f"{kind} sent", True
        return f"{kind} not sent ({event.detail or outcome})", False
    if action in ("invitation.revoke", "invitation.series_revoke"):
        whole = " with the rest of its series" if action == "invitation.series_revoke" else ""
        if outcome == "ok":
            return f"Revoked{whole}", True
        return f"Revoking refused: {event.detail or outcome}", False
    return f"{action} ({outcome})", outcome == "ok"


def _names_this(event: AuditEvent, invitation_id: int) -> bool:
    """A series' event is this invitation's when it is a revoke that lists it."""
    if event.action != "invitation.series_revoke" or event.outcome != "ok":
        return False
    listed = (event.detail or "").removeprefix("invitations ")
    return str(invitation_id) in {part.strip() for part in listed.split(",")}


def history(invitation: Invitation, series: InvitationSeries | None = None) -> list[Happening]:
    """The invitation's events, oldest first.

    A series is made in one change, audited under its first invitation; it is the
    making of every invitation of the series, so each shows it. A series' revoke is
    shown by the invitations it ended.
    """
    own = invitations.reference(invitation)
    wanted = [AuditEvent.reference == own]
    first = None
    if series is not None:
        first = invitations.reference(invitations.members(series)[0])
        wanted.append(
            (AuditEvent.reference == invitations.series_reference(series))
            & (AuditEvent.action == "invitation.series_revoke")
        )
        if first != own:
            wanted.append(
                (AuditEvent.reference == first) & (AuditEvent.action == "invitation.create")
            )
    events = db.session.scalars(
        select(AuditEvent)
        .where(or_(*wanted), AuditEvent.action.not_in(("invitation.view",)))
        .order_by(AuditEvent.id.desc())
        .limit(LIMIT)
    ).all()
    found = []
    for event in reversed(events):
        made_with_series = event.reference == first and event.action == "invitation.create"
        if (
            event.reference != own
            and not made_with_series
            and not _names_this(event, invitation.id)
        ):
            continue
        what, ok = _said(event)
        if made_with_series and event.reference != own:
            what = f"Made, with the rest of its series ({event.reference})"
        code = (
            _SCREENING.match(event.detail or "") if event.action == "invitation.complete" else None
        )
        found.append(Happening(event.at, what, _by(event), ok, code.group(1) if code else None))
    return found
