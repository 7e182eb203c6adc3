"""clinic urgent-help line

Every results page and PDF carries one line on where to turn if the person feels unsafe.
The clinic may word it with its local services; an empty value means the default, which
names no country-specific number, so existing rows need nothing filled in.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 07:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("clinic_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("urgent_help", sa.String(length=500), server_default="", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("clinic_settings", schema=None) as batch_op:
        batch_op.drop_column("urgent_help")
