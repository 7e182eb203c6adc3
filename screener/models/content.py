"""Immutable versions of questionnaire definitions and explanatory texts."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm.attributes import get_history

from screener.database import UTCDateTime, utcnow
from screener.extensions import db


class ImmutableVersionError(RuntimeError):
    """Something tried to change a stored version; only publishing a draft is allowed."""


class ContentVersion(db.Model):
    """One exact text of a definition (or of the texts file), never changed once stored.

    Screenings point at these rows, so a later edit of a file creates a new row and
    leaves every past screening, and its PDF, as it was. A row with ``published_at``
    NULL is a draft: saved and previewable, but not offered to new screenings. The
    only changes ever made to a stored row are setting ``published_at`` once, or
    ``discarded_at`` once on a draft nobody published. The ORM
    hook below refuses anything else, and database triggers (migration 0005) refuse it
    for any other path too.

    The same text may be stored again under a later revision (a staff member
    restoring an earlier wording), so ``(key, sha256)`` is indexed, not unique.
    """

    __tablename__ = "content_versions"
    __table_args__ = (
        UniqueConstraint("key", "revision"),
        Index("ix_content_versions_key_sha256", "key", "sha256"),
        CheckConstraint("kind IN ('questionnaire', 'texts')", name="kind"),
        CheckConstraint("revision >= 1", name="revision_positive"),
        CheckConstraint(
            "based_on_revision IS NULL OR based_on_revision < revision", name="based_on_earlier"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(40), index=True)
    version: Mapped[str] = mapped_column(String(20))
    revision: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    source_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The revision the editor was showing when this one was saved (None for imports).
    based_on_revision: Mapped[int | None]
    # What the staff member says they changed, shown in the version list.
    note: Mapped[str | None] = mapped_column(String(300))
    # Set once when staff discard an unpublished draft; the row itself is kept.
    discarded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    @property
    def label(self) -> str:
        return f"{self.key} {self.version} (rev {self.revision})"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


@event.listens_for(ContentVersion, "before_update")
def _refuse_changes(mapper, _connection, target: ContentVersion) -> None:
    """Stored versions are immutable: the ORM refuses any change but publishing a draft."""
    for attribute in mapper.column_attrs:
        history = get_history(target, attribute.key)
        if not history.has_changes():
            continue
        if attribute.key == "published_at" and all(old is None for old in history.deleted):
            continue
        if (
            attribute.key == "discarded_at"
            and target.published_at is None
            and all(old is None for old in history.deleted)
        ):
            continue
        raise ImmutableVersionError(
            f"{target.label} is stored and cannot be changed ({attribute.key}); "
            "save a new revision instead"
        )
