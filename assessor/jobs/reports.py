"""Reports rendered by the queue's workers: asked for when a diagnostic is validated, served at once.

A job is keyed by its report's cache key: a marker ``report:<key>`` in the queue's key-value store
says it is queued, running (on which host and process) or failed, so that asking twice renders
once. A job interrupted by a crash or ``kill -9`` is run again: when its worker's host starts a
worker again (the markers of dead processes), or when someone asks for the report after
``STALE_SECONDS``. A render failure is retried ``RETRIES`` times, then the marker says "failed":
the person reads it once, and the next click queues the render again.

Web workers call :func:`prepare`, which never imports WeasyPrint (nor renders) unless the queue
runs in immediate mode (tests, a one-person demo).
"""
from __future__ import annotations

import dataclasses
import os
import socket
import time
from types import SimpleNamespace
from typing import Any

from flask import Flask, current_app
from huey import Huey, crontab
from sqlite_utils import Database

from ..report.context import report_lang
from ..store import assessments
from ..store.db import connect
from .queue import queue, report_cache

READY, PENDING, FAILED = "ready", "pending", "failed"
QUEUED, RUNNING = "queued", "running"
RETRIES = 2
RETRY_DELAY_SECONDS = 5
# A render takes about a second; a job queued or running for longer than this lost its worker.
STALE_SECONDS = {QUEUED: 600, RUNNING: 120}
_MARKER = "report:"


@dataclasses.dataclass(frozen=True)
class Report:
    """What the download link can answer: the PDF, "in preparation" or "the render failed"."""

    state: str
    pdf: bytes | None = None


def register(app: Flask, huey: Huey) -> SimpleNamespace:
    """Register the report tasks on the application's queue; return them."""

    @huey.task(retries=RETRIES, retry_delay=RETRY_DELAY_SECONDS, context=True, name="render_report")
    def render_report(assessment_id: int, lang: str, key: str, task=None) -> None:
        with app.app_context():
            _render(huey, assessment_id, lang, key, final=task is None or not task.retries)

    @huey.periodic_task(crontab(minute="40", hour="3"), name="prune_reports")
    def prune_reports() -> None:
        """Delete cached reports of past days (keys carry the day) and forgotten markers, daily."""
        with app.app_context():
            prune(huey)

    @huey.on_startup("requeue_interrupted_reports")
    def requeue_interrupted_reports() -> None:
        with app.app_context():
            requeue_interrupted(huey)

    return SimpleNamespace(render_report=render_report, prune_reports=prune_reports,
                           requeue_interrupted_reports=requeue_interrupted_reports)


def prepare(db: Database, assessment: dict[str, Any], questionnaire, lang: str) -> Report:
    """Return the report if it is rendered, else make sure a worker renders it (once).

    Called by the download links, the results page and the validation. A failed render is told
    once (:data:`FAILED`): the next call queues it again.
    """
    from ..report import cache as reporting

    lang = report_lang(lang)
    key = reporting.report_key(db, assessment, questionnaire, lang)
    cache = report_cache()
    pdf = cache.get(assessment["id"], key)
    if pdf is not None:
        return Report(READY, pdf)
    huey = queue()
    marker = _marker(huey, key)
    if marker is not None and marker["state"] == FAILED:
        huey.delete(_MARKER + key)
        return Report(FAILED)
    if marker is None or _stale(marker):
        _enqueue(huey, assessment["id"], lang, key, replace=marker is not None)
    if huey.immediate:  # rendered (or failed) in this request
        pdf = cache.get(assessment["id"], key)
        if pdf is not None:
            return Report(READY, pdf)
        marker = _marker(huey, key)
        if marker is not None and marker["state"] == FAILED:
            huey.delete(_MARKER + key)
            return Report(FAILED)
    return Report(PENDING)


def _enqueue(huey: Huey, assessment_id: int, lang: str, key: str, *, replace: bool = False) -> bool:
    marker = {"state": QUEUED, "assessment_id": int(assessment_id), "lang": lang, "at": time.time()}
    if replace:
        huey.put(_MARKER + key, marker)
    elif not huey.put_if_empty(_MARKER + key, marker):
        return False  # asked twice: one job
    tasks = current_app.extensions["assessor.tasks"]
    # In immediate mode a retry would wait for a scheduler that is not there: retry at once.
    delay = 0 if huey.immediate else RETRY_DELAY_SECONDS
    huey.enqueue(tasks.render_report.s(int(assessment_id), lang, key, retry_delay=delay))
    return True


def _marker(huey: Huey, key: str) -> dict[str, Any] | None:
    return huey.get(_MARKER + key, peek=True)


def _stale(marker: dict[str, Any]) -> bool:
    limit = STALE_SECONDS.get(marker["state"])
    return limit is not None and time.time() - marker["at"] > limit


def _render(huey: Huey, assessment_id: int, lang: str, key: str, *, final: bool) -> None:
    from ..report import cache as reporting

    app = current_app
    name = _MARKER + key
    marker = {"assessment_id": assessment_id, "lang": lang}
    huey.put(name, marker | {"state": RUNNING, "at": time.time(), "host": socket.gethostname(),
                             "pid": os.getpid()})
    db = connect(app.config["DATABASE"])
    try:
        assessment = assessments.get(db, assessment_id)
        if assessment is None or assessment["status"] != "submitted":  # erased meanwhile
            huey.delete(name)
            return
        questionnaire = app.extensions["assessor.questionnaires"][
            f"{assessment['questionnaire_id']}@{assessment['questionnaire_version']}"]
        cache = report_cache()
        reporting.report_for(db, assessment, questionnaire, lang, cache=cache)
        if assessments.get(db, assessment_id) is None:  # erased during the render
            cache.forget(assessment_id)
    except Exception:
        app.logger.exception("report of assessment %s (%s) failed%s", assessment_id, lang,
                             "" if final else ", to be tried again")
        huey.put(name, marker | {"state": FAILED if final else QUEUED, "at": time.time()})
        raise
    else:
        huey.delete(name)
    finally:
        db.close()


def _markers(huey: Huey) -> dict[str, dict[str, Any]]:
    found = {}
    for name, value in huey.storage.result_items().items():
        if isinstance(name, bytes):
            name = name.decode()
        if name.startswith(_MARKER):
            found[name[len(_MARKER):]] = huey.serializer.deserialize(value)
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def requeue_interrupted(huey: Huey) -> int:
    """Queue again the renders a dead process of this host was running (kill -9, a crash).

    Run when a worker starts; renders of other hosts are queued again when asked after
    ``STALE_SECONDS``. Return how many.
    """
    host, count = socket.gethostname(), 0
    for key, marker in _markers(huey).items():
        if (marker.get("state") == RUNNING and marker.get("host") == host and marker.get("pid") != os.getpid()
                and not _alive(marker["pid"])):
            _enqueue(huey, marker["assessment_id"], marker["lang"], key, replace=True)
            count += 1
    if count:
        current_app.logger.warning("%d interrupted report render(s) queued again", count)
    return count


def prune(huey: Huey) -> int:
    """Delete cached reports older than ``PRUNE_AFTER_DAYS`` and markers older than a day."""
    from ..report.cache import PRUNE_AFTER_DAYS

    removed = report_cache().prune(PRUNE_AFTER_DAYS)
    if removed:
        current_app.logger.info("%d cached report(s) older than %d days deleted", removed, PRUNE_AFTER_DAYS)
    for key, marker in _markers(huey).items():
        if time.time() - marker.get("at", 0) > 86400:
            huey.delete(_MARKER + key)
    return removed
