"""Every API error is JSON with a 4xx or 5xx status: never an HTML page, never a trace.

The same body also says "not ready yet" (202, ``preparing``) for a PDF being rendered."""

from __future__ import annotations

from typing import NoReturn

from flask import Response, abort
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from screener.api.schemas import ErrorBody, ErrorDetail

MESSAGES = {
    202: ("preparing", "Not ready yet; ask again after Retry-After seconds."),
    400: ("bad_request", "The request could not be used; see details."),
    401: ("unauthorized", "Send a valid service token: Authorization: Bearer scrn_..."),
    403: ("forbidden", "This token does not have the scope this endpoint needs."),
    404: ("not_found", "There is nothing at this address."),
    405: ("method_not_allowed", "This endpoint does not take that method."),
    413: ("too_large", "The request is too large."),
    429: ("too_many_requests", "Too many requests for this token or address; wait a minute."),
    500: ("server_error", "Something went wrong on our side; try again."),
    503: ("unavailable", "The service is busy or its database is unreachable; try again soon."),
}


def error_response(
    status: int,
    message: str | None = None,
    details: list[ErrorDetail] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    code, default = MESSAGES.get(status, ("error", "The request failed."))
    body = ErrorBody(status=status, error=code, message=message or default, details=details or [])
    response = Response(body.model_dump_json(), status=status, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def fail(status: int, message: str | None = None, field: str | None = None, **headers) -> NoReturn:
    """End the request with a JSON error."""
    details = [ErrorDetail(field=field, message=message or "")] if field else None
    abort(error_response(status, message, details, headers or None))


def validation_failed(exc: ValidationError) -> Response:
    """A path or query parameter that does not fit its model: 400, naming each one."""
    details = [
        ErrorDetail(
            field=".".join(str(part) for part in error["loc"]) or None, message=error["msg"]
        )
        for error in exc.errors(include_url=False, include_context=False, include_input=False)
    ]
    return error_response(400, "Some parameters are not valid; see details.", details)


def http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    retry = {"Retry-After": "30"} if status == 503 else None
    return error_response(status, headers=retry)
