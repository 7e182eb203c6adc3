"""content editing

Drafts and revisions for the staff editor, and the draft retention period.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 22:20:00

"""

import sqlalchemy as sa
from alembic import op

import screener.database  # noqa: F401

# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("content_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("based_on_revision", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("note", sa.String(length=300), nullable=True))
        # A restored earlier wording is stored again as a new revision.
        batch_op.drop_constraint("uq_content_versions_key_sha256", type_="unique")
        batch_op.create_index("ix_content_versions_key_sha256", ["key", "sha256"], unique=False)
        batch_op.create_check_constraint(
            "based_on_earlier", "based_on_revision IS NULL OR based_on_revision < revision"
        )

    with op.batch_alter_table("clinic_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("draft_retention_days", sa.Integer(), server_default="7", nullable=False)
        )
        batch_op.create_check_constraint("draft_retention_positive", "draft_retention_days >= 1")


def downgrade():
    # Fails if a restored wording was stored twice: remove the later copy first.
    with op.batch_alter_table("clinic_settings", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_clinic_settings_draft_retention_positive"), type_="check")
        batch_op.drop_column("draft_retention_days")

    with op.batch_alter_table("content_versions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_content_versions_based_on_earlier"), type_="check")
        batch_op.drop_index("ix_content_versions_key_sha256")
        batch_op.create_unique_constraint("uq_content_versions_key_sha256", ["key", "sha256"])
        batch_op.drop_column("note")
        batch_op.drop_column("based_on_revision")
