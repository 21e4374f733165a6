"""The download links of the PDF report: the file when it is rendered, else "in preparation".

Reports are rendered by the queue's workers (jobs/reports.py); this module never imports WeasyPrint.
"""
from __future__ import annotations

from flask import Response, current_app, jsonify, render_template, request

from ..jobs import reports as jobs
from ..jobs.queue import queue
from ..store.db import get_db

# Seconds between two reloads of the "in preparation" page without JavaScript.
REFRESH_SECONDS = 2
# The page's script asks with this header, and gets the state as JSON instead of the file.
STATUS_HEADER = "X-Report-Status"


def download(assessment: dict, questionnaire, lang: str, back_url: str) -> Response | tuple:
    """Answer a click on "Télécharger le rapport": the PDF (200), or a page that waits for it
    (202), or the message of a failed render (500, the next click tries again)."""
    report = jobs.prepare(get_db(), assessment, questionnaire, lang)
    if request.headers.get(STATUS_HEADER):
        return jsonify(state=report.state), 200, {"Cache-Control": "no-store"}
    if report.state == jobs.READY:
        return Response(report.pdf, mimetype="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="diagnostic-ia-{assessment["id"]}.pdf"',
            "Cache-Control": "no-store",
        })
    failed = report.state == jobs.FAILED
    if failed:
        current_app.logger.error("report of assessment %s: the render failed, told to the reader",
                                 assessment["id"])
    body = render_template("report_pending.html", failed=failed, back_url=back_url,
                           report_url=request.full_path.rstrip("?"), refresh=REFRESH_SECONDS)
    return body, 500 if failed else 202, {"Cache-Control": "no-store"}


def prepare_quietly(assessment: dict, questionnaire, lang: str, inputs=None) -> None:
    """Queue the report's render (validation, results page); a queue that is down does not stop
    the page: the download link will ask again. Nothing in immediate mode. ``inputs``: the
    diagnosis the page loaded, not read again."""
    if queue().immediate:  # it would render here, in the page's request: the link will do it
        return
    try:
        jobs.prepare(get_db(), assessment, questionnaire, lang, inputs)
    except Exception:  # noqa: BLE001 - the page matters more than the head start
        current_app.logger.exception("report of assessment %s could not be queued", assessment["id"])
