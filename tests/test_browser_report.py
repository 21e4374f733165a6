"""The "Votre rapport est en préparation…" page in a real browser (issue 13): with JavaScript it
waits and starts the download; without, it reloads itself and the last reload downloads the file;
after a failed render it says so. The queue has no worker here: the test runs the jobs itself."""
from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("playwright")

from assessor.jobs import queue as jobs_queue  # noqa: E402
from assessor.report import render as reporting  # noqa: E402
from tests.factories import create_assessment, make_app, serving  # noqa: E402
from tests.test_browser import assert_accessible, axe, browser  # noqa: E402,F401  (fixtures)

pytestmark = pytest.mark.browser
FAKE_PDF = b"%PDF-1.7\n% rendered by a fake renderer\n%%EOF\n"


@pytest.fixture
def queued_server(tmp_path, monkeypatch):
    monkeypatch.setattr(reporting, "render_pdf", lambda context, lang, root=None: FAKE_PDF)
    app = make_app(tmp_path, QUEUE_IMMEDIATE=False)
    with serving(app) as base_url:
        yield base_url, app


def run_jobs_later(app, seconds: float = 1.5) -> threading.Thread:
    """A render worker that takes ``seconds`` to get to the queue."""
    def work():
        time.sleep(seconds)
        huey = jobs_queue.queue(app)
        while (task := huey.dequeue()) is not None:
            huey.execute(task)

    thread = threading.Thread(target=work)
    thread.start()
    return thread


@pytest.mark.parametrize("javascript", [True, False], ids=["with JavaScript", "without JavaScript"])
def test_the_page_waits_for_the_report_then_downloads_it(queued_server, browser, axe, javascript):  # noqa: F811
    base_url, app = queued_server
    _id, token = create_assessment(app, {"strategy.owner": "nobody"}, submit=True)
    context = browser.new_context(locale="fr-FR", java_script_enabled=javascript, accept_downloads=True)
    page = context.new_page()
    try:
        response = page.goto(f"{base_url}/a/{token}/rapport.pdf")
        assert response.status == 202
        assert page.get_by_role("heading", name="Votre rapport est en préparation…").is_visible()
        if javascript:
            assert_accessible(axe, page)
        worker = run_jobs_later(app)
        with page.expect_download(timeout=20_000) as download:
            pass
        worker.join()
        assert download.value.suggested_filename == f"diagnostic-ia-{_id}.pdf"
        assert Path(download.value.path()).read_bytes() == FAKE_PDF
        if javascript:
            assert "le téléchargement a commencé" in page.locator("#report-status").inner_text()
    finally:
        context.close()


def test_after_a_failed_render_the_page_says_so_and_the_button_tries_again(queued_server, browser,  # noqa: F811
                                                                           monkeypatch):
    base_url, app = queued_server
    failures = {"left": 3}

    def flaky(context, lang, root=None):
        if failures["left"]:
            failures["left"] -= 1
            raise RuntimeError("the renderer broke")
        return FAKE_PDF

    monkeypatch.setattr(reporting, "render_pdf", flaky)
    _id, token = create_assessment(app, {"strategy.owner": "nobody"}, submit=True)
    context = browser.new_context(locale="fr-FR", accept_downloads=True)
    page = context.new_page()
    try:
        assert page.goto(f"{base_url}/a/{token}/rapport.pdf").status == 202
        huey = jobs_queue.queue(app)
        later = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) + dt.timedelta(minutes=5)
        for _attempt in range(3):  # the render and its two retries, all failing
            task = huey.dequeue() or huey.read_schedule(later)[0]
            huey.execute(task, later)
        status = page.locator("#report-status")
        status.filter(has_text="Une erreur est survenue").wait_for(timeout=20_000)
        assert page.get_by_role("heading", name="Le rapport n'a pas pu être préparé").is_visible()
        run_jobs_later(app, 1.0)
        with page.expect_download(timeout=20_000) as download:
            page.get_by_role("link", name="Réessayer").click()
        assert Path(download.value.path()).read_bytes() == FAKE_PDF
    finally:
        context.close()
