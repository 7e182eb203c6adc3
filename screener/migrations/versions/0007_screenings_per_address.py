"""screenings per address

The waiting room's limit on new screenings per address becomes a clinic setting.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 07:30:00

"""

import sqlalchemy as sa
from alembic import op

import screener.database  # noqa: F401

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("clinic_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("screenings_per_address", sa.Integer(), server_default="30", nullable=False)
        )
        batch_op.create_check_constraint(
            "screenings_per_address_positive", "screenings_per_address >= 1"
        )


def downgrade():
    # The limit goes back to the built-in 30 per 10 minutes.
    with op.batch_alter_table("clinic_settings", schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f("ck_clinic_settings_screenings_per_address_positive"), type_="check"
        )
        batch_op.drop_column("screenings_per_address")
