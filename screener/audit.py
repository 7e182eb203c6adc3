"""The audit trail: one row per access to health data and per security event.

``record`` writes in its own short transaction *before* the caller shows anything, so
that if the row cannot be written the caller fails and health data is not returned:
a failed write raises ``AuditUnavailable``, a 503 that the error pages show calmly.

A *change* is audited by ``screener.unit_of_work.change``, in the change's own
transaction. On SQLite, call ``record`` outside a unit of work: the row is written on
its own connection, which would otherwise wait for the request's write lock.

Action names are dotted, area first: ``auth.sign_in``, ``screening.view``,
``screenings.export``, ``user.roles``, ``definition.publish`` ...
Values are cut to size and CR/LF encoded so a crafted value cannot forge log lines.
"""

from __future__ import annotations

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from werkzeug.exceptions import ServiceUnavailable

from screener.extensions import db
from screener.models import AuditEvent


class AuditUnavailable(ServiceUnavailable):
    """The audit row could not be written, so the request must not go on."""


def _clean(value: str | None, limit: int) -> str | None:
    if value is None:
        return None
    return value.replace("\r", "\\r").replace("\n", "\\n")[:limit]


def record(
    action: str,
    *,
    reference: str | None = None,
    outcome: str = "ok",
    detail: str | None = None,
    actor: str | None = None,
    role: str | None = None,
    anonymous_is_patient: bool = False,
) -> None:
    """Write one audit row now, in a separate transaction; raise if it cannot be written.

    ``anonymous_is_patient``: when nobody is signed in, the visitor is a patient. The row
    then names the actor ``patient`` and keeps no address, so the trail does not tie a
    screening to where the patient was (data minimisation).
    """
    row = event(
        action,
        reference=reference,
        outcome=outcome,
        detail=detail,
        actor=actor,
        role=role,
        anonymous_is_patient=anonymous_is_patient,
    )
    try:
        with Session(db.engine) as session, session.begin():
            session.add(row)
    except SQLAlchemyError as exc:
        raise AuditUnavailable() from exc


def event(
    action: str,
    *,
    reference: str | None = None,
    outcome: str = "ok",
    detail: str | None = None,
    actor: str | None = None,
    role: str | None = None,
    anonymous_is_patient: bool = False,
) -> AuditEvent:
    """One audit row, not yet stored: ``record`` writes it at once, a unit of work
    (``screener.unit_of_work``) together with the change it records."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user.email
        role = role or ",".join(sorted(current_user.roles))
    if not has_request_context():
        address = "cli"
    elif anonymous_is_patient and actor is None:
        address, actor = None, "patient"
    else:
        address = request.remote_addr
    return AuditEvent(
        actor=_clean(actor, 254),
        role=_clean(role, 60),
        action=_clean(action, 60),
        reference=_clean(reference, 120),
        outcome=_clean(outcome, 30),
        address=_clean(address, 64),
        detail=_clean(detail, 500),
    )
