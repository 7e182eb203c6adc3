"""The only way the PDF renderer may load anything: the package's own fonts, nothing else.

WeasyPrint's default fetcher follows ``file:``, ``http(s):`` and ``data:`` URLs and
redirects, so a crafted ``<img>``, ``<link rel=attachment>`` or CSS ``url()`` could pull
a server file or an internal web page into a PDF that leaves the clinic. This fetcher
has no URL handlers at all: it answers from an allowlist of files in ``ASSET_DIR``,
addressed as ``screener-asset:NAME``, and refuses every other URL before any I/O.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from urllib import request

from weasyprint.urls import URLFetcher, URLFetcherResponse

ASSET_SCHEME = "screener-asset:"
ASSET_DIR = Path(__file__).resolve().parent / "fonts"
ASSETS = {
    "AtkinsonHyperlegible-Regular.ttf": "font/ttf",
    "AtkinsonHyperlegible-Bold.ttf": "font/ttf",
}


class RefusedURL(ValueError):
    """A URL outside the allowlist; WeasyPrint logs it and leaves the resource out."""


@cache
def _read_assets() -> dict[str, bytes]:
    """Read once per process; a fetcher is made per render and must be cheap."""
    return {name: (ASSET_DIR / name).read_bytes() for name in ASSETS}


class AssetFetcher(URLFetcher):
    """Deny-by-default: serves ``screener-asset:`` names from memory, refuses the rest.

    ``requested`` keeps every URL asked for, so tests can show what a document tried.
    """

    def __init__(self) -> None:
        # Deliberately skip URLFetcher.__init__: it installs the file, HTTP(S), FTP, data
        # and redirect handlers. With none installed, nothing can reach the network or disk.
        request.OpenerDirector.__init__(self)
        self._timeout = 0
        self._http_headers = {}
        self._allowed_protocols = ()
        self._fail_on_errors = False
        self._request = None
        self._assets = _read_assets()
        self.requested: list[str] = []

    def fetch(self, url, headers=None):
        self.requested.append(url)
        name = url[len(ASSET_SCHEME) :] if url.startswith(ASSET_SCHEME) else None
        if name not in self._assets:
            raise RefusedURL(f"the report renderer refuses {url[:80]!r}")
        return URLFetcherResponse(
            url, self._assets[name], {"Content-Type": ASSETS[name]}, status=200
        )

    def open(self, url, data=None, timeout=None):
        return self.fetch(url.full_url if isinstance(url, request.Request) else url)

    def __call__(self, url):
        return self.fetch(url)
