"""/api/v1: screenings, PDFs, FHIR Bundles, definitions and the audit log for a clinic's
own systems, with service tokens. ``docs`` serves the OpenAPI document."""

from __future__ import annotations

from flask import Flask

from screener import access
from screener.api import auth, docs, errors, views  # noqa: F401  (register the routes)
from screener.api.blueprint import blueprint, docs_blueprint
from screener.extensions import limiter

# Once per process, like every area's guard: a token for every route, and two limits.
access.protect_with_token(blueprint, auth.guard)
for _limit in auth.limits(limiter):
    _limit(blueprint)


def init_app(app: Flask) -> None:
    # flask-openapi3 hands a parameter that fails its model to the app's callback.
    app.validation_error_callback = errors.validation_failed  # type: ignore[attr-defined]
    app.register_blueprint(blueprint)
    app.register_blueprint(docs_blueprint)
