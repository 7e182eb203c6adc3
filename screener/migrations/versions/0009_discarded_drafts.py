"""drafts can be discarded

A draft nobody wants any more is marked discarded rather than deleted: stored revisions
are never deleted (migration 0005), so the text and who saved it stay on record, while
the editor, the list and publishing leave it out. Only ``discarded_at`` of an
unpublished row may change, once; the ORM enforces that, and publishing refuses a
discarded draft in the same conditional UPDATE that publishes.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 11:30:00

"""

import sqlalchemy as sa
from alembic import op

import screener.database

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN: SQLite keeps the table, and with it the immutability triggers.
    op.add_column(
        "content_versions",
        sa.Column("discarded_at", screener.database.UTCDateTime(timezone=True), nullable=True),
    )


def downgrade():
    with op.batch_alter_table("content_versions", recreate="never") as batch:
        batch.drop_column("discarded_at")
