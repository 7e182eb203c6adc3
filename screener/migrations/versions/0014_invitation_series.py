"""invitation series

Repeat screens: a series row gives one link and one kiosk code (stored hashed) for
``times`` invitations made ``every_weeks`` weeks apart; each invitation says which series
it belongs to, its place in it and when it can first be used.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 01:00:00

"""

import sqlalchemy as sa
from alembic import op

import screener.database

# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    when = screener.database.UTCDateTime(timezone=True)
    op.create_table(
        "invitation_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("every_weeks", sa.Integer(), nullable=False),
        sa.Column("times", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitation_series")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_invitation_series_code_hash")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invitation_series_token_hash")),
    )
    with op.batch_alter_table("invitations") as batch:
        batch.add_column(sa.Column("series_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("series_position", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("opens_at", when, nullable=True))
        batch.create_foreign_key(
            op.f("fk_invitations_series_id_invitation_series"),
            "invitation_series",
            ["series_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_index(op.f("ix_invitations_series_id"), ["series_id"])


def downgrade():
    with op.batch_alter_table("invitations") as batch:
        batch.drop_index(op.f("ix_invitations_series_id"))
        batch.drop_constraint(
            op.f("fk_invitations_series_id_invitation_series"), type_="foreignkey"
        )
        batch.drop_column("opens_at")
        batch.drop_column("series_position")
        batch.drop_column("series_id")
    op.drop_table("invitation_series")
