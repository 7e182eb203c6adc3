"""Report data → HTML (Jinja, autoescaped) → PDF (WeasyPrint, sandboxed fetcher).

The stylesheet and the fonts it declares are parsed once per process and reused: most
of a default WeasyPrint run is spent loading and subsetting system fonts, and the
bundled fonts are small subsets already. Renders share that state, so they take a lock;
a worker renders one PDF at a time.
"""

from __future__ import annotations

import datetime as dt
import gc
import threading
from contextlib import contextmanager
from functools import cache

import jinja2
from weasyprint import CSS, HTML, Attachment
from weasyprint.text.fonts import FontConfiguration

from screener.config import PROJECT_ROOT
from screener.report.fetcher import AssetFetcher
from screener.report.types import ReportData

TEMPLATES = PROJECT_ROOT / "templates" / "report"
MAX_PAGES = 30
# The HTML a summary may have before layout: the standard summary is about 22,000
# characters for 4 pages. Checked before layout, which costs CPU in proportion to it.
MAX_HTML_CHARS = 150_000
ATTACHMENT_NAME = "results.json"
# A private base URL: relative links resolve to it, and the fetcher refuses it.
BASE_URL = "screener-report:/"

_lock = threading.Lock()


class ReportTooLarge(ValueError):
    """The summary is larger than allowed (before or after layout); nothing is stored.

    The message holds sizes only, never the document's text."""


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
    )


@cache
def _stylesheet() -> tuple[CSS, FontConfiguration]:
    """The parsed stylesheet with its fonts loaded, kept for the life of the process."""
    fonts = FontConfiguration()
    css = CSS(
        string=(TEMPLATES / "summary.css").read_text(encoding="utf-8"),
        base_url=BASE_URL,
        url_fetcher=AssetFetcher(),
        font_config=fonts,
    )
    return css, fonts


# Regular and bold text, a table and an SVG: what the summaries use.
_WARM_UP_HTML = (
    '<!doctype html><html lang="en"><head><title>Warm-up</title></head><body>'
    "<h1>Warm-up</h1><p>A page to load <strong>both fonts</strong>.</p>"
    "<table><tr><th>1</th><td>0</td></tr></table>"
    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    '<text x="0" y="9">0</text></svg></body></html>'
)


def warm_up() -> None:
    """Load what every render needs (WeasyPrint's modules, the stylesheet, both fonts,
    the compiled template) once, before the first summary. A job worker calls this as it
    starts: otherwise the first summary after a start or restart pays about 0.6 s more,
    just when a waiting queue is largest."""
    _environment().get_template("summary.html")
    html_to_pdf(_WARM_UP_HTML)


def render_html(data: ReportData) -> str:
    return _environment().get_template("summary.html").render(r=data)


def html_to_pdf(
    html: str,
    *,
    attachment: str | None = None,
    when: dt.datetime | None = None,
    max_pages: int = MAX_PAGES,
    max_chars: int = MAX_HTML_CHARS,
    fetcher: AssetFetcher | None = None,
) -> bytes:
    """Lay out ``html`` with the report stylesheet and return a tagged PDF (PDF/UA-1).

    ``attachment`` is embedded as ``results.json``. ``when`` dates the attachment, so the
    same screening always gives the same bytes. Raises ReportTooLarge past ``max_chars``
    of HTML (before any layout) or past ``max_pages``.
    """
    if len(html) > max_chars:
        raise ReportTooLarge(
            f"the summary has {len(html):,} characters of HTML (at most {max_chars:,}); "
            "it was not laid out"
        )
    fetcher = fetcher or AssetFetcher()
    when = when or dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    attachments = []
    if attachment is not None:
        attachments.append(
            Attachment(
                string=attachment.encode("utf-8"),
                name=ATTACHMENT_NAME,
                description="Screening results (JSON)",
                created=when,
                modified=when,
                relationship="Data",
                url_fetcher=fetcher,
            )
        )
    # A render allocates many short-lived boxes; pausing the cyclic collector for its
    # duration saves repeated full scans (the objects are freed by reference counting).
    with _lock, _collector_paused():
        document = lay_out(html, fetcher)
        if len(document.pages) > max_pages:
            raise ReportTooLarge(
                f"the summary would have {len(document.pages)} pages (at most {max_pages})"
            )
        return document.write_pdf(attachments=attachments, pdf_variant="pdf/ua-1")


def lay_out(html: str, fetcher: AssetFetcher | None = None):
    """``html`` laid out into pages with the report stylesheet, ready to write as PDF/UA-1.

    Renders share the process's fonts: callers that may run concurrently hold ``_lock``.
    """
    css, fonts = _stylesheet()
    return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher or AssetFetcher()).render(
        stylesheets=[css], font_config=fonts, pdf_variant="pdf/ua-1"
    )


@contextmanager
def _collector_paused():
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def render_pdf(
    data: ReportData, max_pages: int = MAX_PAGES, max_chars: int = MAX_HTML_CHARS
) -> bytes:
    """The PDF summary for ``data``."""
    when = dt.datetime.fromisoformat(data.submitted_iso) if data.submitted_iso else None
    return html_to_pdf(
        render_html(data),
        attachment=data.results_json,
        when=when,
        max_pages=max_pages,
        max_chars=max_chars,
    )
