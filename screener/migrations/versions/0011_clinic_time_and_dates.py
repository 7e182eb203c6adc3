"""clinic time zone and date order; no "Your clinic" placeholder name

Times and dates on the portal pages and in the PDF follow the clinic's own time zone
and date order, which staff now set on the settings page. Existing rows keep no zone
(NULL), which means the configured SCREENER_TIMEZONE they used so far, and read dates
day-month-year as the PDF did.

The placeholder name "Your clinic" was shown to patients when nobody set one; it is
cleared, so the pages use neutral wording and a production ``screener init`` asks for
the real name.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 11:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

PLACEHOLDER = "Your clinic"


def upgrade():
    with op.batch_alter_table("clinic_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("date_order", sa.String(length=8), server_default="dmy", nullable=False)
        )
        batch_op.create_check_constraint("date_order_known", "date_order IN ('dmy', 'mdy', 'iso')")
    settings = sa.table("clinic_settings", sa.column("name", sa.String))
    # Only this exact placeholder, which no clinic chose as its name.
    op.execute(settings.update().where(settings.c.name == PLACEHOLDER).values(name=""))


def downgrade():
    with op.batch_alter_table("clinic_settings", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_clinic_settings_date_order_known"), type_="check")
        batch_op.drop_column("date_order")
        batch_op.drop_column("timezone")
