"""invitation email claims

When each e-mail of an invitation was taken for sending ("sending" in its status): one
sender claims it with a conditional update, so two workers never send the same e-mail,
and a claim left by a sender that died is settled as failed after a lease.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 10:00:00

"""

import sqlalchemy as sa
from alembic import op

import screener.database

# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    when = screener.database.UTCDateTime(timezone=True)
    with op.batch_alter_table("invitations") as batch:
        batch.add_column(sa.Column("email_claimed_at", when, nullable=True))
        batch.add_column(sa.Column("reminder_claimed_at", when, nullable=True))


def downgrade():
    with op.batch_alter_table("invitations") as batch:
        batch.drop_column("reminder_claimed_at")
        batch.drop_column("email_claimed_at")
