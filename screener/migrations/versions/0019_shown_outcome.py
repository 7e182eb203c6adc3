"""shown outcome

Each result's outcome as the worklist, the CSV and the FHIR export show it: the scoring
outcome, except "cannot_tell_treated" for a "no" to the screening question from someone
treated for the condition. The summary already said "cannot tell" for it; the worklist
said "not consistent", which reassures falsely.

Existing rows are filled from what was stored: the result's payload (the screening
question's "no", a raised flag that means "treated") and the pinned definition's text
(whether it words that case as its own outcome), the same test as
``screener.wording.shown_outcome``, written out here so that this migration keeps
meaning what it means today whatever later code does.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 19:30:00

"""

import json

import sqlalchemy as sa
import yaml
from alembic import op

# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

SHOWN = (
    "shown_outcome IN ('consistent', 'possible', 'not_consistent', 'incomplete', "
    "'informational', 'cannot_tell_treated')"
)


def _payload(value):
    return json.loads(value) if isinstance(value, str) else value


def _treated_no(payload) -> bool:
    if (payload.get("details") or {}).get("screen") != "negative":
        return False
    return any(
        "treated" in (flag.get("means") or ())
        for report in (payload.get("reports") or {}).values()
        for flag in (report.get("details") or {}).get("flags") or ()
        if isinstance(flag, dict)
    )


def _words_it_apart(source_text: str) -> bool:
    try:
        document = yaml.safe_load(source_text)
    except yaml.YAMLError:
        return False
    outcomes = document.get("outcomes") if isinstance(document, dict) else None
    return isinstance(outcomes, dict) and "screen_negative_treated" in outcomes


def upgrade():
    with op.batch_alter_table("screening_results") as batch:
        batch.add_column(sa.Column("shown_outcome", sa.String(length=24), nullable=True))
    connection = op.get_bind()
    connection.execute(sa.text("UPDATE screening_results SET shown_outcome = outcome"))
    rows = connection.execute(
        sa.text(
            "SELECT r.id, r.payload, v.source_text FROM screening_results r "
            "JOIN content_versions v ON v.id = r.content_version_id "
            "WHERE r.outcome = 'not_consistent'"
        )
    )
    treated = [
        row.id
        for row in rows
        if _treated_no(_payload(row.payload)) and _words_it_apart(row.source_text)
    ]
    if treated:
        connection.execute(
            sa.text(
                "UPDATE screening_results SET shown_outcome = 'cannot_tell_treated' "
                "WHERE id IN :ids"
            ).bindparams(sa.bindparam("ids", expanding=True)),
            {"ids": treated},
        )
    with op.batch_alter_table("screening_results") as batch:
        batch.alter_column("shown_outcome", existing_type=sa.String(length=24), nullable=False)
        batch.create_check_constraint(op.f("ck_screening_results_shown_outcome"), SHOWN)
        batch.create_index(batch.f("ix_screening_results_shown_outcome"), ["shown_outcome"])


def downgrade():
    with op.batch_alter_table("screening_results") as batch:
        batch.drop_index(batch.f("ix_screening_results_shown_outcome"))
        batch.drop_constraint(op.f("ck_screening_results_shown_outcome"), type_="check")
        batch.drop_column("shown_outcome")
