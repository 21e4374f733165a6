"""Render a report's HTML and PDF: the bundled sources, one FontConfiguration and one renderer per process, the collector settings of a render."""
from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
import hashlib
import importlib.metadata
import threading
from pathlib import Path
from typing import Any

from flask_babel import force_locale, gettext, ngettext
from jinja2 import DictLoader, Environment, StrictUndefined

from ..domain import clock
from .context import build_context, diagnosis_context, report_lang, view  # noqa: F401
from .fetcher import default_reports_dir, url_fetcher
from .. import config as settings


# Bump when the report changes in a way the file fingerprints below cannot see (e.g. a filter).
REPORT_TEMPLATE_VERSION = 1
PDF_VARIANT = "pdf/ua-1"
TEMPLATE = "report.html"
STYLESHEET = "report.css"
RADAR_STYLESHEET = "radar.css"
# Files of reports/ the renderer reads as text; every file of the folder goes into the report version.
_SOURCE_PATTERNS = ("*.html", "*.css")
# The package: its code, templates and translations shape what a report says (labels, words, figures).
PACKAGE_DIR = Path(__file__).resolve().parent.parent
_PACKAGE_PATTERNS = ("**/*.py", "templates/**/*.html", "translations/**/*.po")
# Templates of the web pages that the report imports too.
_SHARED_TEMPLATES = ("_reason.html", "_eligibility.html", "_reco_eligibility.html", "_ai_act.html",
                     "_ai_act_section.html", "_ai_act_plan.html")

# Guards the per-process singletons; renders hold _render_lock (Pango and fontconfig objects are
# shared, and renders are CPU-bound, so threads would not run them in parallel anyway).
_lock = threading.RLock()
_render_lock = threading.Lock()


class _Sources:
    """The templates, stylesheet and fonts of one reports folder, read once, with their hash."""

    def __init__(self, root: Path, package: Path | None = None):
        self.root = root
        self.texts: dict[str, str] = {
            p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
            for pattern in _SOURCE_PATTERNS for p in sorted(root.glob(pattern)) if p.is_file()}
        # The macros the web pages share with the report (the reasons of the recommendations); the
        # report version covers them with the rest of the package's templates.
        for name in _SHARED_TEMPLATES:
            self.texts[name] = (PACKAGE_DIR / "templates" / name).read_text(encoding="utf-8")
        self.fingerprint = report_version(root, package or PACKAGE_DIR)


def _files_digest(digest, folder: Path, patterns: tuple[str, ...], label: str) -> None:
    files = sorted({p for pattern in patterns for p in folder.glob(pattern) if p.is_file()})
    for path in files:
        if "__pycache__" in path.parts:
            continue
        data = path.read_bytes()
        digest.update(f"\0{label}/{path.relative_to(folder).as_posix()}\0{len(data)}\0".encode())
        digest.update(data)


def report_version(root: Path, package: Path) -> str:
    """Return the hash of every file that shapes a report, read from the files themselves.

    Every file of the reports folder (templates, CSS, fonts), and the package's code, templates and
    translations: no list to keep, so an edited label in any module (``referential.py``, say)
    changes it. Read once per process (:func:`_sources`): a deploy restarts the workers.
    """
    digest = hashlib.sha256()
    _files_digest(digest, root, ("**/*",), "reports")
    _files_digest(digest, package, _PACKAGE_PATTERNS, "assessor")
    return digest.hexdigest()


_sources_cache: dict[Path, _Sources] = {}


def _sources(root: Path) -> _Sources:
    with _lock:
        if root not in _sources_cache:
            _sources_cache[root] = _Sources(root)
        return _sources_cache[root]


def template_fingerprint(root: Path | None = None) -> str:
    """Return the report version: REPORT_TEMPLATE_VERSION, the WeasyPrint version and the hash of
    the files that shape a report (:func:`report_version`)."""
    return (f"{REPORT_TEMPLATE_VERSION}:{_weasyprint_version()}:"
            f"{_sources(root or default_reports_dir()).fingerprint}")


@functools.cache
def _weasyprint_version() -> str:
    # Read from the package metadata: importing WeasyPrint would cost ~1 s on a cache hit.
    return importlib.metadata.version("weasyprint")


_font_config = None


def font_config():
    """Return the process's single FontConfiguration, created on first use (so after a fork)."""
    global _font_config
    with _lock:
        if _font_config is None:
            from weasyprint.text.fonts import FontConfiguration

            _font_config = FontConfiguration()
        return _font_config


def _environment(sources: _Sources) -> Environment:
    """Return the report's Jinja environment: autoescape on everywhere, templates compiled once."""
    env = Environment(loader=DictLoader(sources.texts), autoescape=True, auto_reload=False,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      extensions=["jinja2.ext.i18n"])
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["score"] = lambda value: "–" if value is None else f"{value:.0f}"
    env.filters["percent"] = lambda value: f"{value * 100:.0f}"
    env.filters["local_day"] = lambda timestamp: clock.local_day(timestamp, settings.zone())
    return env


class Renderer:
    """Everything a render reuses: template, stylesheet, fetcher and the font configuration."""

    def __init__(self, root: Path):
        import weasyprint

        self._weasyprint = weasyprint
        self.root = root
        self.sources = _sources(root)
        self.template = _environment(self.sources).get_template(TEMPLATE)
        self.fetcher = url_fetcher(root)
        self.base_url = root.as_uri() + "/"
        # Parsed once; its @font-face rules load the bundled fonts into the shared configuration.
        self.stylesheet = weasyprint.CSS(string=self.sources.texts[STYLESHEET], base_url=self.base_url,
                                         url_fetcher=self.fetcher, font_config=font_config())

    def html(self, context: dict[str, Any], lang: str) -> str:
        with force_locale(lang):
            html = self.template.render(**view(context, lang, self.sources.texts.get(RADAR_STYLESHEET, "")))
        return html  # French spacing is in the messages, the templates and the data (i18n)

    def pdf(self, html: str) -> bytes:
        with _render_lock, _render_memory():
            return self._write_pdf(html)

    def _write_pdf(self, html: str) -> bytes:
        document = self._weasyprint.HTML(string=html, base_url=self.base_url, url_fetcher=self.fetcher)
        return with_table_scopes(document.write_pdf(stylesheets=[self.stylesheet], font_config=font_config(),
                                                    pdf_variant=PDF_VARIANT))


def with_table_scopes(pdf: bytes) -> bytes:
    """Return the PDF with a /Scope on every table header cell (PDF/UA-1 7.5).

    WeasyPrint 70 tags ``<th>`` as /TH with an /ID, and data cells with /Headers, but writes no
    /Scope, even for ``<th scope>``: screen readers that follow only /Scope then read the score
    table's figures without their column or row. A header cell of a /THead row, or of a row made
    of header cells only, heads its column; one beside data cells heads its row. About 40 ms a
    report (pikepdf reads and writes the file once).
    """
    import io

    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as document:
        cells = [obj for obj in document.objects
                 if isinstance(obj, pikepdf.Dictionary) and obj.get("/S") == pikepdf.Name.TH]
        if not cells:
            return pdf
        for cell in cells:
            _set_table_attribute(cell, pikepdf.Name.Scope, _scope(cell))
        out = io.BytesIO()
        document.save(out)
    return out.getvalue()


def _kids(element) -> list:
    import pikepdf

    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _scope(cell):
    import pikepdf

    row = cell.get("/P")
    if not isinstance(row, pikepdf.Dictionary):
        return pikepdf.Name.Column
    group = row.get("/P")
    if isinstance(group, pikepdf.Dictionary) and group.get("/S") == pikepdf.Name.THead:
        return pikepdf.Name.Column
    beside_data = any(isinstance(kid, pikepdf.Dictionary) and kid.get("/S") == pikepdf.Name.TD
                      for kid in _kids(row))
    return pikepdf.Name.Row if beside_data else pikepdf.Name.Column


def _set_table_attribute(element, key, value) -> None:
    """Set ``key`` in the element's attribute dictionary owned by /Table, creating it if need be."""
    import pikepdf

    attributes = element.get("/A")
    candidates = (list(attributes) if isinstance(attributes, pikepdf.Array)
                  else [attributes] if attributes is not None else [])
    for candidate in candidates:
        if isinstance(candidate, pikepdf.Dictionary) and candidate.get("/O") == pikepdf.Name.Table:
            candidate[key] = value
            return
    owned = pikepdf.Dictionary({"/O": pikepdf.Name.Table, key: value})
    if attributes is None:
        element.A = owned
    elif isinstance(attributes, pikepdf.Array):
        attributes.append(owned)
    else:
        element.A = pikepdf.Array([attributes, owned])


# A render allocates tens of thousands of linked objects (boxes, computed styles, tags) that all die
# with the document. With Python's default thresholds (700, 10, 10) the cyclic collector runs about
# 115 young and 10 middle collections per render, traversing them again and again (150 ms of a
# 900 ms render, measured with gc.callbacks). With the first threshold raised for the render, they
# are traversed once, by the collection that frees them when the render ends; the freed heap is then
# handed back to the system, so that a worker's memory stays flat over hundreds of renders
# (bench/report.py measures both).
_RENDER_GC_THRESHOLD = 50_000


@contextlib.contextmanager
def _render_memory():
    thresholds = gc.get_threshold()
    gc.set_threshold(_RENDER_GC_THRESHOLD, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.collect(1)
        _trim_heap()


@functools.cache
def _malloc_trim():
    """Return glibc's ``malloc_trim``, or None where there is none (musl, macOS)."""
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def _trim_heap() -> None:
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


_renderers: dict[Path, Renderer] = {}


def renderer(root: Path | None = None) -> Renderer:
    """Return the process's renderer for a reports folder, creating it on first use."""
    root = root or default_reports_dir()
    with _lock:
        if root not in _renderers:
            _renderers[root] = Renderer(root)
        return _renderers[root]


def render_html(context: dict[str, Any], lang: str, root: Path | None = None) -> str:
    """Return the report's HTML for a context built by :func:`build_context`."""
    return renderer(root).html(context, report_lang(lang))


def render_pdf(context: dict[str, Any], lang: str, root: Path | None = None) -> bytes:
    """Render the report of a context built by :func:`build_context`, without the cache."""
    r = renderer(root)
    return r.pdf(r.html(context, report_lang(lang)))
