"""An invitation: a clinic asks one patient to screen themself, by link or kiosk code.

Nothing in the row names the patient. The clinic's own reference for them (``label``)
is health data, so it is kept encrypted (``services.invitations`` seals it); the link
token and the kiosk code are kept only as hashes, like the resume tokens, so a copy of
the database cannot be used to open an invitation.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ColumnElement, ForeignKey, String, Text, and_, or_
from sqlalchemy.orm import Mapped, mapped_column

from screener.database import UTCDateTime, utcnow
from screener.extensions import db

# "scheduled" is a later invitation of a series whose date has not come yet; the other
# states are those of any invitation.
STATES = ("scheduled", "issued", "opened", "started", "completed", "expired", "revoked")


class InvitationSeries(db.Model):
    """Repeat screens: ``times`` invitations, ``every_weeks`` weeks apart, one link.

    Each screening of a series is an ordinary invitation (one completion each, the same
    states), so a series adds no new way to use an invitation: it only dates them
    (``Invitation.opens_at``) and gives the patient one link and one kiosk code that
    always open the one that is due. The link and code are kept hashed, like an
    invitation's; the row holds no health data (the label stays on each invitation).
    """

    __tablename__ = "invitation_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    every_weeks: Mapped[int]
    times: Mapped[int]
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Invitation(db.Model):
    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Fernet ciphertext of the clinic's label; None when no label was given.
    label_sealed: Mapped[str | None] = mapped_column(Text)
    instruments: Mapped[list[str]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    opened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The screening it started; SET NULL when retention or erasure deletes that screening.
    screening_id: Mapped[int | None] = mapped_column(
        ForeignKey("screenings.id", ondelete="SET NULL"), unique=True
    )
    # The screening's resume token, sealed, so the invitation can reopen the screening
    # it started (only the token's hash is kept on the screening itself).
    resume_sealed: Mapped[str | None] = mapped_column(Text)
    # Repeat screens: the series, this invitation's place in it (1, 2, …) and the time it
    # can first be used; all None for a single invitation, usable at once.
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitation_series.id", ondelete="CASCADE"), index=True
    )
    series_position: Mapped[int | None]
    opens_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Optional e-mail delivery (screener.services.invitation_mail): the address and the
    # link, sealed, kept only while a reminder may still go; what became of the e-mail
    # and of its one reminder ("sending", "sent", "failed"; the error is an exception's
    # type name), and when a sender claimed each ("sending" since then).
    email_sealed: Mapped[str | None] = mapped_column(Text)
    link_sealed: Mapped[str | None] = mapped_column(Text)
    email_status: Mapped[str | None] = mapped_column(String(16))
    email_error: Mapped[str | None] = mapped_column(String(80))
    email_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    email_claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reminder_status: Mapped[str | None] = mapped_column(String(16))
    reminder_error: Mapped[str | None] = mapped_column(String(80))
    reminder_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reminder_claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # When a worker wrote its expiry to the audit trail (screener.services.invitation_expiry).
    expiry_recorded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    def state(self, now: dt.datetime) -> str:
        """One of ``STATES``. Revoked and completed are final; expiry ends the rest."""
        if self.revoked_at is not None:
            return "revoked"
        if self.completed_at is not None:
            return "completed"
        if self.expires_at <= now:
            return "expired"
        if self.opens_at is not None and now < self.opens_at:
            return "scheduled"
        if self.started_at is not None:
            # A draft deleted by retention or erasure cannot be continued.
            return "started" if self.screening_id is not None else "expired"
        return "opened" if self.opened_at is not None else "issued"

    # ``state`` as SQL, for the workers' conditional updates and the invitations list; a
    # test keeps them in step.

    @classmethod
    def _live(cls) -> ColumnElement[bool]:
        """Neither revoked nor completed: the two final states."""
        return and_(cls.revoked_at.is_(None), cls.completed_at.is_(None))

    @classmethod
    def _opened_for_use(cls, now: dt.datetime) -> ColumnElement[bool]:
        """Not a series' later screening whose date is still to come."""
        return or_(cls.opens_at.is_(None), cls.opens_at <= now)

    @classmethod
    def not_started_yet(cls, now: dt.datetime) -> ColumnElement[bool]:
        """In SQL: ``state(now)`` is "issued" or "opened"."""
        return and_(
            cls._live(), cls.expires_at > now, cls._opened_for_use(now), cls.started_at.is_(None)
        )

    @classmethod
    def in_state(cls, state: str, now: dt.datetime) -> ColumnElement[bool]:
        """In SQL: ``state(now) == state`` (the invitations list filters and pages
        with it, so an older invitation in a state is never cut off by a limit)."""
        if state == "revoked":
            return cls.revoked_at.is_not(None)
        if state == "completed":
            return and_(cls.revoked_at.is_(None), cls.completed_at.is_not(None))
        if state == "expired":
            return cls.has_expired(now)
        if state == "scheduled":
            return and_(cls._live(), cls.expires_at > now, cls.opens_at > now)
        if state == "started":
            return and_(
                cls._live(),
                cls.expires_at > now,
                cls._opened_for_use(now),
                cls.started_at.is_not(None),
                cls.screening_id.is_not(None),
            )
        if state == "opened":
            return and_(cls.not_started_yet(now), cls.opened_at.is_not(None))
        if state == "issued":
            return and_(cls.not_started_yet(now), cls.opened_at.is_(None))
        raise ValueError(f"no such state: {state}")

    @classmethod
    def has_expired(cls, now: dt.datetime) -> ColumnElement[bool]:
        """In SQL: ``state(now)`` is "expired"."""
        return and_(
            cls._live(),
            or_(
                cls.expires_at <= now,
                and_(
                    cls._opened_for_use(now),
                    cls.started_at.is_not(None),
                    cls.screening_id.is_(None),
                ),
            ),
        )
