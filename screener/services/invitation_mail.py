"""E-mailing an invitation, and its one reminder, when the clinic has set up SMTP.

The patient's address is health data: it is sealed in the invitation's row only while a
reminder may still go, and never logged, audited or shown again. The link is sealed
beside it, because the row keeps only the token's hash. What became of each e-mail is
stored ("sent", or "failed" with the exception's type) and shown on the invitations
list; a failure is never reported as sent.

Every e-mail is sent by the workers, never inside a web request: an SMTP server that is
slow or away must not hold a web worker (each try may wait ``mailer.TIMEOUT_SECONDS``
per step), nor keep patients' pages waiting behind it. Creating an invitation queues its
first e-mail (``deliver_first``); the letter page says so, and the invitations list
shows "being sent", then "E-mailed" or the failure. Every minute each worker also sends
what is due (``send_due``): a first e-mail whose queue message was lost, each later
screening of a series as it opens, and one reminder ``INVITATION_REMINDER_DAYS`` before
an invitation expires (or halfway, if that is later: ``reminder_at``), if its e-mail
was sent and the patient has not started. Once an
invitation's reminder is settled, or it has ended, its copy of the address and link is
erased. Without a queue (``QUEUE_URL=immediate``: the tests, a quick look) the first
e-mail goes in the request, and the CLI always sends at once and reports the outcome.

Every worker runs the minute's work, so two may find the same e-mail due: each e-mail is
claimed before it is sent, with one conditional UPDATE, and only the claimer sends it.
A claim whose sender died (``kill -9`` mid-send) is settled as failed after
``CLAIM_LEASE``: the e-mail may or may not have left, so it is shown as not sent, and
the clinic gives the letter instead; it is never sent twice and never called sent.
"""

from __future__ import annotations

import datetime as dt
import re

from flask import current_app
from sqlalchemy import select, update

from screener import audit, mailer
from screener.extensions import db
from screener.models import Invitation
from screener.services import clinic, invitations
from screener.services.invitations import InvitationError, seal, unseal
from screener.unit_of_work import write

ADDRESS = b"screener invitation email address"
LINK = b"screener invitation link"
SENDING, SENT, FAILED = "sending", "sent", "failed"
QUEUED = "queued"  # what ``deliver_first`` says when a worker will send it
INTERRUPTED = "Interrupted"  # the error of a claim whose sender died
UNREADABLE = "SealUnreadable"  # the secret key changed since the address was sealed
# Far beyond what one send can take (connect, TLS, login and data, each bounded by
# mailer.TIMEOUT_SECONDS), so a live sender is never taken for a dead one.
CLAIM_LEASE = dt.timedelta(minutes=10)
# Workers look for due e-mails every minute; one waiting this long has no sender.
UNSENT_WARNING = dt.timedelta(minutes=5)
UNSENT = "E-mail not sent yet, after 5 minutes: a job worker with the e-mail settings must run"
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


def attach(issued: invitations.Issued, address: str, link: str, *, claim: bool = False) -> None:
    """Keep the address and link, sealed, for the e-mails to come (inside the write that
    stores the invitation). Each invitation of a series keeps them: each is e-mailed when
    it opens, with its own reminder.

    ``claim``: the caller sends the first e-mail itself right after this write (the CLI,
    and the portal without a queue: ``background.works_in_request``), so it is claimed
    here, in the same transaction: no worker can take it in between and leave the caller
    reporting a failure."""
    rows = invitations.members(issued.series) if issued.series is not None else [issued.invitation]
    for row in rows:
        row.email_sealed = seal(address, ADDRESS)
        row.link_sealed = seal(link, LINK)
    if claim:
        issued.invitation.email_status = SENDING
        issued.invitation.email_claimed_at = invitations.utcnow()


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


def deliver_first(invitation_id: int, claimed: bool) -> str:
    """Hand the invitation's first e-mail to the workers: ``QUEUED``. When the caller
    claimed it (``attach(claim=True)``, without a queue) send it now and return the
    outcome ("sent" or "failed")."""
    from screener import background

    if claimed:
        return send(invitation_id, claimed=True) or FAILED
    background.queue().email(invitation_id)
    return QUEUED


def _columns(reminder: bool):
    if reminder:
        return Invitation.reminder_status, Invitation.reminder_claimed_at
    return Invitation.email_status, Invitation.email_claimed_at


def _claim(invitation_id: int, reminder: bool) -> bool:
    """Take the e-mail for sending: True for exactly one caller, however many try, and
    only while the invitation can still be started (issued or opened: not scheduled,
    started, completed, revoked or expired). A queued message may run long after it was
    sent, so the state is checked here, in the same statement, not only by the caller."""
    status, claimed_at = _columns(reminder)
    now = invitations.utcnow()
    with write():
        taken = db.session.execute(
            update(Invitation)
            .where(
                Invitation.id == invitation_id,
                status.is_(None),
                Invitation.email_sealed.is_not(None),
                Invitation.not_started_yet(now),
            )
            .values({status: SENDING, claimed_at: now})
            .execution_options(synchronize_session=False)
        )
    return taken.rowcount == 1


def _release(invitation_id: int, reminder: bool) -> None:
    """Give back a claim whose e-mail is no longer to be sent."""
    status, claimed_at = _columns(reminder)
    with write():
        db.session.execute(
            update(Invitation)
            .where(Invitation.id == invitation_id, status == SENDING)
            .values({status: None, claimed_at: None})
            .execution_options(synchronize_session=False)
        )


def _settle(
    invitation_id: int, reminder: bool, status: str, error: str | None, actor: str | None
) -> bool:
    """Store and audit what became of a claimed e-mail, if it is still "sending" (the
    first to settle a claim wins: its sender, or ``send_due`` once the lease is over)."""
    if reminder:
        values = {
            Invitation.reminder_status: status,
            Invitation.reminder_error: error,
            Invitation.reminder_sent_at: invitations.utcnow() if status == SENT else None,
            # Nothing more will be sent.
            Invitation.email_sealed: None,
            Invitation.link_sealed: None,
        }
    else:
        values = {
            Invitation.email_status: status,
            Invitation.email_error: error,
            Invitation.email_sent_at: invitations.utcnow() if status == SENT else None,
        }
        if status == FAILED:  # no reminder after a failure
            values |= {Invitation.email_sealed: None, Invitation.link_sealed: None}
    with write():
        settled = db.session.execute(
            update(Invitation)
            .where(Invitation.id == invitation_id, _columns(reminder)[0] == SENDING)
            .values(values)
            .execution_options(synchronize_session=False)
        )
        if settled.rowcount == 1:  # the outcome and its audit row are stored together
            db.session.add(
                audit.event(
                    "invitation.remind" if reminder else "invitation.email",
                    reference=invitations.reference_to(invitation_id),
                    outcome=status,
                    detail=error,
                    actor=actor,
                )
            )
    return settled.rowcount == 1


def send(
    invitation_id: int, kind: str = INVITATION, actor: str | None = None, claimed: bool = False
) -> str | None:
    """Send the invitation's e-mail (``kind``: the invitation, a series' next screening
    opening, or the reminder) now, if this call claims it (or ``claimed``: the caller
    did, with ``attach``); store and audit the outcome.

    Returns "sent" or "failed", or None when there is nothing for this call to send (no
    address kept, already sent or being sent by another worker, the invitation can no
    longer be started, or this process has no SMTP settings). Call it outside a write:
    SMTP can take seconds, and no lock is held meanwhile.
    """
    reminder = kind == REMINDER
    if not claimed and not mailer.enabled():
        # A worker without the SMTP settings the web processes have: leave the e-mail
        # unclaimed ("being sent") for a worker that has them, rather than fail it.
        return None
    if not claimed and not _claim(invitation_id, reminder):
        return None
    invitation = db.session.get(Invitation, invitation_id, populate_existing=True)
    if invitation is None or invitation.email_sealed is None:
        # It ended (revoked, or expired and its address erased) after the claim: there is
        # nothing to send and nothing failed, so the claim is given back, not settled.
        db.session.rollback()
        _release(invitation_id, reminder)
        return None
    address = unseal(invitation.email_sealed, ADDRESS)
    link = unseal(invitation.link_sealed, LINK)
    message = _body(invitation, link, kind) if address and link else None
    db.session.rollback()  # end the read: nothing is held while the server answers
    error = None if message else UNREADABLE
    if message:
        try:
            mailer.send(address, *message)
        except mailer.MailError as exc:
            error = str(exc)
    status = FAILED if error else SENT
    return status if _settle(invitation_id, reminder, status, error, actor) else None


def settle_interrupted(now: dt.datetime | None = None) -> int:
    """Claims older than the lease: their sender died mid-send. Shown as failed (the
    e-mail may or may not have left), never sent again. Run every minute, with SMTP set
    up or not (a claim may outlive the settings)."""
    now = now or invitations.utcnow()
    settled = 0
    for reminder in (False, True):
        status, claimed_at = _columns(reminder)
        stale = list(
            db.session.scalars(
                select(Invitation.id).where(status == SENDING, claimed_at <= now - CLAIM_LEASE)
            )
        )
        db.session.rollback()
        for row_id in stale:
            settled += _settle(row_id, reminder, FAILED, INTERRUPTED, "worker")
    return settled


def reminder_at(sent_at: dt.datetime, expires_at: dt.datetime, days: int) -> dt.datetime:
    """When the reminder is due: ``days`` before the expiry, but never in the first half
    of the time the patient had after the first e-mail, so that an invitation shorter
    than ``days`` is not reminded of a minute after it was sent."""
    return max(expires_at - dt.timedelta(days=days), sent_at + (expires_at - sent_at) / 2)


def send_due(now: dt.datetime | None = None) -> int:
    """Send what is due: a first e-mail not yet sent, a series' next screening as it
    opens, and each reminder; settle claims whose sender died; erase the address and
    link of invitations that have ended. Returns how many this call sent or settled."""
    now = now or invitations.utcnow()
    settled = settle_interrupted(now)
    days = int(current_app.config.get("INVITATION_REMINDER_DAYS", 3))
    rows = list(db.session.scalars(select(Invitation).where(Invitation.email_sealed.is_not(None))))
    due, ended = [], []
    for row in rows:
        state = row.state(now)
        if state not in invitations.OPEN_STATES:
            ended.append(row.id)
        elif state not in ("issued", "opened"):
            continue  # scheduled, or started: nothing to send yet, or any more
        elif row.email_status is None:
            # A series' later screening as it opens; a first e-mail whose queue
            # message was lost (it is normally sent at once, by the message).
            later = row.series_position is not None and row.series_position > 1
            due.append((row.id, OPENING if later else INVITATION))
        elif (
            row.email_status == SENT
            and row.reminder_status is None
            and now >= reminder_at(row.email_sent_at, row.expires_at, days)
        ):
            due.append((row.id, REMINDER))
    if ended:
        with write():
            for row_id in ended:
                row = db.session.get(Invitation, row_id, populate_existing=True)
                row.email_sealed = row.link_sealed = None
    db.session.rollback()
    sent = [send(row_id, kind, actor="worker") for row_id, kind in due]
    return settled + sum(1 for outcome in sent if outcome is not None)


def delivery(invitation: Invitation) -> str:
    """What the invitations list says of the e-mails: "" when none was asked for."""
    parts = []
    now = invitations.utcnow()
    if invitation.email_status == SENT:
        parts.append("E-mailed")
    elif invitation.email_status == FAILED:
        parts.append(f"E-mail failed ({invitation.email_error})")
    elif invitation.email_status == SENDING:
        parts.append("E-mail being sent")
    elif invitation.email_sealed is not None and invitation.state(now) in ("issued", "opened"):
        # Due and not claimed yet: a worker takes it within a minute. Much later, no
        # worker that can send is running; saying "being sent" would hide that.
        if now - (invitation.opens_at or invitation.created_at) > UNSENT_WARNING:
            parts.append(UNSENT)
        else:
            parts.append("E-mail being sent")
    if invitation.reminder_status == SENDING:
        parts.append("reminder being sent")
    elif invitation.reminder_status == SENT:
        parts.append("reminder sent")
    elif invitation.reminder_status == FAILED:
        parts.append(f"reminder failed ({invitation.reminder_error})")
    return "; ".join(parts)
