"""Input no field can store, refused once at the edge with a 400 (or 404) and a calm page.

A NUL character cannot be stored in PostgreSQL text and has no use in any field, so every
query and form value (and key, path part and file name) is checked before a view runs.
Ids in URLs are bounded to the integer column they look up, so a number past it is a
plain 404 rather than a database error. A view that handles NUL itself, with a message
next to the field and the visitor's other answers kept, is marked ``@handles_nul``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from flask import Flask, current_app, request
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter

INT4_MAX = 2**31 - 1  # ids are INTEGER columns: 32-bit on PostgreSQL
NUL = "\x00"

View = TypeVar("View", bound=Callable)


class IdConverter(IntegerConverter):
    """``<int:...>`` that matches only numbers an INTEGER column can hold."""

    def __init__(self, map, fixed_digits: int = 0, min: int = 0, max: int = INT4_MAX) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max)


def parse_id(text: str | None) -> int | None:
    """A hidden form field's id or version number, or None unless an INTEGER can hold it."""
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(INT4_MAX)):
        return None
    number = int(text)
    return number if number <= INT4_MAX else None


def handles_nul(view: View) -> View:
    """Mark a view that answers a NUL in its form with its own message (and keeps the rest)."""
    view.handles_nul = True  # type: ignore[attr-defined]
    return view


def init_app(app: Flask) -> None:
    """Install the bounded id converter (before any route is added) and the NUL check."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(_refuse_unstorable)


def has_nul(values: Iterable[str]) -> bool:
    return any(NUL in value for value in values if isinstance(value, str))


def _strings(multi: MultiDict) -> Iterable[str]:
    for key, value in multi.items(multi=True):
        yield key
        yield value


def _refuse_unstorable():
    view = current_app.view_functions.get(request.endpoint or "")
    if view is not None and getattr(view, "handles_nul", False):
        return None
    candidates = [
        *_strings(request.args),
        *(request.view_args or {}).values(),
    ]
    if request.method in ("POST", "PUT", "PATCH"):
        candidates += [*_strings(request.form), *request.files.keys()]
        candidates += [upload.filename or "" for upload in request.files.values()]
    if has_nul(candidates):
        from screener.web import refusal

        return refusal(
            400,
            title="There is a problem with what was sent",
            text="It contains a character that cannot be stored (a NUL character). "
            "Remove it and try again.",
        )
    return None
