"""One write protocol for views, services and the CLI: a unit of work.

In the spirit of Indico's ``RH.process``: a change runs inside ``change(...)`` (or
``write()`` when nothing is audited), which

- starts the write transaction: on SQLite with ``BEGIN IMMEDIATE`` (the write lock up
  front), on PostgreSQL with a ``BEGIN`` after a request's autocommit reads (see
  ``screener.database``);
- commits once at the end of the block, or rolls back if the block raises;
- writes the change's audit row *in the same transaction*, so a change and its audit row
  are stored together or not at all (an audit row that cannot be written undoes the
  change), and the row says what really happened;
- when the block calls ``refuse(reason)``, rolls everything back and records the refusal
  (in its own short transaction, after the rollback), so a refused change is audited once,
  as refused, never "ok" and then "refused".

Reading health data is audited *before* it is shown, with ``screener.audit.record``
(outside any unit of work): that is the other half of the audit rule.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from screener import audit
from screener.database import IN_UNIT, start_write
from screener.extensions import db


@dataclass
class Change:
    """What a unit of work records; the block may fill in ``reference`` and ``detail``."""

    action: str | None
    reference: str | None = None
    detail: str | None = None
    anonymous_is_patient: bool = False
    actor: str | None = None  # who, when nobody is signed in (the CLI: "cli")
    role: str | None = None
    refused: str | None = None  # the reason, once ``refuse`` was called

    def refuse(self, reason: str) -> None:
        """Undo everything in this unit and record the change as refused, with ``reason``."""
        self.refused = reason


@contextmanager
def change(
    action: str | None,
    *,
    reference: str | None = None,
    detail: str | None = None,
    anonymous_is_patient: bool = False,
    actor: str | None = None,
    role: str | None = None,
) -> Iterator[Change]:
    """Run the block as one audited write transaction (see the module docstring)."""
    work = Change(action, reference, detail, anonymous_is_patient, actor, role)
    session = db.session()
    if session.info.get(IN_UNIT):
        raise RuntimeError("units of work do not nest: one commit per change")
    start_write(session, refuse_pending=True)
    session.info[IN_UNIT] = True
    try:
        yield work
        if work.refused is None:
            if work.action:
                db.session.add(
                    audit.event(
                        work.action,
                        reference=work.reference,
                        detail=work.detail,
                        actor=work.actor,
                        role=work.role,
                        anonymous_is_patient=work.anonymous_is_patient,
                    )
                )
            db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        session.info.pop(IN_UNIT, None)
    if work.refused is not None:
        db.session.rollback()
        if work.action:
            reason = work.refused if work.detail is None else f"{work.detail}; {work.refused}"
            audit.record(
                work.action,
                reference=work.reference,
                outcome="refused",
                detail=reason,
                actor=work.actor,
                role=work.role,
                anonymous_is_patient=work.anonymous_is_patient,
            )


@contextmanager
def write() -> Iterator[Change]:
    """A write transaction with no audit row of its own (a patient's answers, a sign-in's
    last-login time): commit at the end of the block, roll back if it raises."""
    with change(None) as work:
        yield work
