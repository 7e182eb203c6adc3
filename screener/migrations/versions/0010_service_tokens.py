"""service tokens

Tokens other systems use to call /api/v1: stored hashed, with scopes, an expiry, the
time of last use, and revoked rather than deleted so the audit trail can name them.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 11:30:00

"""

import sqlalchemy as sa
from alembic import op

import screener.database

# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "service_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("hint", sa.String(length=16), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", screener.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", screener.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", screener.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", screener.database.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("length(name) > 0", name=op.f("ck_service_tokens_name_given")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_service_tokens_token_hash")),
    )
    op.create_index(
        "uq_service_tokens_active_name",
        "service_tokens",
        ["name"],
        unique=True,
        sqlite_where=sa.text("revoked_at IS NULL"),
        postgresql_where=sa.text("revoked_at IS NULL"),
    )


def downgrade():
    op.drop_index("uq_service_tokens_active_name", table_name="service_tokens")
    op.drop_table("service_tokens")
