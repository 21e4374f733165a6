"""The queue with real render workers (issue 13): `flask --app assessor worker` processes on the
SQLite queue and on a real redis-server (Debian package, installed by scripts/setup.sh --test),
started here on free loopback ports; a worker killed mid-render (kill -9) has its job run again."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assessor.jobs import queue as jobs_queue
from assessor.jobs import reports as jobs
from tests.factories import ROOT, best_answers, create_assessment, make_app

pytestmark = pytest.mark.server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Worker:
    """`flask --app assessor worker` on the same instance folder, database and cache as ``app``."""

    def __init__(self, app, log: Path):
        env = {key: value for key, value in os.environ.items() if not key.startswith("ASSESSOR_")}
        env.update(ASSESSOR_INSTANCE_PATH=app.instance_path, ASSESSOR_DATABASE=app.config["DATABASE"],
                   ASSESSOR_REPORT_CACHE=app.config["REPORT_CACHE_DIR"], ASSESSOR_SECRET_KEY="test-secret")
        if app.config.get("REDIS_URL"):
            env["ASSESSOR_REDIS_URL"] = app.config["REDIS_URL"]
        self.log = log
        with log.open("ab") as output:
            self.process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "assessor", "worker"],
                                            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


@pytest.fixture
def workers(tmp_path):
    started = []

    def start(app):
        worker = Worker(app, tmp_path / "worker.log")
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def redis_url(tmp_path):
    """A real redis-server on a free loopback port, in memory only, stopped after the test."""
    server = shutil.which("redis-server") or "/usr/bin/redis-server"
    assert Path(server).exists(), "redis-server is missing: scripts/setup.sh --test installs it"
    port = free_port()
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(tmp_path)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(port=port)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            assert process.poll() is None and time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    client.close()
    process.terminate()
    process.wait(10)


def validate(app, client) -> tuple[int, str]:
    questionnaire = max((q for q in app.extensions["assessor.questionnaires"].values() if q.id == "ai-maturity"),
                        key=lambda q: q.version)
    assessment_id, token = create_assessment(app, best_answers(questionnaire))
    assert client.post(f"/a/{token}/valider").status_code == 302
    return assessment_id, token


def wait_for(condition, seconds: float = 60, what: str = "", worker: Worker | None = None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.01)
    log = worker.log.read_text(errors="replace")[-3000:] if worker else ""
    raise AssertionError(f"not within {seconds} s: {what}\n{log}")


def running(app):
    return [marker for marker in jobs._entries(jobs_queue.queue(app), jobs.MARKER).values()
            if marker["state"] == jobs.RUNNING]


def test_a_worker_process_renders_the_report_after_validation(tmp_path, workers):
    app = make_app(tmp_path, QUEUE_IMMEDIATE=False, WTF_CSRF_ENABLED=False)
    client = app.test_client()
    worker = workers(app)
    assessment_id, token = validate(app, client)
    cache = Path(app.config["REPORT_CACHE_DIR"]) / str(assessment_id)
    wait_for(lambda: list(cache.glob("*.pdf")), what="the PDF in the cache", worker=worker)
    response = client.get(f"/a/{token}/rapport.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    assert "rendered in" in worker.log.read_text()


def test_a_render_interrupted_by_kill_9_is_run_again_by_the_next_worker(tmp_path, workers):
    app = make_app(tmp_path, QUEUE_IMMEDIATE=False, WTF_CSRF_ENABLED=False)
    client = app.test_client()
    first = workers(app)
    wait_for(lambda: "render worker on" in first.log.read_text(), what="the worker's start", worker=first)
    assessment_id, token = validate(app, client)
    wait_for(lambda: running(app), what="the render to start", worker=first)
    first.kill()
    cache = Path(app.config["REPORT_CACHE_DIR"]) / str(assessment_id)
    assert not list(cache.glob("*.pdf")) and running(app)  # killed mid-render
    assert client.get(f"/a/{token}/rapport.pdf").status_code == 202
    second = workers(app)
    wait_for(lambda: list(cache.glob("*.pdf")), what="the PDF after the restart", worker=second)
    assert client.get(f"/a/{token}/rapport.pdf").status_code == 200
    assert "interrupted report render(s) queued again" in second.log.read_text()


def test_the_same_path_through_redis(tmp_path, workers, redis_url):
    """Web and worker share nothing but Redis for the reports: the queue and the PDF go through it."""
    import redis

    app = make_app(tmp_path, QUEUE_IMMEDIATE=False, WTF_CSRF_ENABLED=False, REDIS_URL=redis_url)
    client = app.test_client()
    worker = workers(app)
    assessment_id, token = validate(app, client)
    assert client.get(f"/a/{token}/rapport.pdf").status_code == 202
    store = redis.Redis.from_url(redis_url)
    names = wait_for(lambda: store.keys(f"assessor:report:{assessment_id}:*"), what="the PDF in Redis",
                     worker=worker)
    assert 0 < store.ttl(names[0]) <= 2 * 86400  # expires with the day's keys
    assert not Path(app.config["REPORT_CACHE_DIR"]).exists()  # no folder cache with Redis
    response = client.get(f"/a/{token}/rapport.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    # the company erases its diagnostic: its report leaves Redis
    assert client.post(f"/a/{token}/supprimer", data={"confirm": "y"}).status_code == 302
    assert store.keys(f"assessor:report:{assessment_id}:*") == []
    store.close()
