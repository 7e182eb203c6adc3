"""The OpenAPI document is valid, and every operation in it answers as it declares.

A walk over the document itself (not a hand-written list): each path and method is
called with a token holding every scope and with sample parameters; the status must be
one the operation declares and a JSON body must match the declared schema.
"""

from __future__ import annotations

import re

import pytest
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from screener.codes import format_code
from screener.services import tokens
from tests.api_helpers import bearer, make_token
from tests.auth_helpers import submitted_screening
from tests.helpers import rls


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"] == "3.1.0"
    validate(document)  # raises on any error
    paths = set(document["paths"])
    assert {
        "/api/v1/screenings",
        "/api/v1/screenings.csv",
        "/api/v1/screenings/{code}",
        "/api/v1/screenings/{code}/pdf",
        "/api/v1/screenings/{code}/fhir",
        "/api/v1/definitions",
        "/api/v1/definitions/{key}/versions/{revision}",
        "/api/v1/definitions/{key}/versions/{revision}/fhir",
        "/api/v1/audit",
    } <= paths
    # Every operation needs the service token and names its scope (or none: any token).
    for item in document["paths"].values():
        for operation in item.values():
            (requirement,) = operation["security"]
            assert set(requirement) == {"serviceToken"}
            assert set(requirement["serviceToken"]) <= set(tokens.SCOPES)


def _check_body(document, operation, response):
    declared = operation["responses"].get(str(response.status_code))
    assert declared is not None, (operation["operationId"], response.status_code)
    content = declared.get("content", {})
    if response.mimetype == "application/json":
        schema = content["application/json"]["schema"]
        validator = OAS31Validator({**schema, "components": document["components"]})
        errors = [error.message for error in validator.iter_errors(response.json)]
        assert errors == [], (operation["operationId"], errors)
    else:
        assert response.mimetype in content, (operation["operationId"], response.mimetype)


def test_every_operation_answers_as_declared(app, client, document):
    _, code = submitted_screening(app, adhd="often", rls_answers=rls())
    token = make_token(app, "contract", *tokens.SCOPES)
    values = {"code": format_code(code), "key": "asrs-v1.1", "revision": "1"}
    samples = {
        "limit": "2",
        "submitted_since": "2020-01-01",
        "reviewed": "false",
        "outcome": "consistent",
        "items": "true",
        "since": "2020-01-01T00:00:00Z",
    }
    called = 0
    for path, item in document["paths"].items():
        url = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)
        for method, operation in item.items():
            query = {
                p["name"]: samples[p["name"]]
                for p in operation.get("parameters", [])
                if p["in"] == "query" and p["name"] in samples
            }
            response = client.open(url, method=method, query_string=query, headers=bearer(token))
            assert response.status_code == 200, (url, response.status_code, response.data[:300])
            _check_body(document, operation, response)
            # Bad input of every kind is a declared 4xx JSON error, never a 500.
            names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
            bad_inputs = [
                {"limit": "100000"} if "limit" in names else None,
                {"cursor": "%%%"} if "cursor" in names else None,
                {"nonsense": "1"} if names else None,
            ]
            for bad in filter(None, bad_inputs):
                refused = client.open(url, method=method, query_string=bad, headers=bearer(token))
                assert 400 <= refused.status_code < 500, (url, bad, refused.status_code)
                _check_body(document, operation, refused)
            if "{code}" in path:
                unknown = client.open(
                    path.replace("{code}", "ACDE-FHJK-MNPQ"), method=method, headers=bearer(token)
                )
                assert unknown.status_code == 404
                _check_body(document, operation, unknown)
            # No token: 401, as declared.
            anonymous = client.open(url, method=method)
            assert anonymous.status_code == 401
            _check_body(document, operation, anonymous)
            called += 1
    assert called == sum(len(item) for item in document["paths"].values()) >= 9


def test_the_docs_page_is_readable_and_loads_nothing_from_elsewhere(client, document):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for path in document["paths"]:
        assert path in html
    assert "screenings:read" in html and "fhir:read" in html
    assert "<script" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
