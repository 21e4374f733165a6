"""The restricted URL fetcher: only bundled files and data: URLs reach WeasyPrint."""
from __future__ import annotations

import functools
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from flask import current_app, has_app_context

from .. import config as settings
from .context import build_context, diagnosis_context, report_lang, view  # noqa: F401


def default_reports_dir() -> Path:
    if has_app_context():
        return Path(current_app.config.get("REPORTS_DIR") or settings.PROJECT_ROOT / "reports").resolve()
    return (settings.PROJECT_ROOT / "reports").resolve()


class RefusedURL(ValueError):
    """A resource the report may not load; WeasyPrint logs it and renders without it."""


@functools.cache
def _fetcher_class() -> type:
    """Return the restricted fetcher class (defined here so that WeasyPrint loads on first use)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class ReportURLFetcher(URLFetcher):
        """Fetch only ``data:`` URLs and files inside the reports folder; refuse everything else.

        Paths are resolved (symlinks followed) before the check, so a link pointing outside the
        folder is refused too. No network access, no redirects.
        """

        def __init__(self, root: Path):
            super().__init__(timeout=5, allowed_protocols=("data",), allow_redirects=False)
            self.root = Path(root).resolve()

        def fetch(self, url: str, headers: dict | None = None):
            scheme = url.split(":", 1)[0].lower() if ":" in url else ""
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme != "file":
                raise RefusedURL(f"the report may not load {url[:200]!r}")
            parts = urlsplit(url)
            if parts.netloc not in ("", "localhost"):
                raise RefusedURL(f"the report may not load {url[:200]!r}")
            path = Path(url2pathname(unquote(parts.path))).resolve()
            if not path.is_relative_to(self.root) or not path.is_file():
                raise RefusedURL(f"the report may not load {url[:200]!r}")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})

    return ReportURLFetcher


def url_fetcher(root: Path | None = None):
    """Return a fetcher confined to ``root`` (the reports folder by default)."""
    return _fetcher_class()(root or default_reports_dir())
