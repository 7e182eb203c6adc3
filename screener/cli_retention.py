"""Operator commands for retention: ``screener purge`` and ``screener erase CODE``.

Both call the same service as the admin page and leave an audit row that names what
was deleted (counts, the reference code) and never the health data itself.
"""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from screener import codes, unit_of_work
from screener.extensions import db
from screener.services import retention, screenings

FULL_HELP = (
    "PostgreSQL: rewrite the tables that held the deleted data into new files "
    "(VACUUM FULL; locks them meanwhile). A plain VACUUM always runs."
)


@click.command("purge")
@click.option(
    "--drafts-days",
    type=click.IntRange(1, 3650),
    help="Delete unfinished screenings idle this many days (default: the clinic setting).",
)
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
@click.option("--vacuum-full", is_flag=True, help=FULL_HELP)
@with_appcontext
def purge_command(drafts_days: int | None, dry_run: bool, vacuum_full: bool) -> None:
    """Delete screenings past the clinic's retention period, stored PDFs included."""
    if dry_run:
        counts = retention.purge(draft_days=drafts_days, dry_run=True)
        db.session.rollback()
        click.echo(f"Dry run: would delete {counts.describe()}.")
        return
    with unit_of_work.change("retention.purge", actor="cli", role="operator") as work:
        counts = retention.purge(draft_days=drafts_days)
        work.detail = f"deleted {counts.describe()}"
    retention.finish(full=vacuum_full)
    click.echo(f"Deleted {counts.describe()}.")


@click.command("erase")
@click.argument("reference_code")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--vacuum-full", is_flag=True, help=FULL_HELP)
@with_appcontext
def erase_command(reference_code: str, yes: bool, vacuum_full: bool) -> None:
    """Erase one screening (answers, results, stored PDF) by its reference code."""
    screening = screenings.by_code(reference_code)
    if screening is None:
        click.echo("Error: no screening has that reference code", err=True)
        sys.exit(2)
    shown = codes.format_code(screening.reference_code)
    if not yes:
        click.confirm(f"Erase screening {shown} and its PDF for good?", abort=True)
    code = screening.reference_code
    with unit_of_work.change(
        "screening.erase", reference=code, actor="cli", role="operator"
    ) as work:
        reports = retention.erase(screening)
        work.detail = f"erased with {reports} stored PDF(s)"
    retention.finish(full=vacuum_full)
    click.echo(f"Erased screening {shown}.")
