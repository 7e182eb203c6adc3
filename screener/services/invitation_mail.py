"""E-mailing an invitation, and its one reminder, when the clinic has set up SMTP.

The patient's address is health data: it is sealed in the invitation's row only while a
reminder may still go, and never logged, audited or shown again. The link is sealed
beside it, because the row keeps only the token's hash. What became of each e-mail is
stored ("sent", or "failed" with the exception's type) and shown on the invitations
list; a failure is never reported as sent.

The first e-mail goes right after the invitation is stored, so the person who made it
sees the outcome on the letter page (SMTP answers within seconds, or the send gives up
after ``mailer.TIMEOUT_SECONDS``). The worker sends the rest (``send_due``, every
minute): each later screening of a series as it opens, and one reminder
``INVITATION_REMINDER_DAYS`` before an invitation expires, if its e-mail was sent and
the patient has not started. Once an invitation's reminder is settled, or it has ended,
its copy of the address and link is erased.
"""

from __future__ import annotations

import datetime as dt
import re

from flask import current_app
from sqlalchemy import select

from screener import audit, mailer
from screener.extensions import db
from screener.models import Invitation
from screener.services import clinic, invitations
from screener.services.invitations import InvitationError, seal, unseal
from screener.unit_of_work import write

ADDRESS = b"screener invitation email address"
LINK = b"screener invitation link"
SENT, FAILED = "sent", "failed"
MAX_ADDRESS = 254
# A plain address: the characters RFC 5322 allows unquoted, a domain with a dot. Anything
# odder (quotes, brackets, spaces) is refused rather than passed to a mail server.
ADDRESS_SHAPE = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+$"
)


def clean_address(text: str | None) -> str | None:
    """The patient's address as it will be used, None when none was given."""
    address = (text or "").strip()
    if not address:
        return None
    if not mailer.enabled():
        raise InvitationError(
            "This clinic has no e-mail server set up: leave the e-mail address blank and "
            "give the patient the letter or the link."
        )
    if len(address) > MAX_ADDRESS or not ADDRESS_SHAPE.match(address):
        raise InvitationError("Enter an e-mail address like name@example.com, or leave it blank.")
    return address


def attach(issued: invitations.Issued, address: str, link: str) -> None:
    """Keep the address and link, sealed, for the e-mails to come (inside the write that
    stores the invitation). Each invitation of a series keeps them: each is e-mailed when
    it opens, with its own reminder."""
    rows = invitations.members(issued.series) if issued.series is not None else [issued.invitation]
    for row in rows:
        row.email_sealed = seal(address, ADDRESS)
        row.link_sealed = seal(link, LINK)


def _expiry(invitation: Invitation) -> str:
    return invitation.expires_at.strftime("%d %B %Y, %H:%M UTC").lstrip("0")


INVITATION, OPENING, REMINDER = "invitation", "opening", "reminder"


def _body(invitation: Invitation, link: str, kind: str) -> tuple[str, str]:
    settings = clinic.current()
    name = settings["name"] or "Your clinic"
    if kind == OPENING:
        subject = f"Your next screening for {name} is ready"
        opening = (
            f"Your next screening (number {invitation.series_position} of the series) is "
            f"ready. {name} asks you to answer the same questions again, so you can both see "
            "what has changed."
        )
    elif kind == REMINDER:
        subject = f"Reminder: {name} invites you to a short screening"
        opening = "This is a reminder: you have not started the screening yet."
    else:
        subject = f"{name} invites you to a short screening"
        opening = f"{name} invites you to answer a short set of questions before your visit."
    body = (
        f"{opening}\n\n"
        f"Open this link to start (it is for you only; please do not share it):\n{link}\n\n"
        f"It works until {_expiry(invitation)}."
        + (
            " The same link opens each later screening of your series when it is due."
            if invitation.series_id is not None
            else ""
        )
        + "\n\nThis is a screening, not a diagnosis.\n"
        f"{settings['urgent_help']}\n"
    )
    return subject, body


def send(invitation_id: int, kind: str = INVITATION, actor: str | None = None) -> str | None:
    """Send the invitation's e-mail (``kind``: the invitation, a series' next screening
    opening, or the reminder) now; store and audit the outcome.

    Returns "sent" or "failed", or None when there is nothing to send (no address kept,
    or the secret key changed so it cannot be read). Call it outside a write: SMTP can
    take seconds, and no lock is held meanwhile.
    """
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None:
        return None
    address = unseal(invitation.email_sealed, ADDRESS)
    link = unseal(invitation.link_sealed, LINK)
    db.session.rollback()  # end the read: nothing is held while the server answers
    if not address or not link:
        return None
    reminder = kind == REMINDER
    subject, body = _body(invitation, link, kind)
    error = None
    try:
        mailer.send(address, subject, body)
    except mailer.MailError as exc:
        error = str(exc)
    status = FAILED if error else SENT
    with write():
        row = db.session.get(Invitation, invitation_id, populate_existing=True)
        if row is None:
            return None
        now = invitations.utcnow()
        if reminder:
            row.reminder_status, row.reminder_error = status, error
            row.reminder_sent_at = now if status == SENT else None
            row.email_sealed = row.link_sealed = None  # nothing more will be sent
        else:
            row.email_status, row.email_error = status, error
            row.email_sent_at = now if status == SENT else None
            if status == FAILED:
                row.email_sealed = row.link_sealed = None  # no reminder after a failure
    audit.record(
        "invitation.remind" if reminder else "invitation.email",
        reference=invitations.reference(row),
        outcome=status,
        detail=error,
        actor=actor,
    )
    return status


def send_due(now: dt.datetime | None = None) -> int:
    """Send what is due: a series' next screening as it opens, and each reminder; erase
    the address and link of invitations that have ended. Returns how many were tried."""
    now = now or invitations.utcnow()
    days = int(current_app.config.get("INVITATION_REMINDER_DAYS", 3))
    rows = list(db.session.scalars(select(Invitation).where(Invitation.email_sealed.is_not(None))))
    due, ended = [], []
    for row in rows:
        state = row.state(now)
        if state not in invitations.OPEN_STATES:
            ended.append(row.id)
        elif state not in ("issued", "opened"):
            continue  # scheduled, or started: nothing to send yet, or any more
        elif row.email_status is None and row.series_position and row.series_position > 1:
            due.append((row.id, OPENING))
        elif (
            row.email_status == SENT
            and row.reminder_status is None
            and row.expires_at - dt.timedelta(days=days) <= now
        ):
            due.append((row.id, REMINDER))
    if ended:
        with write():
            for row_id in ended:
                row = db.session.get(Invitation, row_id, populate_existing=True)
                row.email_sealed = row.link_sealed = None
    db.session.rollback()
    for row_id, kind in due:
        send(row_id, kind, actor="worker")
    return len(due)


def delivery(invitation: Invitation) -> str:
    """What the invitations list says of the e-mails: "" when none was asked for."""
    parts = []
    if invitation.email_status == SENT:
        parts.append("E-mailed")
    elif invitation.email_status == FAILED:
        parts.append(f"E-mail failed ({invitation.email_error})")
    if invitation.reminder_status == SENT:
        parts.append("reminder sent")
    elif invitation.reminder_status == FAILED:
        parts.append(f"reminder failed ({invitation.reminder_error})")
    return "; ".join(parts)
