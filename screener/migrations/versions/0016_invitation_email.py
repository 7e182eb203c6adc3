"""invitation email

Optional e-mail delivery of an invitation and its one reminder: the address and the link
(each sealed, kept only until the reminder is settled or the invitation ends) and what
became of each e-mail, so a failure is shown and never reported as sent.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 14:30:00

"""

import sqlalchemy as sa
from alembic import op

import screener.database

# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    when = screener.database.UTCDateTime(timezone=True)
    with op.batch_alter_table("invitations") as batch:
        batch.add_column(sa.Column("email_sealed", sa.Text(), nullable=True))
        batch.add_column(sa.Column("link_sealed", sa.Text(), nullable=True))
        batch.add_column(sa.Column("email_status", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("email_error", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("email_sent_at", when, nullable=True))
        batch.add_column(sa.Column("reminder_status", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("reminder_error", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("reminder_sent_at", when, nullable=True))


def downgrade():
    with op.batch_alter_table("invitations") as batch:
        for name in (
            "reminder_sent_at",
            "reminder_error",
            "reminder_status",
            "email_sent_at",
            "email_error",
            "email_status",
            "link_sealed",
            "email_sealed",
        ):
            batch.drop_column(name)
