"""The API's blueprints: ``api`` (token-protected, in the OpenAPI document) and
``api_docs`` (public: the document itself and its readable page)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint
from flask_openapi3 import APIBlueprint, Tag

from screener.api import auth
from screener.api.schemas import ErrorBody

PREFIX = "/api/v1"
SECURITY_SCHEME = "serviceToken"

blueprint = APIBlueprint(
    "api",
    __name__,
    url_prefix=PREFIX,
    abp_responses={400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 429: ErrorBody},
)
docs_blueprint = Blueprint("api_docs", __name__, url_prefix=PREFIX)


def get(rule: str, scope: str | None, tag: str, **options: Any) -> Callable:
    """``blueprint.get`` that also declares the scope the route needs (``None``: any
    valid token), both for the guard and in the document."""

    def decorate(view: Callable) -> Callable:
        auth.register(f"{blueprint.name}.{view.__name__}", scope)
        security = [{SECURITY_SCHEME: [scope] if scope else []}]
        tags = [Tag(name=tag)]
        return blueprint.get(rule, security=security, tags=tags, **options)(view)

    return decorate
