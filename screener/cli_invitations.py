"""``screener invitations create|revoke``: invitations from the shell, as in the portal.

``create`` prints the link on one line and the kiosk code on the next, and nothing else
on standard output, so a script can take them with ``head -n 1`` and ``tail -n 1``.
Both commands leave the same audit rows as the portal (actor ``cli``); exit code 2
means nothing was changed. The label is never printed or audited.
"""

from __future__ import annotations

import sys

import click
from flask import current_app, url_for
from flask.cli import AppGroup

from screener import unit_of_work
from screener.services import invitation_mail, invitations


@click.group("invitations", cls=AppGroup)
def invitations_group() -> None:
    """Invite patients with a link and a kiosk code."""


@invitations_group.command("create")
@click.option("--label", default="", help="The clinic's own reference for the patient.")
@click.option(
    "--days",
    default=invitations.DEFAULT_DAYS,
    show_default=True,
    type=int,
    help=f"Days until it expires (1 to {invitations.MAX_DAYS}).",
)
@click.option(
    "--instrument",
    "instruments",
    multiple=True,
    metavar="ID",
    help="A questionnaire to ask (repeat for several); the landing page's defaults if none.",
)
@click.option(
    "--email",
    default="",
    help="E-mail the link to the patient now, and one reminder (needs SCREENER_SMTP_HOST).",
)
@click.option(
    "--every-weeks",
    type=int,
    default=None,
    help=f"Repeat screens: weeks between them (1 to {invitations.MAX_EVERY_WEEKS}).",
)
@click.option(
    "--times",
    type=int,
    default=None,
    help=f"Repeat screens: how many (2 to {invitations.MAX_TIMES}).",
)
def create_command(
    label: str,
    days: int,
    instruments: tuple[str, ...],
    email: str,
    every_weeks: int | None,
    times: int | None,
) -> None:
    """Make an invitation (or a series of them); print its link, then its kiosk code.

    With --email the link is e-mailed too; whether that worked goes to standard error."""
    try:
        repeat = invitations.check_series(every_weeks, times, days)
        address = invitation_mail.clean_address(email)
    except invitations.InvitationError as exc:
        _refuse(str(exc))
    with unit_of_work.change("invitation.create", actor="cli") as work:
        try:
            issued = invitations.create_from(label, instruments, days, repeat, created_by="cli")
        except invitations.InvitationError as exc:
            work.refuse(str(exc))
        else:
            work.reference = invitations.reference(issued.invitation)
            work.detail = invitations.audit_detail(issued, days)
            with current_app.test_request_context(base_url=_base_url()):
                link = url_for("patient.invitation", invitation_token=issued.token, _external=True)
            if address:
                invitation_mail.attach(issued, address, link, claim=True)
    if work.refused is not None:
        _refuse(work.refused)
    click.echo(link)
    click.echo(invitations.format_code(issued.code))
    if address:
        emailed = invitation_mail.send(issued.invitation.id, actor="cli", claimed=True)
        if emailed == invitation_mail.SENT:
            click.echo("E-mailed.", err=True)
        else:
            click.echo("The e-mail was not sent; give the patient the link or code.", err=True)
            sys.exit(3)


def _base_url() -> str:
    """Where patients open the app: ``SCREENER_PUBLIC_URL``, else the first trusted host."""
    configured = current_app.config.get("PUBLIC_URL")
    if configured:
        return configured
    hosts = current_app.config.get("TRUSTED_HOSTS")
    return f"https://{hosts[0]}/" if hosts else "http://localhost:5000/"


@invitations_group.command("revoke")
@click.argument("code_or_id")
@click.option(
    "--series",
    "whole_series",
    is_flag=True,
    help="Revoke every invitation of this one's series that has not ended.",
)
def revoke_command(code_or_id: str, whole_series: bool) -> None:
    """Revoke an invitation by its kiosk code or its number; it stops working at once.

    A series' kiosk code (or an invitation's number with --series) revokes what is left of
    the series; the screenings already sent stay."""
    series = invitations.series_by_code(code_or_id)
    invitation = None if series is not None else invitations.by_code_or_id(code_or_id)
    if series is None and invitation is None:
        _refuse("No invitation or series has this code or number.")
    if series is None and whole_series:
        series = invitations.series_of(invitation)
        if series is None:
            _refuse(f"Invitation {invitation.id} is not part of a series.")
    revoked, refused = invitations.revoke_audited(series or invitation, actor="cli")
    if refused is not None:
        _refuse(refused)
    if series is not None:
        click.echo(f"Revoked {invitations.numbered(revoked)} of series {series.id}.")
    else:
        click.echo(f"Revoked invitation {invitation.id}.")


def _refuse(message: str):
    click.echo(f"Error: {message}", err=True)
    sys.exit(2)
