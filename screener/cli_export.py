"""``screener export fhir CODE``: the FHIR R4 Bundle of one screening, on standard output.

It is the Bundle the API serves for the same code (``screener.fhir.bundle_for``), and
the export is audited like a download (actor ``cli``). Exit code 2: no submitted
screening has that code.
"""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from screener import audit, fhir
from screener.codes import format_code
from screener.services import screenings


@click.group("export", cls=AppGroup)
def export_group() -> None:
    """Export screenings for other systems."""


@export_group.command("fhir")
@click.argument("code")
def fhir_command(code: str) -> None:
    """Print the FHIR R4 Bundle (JSON) of the screening with reference code CODE."""
    screening = screenings.by_code(code)
    if screening is None or screening.status != "submitted":
        audit.record(
            "screening.fhir", reference=code.strip()[:40], outcome="not_found", actor="cli"
        )
        click.echo("Error: no submitted screening has this reference code.", err=True)
        sys.exit(2)
    audit.record("screening.fhir", reference=format_code(screening.reference_code), actor="cli")
    click.echo(fhir.to_json(fhir.bundle_for(screening)))
