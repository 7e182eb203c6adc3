"""stored definition versions are immutable in the database

Past screenings and their PDFs are read from the exact text they were pinned to, so a
stored ``content_versions`` row must never change. The ORM already refuses such changes;
these triggers make the database refuse them too (on SQLite and PostgreSQL), so a bug,
a script or a borrowed database session cannot rewrite what a patient answered. The
only changes allowed are the ones the app makes: publishing a draft once (setting
``published_at`` where it was NULL) and forgetting who saved it when that account is
deleted (``created_by_id`` set to NULL by its foreign key). Rows are never deleted.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 00:40:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

MESSAGE = "content_versions rows are immutable"
# Every column that must keep its stored value.
FIXED = (
    "id",
    "kind",
    "key",
    "version",
    "revision",
    "title",
    "sha256",
    "source_text",
    "created_at",
    "based_on_revision",
    "note",
)


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        new = ", ".join(f"NEW.{column}" for column in FIXED)
        old = ", ".join(f"OLD.{column}" for column in FIXED)
        op.execute(
            f"""
            CREATE FUNCTION content_versions_immutable() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE'
                   OR ROW({new}) IS DISTINCT FROM ROW({old})
                   OR (OLD.published_at IS NOT NULL
                       AND NEW.published_at IS DISTINCT FROM OLD.published_at)
                   OR (NEW.created_by_id IS NOT NULL
                       AND NEW.created_by_id IS DISTINCT FROM OLD.created_by_id) THEN
                    RAISE EXCEPTION '{MESSAGE}';
                END IF;
                RETURN NEW;
            END
            $$
            """
        )
        op.execute(
            "CREATE TRIGGER content_versions_immutable BEFORE UPDATE OR DELETE "
            "ON content_versions FOR EACH ROW EXECUTE FUNCTION content_versions_immutable()"
        )
        return
    unchanged = " AND ".join(f"NEW.{column} IS OLD.{column}" for column in FIXED)
    op.execute(
        "CREATE TRIGGER content_versions_no_update BEFORE UPDATE ON content_versions "
        f"WHEN NOT ({unchanged} "
        "AND (OLD.published_at IS NULL OR NEW.published_at IS OLD.published_at) "
        "AND (NEW.created_by_id IS NULL OR NEW.created_by_id IS OLD.created_by_id)) "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    )
    op.execute(
        "CREATE TRIGGER content_versions_no_delete BEFORE DELETE ON content_versions "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS content_versions_immutable ON content_versions")
        op.execute("DROP FUNCTION IF EXISTS content_versions_immutable()")
        return
    for verb in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS content_versions_no_{verb}")
