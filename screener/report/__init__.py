"""The PDF summary a clinician reads: plain data (``data``) → HTML → PDF (``render``).

Nothing here imports Flask or touches the database; ``screener.services.reports``
stores the rendered bytes and serves them.

WeasyPrint before 70 let redirects and ``stylesheets=`` bypass a custom URL fetcher (fixed
in 68 and 69), which is what keeps local files and internal addresses out of the PDF: an
older version is refused here, before anything renders with it.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

MINIMUM_WEASYPRINT = (70, 0)


class UnsafeDependency(ImportError):
    """An installed library is older than the version that fixed known security issues."""


def require_weasyprint(installed: str | None = None) -> None:
    """Raise UnsafeDependency unless WeasyPrint (``installed``, or the one installed) ≥ 70."""
    if installed is None:
        try:
            installed = version("weasyprint")
        except PackageNotFoundError:
            raise UnsafeDependency("WeasyPrint is not installed") from None
    parts = []
    for part in installed.split(".")[:2]:
        digits = "".join(c for c in part if c.isdigit())
        parts.append(int(digits) if digits else 0)
    if tuple(parts) < MINIMUM_WEASYPRINT:
        raise UnsafeDependency(
            f"WeasyPrint {installed} is installed; screener needs 70 or later "
            "(68 and 69 fixed URL-fetcher bypasses): pip install 'weasyprint>=70'"
        )


require_weasyprint()
