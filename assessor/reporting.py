"""The PDF report: results context → HTML (Jinja, autoescaped) → PDF (WeasyPrint), cached on disk.

Imported lazily by the report route and the ``report`` CLI group, never at start-up; WeasyPrint
itself is imported on the first render only, so that a worker serving a cached report never pays
for it. Everything expensive is created once per process: the compiled template, the parsed
stylesheet and the single ``FontConfiguration`` its ``@font-face`` rules are loaded into.

The cache key hashes everything that shapes a report (see :func:`cache_key`), so that a cached file
is never served after a change of the answers, the profile, the questionnaire, the catalogue, the
code that scores and recommends, the templates, the language or the date printed on it.
"""
from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import functools
import gc
import hashlib
import importlib.metadata
import json
import mimetypes
import os
import tempfile
import threading
import time
import weakref
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from flask import current_app, has_app_context
from flask_babel import force_locale, gettext, ngettext
from jinja2 import DictLoader, Environment, StrictUndefined
from sqlite_utils import Database

from . import clock
from . import config as settings
from .diagnosis import DiagnosisInputs
from .diagnosis import build as build_diagnosis
from .questionnaire import Questionnaire
from .report_context import build_context, diagnosis_context, report_lang, view  # noqa: F401
from .scoring import SCORING_VERSION
from .store import diagnoses

# Bump when the report changes in a way the file fingerprints below cannot see (e.g. a filter).
REPORT_TEMPLATE_VERSION = 1
PDF_VARIANT = "pdf/ua-1"
TEMPLATE = "report.html"
STYLESHEET = "report.css"
RADAR_STYLESHEET = "radar.css"
# Files of reports/ the renderer reads as text; every file of the folder goes into the report version.
_SOURCE_PATTERNS = ("*.html", "*.css")
# The package: its code, templates and translations shape what a report says (labels, words, figures).
PACKAGE_DIR = Path(__file__).resolve().parent
_PACKAGE_PATTERNS = ("**/*.py", "templates/**/*.html", "translations/**/*.po")
# Templates of the web pages that the report imports too.
_SHARED_TEMPLATES = ("_reason.html",)

# Guards the per-process singletons; renders hold _render_lock (Pango and fontconfig objects are
# shared, and renders are CPU-bound, so threads would not run them in parallel anyway).
_lock = threading.RLock()
_render_lock = threading.Lock()


def default_reports_dir() -> Path:
    if has_app_context():
        return Path(current_app.config.get("REPORTS_DIR") or settings.PROJECT_ROOT / "reports").resolve()
    return (settings.PROJECT_ROOT / "reports").resolve()


# -- the URL fetcher ------------------------------------------------------------------------------


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


# -- sources, fingerprints and the per-process renderer ------------------------------------------


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
    env.filters["local_day"] = clock.local_day
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
        return document.write_pdf(stylesheets=[self.stylesheet], font_config=font_config(),
                                  pdf_variant=PDF_VARIANT)


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


# -- the cache ------------------------------------------------------------------------------------

# The assessment's fields a report prints or is shaped by, its stored result included.
_REPORTED_FIELDS = ("company_name", "size_band", "sector", "region", "department",
                    "questionnaire_id", "questionnaire_version", "status", "submitted_at", "previous_id",
                    "scoring_version", "overall", "level", "floor_level", "confidence", "dimension_scores")
_fingerprints: dict[int, str] = {}


def _data_fingerprint(obj: object) -> str:
    """Return a hash of a loaded questionnaire or catalogue: frozen, so hashed once per object.

    Catches an edited data file whose version was not bumped.
    """
    fingerprint = _fingerprints.get(id(obj))
    if fingerprint is None:
        fingerprint = hashlib.sha256(repr(obj).encode("utf-8")).hexdigest()
        _fingerprints[id(obj)] = fingerprint
        weakref.finalize(obj, _fingerprints.pop, id(obj), None)
    return fingerprint


@functools.cache
def _translations_fingerprint(directories: str, lang: str) -> str:
    """Return a hash of the compiled translations Flask-Babel loads (once per process, as it does)."""
    digest = hashlib.sha256()
    for directory in directories.split(";"):
        for path in sorted(Path(directory).glob(f"{lang}/LC_MESSAGES/*.mo")):
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _record(row: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if row is None else {"id": row["id"]} | {k: row.get(k) for k in _REPORTED_FIELDS}


def cache_key(inputs: DiagnosisInputs, questionnaire: Questionnaire, catalogue: object, lang: str,
              today: dt.date, translations: str = "", root: Path | None = None) -> str:
    """Return the sha256 naming the report these inputs produce.

    The hash of the diagnosis' inputs (the record with its stored result, the answers, the earlier
    diagnostics of its chain with theirs, the peers' figures), of the data files, the language and
    the day, plus the report version (:func:`template_fingerprint`).
    """
    parts = {
        "assessment": _record(inputs.assessment),
        "answers": inputs.answers,
        "previous": _record(inputs.previous),
        "baseline": _record(inputs.baseline),
        # The comparison with similar companies moves as other companies submit.
        "peers": inputs.peers,
        "questionnaire": [questionnaire.key, _data_fingerprint(questionnaire)],
        "scoring": SCORING_VERSION,
        "catalogue": [getattr(catalogue, "version", None), _data_fingerprint(catalogue)],
        "template": template_fingerprint(root),
        "translations": translations,
        "lang": lang,
        "date": today.isoformat(),
    }
    encoded = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


class ReportCache:
    """Rendered PDFs on disk: ``<dir>/<assessment id>/<key>.pdf``, written atomically."""

    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory)

    def path(self, assessment_id: int, key: str) -> Path:
        return self.directory / str(int(assessment_id)) / f"{key}.pdf"

    def get(self, assessment_id: int, key: str) -> bytes | None:
        try:
            data = self.path(assessment_id, key).read_bytes()
        except OSError:
            return None
        # A file cut short (disk full, crash before the data reached the disk) is not served.
        if not data.startswith(b"%PDF-") or not data.rstrip().endswith(b"%%EOF"):
            return None
        return data

    def put(self, assessment_id: int, key: str, pdf: bytes) -> None:
        target = self.path(assessment_id, key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".pdf")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(pdf)
            os.replace(temp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise

    def forget(self, assessment_id: int) -> int:
        """Delete every cached report of an assessment (erasure); return how many files went."""
        folder = self.directory / str(int(assessment_id))
        removed = self._remove(folder.glob("*.pdf"))
        _rmdir(folder)
        return removed

    def forget_many(self, assessment_ids: Iterable[int]) -> int:
        """Delete the cached reports of many assessments (a purge); walks the cache, not the ids."""
        wanted = {str(int(assessment_id)) for assessment_id in assessment_ids}
        removed = 0
        for folder in self.directory.glob("*"):
            if folder.name in wanted:
                removed += self._remove(folder.glob("*.pdf"))
                _rmdir(folder)
        return removed

    def prune(self, max_age_days: float) -> int:
        """Delete cached reports older than ``max_age_days`` (keys change daily); return the count."""
        limit = time.time() - max_age_days * 86400
        old = [p for p in self.directory.glob("*/*.pdf") if _mtime(p) < limit]
        removed = self._remove(old)
        for folder in self.directory.glob("*"):
            _rmdir(folder)
        return removed

    @staticmethod
    def _remove(paths: Iterable[Path]) -> int:
        count = 0
        for path in paths:
            with contextlib.suppress(OSError):
                path.unlink()
                count += 1
        return count


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return float("inf")


def _rmdir(folder: Path) -> bool:
    try:
        folder.rmdir()
        return True
    except OSError:
        return False


# Keys include the day, so a cached report is never served after its day: each process deletes the
# old ones once a day, before its first render of the day (a walk of the cache folder).
PRUNE_AFTER_DAYS = 2
_PRUNE_EVERY_SECONDS = 86400
_last_prune: dict[Path, float] = {}


def _prune_daily(cache: ReportCache) -> None:
    now = time.monotonic()
    last = _last_prune.get(cache.directory)
    if last is not None and now - last < _PRUNE_EVERY_SECONDS:
        return
    _last_prune[cache.directory] = now
    removed = cache.prune(PRUNE_AFTER_DAYS)
    if removed:
        current_app.logger.info("%d cached report(s) older than %d days deleted", removed, PRUNE_AFTER_DAYS)


def report_for(db: Database, assessment: dict[str, Any], questionnaire: Questionnaire, lang: str,
               today: dt.date | None = None) -> bytes:
    """Return the PDF report of a submitted assessment, from the cache when nothing changed.

    :param lang: ``fr`` or ``en``; anything else gives the French report (a query string is not
        trusted to name cache files).
    :param today: the date printed on the report and used to drop expired programmes.
    """
    lang = report_lang(lang)
    app = current_app
    today = today or clock.today()
    catalogue = app.extensions["assessor.catalogue"]
    inputs = diagnoses.load(db, assessment, [d.id for d in questionnaire.dimensions])
    key = cache_key(inputs, questionnaire, catalogue, lang, today,
                    _translations_fingerprint(str(app.config.get("BABEL_TRANSLATION_DIRECTORIES", "")), lang),
                    default_reports_dir())
    cache = ReportCache(app.config["REPORT_CACHE_DIR"])
    pdf = cache.get(assessment["id"], key)
    if pdf is None:
        _prune_daily(cache)
        started = time.perf_counter()
        with force_locale(lang):  # the same inputs: no second read of the store
            context = diagnosis_context(build_diagnosis(inputs, questionnaire, catalogue, lang, today), today)
        pdf = render_pdf(context, lang)
        cache.put(assessment["id"], key, pdf)
        app.logger.info("report of assessment %s (%s) rendered in %.0f ms, %d KB", assessment["id"], lang,
                        (time.perf_counter() - started) * 1000, len(pdf) // 1024)
    return pdf
