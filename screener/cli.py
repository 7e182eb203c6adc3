"""The operator CLI: ``screener init``, ``questionnaires validate``, ``score`` (``users``,
``purge``, ``erase``, ``tokens``, ``export``, ``invitations`` and ``worker`` live in
``cli_users``, ``cli_retention``, ``cli_tokens``, ``cli_export``, ``cli_invitations`` and
``cli_worker``).

This is a contract that operators and tests rely on: keep names, options and exit
codes stable.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from screener import create_app
from screener.config import DEV_SECRET_PREFIX, PROJECT_ROOT, ensure_stored_key
from screener.definitions.catalog import is_texts, load_directory, load_file
from screener.definitions.loading import (
    DefinitionError,
    load_definition_text,
    load_texts_text,
    read_source,
)
from screener.definitions.schema import Definition
from screener.definitions.upgrade import upgrade_text, upgrade_texts_text
from screener.scoring.engine import UnknownAnswer, check_answers, score

DEMO_USERS = (
    ("clinician@demo.invalid", ("clinician",)),
    ("staff@demo.invalid", ("staff",)),
    ("admin@demo.invalid", ("admin",)),
)


@click.group(cls=FlaskGroup, create_app=create_app, add_version_option=False)
def cli() -> None:
    """Operate a screener installation."""


def register_commands(app) -> None:
    """Commands that need the app (a database) live on ``app.cli``."""
    from screener.cli_export import export_group
    from screener.cli_invitations import invitations_group
    from screener.cli_retention import erase_command, purge_command
    from screener.cli_tokens import tokens_group
    from screener.cli_users import users
    from screener.cli_worker import worker_command

    app.cli.add_command(init_command)
    app.cli.add_command(users)
    app.cli.add_command(purge_command)
    app.cli.add_command(erase_command)
    app.cli.add_command(tokens_group)
    app.cli.add_command(export_group)
    app.cli.add_command(invitations_group)
    app.cli.add_command(worker_command)


@click.command("init")
@click.option("--demo", is_flag=True, help="Also create demo accounts and print them.")
@click.option(
    "--clinic-name",
    metavar="NAME",
    help="The clinic's name, shown to patients (required in production unless already "
    "set or given by SCREENER_CLINIC_NAME).",
)
@with_appcontext
def init_command(demo: bool, clinic_name: str | None) -> None:
    """Upgrade the database and import the questionnaire definitions (idempotent)."""
    from flask_migrate import upgrade

    from screener.extensions import db
    from screener.services import clinic, content

    Path(current_app.instance_path).mkdir(parents=True, exist_ok=True)
    generated = current_app.config["SECRET_KEY"].startswith(DEV_SECRET_PREFIX)
    if generated and ensure_stored_key(current_app.instance_path):
        # A key that changes per process would end sessions at each restart and differ
        # between workers; keep one for this installation.
        click.echo(f"Created a secret key in {current_app.instance_path}/secret_key")
    upgrade()
    try:
        name = clinic.name_at_init(
            clinic_name, demo=demo, required=current_app.config["ENV_NAME"] == "production"
        )
    except clinic.SettingsError as exc:
        db.session.rollback()
        message = str(exc)
        _fail(message[:1].upper() + message[1:] + ".", 2)
    folder = Path(current_app.config["QUESTIONNAIRES_DIR"])
    try:
        imported = content.import_directory(folder)
    except DefinitionError as exc:
        db.session.rollback()
        _fail(f"definitions in {folder} are not valid:\n{exc}", 1)
    for row in imported:
        state = "imported as" if row.created else "unchanged,"
        click.echo(f"{row.key}: {state} revision {row.revision}")
    if demo:
        _create_demo_users()
    db.session.commit()
    click.echo(f"Clinic: {name}" if name else "Clinic: no name yet (set it under Clinic settings)")
    click.echo("Database is up to date.")


def _create_demo_users() -> None:
    from screener.services import accounts

    click.echo("\nDemo accounts (for trying the app only; passwords are new on every run):")
    for email, roles in DEMO_USERS:
        password = "demo-" + secrets.token_urlsafe(12)
        user = accounts.find_user(email)
        if user is None:
            accounts.create_user(email, password, roles)
        else:
            accounts.set_password(user, password)
        click.echo(f"  {roles[0]:<10} {email}  password: {password}")


@cli.group("questionnaires")
def questionnaires() -> None:
    """Work with questionnaire definition files."""


@questionnaires.command("validate", with_appcontext=False)
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
def validate_command(files: tuple[Path, ...]) -> None:
    """Check definition files; exit 0 when all are valid, 1 with the errors otherwise."""
    paths = list(files) or sorted(_definitions_dir().glob("*.yaml"))
    failed = False
    for path in paths:
        try:
            if not path.is_file():
                raise DefinitionError([])
            load_file(path)
        except DefinitionError as exc:
            failed = True
            click.echo(str(exc) or f"{path}: no such file", err=True)
        else:
            click.echo(f"{path}: valid")
    sys.exit(1 if failed else 0)


@questionnaires.command("upgrade", with_appcontext=False)
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
def upgrade_command(files: tuple[Path, ...]) -> None:
    """Rewrite definition files (format 1 → 2) and texts (2 → 3) in place, and check them.

    What the old formats left to the code is written into each file: for a definition its
    offer, condition, outcomes, gauge, referral and domains; for the texts which paragraphs
    apply when. A file already in the current format is left alone.
    """
    failed = False
    for path in files:
        try:
            source = read_source(path)
            raw = source.decode("utf-8")
            if is_texts(source):
                upgraded = upgrade_texts_text(raw)
                load_texts_text(upgraded, str(path))
            else:
                upgraded = upgrade_text(raw)
                load_definition_text(upgraded, str(path))
        except (OSError, UnicodeDecodeError, DefinitionError) as exc:
            failed = True
            click.echo(f"{path}: not upgraded: {exc}", err=True)
            continue
        if upgraded == raw:
            click.echo(f"{path}: already the current format")
        else:
            path.write_text(upgraded, encoding="utf-8")
            click.echo(f"{path}: upgraded to the current format")
    sys.exit(1 if failed else 0)


@cli.command("score", with_appcontext=False)
@click.argument("answers_file", type=click.File("rb"))
def score_command(answers_file) -> None:
    """Score ANSWERS.json: {questionnaire id: {item id: option value}}."""
    try:
        answers = json.loads(answers_file.read().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        _fail(f"{answers_file.name} is not valid JSON: {exc}", 2)
    if not isinstance(answers, dict) or not all(isinstance(v, dict) for v in answers.values()):
        _fail("expected a JSON object {questionnaire id: {item id: option value}}", 2)
    try:
        definitions: dict[str, Definition] = {
            key: definition
            for key, (definition, _) in load_directory(_definitions_dir()).definitions.items()
        }
    except DefinitionError as exc:
        _fail(f"the definitions are not valid:\n{exc}", 1)
    output = {}
    for qid, raw in answers.items():
        definition = definitions.get(qid)
        if definition is None:
            _fail(f"unknown questionnaire {qid!r} (known: {', '.join(sorted(definitions))})", 2)
        try:
            output[qid] = score(definition, check_answers(definition, raw)).to_json()
        except UnknownAnswer as exc:
            _fail(str(exc), 2)
    click.echo(json.dumps(output, indent=2, ensure_ascii=False))


def _definitions_dir() -> Path:
    return Path(os.environ.get("SCREENER_QUESTIONNAIRES_DIR") or PROJECT_ROOT / "questionnaires")


def _fail(message: str, code: int):
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def main() -> None:
    cli(prog_name="screener")


if __name__ == "__main__":
    main()
