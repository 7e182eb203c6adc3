"""invitations

Clinicians and staff invite a patient with a link or a kiosk code. The link token and
the code are stored hashed, the clinic's label encrypted; the lifecycle times say what
happened to the invitation, and ``screening_id`` ties it to the screening it started.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 00:00:00

"""

import sqlalchemy as sa
from alembic import op

import screener.database

# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    when = screener.database.UTCDateTime(timezone=True)
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("label_sealed", sa.Text(), nullable=True),
        sa.Column("instruments", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.Column("expires_at", when, nullable=False),
        sa.Column("opened_at", when, nullable=True),
        sa.Column("started_at", when, nullable=True),
        sa.Column("completed_at", when, nullable=True),
        sa.Column("revoked_at", when, nullable=True),
        sa.Column("screening_id", sa.Integer(), nullable=True),
        sa.Column("resume_sealed", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["screening_id"],
            ["screenings.id"],
            name=op.f("fk_invitations_screening_id_screenings"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_invitations_code_hash")),
        sa.UniqueConstraint("screening_id", name=op.f("uq_invitations_screening_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invitations_token_hash")),
    )
    op.create_index(op.f("ix_invitations_expires_at"), "invitations", ["expires_at"])


def downgrade():
    op.drop_index(op.f("ix_invitations_expires_at"), table_name="invitations")
    op.drop_table("invitations")
