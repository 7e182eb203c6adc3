"""Cross-cutting HTTP behaviour: security headers and calm error pages."""

from __future__ import annotations

import contextlib
import logging
import re

from flask import Flask, Response, current_app, g, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from markupsafe import Markup, escape
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, SecurityError

from screener.extensions import db

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)

ERROR_TEXT = {
    400: ("Something went wrong with that request", "Please go back and try again."),
    403: ("You cannot open this page", "Your account does not have access to it."),
    404: ("Page not found", "Check the address, or start again from the home page."),
    405: ("That did not work", "Please go back and try again."),
    413: ("That was too large to send", "Please shorten your answer and try again."),
    429: ("Too many attempts", "Please wait a few minutes and try again."),
    500: ("Something went wrong on our side", "Your saved answers are safe. Please try again."),
    503: ("The service is busy", "Your saved answers are safe. Please try again in a minute."),
}


def init_app(app: Flask) -> None:
    from screener import clinic_time
    from screener.observability.logs import add_once

    clinic_time.zone(app.config.get("TIMEZONE"))  # a wrong name stops the app here
    app.add_template_filter(clinic_time.local, "clinic_time")
    app.add_template_filter(clinic_time.local_date, "clinic_date")
    app.add_template_filter(_when_cell, "clinic_when")
    app.after_request(_security_headers)
    add_once(app.logger, QuietDatabaseErrors)  # the process's logger: once, however many apps
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(500, _server_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(InterfaceError, _database_unavailable)


def _when_cell(when, seconds: bool = False) -> Markup:
    """Template filter ``clinic_when``: a time for a table cell, its day and its clock
    each kept on one line. In a narrow column "3 December 2026, 21:35 UTC" otherwise
    breaks at every space, four lines for one time on a phone."""
    from screener import clinic_time

    if when is None:
        return Markup("")
    day, clock = clinic_time.current().day_and_clock(when, seconds)
    return Markup(
        '<time datetime="{}"><span class="nowrap">{}</span> <span class="nowrap">{}</span></time>'
    ).format(when.isoformat(), day, clock)


SECURITY_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
# Pages may hold health data: never keep them in a shared or back-button cache.
NO_STORE = ("Cache-Control", "no-store")
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def _security_headers(response):
    """Each header unless the view set its own (the letter page's referrer policy, the
    PDF's cache rules). Checked against one set of the names present: werkzeug's
    ``setdefault`` raises and catches an HTTP exception for every header not yet there,
    about 6 % of a questionnaire page's work (valgrind instruction counts)."""
    headers = response.headers
    present = {name.lower() for name, _ in headers}
    wanted = [*SECURITY_HEADERS]
    if request.endpoint != "static":
        wanted.append(NO_STORE)
    if request.is_secure:
        wanted.append(HSTS)
    for name, value in wanted:
        if name.lower() not in present:
            headers.add(name, value)
    return response


FALLBACK_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{title}</title></head>
<body><main><h1>{title}</h1><p>{text}</p><p><a href="/">Go to the start page</a></p></main>
</body>
</html>
"""


def error_page(
    code: int,
    title: str | None = None,
    text: str | None = None,
    back: tuple[str, str] | None = None,
):
    """The calm error page; it cannot fail.

    A server error may leave the session in a failed transaction (PostgreSQL refuses every
    statement until a rollback), so 5xx pages roll back and keep off the database. If the
    template still fails, a plain page goes out instead: the response, and so the security
    headers, always come from the app rather than from the server's bare 500.
    """
    default_title, default_text = ERROR_TEXT.get(code, ERROR_TEXT[400 if code < 500 else 500])
    title, text = title or default_title, text or default_text
    if code >= 500:
        _keep_off_database()
    try:
        back = back or _home(code)
    except Exception:  # no request context to build a URL in: the site's root
        back = ("/", "Go to the start page")
    try:
        return render_template("error.html", code=code, title=title, text=text, back=back), code
    except Exception as exc:  # the error page must not fail in turn
        current_app.logger.error("error page could not be rendered (%s)", type(exc).__name__)
        _keep_off_database()
    try:
        return render_template("error.html", code=code, title=title, text=text, back=back), code
    except Exception:
        page = FALLBACK_PAGE.format(title=escape(title), text=escape(text))
        return Response(page, code, mimetype="text/html")


def _keep_off_database() -> None:
    g.database_unavailable = True
    with contextlib.suppress(Exception):
        db.session.rollback()


def _home(code: int) -> tuple[str, str]:
    """Where an error page leads: a signed-in clinician, staff member or admin to their
    own area (not the patients' start page); everyone else to the start page. A 5xx page
    keeps off the database, which looking up the account would need."""
    if code < 500 and not g.get("database_unavailable"):
        from flask_login import current_user

        from screener.auth.redirects import home_for

        with contextlib.suppress(Exception):
            if current_user.is_authenticated:
                return home_for(current_user), "Go to your start page"
    return url_for("public.index"), "Go to the start page"


def _way_back() -> tuple[str, str] | None:
    """The page the refused form was on, when it is one of ours (browsers send a
    same-origin Referer here: Referrer-Policy same-origin)."""
    from urllib.parse import urlsplit

    from screener.auth.redirects import safe_next

    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host:
        return None
    path = safe_next(referrer.path + (f"?{referrer.query}" if referrer.query else ""))
    return (path, "Open the page again") if path else None


def refusal(code: int, *, title: str, text: str):
    """A 4xx that says why: JSON for callers of /api/, the error page for people."""
    if _for_api():
        from screener.api.errors import error_response

        return error_response(code, text)
    return error_page(code, title=title, text=text)


def _for_api() -> bool:
    """Callers of /api/ are programs: they get JSON errors, never an HTML page."""
    return request.path.startswith("/api/")


def _server_error(exc):
    if _for_api():
        from screener.api.errors import error_response

        _keep_off_database()
        return error_response(500)
    return error_page(500)


def _http_error(exc: HTTPException):
    if isinstance(exc, SecurityError):
        # A Host outside TRUSTED_HOSTS: no page can be built (its links need the host).
        return Response("Bad request: unknown host.\n", 400, mimetype="text/plain")
    if _for_api():
        from screener.api.errors import http_error

        if (exc.code or 500) >= 500:
            _keep_off_database()
        return http_error(exc)
    return error_page(exc.code or 500)


def _csrf_error(exc: CSRFError):
    """A form sent after its page was open too long (an hour), or without its token: say
    so, and lead back to that page rather than to the patients' start page."""
    return error_page(
        400,
        title="This page was open too long",
        text="For safety, a form works for an hour after its page is opened. Nothing was "
        "changed. Open the page again and repeat what you did.",
        back=_way_back(),
    )


def _database_unavailable(exc: SQLAlchemyError):
    """The database is down or unreachable: a calm 503, and the next request tries again.

    What was saved stays saved (the failed transaction is rolled back); dead connections
    are replaced (see ``screener.database``), so recovery needs no restart.
    """
    database_lost(exc)
    if _for_api():
        from screener.api.errors import error_response

        return error_response(503, headers={"Retry-After": "30"})
    page, code = error_page(503)
    return page, code, {"Retry-After": "30"}


def database_lost(exc: SQLAlchemyError) -> None:
    """Roll back, log only the error's class (its message can hold the statement's
    parameters, that is answers), and keep this request's templates off the database."""
    orig = getattr(exc, "orig", None)
    current_app.logger.warning(
        "database unavailable: %s", type(orig).__name__ if orig else type(exc).__name__
    )
    g.database_unavailable = True
    with contextlib.suppress(SQLAlchemyError):
        db.session.rollback()


_PARAMETERS = re.compile(r"\[parameters: .*?(?=\n\(Background on this error|\Z)", re.S)
_DETAIL = re.compile(r"^(\s*DETAIL:).*$", re.M)


class QuietDatabaseErrors(logging.Filter):
    """Keep the values of SQL statements out of logged tracebacks.

    The engine runs with ``hide_parameters``; this also covers what the database itself
    quotes back (PostgreSQL's ``DETAIL: Key (email)=(...)``) and any other engine.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            text = logging.Formatter().formatException(record.exc_info)
            text = _PARAMETERS.sub("[parameters hidden]", text)
            record.exc_text = _DETAIL.sub(r"\1 (hidden)", text)
        return True
