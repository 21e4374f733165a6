"""Reports rendered by the queue (issue 13): ready when asked for, "in preparation" otherwise,
asked twice → rendered once, failures retried then told, interrupted jobs run again, old reports
pruned by a periodic task. The queue runs in immediate mode or is driven by hand here; real worker
processes (SQLite and Redis) are in test_queue_worker.py."""
from __future__ import annotations

import datetime as dt
import logging
import os
import re
import subprocess
import sys
import time

import pytest

from assessor.jobs import queue as jobs_queue
from assessor.jobs import reports as jobs
from assessor.report import render as reporting
from tests.factories import ROOT, best_answers, create_assessment, make_app

FAKE_PDF = b"%PDF-1.7\n% rendered by a fake renderer\n%%EOF\n"


@pytest.fixture
def renders(monkeypatch):
    """Replace WeasyPrint by a counter; ``renders.fail = n`` makes the next n renders fail."""
    class Calls(list):
        fake = None

    calls = Calls()

    def fake_render(context, lang, root=None):
        calls.append((context["assessment"]["id"], lang))
        if getattr(fake_render, "fail", 0):
            fake_render.fail -= 1
            raise RuntimeError("the renderer broke")
        return FAKE_PDF

    monkeypatch.setattr(reporting, "render_pdf", fake_render)
    calls.fake = fake_render
    return calls


def queued_app(tmp_path, **config):
    """The app on a real SQLite queue, without a worker: jobs wait until a test runs them."""
    return make_app(tmp_path, QUEUE_IMMEDIATE=False, WTF_CSRF_ENABLED=False, **config)


def validated(app, client, **profile):
    """Answer everything, then validate through the page's button (the route a person uses)."""
    with app.app_context():
        questionnaire = app.extensions["assessor.questionnaires"]["ai-maturity@" + str(
            max(q.version for q in app.extensions["assessor.questionnaires"].values() if q.id == "ai-maturity"))]
    assessment_id, token = create_assessment(app, best_answers(questionnaire), **profile)
    response = client.post(f"/a/{token}/valider")
    assert response.status_code == 302 and response.headers["Location"].endswith("/resultats")
    return assessment_id, token


def run_jobs(app, *, retries: bool = False) -> int:
    """Do what a worker does with every job waiting in the queue (and, with ``retries``, with the
    retries waiting for their delay, as if it had passed); return how many ran."""
    huey, count = jobs_queue.queue(app), 0
    later = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) + dt.timedelta(minutes=5)
    while True:
        waiting = [huey.dequeue()] + (huey.read_schedule(later) if retries else [])
        waiting = [task for task in waiting if task is not None]
        if not waiting:
            return count
        for task in waiting:
            huey.execute(task, later)
            count += 1


def test_validation_queues_the_report_and_the_link_serves_it_once_rendered(tmp_path, renders):
    app = queued_app(tmp_path)
    client = app.test_client()
    _id, token = validated(app, client)
    assert jobs_queue.queue(app).pending_count() == 1 and renders == []  # not rendered in the request

    client.get(f"/a/{token}/resultats")
    waiting = client.get(f"/a/{token}/rapport.pdf")
    assert jobs_queue.queue(app).pending_count() == 1  # asked three times: one job
    assert waiting.status_code == 202 and waiting.headers["Cache-Control"] == "no-store"
    page = waiting.get_data(as_text=True)
    assert "Votre rapport est en préparation…" in page
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page  # without JavaScript
    assert f'data-url="/a/{token}/rapport.pdf"' in page and f'href="/a/{token}/resultats"' in page
    assert client.get(f"/a/{token}/rapport.pdf", headers={"X-Report-Status": "1"}).json == {"state": "pending"}

    assert run_jobs(app) == 1 and len(renders) == 1
    assert client.get(f"/a/{token}/rapport.pdf", headers={"X-Report-Status": "1"}).json == {"state": "ready"}
    ready = client.get(f"/a/{token}/rapport.pdf")
    assert ready.status_code == 200 and ready.data == FAKE_PDF and ready.mimetype == "application/pdf"
    assert "attachment" in ready.headers["Content-Disposition"]
    assert len(renders) == 1 and jobs_queue.queue(app).pending_count() == 0


def test_the_results_page_reads_the_diagnosis_once_also_when_it_queues_the_report(tmp_path, renders, monkeypatch):
    """The page and the report's cache key need the same inputs: one load from the store, not two."""
    from assessor.store import diagnoses

    app = queued_app(tmp_path)
    client = app.test_client()
    _id, token = validated(app, client)
    loads = []
    original = diagnoses.load
    monkeypatch.setattr(diagnoses, "load", lambda *args, **kwargs: loads.append(1) or original(*args, **kwargs))
    client.post("/langue/en", data={"next": f"/a/{token}/resultats"})
    assert client.get(f"/a/{token}/resultats").status_code == 200
    assert len(loads) == 1 and jobs_queue.queue(app).pending_count() == 2  # the English report is queued too
    assert run_jobs(app) == 2 and client.get(f"/a/{token}/rapport.pdf").status_code == 200


def test_the_results_page_in_another_language_queues_that_report(tmp_path, renders):
    app = queued_app(tmp_path)
    client = app.test_client()
    _id, token = validated(app, client)
    run_jobs(app)
    client.post("/langue/en", data={"next": f"/a/{token}/resultats"})
    assert client.get(f"/a/{token}/resultats").status_code == 200
    assert run_jobs(app) == 1 and renders[-1][1] == "en"
    english = client.get(f"/a/{token}/rapport.pdf")
    assert english.status_code == 200 and len(renders) == 2


def test_the_pending_page_keeps_the_language_in_its_links_and_no_token_in_a_query(tmp_path, renders):
    app = queued_app(tmp_path)
    client = app.test_client()
    _id, token = validated(app, client)
    page = client.get(f"/a/{token}/rapport.pdf?lang=en").get_data(as_text=True)
    assert f'data-url="/a/{token}/rapport.pdf?lang=en"' in page
    assert not re.search(r"\?[^\"']*" + re.escape(token[:8]), page)


def test_a_failed_render_is_retried_then_told_and_the_next_click_tries_again(app, renders, caplog):
    """Immediate mode: the job runs in the request, with its retries."""
    renders.fake.fail = 3  # the first try and both retries
    _id, token = create_assessment(app, {"strategy.owner": "nobody"}, submit=True)
    client = app.test_client()
    with caplog.at_level(logging.ERROR):
        failed = client.get(f"/a/{token}/rapport.pdf")
    assert len(renders) == 1 + jobs.RETRIES
    assert failed.status_code == 500
    page = failed.get_data(as_text=True)
    assert "Le rapport n'a pas pu être préparé" in page and "Réessayer" in page
    assert 'http-equiv="refresh"' not in page and "data-report-pending" not in page  # no endless wait
    assert "the renderer broke" in caplog.text and f"report of assessment {_id} (fr) failed" in caplog.text
    again = client.get(f"/a/{token}/rapport.pdf")
    assert again.status_code == 200 and again.data == FAKE_PDF


def test_a_render_that_fails_once_is_served_by_its_retry(app, renders):
    renders.fake.fail = 1
    _id, token = create_assessment(app, {"strategy.owner": "nobody"}, submit=True)
    response = app.test_client().get(f"/a/{token}/rapport.pdf")
    assert response.status_code == 200 and len(renders) == 2


def test_the_status_of_a_failed_render_is_told_to_the_script_once(tmp_path, renders):
    app = queued_app(tmp_path)
    client = app.test_client()
    _id, token = validated(app, client)
    renders.fake.fail = 1 + jobs.RETRIES
    assert run_jobs(app, retries=True) == 1 + jobs.RETRIES
    status = lambda: client.get(f"/a/{token}/rapport.pdf", headers={"X-Report-Status": "1"}).json["state"]  # noqa: E731
    assert status() == "failed"
    assert status() == "pending"  # asked again: queued again
    assert run_jobs(app) == 1 and status() == "ready"


def test_a_job_interrupted_by_a_dead_worker_is_queued_again_when_a_worker_starts(tmp_path, renders):
    app = queued_app(tmp_path)
    client = app.test_client()
    _id, token = validated(app, client)
    huey = jobs_queue.queue(app)
    task = huey.dequeue()  # a worker took it, then died (kill -9) before the render ended
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    job = task.args[0]
    huey.put("report:" + job["key"], {"state": jobs.RUNNING, "job": job, "at": time.time(),
                                      "host": os.uname().nodename, "pid": dead.pid})
    assert huey.pending_count() == 0
    assert client.get(f"/a/{token}/rapport.pdf").status_code == 202  # still "running": not queued twice
    assert huey.pending_count() == 0
    with app.app_context():
        app.extensions["assessor.tasks"].requeue_interrupted_reports()  # a worker starts
    assert huey.pending_count() == 1 and run_jobs(app) == 1
    assert client.get(f"/a/{token}/rapport.pdf").status_code == 200


def test_a_job_whose_worker_vanished_elsewhere_is_queued_again_when_asked(tmp_path, renders, monkeypatch):
    app = queued_app(tmp_path)
    client = app.test_client()
    _id, token = validated(app, client)
    huey = jobs_queue.queue(app)
    task = huey.dequeue()
    huey.put("report:" + task.args[0]["key"], {"state": jobs.RUNNING, "job": task.args[0],
                                               "at": time.time() - jobs.STALE_SECONDS[jobs.RUNNING] - 1,
                                               "host": "render-2.example", "pid": 1})
    assert client.get(f"/a/{token}/rapport.pdf").status_code == 202
    assert huey.pending_count() == 1 and run_jobs(app) == 1
    assert client.get(f"/a/{token}/rapport.pdf").status_code == 200


def test_a_job_for_a_diagnostic_erased_meanwhile_renders_nothing(tmp_path, renders):
    app = queued_app(tmp_path)
    client = app.test_client()
    assessment_id, token = validated(app, client)
    erased = client.post(f"/a/{token}/supprimer", data={"confirm": "y"})
    assert erased.status_code == 302
    assert run_jobs(app) == 1 and renders == []
    assert not list((tmp_path / "report-cache").glob("*/*.pdf"))


def test_the_advisor_link_follows_the_same_path(tmp_path, renders, auth):
    app = queued_app(tmp_path)
    from tests.conftest import AuthActions

    assessment_id, _token = create_assessment(app, {"strategy.owner": "nobody"}, submit=True)
    client = app.test_client()
    AuthActions(app, client).login()
    waiting = client.get(f"/conseiller/evaluations/{assessment_id}/rapport.pdf")
    assert waiting.status_code == 202 and "Votre rapport est en préparation…" in waiting.get_data(as_text=True)
    assert f'href="/conseiller/evaluations/{assessment_id}"' in waiting.get_data(as_text=True)
    assert run_jobs(app) == 1
    ready = client.get(f"/conseiller/evaluations/{assessment_id}/rapport.pdf")
    assert ready.status_code == 200 and ready.data == FAKE_PDF


def test_old_reports_are_pruned_by_the_queue_s_daily_task(app, renders):
    from assessor.report.cache import ReportCache

    cache = ReportCache(app.config["REPORT_CACHE_DIR"])
    cache.put(7, "0" * 64, FAKE_PDF)
    cache.put(7, "1" * 64, FAKE_PDF)
    three_days_ago = time.time() - 3 * 86400
    os.utime(cache.path(7, "0" * 64), (three_days_ago, three_days_ago))
    tasks = app.extensions["assessor.tasks"]
    daily = tasks.prune_reports.task_class()
    assert daily.validate_datetime(dt.datetime(2026, 12, 2, 3, 40))
    assert not daily.validate_datetime(dt.datetime(2026, 12, 2, 3, 41))
    tasks.prune_reports.call_local()
    assert not cache.path(7, "0" * 64).exists() and cache.path(7, "1" * 64).exists()


def test_web_workers_never_import_weasyprint(tmp_path):
    """A journey and a ready PDF through the app of a web worker: WeasyPrint stays out of it."""
    script = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
from tests.factories import best_answers, create_assessment, make_app
from assessor.jobs import queue
from assessor.report import cache
from assessor.store import assessments
from assessor.store.db import connect

app = make_app(__import__("pathlib").Path({str(tmp_path)!r}), QUEUE_IMMEDIATE=False, WTF_CSRF_ENABLED=False)
client = app.test_client()
assert client.get("/").status_code == 200
questionnaire = max((q for q in app.extensions["assessor.questionnaires"].values() if q.id == "ai-maturity"),
                    key=lambda q: q.version)
assessment_id, token = create_assessment(app, best_answers(questionnaire))
assert client.get(f"/a/{{token}}/s/{{questionnaire.dimensions[0].id}}").status_code == 200
assert client.post(f"/a/{{token}}/valider").status_code == 302
assert client.get(f"/a/{{token}}/resultats").status_code == 200
assert client.get(f"/a/{{token}}/rapport.pdf").status_code == 202
with app.test_request_context():
    db = connect(app.config["DATABASE"])
    key = cache.report_key(db, assessments.get(db, assessment_id), questionnaire, "fr")
    queue.report_cache().put(assessment_id, key, b"%PDF-1.7 rendered elsewhere %%EOF")
ready = client.get(f"/a/{{token}}/rapport.pdf")
assert ready.status_code == 200 and ready.data.startswith(b"%PDF"), ready.status_code
print("weasyprint" in sys.modules)
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_the_worker_command_refuses_an_immediate_queue(app):
    result = app.test_cli_runner().invoke(args=["worker"])
    assert result.exit_code != 0 and "immediate mode" in result.output


def test_the_queue_follows_the_settings(tmp_path):
    from huey import RedisHuey, SqliteHuey

    sqlite = jobs_queue.build({"QUEUE_DATABASE": str(tmp_path / "queue.sqlite3"), "QUEUE_IMMEDIATE": False})
    assert isinstance(sqlite, SqliteHuey) and not sqlite.immediate
    assert oct((tmp_path / "queue.sqlite3").stat().st_mode & 0o777) == "0o600"
    redis_queue = jobs_queue.build({"REDIS_URL": "redis://127.0.0.1:1/0", "QUEUE_IMMEDIATE": False})
    assert isinstance(redis_queue, RedisHuey)  # nothing connects before a job is queued
    assert jobs_queue.build({"QUEUE_DATABASE": str(tmp_path / "q2"), "TESTING": True}).immediate
    from assessor import config

    assert config.from_environment({"ASSESSOR_REDIS_URL": "redis://r:6379/0", "ASSESSOR_QUEUE_IMMEDIATE": "1"}) == {
        "REDIS_URL": "redis://r:6379/0", "QUEUE_IMMEDIATE": True}
