"""invitation expiry recorded

When a worker recorded the invitation's expiry in the audit trail: expiry is a moment
passing, not a request, so a worker records it once (a conditional update claims it).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 10:30:00

"""

import sqlalchemy as sa
from alembic import op

import screener.database

# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("invitations") as batch:
        batch.add_column(
            sa.Column(
                "expiry_recorded_at", screener.database.UTCDateTime(timezone=True), nullable=True
            )
        )


def downgrade():
    with op.batch_alter_table("invitations") as batch:
        batch.drop_column("expiry_recorded_at")
