"""render job holder

Which worker process holds a running render (``host:pid``), so that a worker starting on
the same host can give back at once the renders of a worker that died there, instead of
waiting out the lease.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 14:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("render_jobs") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(length=80), nullable=True))


def downgrade():
    with op.batch_alter_table("render_jobs") as batch:
        batch.drop_column("claimed_by")
