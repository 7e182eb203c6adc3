"""``screener tokens create|list|revoke``: service tokens for the API, from the shell.

They call the same service as the admin page and leave the same audit rows (actor
``cli``). ``create`` prints the token once, on the last line of its output, so a
script can take it with ``tail -n 1``. Exit code 2 means nothing was changed.
"""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from screener import audit
from screener.database import utcnow
from screener.services import tokens
from screener.unit_of_work import change


@click.group("tokens", cls=AppGroup)
def tokens_group() -> None:
    """Manage the service tokens other systems call the API with."""


@tokens_group.command("create")
@click.argument("name")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    type=click.Choice(list(tokens.SCOPES)),
    help="Repeat for several scopes.",
)
@click.option(
    "--days",
    default=tokens.DEFAULT_DAYS,
    show_default=True,
    type=int,
    help=f"Days until it expires (at most {tokens.MAX_DAYS}).",
)
def create_command(name: str, scopes: tuple[str, ...], days: int) -> None:
    """Make a token; it is printed once, on the last line."""
    try:
        tokens.check_new(name, scopes, days)
    except tokens.TokenError as exc:
        audit.record("token.create", reference=name[:60], outcome="refused", actor="cli")
        _refuse(str(exc))
    with change("token.create", reference=name, detail=",".join(sorted(scopes)), actor="cli"):
        row, token = tokens.create(name, scopes, days, created_by="cli")
    click.echo(f"Created token {row.name} with scopes: {', '.join(row.scopes)}")
    click.echo(f"It expires {row.expires_at:%Y-%m-%d %H:%M} UTC. It is shown only now:")
    click.echo(token)


@tokens_group.command("list")
def list_command() -> None:
    """List tokens: name, state, scopes, expiry and last use (never the token)."""
    now = utcnow()
    rows = tokens.all_tokens()
    if not rows:
        click.echo("No tokens.")
    for row in rows:
        used = f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never"
        click.echo(
            f"{row.name}\t{row.state(now)}\t{','.join(row.scopes)}\t"
            f"expires {row.expires_at:%Y-%m-%d}\tlast used {used}\t{row.hint}…"
        )


@tokens_group.command("revoke")
@click.argument("name")
def revoke_command(name: str) -> None:
    """Revoke a token by name; it stops working at once."""
    if tokens.active_named(name) is None:
        audit.record("token.revoke", reference=name[:60], outcome="not_found", actor="cli")
        _refuse(f"No usable token is named {name!r}.")
    with change("token.revoke", reference=name, actor="cli"):
        tokens.revoke(name)
    click.echo(f"Revoked token {name}.")


def _refuse(message: str):
    click.echo(f"Error: {message}", err=True)
    sys.exit(2)
