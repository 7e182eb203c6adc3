"""Structured JSON logs, one line per event, each with the request's id.

The id comes from the load balancer's ``X-Request-ID`` when it has a sane shape (so one
request can be followed from nginx to the app), else it is made here; the response
carries it back. Each request ends with one ``request`` line: method, route rule,
status and duration. The address itself is never logged: a private link's token is in
its path. Messages elsewhere already keep answers, e-mail addresses and SQL parameters
out (see ``screener.web.QuietDatabaseErrors``).
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, current_app, g, has_request_context, request
from flask.logging import default_handler
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"


def init_app(app: Flask) -> None:
    """Set the app's logger for ``LOG_FORMAT``. The logger is the process's ("screener"),
    so each app sets it whole: a JSON app does not leave its handler to a later text app
    (tests build many apps in one process), and no app adds a filter twice."""
    app.before_request(_start)
    app.after_request(_finish)
    logger = app.logger
    logger.handlers[:] = [h for h in logger.handlers if not isinstance(h, JsonHandler)]
    if app.config.get("LOG_FORMAT", "text") == "json":
        handler = JsonHandler()
        handler.setFormatter(JsonFormatter(FIELDS, rename_fields={"levelname": "level"}))
        logger.handlers[:] = [handler]
        logger.setLevel(app.config.get("LOG_LEVEL", "INFO"))
        logger.propagate = False
    else:
        if not logger.handlers:
            logger.addHandler(default_handler)
        logger.setLevel(logging.DEBUG if app.debug else logging.NOTSET)
        logger.propagate = True
    for handler in logger.handlers:
        add_once(handler, RequestContext)
    # The development server (``screener run``, the embedded default) logs each request
    # line itself, through the "werkzeug" logger; Flask logs an unhandled error as
    # "Exception on <path>", through the app's.
    add_once(logging.getLogger("werkzeug"), PrivateLinks)
    add_once(logger, PrivateLinks)


class JsonHandler(logging.StreamHandler):
    """The handler of ``LOG_FORMAT=json`` (a class of its own, so it can be taken off)."""


def add_once(target: logging.Filterer, kind: type[logging.Filter]) -> None:
    """Add a filter of ``kind`` to a logger or handler unless it already has one."""
    if not any(isinstance(existing, kind) for existing in target.filters):
        target.addFilter(kind())


class RequestContext(logging.Filter):
    """Adds the request id and route to every record made while a request is served."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = getattr(g, "request_id", None)
            record.route = route()
        return True


# A private link's secret part: the resume token or the invitation token in the path.
PRIVATE_LINK = re.compile(r"(/screen/(?:resume|invite)/)[^\s\"?#/]+")


class PrivateLinks(logging.Filter):
    """Blanks the token of a private link in a logged request line, so that an access log
    (the development server's, or any that passes through Python logging) never holds
    the key to a patient's answers."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "/screen/" in record.msg:
            record.msg = PRIVATE_LINK.sub(r"\1[hidden]", record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                PRIVATE_LINK.sub(r"\1[hidden]", arg) if isinstance(arg, str) else arg
                for arg in record.args
            )
        return True


def route() -> str:
    """The rule that matched (``/clinician/screenings/<int:screening_id>``), not the path."""
    rule = request.url_rule
    return rule.rule if rule is not None else "(no route)"


def _start() -> None:
    given = request.environ.get("HTTP_X_REQUEST_ID", "")  # a missing header costs no exception
    g.request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex
    g.started = time.perf_counter()


def _finish(response):
    request_id = getattr(g, "request_id", None)
    if request_id:
        response.headers["X-Request-ID"] = request_id
    started = getattr(g, "started", None)
    logger = current_app.logger
    if started is not None and logger.isEnabledFor(logging.INFO):
        logger.info(
            "request",
            extra={
                "method": request.method,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
    return response
