"""The OpenAPI 3.1 document, generated from the routes and their pydantic models, and a
readable page of it that loads nothing from anywhere else (no scripts at all)."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import Response, json, render_template

from screener.api.blueprint import SECURITY_SCHEME, blueprint, docs_blueprint
from screener.api.schemas import ErrorBody

TITLE = "screener API"
VERSION = "1"
DESCRIPTION = (
    "Submitted screenings, their PDF summaries and FHIR R4 Bundles, the questionnaire "
    "definitions and the audit log, for a clinic's own systems. Every call needs a "
    "service token (`screener tokens create`) with the scope the endpoint names."
)


@cache
def document() -> dict[str, Any]:
    """Built once per process on a throwaway flask-openapi3 app that only collects paths."""
    from flask_openapi3 import OpenAPI
    from flask_openapi3.models import Info

    collector = OpenAPI(
        __name__,
        info=Info(title=TITLE, version=VERSION, description=DESCRIPTION),
        security_schemes={
            SECURITY_SCHEME: {
                "type": "http",
                "scheme": "bearer",
                "description": "A service token, `scrn_...`; the scopes each operation "
                "needs are listed in its security requirement.",
            }
        },
        validation_error_status=400,
        validation_error_model=ErrorBody,
        doc_ui=False,
    )
    collector.register_api(blueprint)
    return collector.api_doc


def operations() -> list[dict[str, Any]]:
    """The document's operations as plain rows for the readable page."""
    spec = document()
    rows = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            scopes = [s for req in operation.get("security", []) for s in next(iter(req.values()))]
            rows.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "scopes": scopes,
                    "parameters": [
                        {
                            "name": p["name"],
                            "in": p["in"],
                            "required": p.get("required", False),
                            "description": p.get("description")
                            or p.get("schema", {}).get("description", ""),
                        }
                        for p in operation.get("parameters", [])
                    ],
                    "responses": sorted(operation.get("responses", {})),
                }
            )
    return rows


@docs_blueprint.get("/openapi.json")
def openapi_json():
    """The OpenAPI 3.1 document (public: it holds no health data)."""
    return Response(json.dumps(document(), sort_keys=False), mimetype="application/json")


@docs_blueprint.get("/docs")
def docs_page():
    """The document as a page to read: each operation, its scope, parameters and answers."""
    return render_template(
        "api/docs.html", title=TITLE, description=DESCRIPTION, operations=operations()
    )
