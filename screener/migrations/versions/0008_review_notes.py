"""review notes

A second review used to overwrite the first one's note, time and reviewer. Each review
is now a row of ``review_notes`` (who, when, what), and the screening keeps only the time
and reviewer of the latest review for the worklist's filter. Existing notes move over
with the time and reviewer they were saved with; the way down keeps each screening's
latest note.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 08:10:00

"""

import sqlalchemy as sa
from alembic import op

import screener.database

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "review_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("screening_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(length=254), nullable=True),
        sa.Column("created_at", screener.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_review_notes_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["screening_id"],
            ["screenings.id"],
            name=op.f("fk_review_notes_screening_id_screenings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_notes")),
    )
    op.create_index(
        op.f("ix_review_notes_screening_id"), "review_notes", ["screening_id"], unique=False
    )
    # Every screening reviewed so far becomes one review, note or not.
    op.execute(
        """
        INSERT INTO review_notes (screening_id, author_id, author, created_at, note)
        SELECT s.id, s.reviewed_by_id, u.email, s.reviewed_at, s.review_note
        FROM screenings s LEFT JOIN users u ON u.id = s.reviewed_by_id
        WHERE s.reviewed_at IS NOT NULL
        ORDER BY s.reviewed_at, s.id
        """
    )
    # A plain ALTER TABLE (SQLite 3.35+), not a batch copy: copying ``screenings`` would
    # drop the old table, and with foreign keys on that deletes every answer with it.
    op.drop_column("screenings", "review_note")


def downgrade():
    op.add_column("screenings", sa.Column("review_note", sa.Text(), nullable=True))
    # The latest review's note (the one the old page showed) goes back on the screening.
    op.execute(
        """
        UPDATE screenings SET review_note = (
            SELECT r.note FROM review_notes r
            WHERE r.screening_id = screenings.id
            ORDER BY r.created_at DESC, r.id DESC
            LIMIT 1
        )
        """
    )
    op.drop_index(op.f("ix_review_notes_screening_id"), table_name="review_notes")
    op.drop_table("review_notes")
