"""Pages of a list, as the worklist, the audit log and the invitations list show them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select

from screener.extensions import db

NOT_A_PAGE = "The page number must be a whole number from 1."


def number(raw: str | None) -> int | None:
    """The page a URL's ``page`` argument asks for (none given: 1); None when it is not
    a whole number from 1 with at most six digits (a hand-edited address)."""
    raw = raw or "1"
    if raw.isascii() and raw.isdigit() and len(raw) < 7 and int(raw) >= 1:
        return int(raw)
    return None


@dataclass(frozen=True)
class Window:
    """Which page of a query's rows to show: ``number`` of ``pages``, ``total`` rows."""

    total: int
    number: int
    pages: int
    size: int

    def of(self, ordered: Select) -> Select:
        """``ordered`` cut to this page's rows."""
        return ordered.limit(self.size).offset((self.number - 1) * self.size)


def window(query: Select, wanted: int, size: int) -> Window:
    """Count ``query``'s rows and choose the page to show: ``wanted``, or the last one
    when ``wanted`` is past the end (a list that shrank since its link was made)."""
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // size))
    return Window(total, min(max(wanted, 1), pages), pages, size)
