"""Reports rendered by the queue's workers: asked for when a diagnostic is validated, served at once.

A job is keyed by its report's cache key: a marker ``report:<key>`` in the queue's key-value store
says it is queued, running (on which host and process) or failed, so that asking twice renders
once. The job carries what the web read to compute that key (the diagnosis' inputs and the day):
a render worker renders exactly the report the key names and needs no database, so it can run on
another machine (Redis). A job interrupted by a crash or ``kill -9`` is run again: when a worker
starts again on its host (the markers of dead processes), or when someone asks for the report
``STALE_SECONDS`` later. A render failure is retried ``RETRIES`` times, then the marker says
"failed": the person reads it once, and the next click queues the render again.

Web workers call :func:`prepare`, which never imports WeasyPrint unless the queue runs in immediate
mode (tests, a quick demo).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import os
import socket
import time
from types import SimpleNamespace
from typing import Any

from flask import Flask, current_app
from huey import Huey, crontab
from sqlite_utils import Database

from ..report.context import report_lang
from .queue import ERASED, queue, report_cache

READY, PENDING, FAILED = "ready", "pending", "failed"
QUEUED, RUNNING = "queued", "running"
RETRIES = 2
RETRY_DELAY_SECONDS = 5
# A render takes about a second; a job queued or running for longer than this lost its worker.
STALE_SECONDS = {QUEUED: 600, RUNNING: 120}
MARKER = "report:"
# Markers and erasure notes older than this are forgotten by the daily task.
FORGET_AFTER_SECONDS = 86400


@dataclasses.dataclass(frozen=True)
class Report:
    """What the download link can answer: the PDF, "in preparation" or "the render failed"."""

    state: str
    pdf: bytes | None = None


def register(app: Flask, huey: Huey) -> SimpleNamespace:
    """Register the report tasks on the application's queue; return them."""

    @huey.task(retries=RETRIES, retry_delay=RETRY_DELAY_SECONDS, context=True, name="render_report")
    def render_report(job: dict[str, Any], task=None) -> None:
        with app.app_context():
            _render(huey, job, final=task is None or not task.retries)

    @huey.periodic_task(crontab(minute="40", hour="3"), name="prune_reports")
    def prune_reports() -> None:
        """Delete the cached reports of past days (keys carry the day) and old markers, daily."""
        with app.app_context():
            prune(huey)

    @huey.on_startup("requeue_interrupted_reports")
    def requeue_interrupted_reports() -> None:
        with app.app_context():
            requeue_interrupted(huey)

    return SimpleNamespace(render_report=render_report, prune_reports=prune_reports,
                           requeue_interrupted_reports=requeue_interrupted_reports)


def prepare(db: Database, assessment: dict[str, Any], questionnaire, lang: str, inputs=None) -> Report:
    """Return the report if it is rendered, else make sure a worker renders it (once).

    Called by the download links, the results page and the validation. A failed render is told
    once (:data:`FAILED`): the next call queues it again.
    """
    from ..report import cache as reporting

    lang = report_lang(lang)
    key, inputs, today = reporting.report_inputs(db, assessment, questionnaire, lang, inputs=inputs)
    cache = report_cache()
    pdf = cache.get(assessment["id"], key)
    if pdf is not None:
        return Report(READY, pdf)
    huey = queue()
    marker = _marker(huey, key)
    if marker is not None and marker["state"] == FAILED:
        huey.delete(MARKER + key)  # told once: the next click tries again
        return Report(FAILED)
    if marker is None or _stale(marker):
        job = {"key": key, "assessment_id": int(assessment["id"]), "lang": lang, "today": today.isoformat(),
               "questionnaire": questionnaire.key, "inputs": inputs}
        _enqueue(huey, job, replace=marker is not None)
    if huey.immediate:  # rendered (or failed) in this request
        pdf = cache.get(assessment["id"], key)
        if pdf is not None:
            return Report(READY, pdf)
        if (_marker(huey, key) or {}).get("state") == FAILED:
            huey.delete(MARKER + key)
            return Report(FAILED)
    return Report(PENDING)


def _enqueue(huey: Huey, job: dict[str, Any], *, replace: bool = False) -> bool:
    marker = {"state": QUEUED, "at": time.time(), "job": job}
    if replace:
        huey.put(MARKER + job["key"], marker)
    elif not huey.put_if_empty(MARKER + job["key"], marker):
        return False  # asked twice: one job
    tasks = current_app.extensions["assessor.tasks"]
    # In immediate mode a retry would wait for a scheduler that is not there: retry at once.
    delay = 0 if huey.immediate else RETRY_DELAY_SECONDS
    huey.enqueue(tasks.render_report.s(job, retry_delay=delay, id=f"report-{job['key'][:16]}"))
    return True


def _marker(huey: Huey, key: str) -> dict[str, Any] | None:
    return huey.get(MARKER + key, peek=True)


def _stale(marker: dict[str, Any]) -> bool:
    limit = STALE_SECONDS.get(marker["state"])
    return limit is not None and time.time() - marker["at"] > limit


def _erased(huey: Huey, assessment_id: int) -> bool:
    return huey.get(f"{ERASED}{int(assessment_id)}", peek=True) is not None


def _render(huey: Huey, job: dict[str, Any], *, final: bool) -> None:
    from ..report import cache as reporting

    app = current_app
    name, assessment_id = MARKER + job["key"], job["assessment_id"]
    if _erased(huey, assessment_id):  # erased after it was asked for
        huey.delete(name)
        return
    huey.put(name, {"state": RUNNING, "at": time.time(), "job": job, "host": socket.gethostname(),
                    "pid": os.getpid()})
    cache = report_cache()
    try:
        if cache.get(assessment_id, job["key"]) is None:  # a job run again after a crash may find it done
            questionnaire = app.extensions["assessor.questionnaires"][job["questionnaire"]]
            pdf = reporting.render_report(job["inputs"], questionnaire, job["lang"],
                                          dt.date.fromisoformat(job["today"]))
            cache.put(assessment_id, job["key"], pdf)
            if _erased(huey, assessment_id):  # erased during the render
                cache.forget(assessment_id)
    except Exception:
        app.logger.exception("report of assessment %s (%s) failed%s", assessment_id, job["lang"],
                             "" if final else ", to be tried again")
        huey.put(name, {"state": FAILED if final else QUEUED, "at": time.time(), "job": job})
        raise
    huey.delete(name)


def _entries(huey: Huey, prefix: str) -> dict[str, Any]:
    found = {}
    for name, value in huey.storage.result_items().items():
        name = name.decode() if isinstance(name, bytes) else name
        if name.startswith(prefix):
            found[name] = huey.serializer.deserialize(value)
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

    Run when a worker starts; renders of other hosts are queued again when asked for after
    ``STALE_SECONDS``. Return how many.
    """
    host, count = socket.gethostname(), 0
    for marker in _entries(huey, MARKER).values():
        if (marker.get("state") == RUNNING and marker.get("host") == host and marker.get("pid") != os.getpid()
                and not _alive(marker["pid"])):
            _enqueue(huey, marker["job"], replace=True)
            count += 1
    if count:
        current_app.logger.warning("%d interrupted report render(s) queued again", count)
    return count


def prune(huey: Huey) -> int:
    """Delete cached reports older than ``PRUNE_AFTER_DAYS``, and markers and erasure notes older
    than a day; return how many reports went."""
    from ..report.cache import PRUNE_AFTER_DAYS

    removed = report_cache().prune(PRUNE_AFTER_DAYS)
    if removed:
        current_app.logger.info("%d cached report(s) older than %d days deleted", removed, PRUNE_AFTER_DAYS)
    for prefix in (MARKER, ERASED):
        for name, value in _entries(huey, prefix).items():
            at = value.get("at", 0) if isinstance(value, dict) else value
            if time.time() - at > FORGET_AFTER_SECONDS:
                huey.delete(name)
    return removed
