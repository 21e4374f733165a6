"""The cache of rendered PDFs, keyed by everything that shapes them, and the render behind it."""
from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import os
import tempfile
import time
import weakref
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import force_locale
from sqlite_utils import Database

from ..domain import clock
from ..domain.diagnosis import DiagnosisInputs
from ..domain.diagnosis import build as build_diagnosis
from ..domain.questionnaire import Questionnaire
from .context import build_context, diagnosis_context, report_lang, view  # noqa: F401
from ..domain.scoring import SCORING_VERSION
from ..store import diagnoses
from .fetcher import default_reports_dir
from . import render
from .. import config as settings


# The assessment's fields a report prints or is shaped by, its stored result included.
_REPORTED_FIELDS = ("company_name", "size_band", "sector", "region", "department",
                    "questionnaire_id", "questionnaire_version", "status", "submitted_at", "previous_id",
                    "scoring_version", "overall", "level", "floor_level", "confidence", "dimension_scores", "scoring",
                    "opco", "role")
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
              today: dt.date, translations: str = "", root: Path | None = None, ai_act_rules: object = None) -> str:
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
        "ai_act": [getattr(ai_act_rules, "version", None), _data_fingerprint(ai_act_rules)] if ai_act_rules else None,
        "template": render.template_fingerprint(root),
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


# Keys include the day, so a cached report is never served after its day: the queue's periodic task
# (jobs/reports.py) deletes those older than this once a day, and Redis lets them expire.
PRUNE_AFTER_DAYS = 2


def report_key(db: Database, assessment: dict[str, Any], questionnaire: Questionnaire, lang: str,
               today: dt.date | None = None) -> str:
    """Return the cache key of an assessment's report as it would be rendered now (no rendering)."""
    return report_inputs(db, assessment, questionnaire, lang, today)[0]


def report_inputs(db: Database, assessment: dict[str, Any], questionnaire: Questionnaire, lang: str,
                  today: dt.date | None = None,
                  inputs: DiagnosisInputs | None = None) -> tuple[str, DiagnosisInputs, dt.date]:
    """Return the report's cache key, and the inputs and day it hashes: all a render needs from the
    store, so that a render worker on another machine needs no database. A page that loaded the
    diagnosis already passes its ``inputs`` (the same load), not to read it twice."""
    app = current_app
    lang = report_lang(lang)
    today = today or clock.today(settings.zone())
    inputs = inputs or diagnoses.load(db, assessment, [d.id for d in questionnaire.dimensions])
    key = cache_key(inputs, questionnaire, app.extensions["assessor.catalogue"], lang, today,
                    _translations_fingerprint(str(app.config.get("BABEL_TRANSLATION_DIRECTORIES", "")), lang),
                    default_reports_dir(), app.extensions.get("assessor.ai_act"))
    return key, inputs, today


def render_report(inputs: DiagnosisInputs, questionnaire: Questionnaire, lang: str, today: dt.date) -> bytes:
    """Render the report of these inputs (WeasyPrint: in a render worker, or in immediate mode)."""
    app = current_app
    lang = report_lang(lang)
    started = time.perf_counter()
    with force_locale(lang):
        context = diagnosis_context(build_diagnosis(inputs, questionnaire, app.extensions["assessor.catalogue"],
                                                    lang, today, app.extensions.get("assessor.ai_act")), today)
    pdf = render.render_pdf(context, lang)
    app.logger.info("report of assessment %s (%s) rendered in %.0f ms, %d KB", inputs.assessment["id"], lang,
                    (time.perf_counter() - started) * 1000, len(pdf) // 1024)
    return pdf


def report_for(db: Database, assessment: dict[str, Any], questionnaire: Questionnaire, lang: str,
               today: dt.date | None = None, cache: Any = None) -> bytes:
    """Return the PDF report of a submitted assessment, from the cache when nothing changed.

    :param lang: ``fr`` or ``en``; anything else gives the French report (a query string is not
        trusted to name cache files).
    :param today: the date printed on the report and used to drop expired programmes.
    :param cache: where rendered reports are kept (a :class:`ReportCache`, or the queue's Redis
        cache); by default the folder ``REPORT_CACHE_DIR``.
    """
    lang = report_lang(lang)
    key, inputs, today = report_inputs(db, assessment, questionnaire, lang, today)
    cache = cache if cache is not None else ReportCache(current_app.config["REPORT_CACHE_DIR"])
    pdf = cache.get(assessment["id"], key)
    if pdf is None:
        pdf = render_report(inputs, questionnaire, lang, today)
        cache.put(assessment["id"], key, pdf)
    return pdf
