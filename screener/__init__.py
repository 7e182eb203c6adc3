"""screener: self-hosted screening for adult ADHD and Restless Legs Syndrome."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from screener import mailer
from screener.config import (
    DEFAULTS,
    PROJECT_ROOT,
    check_production,
    engine_options,
    from_environment,
    normalise_database_url,
)

MIGRATIONS_DIR = str(Path(__file__).resolve().parent / "migrations")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. ``config`` overrides the environment (tests pass their own)."""
    app = Flask(
        __name__,
        # SCREENER_INSTANCE_PATH moves the folder with the stored secret key and the default
        # SQLite file (the tests point it away from the developer's own).
        instance_path=os.environ.get("SCREENER_INSTANCE_PATH") or None,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    app.config.update(DEFAULTS)
    app.config.update(from_environment(app.instance_path))
    if config:
        app.config.update(config)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options())
    check_production(app.config)
    mailer.check(app.config)
    if app.config["ENV_NAME"] == "production":
        app.config.update(
            SESSION_COOKIE_SECURE=True,
            SESSION_COOKIE_NAME="__Host-session",
            PREFERRED_URL_SCHEME="https",
        )

    from screener import edge, report  # noqa: F401  (report refuses an unsafe WeasyPrint)

    edge.init_app(app)  # before any route: it bounds the ids routes accept
    _init_extensions(app)
    from screener import background

    background.init_app(app)
    _register_blueprints(app)

    from screener import web
    from screener.cli import register_commands

    web.init_app(app)
    from screener import observability

    observability.init_app(app)
    register_commands(app)
    from screener import access

    access.check_policies(app)
    return app


def _init_extensions(app: Flask) -> None:
    from screener import models  # noqa: F401  (registers the tables with the metadata)
    from screener.database import configure_engine
    from screener.extensions import csrf, db, limiter, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    # One Limiter serves every app of the process (tests build many), and it keeps
    # "the store is down" across init_app: a new app starts with its own store alive,
    # whatever an earlier app's store did.
    if hasattr(limiter, "_storage_dead"):
        limiter._storage_dead = False
    with app.app_context():
        configure_engine(db.engine)


def _register_blueprints(app: Flask) -> None:
    from screener.patient import blueprint as patient
    from screener.public import blueprint as public

    app.register_blueprint(public)
    from screener import admin, auth, clinician, invitations

    auth.init_app(app)
    app.register_blueprint(clinician.blueprint)
    app.register_blueprint(admin.blueprint)
    app.register_blueprint(invitations.blueprint)
    app.register_blueprint(patient)
    from screener import staff

    app.register_blueprint(staff.blueprint)
    app.register_blueprint(staff.admin_blueprint)
    from screener import api

    api.init_app(app)
