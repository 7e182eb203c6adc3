"""Retention and erasure: removing screenings with every copy of their health data.

A screening's answers, results, pinned instruments and stored PDF are all deleted by
the database's ``ON DELETE CASCADE`` when the screening row goes, so one DELETE per
screening removes every copy in one transaction. On SQLite, ``secure_delete`` makes
the freed pages zero-filled and ``finish`` checkpoints the write-ahead log afterwards,
so the deleted bytes do not linger in the database files either.

An invitation's label is health data too: the invitation goes with its submitted or
erased screening, and an invitation that started nothing (or whose draft was deleted)
goes once it is older than the retention period. A deleted draft only unlinks its
invitation, so the link says "expired" rather than "unknown".

The audit trail keeps the event (reference code, who, when, how many) and never the
health data; callers record it after the commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, func, or_, select, text

from screener.database import begin_write, utcnow
from screener.extensions import db
from screener.models import ClinicSettings, Invitation, InvitationSeries, Screening, StoredReport
from screener.services import clinic

BATCH = 500


@dataclass(frozen=True)
class PurgeCounts:
    submitted: int
    drafts: int
    reports: int

    @property
    def screenings(self) -> int:
        return self.submitted + self.drafts

    def describe(self) -> str:
        return (
            f"{self.submitted} submitted screenings, {self.drafts} unfinished screenings "
            f"and {self.reports} stored PDFs"
        )


@dataclass(frozen=True)
class Cutoffs:
    submitted_before: dt.datetime
    drafts_idle_since: dt.datetime
    now: dt.datetime


def cutoffs(now: dt.datetime | None = None, draft_days: int | None = None) -> Cutoffs:
    """The moments before which submitted screenings and idle drafts are past retention."""
    now = now or utcnow()
    settings = db.session.get(ClinicSettings, 1)
    retention = settings.retention_days if settings else clinic.current()["retention_days"]
    drafts = draft_days or (settings.draft_retention_days if settings else 7)
    return Cutoffs(now - dt.timedelta(days=retention), now - dt.timedelta(days=drafts), now)


def expired_ids(limits: Cutoffs) -> tuple[list[int], list[int]]:
    """Ids of submitted screenings past retention, and of drafts left idle too long.

    A draft started from an invitation is kept while the invitation runs (not expired,
    not revoked): the letter promises the link works until its date, and the patient
    may come back to it any time before then, however long that is."""
    submitted = db.session.scalars(
        select(Screening.id).where(
            Screening.status == "submitted", Screening.submitted_at < limits.submitted_before
        )
    ).all()
    drafts = db.session.scalars(
        select(Screening.id).where(
            Screening.status == "draft",
            Screening.updated_at < limits.drafts_idle_since,
            ~select(Invitation.id)
            .where(
                Invitation.screening_id == Screening.id,
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > limits.now,
            )
            .exists(),
        )
    ).all()
    return list(submitted), list(drafts)


def purge(
    now: dt.datetime | None = None, draft_days: int | None = None, *, dry_run: bool = False
) -> PurgeCounts:
    """Delete every screening past its retention period; the caller commits.

    Submitted screenings go ``retention_days`` after submission, unfinished ones
    ``draft_retention_days`` after the patient last saved a step (or, for one started
    from an invitation, once the invitation has also ended).
    """
    begin_write()
    _secure_delete()
    limits = cutoffs(now, draft_days)
    submitted, drafts = expired_ids(limits)
    ids = submitted + drafts
    if not dry_run:
        _delete_invitations(submitted)
        # Unused invitations go after the retention period; a series' later ones only
        # once their own window has also passed (a long series outlives the period).
        db.session.execute(
            delete(Invitation).where(
                Invitation.screening_id.is_(None),
                Invitation.created_at < limits.submitted_before,
                or_(Invitation.opens_at.is_(None), Invitation.expires_at < limits.submitted_before),
            )
        )
        # A series with no invitation left has nothing to open.
        db.session.execute(
            delete(InvitationSeries).where(
                InvitationSeries.created_at < limits.submitted_before,
                ~select(Invitation.id).where(Invitation.series_id == InvitationSeries.id).exists(),
            )
        )
    reports = 0
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        reports += _count_reports(batch)
        if not dry_run:
            _delete(batch)
    return PurgeCounts(len(submitted), len(drafts), reports)


def erase(screening: Screening) -> int:
    """Delete one screening and everything stored with it; return the PDFs deleted."""
    begin_write()
    _secure_delete()
    reports = _count_reports([screening.id])
    _delete_invitations([screening.id])
    _delete([screening.id])
    return reports


def finish(full: bool = False) -> None:
    """After the commit: make the deletion real in the database's own files.

    SQLite: push the deleted pages (overwritten with zeros by ``secure_delete``) out of
    its write-ahead log. PostgreSQL: a DELETE only marks rows dead; they stay in the table
    files until VACUUM, so vacuum every table that holds health data (outside a
    transaction, as VACUUM requires). ``full`` rewrites those tables into new files
    (VACUUM FULL), which locks them meanwhile: for a maintenance window. What stays in
    PostgreSQL's WAL and in backups is described in docs/operations.md.
    """
    dialect = db.engine.dialect.name
    if dialect == "sqlite":
        with db.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    elif dialect == "postgresql":
        verb = "VACUUM (FULL)" if full else "VACUUM"
        quote = db.engine.dialect.identifier_preparer.quote
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in health_tables():
                connection.exec_driver_sql(f"{verb} {quote(table)}")


def health_tables() -> list[str]:
    """``screenings`` and every table that refers to it, directly or through another."""
    names = [Screening.__tablename__]
    for table in db.metadata.sorted_tables:  # parents come before the tables that refer
        if any(fk.column.table.name in names for fk in table.foreign_keys):
            names.append(table.name)
    return names


def _delete(ids: list[int]) -> None:
    if not ids:
        return
    db.session.execute(
        delete(Screening).where(Screening.id.in_(ids)).execution_options(synchronize_session=False)
    )
    db.session.expire_all()


def _delete_invitations(screening_ids: list[int]) -> None:
    for start in range(0, len(screening_ids), BATCH):
        batch = screening_ids[start : start + BATCH]
        db.session.execute(
            delete(Invitation)
            .where(Invitation.screening_id.in_(batch))
            .execution_options(synchronize_session=False)
        )


def _count_reports(ids: list[int]) -> int:
    if not ids:
        return 0
    return (
        db.session.scalar(
            select(func.count()).select_from(StoredReport).where(StoredReport.screening_id.in_(ids))
        )
        or 0
    )


def _secure_delete() -> None:
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("PRAGMA secure_delete = ON"))
