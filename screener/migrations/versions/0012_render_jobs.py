"""render jobs: PDF summaries rendered in the background

Each submitted screening gets a row that says how the rendering of its PDF summary
stands (pending, running, done, failed), how often it was tried and when the next try
is due. The queue only wakes a worker up; this table is the durable record, so a lost
queue message is found again and a clinician sees a failed render. Screenings already
submitted get no row: their PDF is rendered, as before, the first time it is asked for
(a row is then added).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 23:40:00

"""

import sqlalchemy as sa
from alembic import op

import screener.database

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "render_jobs",
        sa.Column("screening_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", screener.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", screener.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=80), nullable=True),
        sa.Column("updated_at", screener.database.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'running', 'done', 'failed')",
            name=op.f("ck_render_jobs_status_known"),
        ),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_render_jobs_attempts_not_negative")),
        sa.ForeignKeyConstraint(
            ["screening_id"],
            ["screenings.id"],
            name=op.f("fk_render_jobs_screening_id_screenings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("screening_id", name=op.f("pk_render_jobs")),
    )
    op.create_index(
        "ix_render_jobs_status_next_attempt_at",
        "render_jobs",
        ["status", "next_attempt_at"],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_render_jobs_status_next_attempt_at", table_name="render_jobs")
    op.drop_table("render_jobs")
