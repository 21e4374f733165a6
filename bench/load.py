"""Measure the SME journey under load, against the app served as `make run` serves it.

    .venv/bin/python bench/load.py [--journeys 200] [--concurrency N] [--workers 2] [--timeout 600]
                                   [--think S] [--no-pdf] [--request-timeout 120] [--render-workers 1]

Starts gunicorn with the project's gunicorn.conf.py (sync workers) on 127.0.0.1, on a free port
and a temporary instance folder migrated first with `flask init-db` (as scripts/run.sh does), and
the render worker beside it (`nice -n 10 flask --app assessor worker`, as scripts/run.sh), then:

- warms each worker up (one journey each), and measures a baseline: --baseline journeys one after
  the other on the idle server;
- runs --journeys journeys at once (at most --concurrency in flight). A journey is what a company
  does: the home page, its profile, every section page shown then sent with random valid answers
  to each visible question, the review, the validation, the results page and the PDF (waiting while it is "in preparation",
  as its page does);
- stops the server and reads every acknowledged answer (its POST got the redirect) back from the
  database: a lost answer is one missing or different there.

Prints the journeys completed, the status counts, the p50/p95 of each step and its ratio to the
idle p50, the lost answers, the unescaped payloads (the company name and the free text carry
markup: no page may send it back raw) and the errors in the server's log. Bounded in count
(--journeys) and in time (--timeout seconds in all: journeys still running then stop and count
as unfinished).

Targets: every journey completed, no 5xx nor connection error (a browser gives up after
--request-timeout seconds), 0 lost answers, 0 unescaped payloads, no error logged.
"""
from __future__ import annotations

import argparse
import collections
import http.client
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import gunicorn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assessor import config as settings  # noqa: E402
from assessor.web.forms import field_name  # noqa: E402
from assessor.domain.questionnaire import Question, Questionnaire, is_visible, latest, load_directory  # noqa: E402
from assessor.domain.referential import NAF_SECTIONS, REGIONS, ROLES, SIZE_BANDS  # noqa: E402
from assessor.store import assessments as store  # noqa: E402

# "PDF" is each request of the download link (the file, or "in preparation" while a render worker
# renders it); "PDF ready" is the whole wait of the company, from its click to the file.
STEPS = ("home", "profile", "section GET", "section POST", "review", "validate", "results", "PDF", "PDF ready")
# The "in preparation" page's script asks again after 1 s, then 1.5 times longer each time, at most
# every 5 s (static/app.js): the same here.
REFRESH, REFRESH_BACKOFF, REFRESH_MAX = 1.0, 1.5, 5.0
# Markup in what a company types: pages must show it as text. Its raw form is searched in every page.
PAYLOAD = "<script>alert('assessor')</script>"
_CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"|'
                   r'<input[^>]*value="([^"]+)"[^>]*name="csrf_token"')
_LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")


def questionnaire_in_use() -> Questionnaire:
    """Return the questionnaire version new assessments start with, from the project's files."""
    defaults = settings.defaults("")
    return latest(load_directory(Path(defaults["QUESTIONNAIRES_DIR"])), defaults["QUESTIONNAIRE_ID"])


# -- the server ----------------------------------------------------------------------------------


class Server:
    """gunicorn as scripts/run.sh starts it, on a free port of 127.0.0.1, in its own process group."""

    def __init__(self, instance: Path, workers: int = 2):
        self.instance = Path(instance)
        self.workers = workers
        self.database = self.instance / "assessor.sqlite3"
        self.process: subprocess.Popen | None = None
        self.port = 0
        self.starts = 0

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(ASSESSOR_INSTANCE_PATH=str(self.instance), ASSESSOR_DATABASE=str(self.database),
                   ASSESSOR_REPORT_CACHE=str(self.instance / "report-cache"), ASSESSOR_HOST="127.0.0.1",
                   ASSESSOR_PORT="0", ASSESSOR_WORKERS=str(self.workers), PYTHONPATH=str(ROOT))
        return env

    def init_db(self) -> None:
        """Create and migrate the database, as scripts/run.sh does before serving."""
        self.instance.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "flask", "--app", "assessor", "init-db"], cwd=ROOT,
                       env=self.environment(), check=True, capture_output=True, timeout=60)

    @property
    def log(self) -> Path:
        return self.instance / f"gunicorn-{self.starts}.log"

    def start(self, wait: float = 30.0) -> str:
        """Start gunicorn and return its base URL once a worker answers."""
        self.instance.mkdir(parents=True, exist_ok=True)
        self.starts += 1
        # gunicorn 27's control socket defaults to one shared path under ~/.gunicorn: none here.
        control = ["--no-control-socket"] if gunicorn.version_info >= (27,) else []
        with open(self.log, "wb") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", *control,
                 "--access-logfile", os.devnull, "--error-logfile", "-"],
                cwd=ROOT, env=self.environment(), stdout=output, stderr=subprocess.STDOUT,
                start_new_session=True)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped at start-up (code {self.process.returncode}):\n"
                                   + self.log_tail())
            if not self.port:
                found = _LISTENING.search(self.log.read_text(errors="replace"))
                self.port = int(found.group(1)) if found else 0
            if self.port and self._answers():
                return self.url
            time.sleep(0.1)
        self.kill()
        raise RuntimeError("gunicorn did not answer in time:\n" + self.log_tail())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _answers(self) -> bool:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            connection.request("GET", "/")
            return connection.getresponse().status == 200
        except (OSError, http.client.HTTPException):  # not listening yet, or a worker still booting
            return False
        finally:
            connection.close()

    def logged_problems(self) -> collections.Counter:
        """Count the errors gunicorn and the app logged, over every start."""
        found: collections.Counter = collections.Counter()
        for log in sorted(self.instance.glob("gunicorn-*.log")):
            for line in log.read_text(errors="replace").splitlines():
                for what in ("WORKER TIMEOUT", "Traceback", "[ERROR]", "[CRITICAL]"):
                    if what in line:
                        found[what] += 1
        return found

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        """Stop gracefully (SIGTERM to the master, which stops its workers)."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process, self.port = None, 0

    def kill(self) -> None:
        """kill -9 the master and its workers at once, as a crash or an OOM killer would."""
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(10)
        self.process, self.port = None, 0


def has_queue(root: Path = ROOT) -> bool:
    """Whether this checkout renders reports on a queue (issue 13) rather than in the request."""
    return (root / "assessor" / "jobs" / "reports.py").exists()


class RenderWorker:
    """The render worker as scripts/run.sh starts it: `nice -n 10 flask --app assessor worker`."""

    def __init__(self, server: Server, root: Path = ROOT):
        self.server, self.root = server, root
        self.log = server.instance / "worker.log"
        self.process: subprocess.Popen | None = None

    def start(self, wait: float = 60.0) -> None:
        with open(self.log, "ab") as output:
            self.process = subprocess.Popen(
                ["nice", "-n", "10", sys.executable, "-m", "flask", "--app", "assessor", "worker"],
                cwd=self.root, env=self.server.environment(), stdout=output, stderr=subprocess.STDOUT,
                start_new_session=True)
        deadline = time.monotonic() + wait
        while "render worker on" not in self.log.read_text(errors="replace"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the render worker did not start:\n" + self.log.read_text(errors="replace"))
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self.process = None

    def logged_problems(self) -> collections.Counter:
        found: collections.Counter = collections.Counter()
        if self.log.exists():
            for line in self.log.read_text(errors="replace").splitlines():
                for what in ("Traceback", "ERROR", "CRITICAL"):
                    if what in line:
                        found[f"worker {what}"] += 1
        return found


# -- the journeys --------------------------------------------------------------------------------


class Recorder:
    """Times of each step and status counts, shared by the journeys' threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = collections.defaultdict(list)
        self.statuses: collections.Counter = collections.Counter()
        self.failed: collections.Counter = collections.Counter()  # step → requests with no response
        self.acknowledged = 0  # section POSTs that got their redirect
        self.unescaped: list[str] = []

    def record(self, step: str, status: int | str, seconds: float | None) -> None:
        with self.lock:
            self.statuses[status] += 1
            if seconds is not None:
                self.times[step].append(seconds)
            else:
                self.failed[step] += 1

    def percentile(self, step: str, q: float) -> float | None:
        values = sorted(self.times.get(step, ()))
        if not values:
            return None
        return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


class Stop(Exception):
    """The journey ends early: a connection error, an unexpected status or the deadline."""


@dataclass
class Journey:
    number: int
    token: str | None = None
    acknowledged: dict[str, Any] = field(default_factory=dict)  # question id → value, as stored
    completed: bool = False
    failure: str | None = None
    # Sent but unanswered (the server died meanwhile): may or may not be stored.
    pending: dict[str, Any] = field(default_factory=dict)


class Browser:
    """One company's browser: its cookies, one connection per request (sync workers close them)."""

    def __init__(self, base_url: str, recorder: Recorder, deadline: float, timeout: float = 120.0):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.recorder, self.deadline, self.timeout = recorder, deadline, timeout
        self.cookies: dict[str, str] = {}

    def request(self, step: str, method: str, path: str, form: list[tuple[str, str]] | None = None,
                expect: tuple[int, ...] = (200,)) -> tuple[int, dict[str, str], bytes]:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise Stop("deadline")
        headers = {"Host": f"{self.host}:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            connection = http.client.HTTPConnection(self.host, self.port, timeout=min(self.timeout, remaining))
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                content = response.read()
            finally:
                connection.close()
        except (OSError, http.client.HTTPException) as exc:
            self.recorder.record(step, f"error: {type(exc).__name__}", None)
            raise Stop(f"{step}: {type(exc).__name__}: {exc}") from None
        seconds = time.perf_counter() - started
        self.recorder.record(step, response.status, seconds)
        for header in response.msg.get_all("Set-Cookie") or ():
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        if response.getheader("Content-Type", "").startswith("text/html") and PAYLOAD.encode() in content:
            with self.recorder.lock:
                self.recorder.unescaped.append(f"{step} {path}")
        if response.status not in expect:
            raise Stop(f"{step}: HTTP {response.status} on {method} {path}")
        return response.status, {k.lower(): v for k, v in response.getheaders()}, content


def csrf_token(page: bytes) -> str:
    found = _CSRF.search(page.decode("utf-8", "replace"))
    if not found:
        raise Stop("no CSRF token in the page")
    return found.group(1) or found.group(2)


def random_answer(question: Question, rng: random.Random, number: int) -> tuple[list[str], Any]:
    """Return (form values, stored value) of a random valid answer to a question."""
    if question.type == "text":
        text = f"Réduire le temps passé sur les devis n°{number} {PAYLOAD} & « relances »"
        return [text], text
    if question.type == "multiple":
        exclusive = [o.value for o in question.options if o.exclusive]
        ordinary = [o.value for o in question.options if not o.exclusive]
        if exclusive and rng.random() < 0.1:
            chosen = [rng.choice(exclusive)]
        else:
            chosen = rng.sample(ordinary, rng.randint(1, len(ordinary)))
        return chosen, chosen
    value = rng.choice(question.options).value
    return [value], value


def profile_form(rng: random.Random, number: int, token: str) -> list[tuple[str, str]]:
    form = [("csrf_token", token), ("company_name", f"Atelier n°{number} {PAYLOAD} & Fils"),
            ("size_band", rng.choice(list(SIZE_BANDS))), ("sector", rng.choice(list(NAF_SECTIONS))),
            ("region", rng.choice(list(REGIONS))), ("role", rng.choice(list(ROLES)))]
    if rng.random() < 0.7:
        form.append(("consent_stats", "y"))
    return form


def location(headers: dict[str, str]) -> str:
    parts = urlsplit(headers.get("location", ""))
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _pause(rng: random.Random, think: float, deadline: float) -> None:
    if think > 0:
        time.sleep(max(0.0, min(rng.uniform(0, think), deadline - time.monotonic())))


def run_journey(base_url: str, questionnaire: Questionnaire, journey: Journey, recorder: Recorder,
                deadline: float, *, seed: int = 0, think: float = 0.0, pdf: bool = True,
                request_timeout: float = 120.0) -> Journey:
    """Walk one company through the diagnostic; record what the server acknowledged."""
    rng = random.Random(seed * 100_003 + journey.number)
    browser = Browser(base_url, recorder, deadline, request_timeout)
    try:
        _status, _headers, page = browser.request("home", "GET", "/")
        token = csrf_token(page)
        _pause(rng, think, deadline)
        _status, headers, _page = browser.request("profile", "POST", "/", profile_form(rng, journey.number, token),
                                                  expect=(302, 303))
        path = location(headers)
        journey.token = path.split("/")[2]
        answers: dict[str, Any] = {}
        while "/s/" in path:
            dimension = questionnaire.dimension(path.rsplit("/", 1)[1])
            if dimension is None:
                raise Stop(f"unknown section {path}")
            browser.request("section GET", "GET", path)
            _pause(rng, think, deadline)
            form, sent = [("csrf_token", token), ("action", "next")], {}
            for question in dimension.questions:
                if not is_visible(questionnaire, question, answers | sent):
                    continue
                values, stored = random_answer(question, rng, journey.number)
                form += [(field_name(question.id), value) for value in values]
                sent[question.id] = stored
            journey.pending = sent
            _status, headers, _page = browser.request("section POST", "POST", path, form, expect=(302, 303))
            journey.pending = {}
            journey.acknowledged.update(sent)
            answers.update(sent)
            with recorder.lock:
                recorder.acknowledged += 1
            path = location(headers)
        if not path.endswith("/verification"):
            raise Stop(f"the last section led to {path}")
        browser.request("review", "GET", path)
        _pause(rng, think, deadline)
        _status, headers, _page = browser.request("validate", "POST", f"/a/{journey.token}/valider",
                                                  [("csrf_token", token)], expect=(302, 303))
        if not location(headers).endswith("/resultats"):
            raise Stop(f"validation led to {location(headers)}")
        _status, _headers, page = browser.request("results", "GET", location(headers))
        if "&lt;script&gt;alert(".encode() not in page:
            raise Stop("the company name is missing from the results page")
        if pdf:
            download(browser, journey.token, deadline)
        journey.completed = True
    except Stop as stop:
        journey.failure = str(stop)
    return journey


def download(browser: Browser, token: str, deadline: float) -> float:
    """Click "Télécharger le rapport" and wait as the "in preparation" page does (202: again a
    second later) until the PDF comes; record and return the whole wait."""
    started, pause = time.perf_counter(), REFRESH
    while True:
        status, headers, content = browser.request("PDF", "GET", f"/a/{token}/rapport.pdf", expect=(200, 202))
        if status == 200:
            break
        if time.monotonic() + pause > deadline:
            raise Stop("deadline")
        time.sleep(pause)
        pause = min(REFRESH_MAX, pause * REFRESH_BACKOFF)
    if not content.startswith(b"%PDF-") or headers.get("content-type") != "application/pdf":
        raise Stop("the report is not a PDF")
    waited = time.perf_counter() - started
    with browser.recorder.lock:  # a wait, not a request: no status of its own
        browser.recorder.times["PDF ready"].append(waited)
    return waited


def run_journeys(base_url: str, questionnaire: Questionnaire, count: int, concurrency: int, recorder: Recorder,
                 deadline: float, *, first: int = 0, **pace: Any) -> list[Journey]:
    """Run ``count`` journeys, at most ``concurrency`` at once, until they end or the deadline;
    ``pace`` goes to run_journey (seed, think, pdf, request_timeout)."""
    journeys = [Journey(first + i) for i in range(count)]
    with ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="journey") as pool:
        futures = [pool.submit(run_journey, base_url, questionnaire, journey, recorder, deadline, **pace)
                   for journey in journeys]
        for future in futures:
            future.result()  # a bug of the harness itself is raised, not counted as a failure
    for journey in journeys:
        if journey.failure is None and not journey.completed:
            journey.failure = "deadline"
    return journeys


# -- the database check ----------------------------------------------------------------------------


def integrity(database: Path) -> str:
    conn = sqlite3.connect(database)
    try:
        return conn.execute("pragma integrity_check").fetchone()[0]
    finally:
        conn.close()


def lost_answers(database: Path, journeys: list[Journey]) -> tuple[int, list[str]]:
    """Return (answers checked, problems): each acknowledged answer must be in the database as sent."""
    from assessor.store.db import connect

    db = connect(str(database))
    checked, problems = 0, []
    try:
        for journey in journeys:
            if journey.token is None:
                continue
            assessment = store.by_token(db, journey.token)
            if assessment is None:
                problems.append(f"journey {journey.number}: its acknowledged assessment is missing")
                continue
            stored = store.answers(db, assessment["id"])
            for question_id, value in journey.acknowledged.items():
                checked += 1
                if stored.get(question_id) != value:
                    problems.append(f"journey {journey.number}: {question_id} sent {value!r}, "
                                    f"stored {stored.get(question_id)!r}")
    finally:
        db.close()
    return checked, problems


# -- the report ------------------------------------------------------------------------------------


def _ms(value: float | None) -> str:
    return f"{1000 * value:>9.0f} ms" if value is not None else f"{'–':>12}"


def print_figures(load: Recorder, idle: Recorder) -> None:
    """Print each step's times over the responses received (a request with none counts as failed)."""
    print(f"\n{'step':<14}{'idle p50':>12}{'p50':>12}{'p95':>12}{'p50 ratio':>11}{'answered':>10}{'failed':>8}")
    for step in STEPS:
        base, p50, p95 = idle.percentile(step, 0.5), load.percentile(step, 0.5), load.percentile(step, 0.95)
        ratio = f"{p50 / base:>10.1f}x" if base and p50 else f"{'–':>11}"
        print(f"{step:<14}{_ms(base)}{_ms(p50)}{_ms(p95)}{ratio}{len(load.times.get(step, ())):>10}"
              f"{load.failed[step]:>8}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journeys", type=int, default=200, help="journeys under load (200)")
    parser.add_argument("--concurrency", type=int, default=None, help="journeys in flight at once (all)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2, as make run)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds for the whole load (600)")
    parser.add_argument("--baseline", type=int, default=3, help="idle journeys, one after the other (3)")
    parser.add_argument("--think", type=float, default=0.0,
                        help="longest pause of a user between two pages, in seconds (0)")
    parser.add_argument("--no-pdf", dest="pdf", action="store_false", help="journeys end at the results page")
    parser.add_argument("--request-timeout", type=float, default=120,
                        help="seconds a browser waits for one response (120)")
    parser.add_argument("--render-workers", type=int, default=1, choices=(0, 1),
                        help="start the render worker beside gunicorn, as make run does (1; 0: none)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    concurrency = args.concurrency or args.journeys
    pace = {"seed": args.seed, "pdf": args.pdf, "request_timeout": args.request_timeout}
    questionnaire = questionnaire_in_use()
    workdir = Path(tempfile.mkdtemp(prefix="assessor-load-"))
    server = Server(workdir / "instance", args.workers)
    worker = RenderWorker(server) if has_queue() and args.render_workers else None
    try:
        server.init_db()
        if worker:
            worker.start()
        url = server.start()
        print(f"gunicorn, {args.workers} workers, {'1 render worker' if worker else 'reports rendered in the requests'}, "
              f"on {url} ({questionnaire.key}, {len(questionnaire.dimensions)} sections); {os.cpu_count()} CPUs",
              flush=True)
        started = time.monotonic()
        warm = run_journeys(url, questionnaire, args.workers, args.workers, Recorder(), started + 120,
                            first=-1000, **pace)
        idle = Recorder()
        baseline = [j for i in range(args.baseline) for j in run_journeys(
            url, questionnaire, 1, 1, idle, time.monotonic() + 120, first=-100 + i, **pace)]
        print(f"warm-up and baseline: {len(warm) + len(baseline)} journeys in {time.monotonic() - started:.1f} s",
              flush=True)
        load = Recorder()
        started = time.monotonic()
        journeys = run_journeys(url, questionnaire, args.journeys, concurrency, load, started + args.timeout,
                                think=args.think, **pace)
        elapsed = time.monotonic() - started
    finally:
        server.stop()
        if worker:
            worker.stop()
    try:
        checked, problems = lost_answers(server.database, warm + baseline + journeys)
        check = integrity(server.database)
        logged = server.logged_problems() + (worker.logged_problems() if worker else collections.Counter())
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    completed = sum(j.completed for j in journeys)
    failures = collections.Counter(":".join(j.failure.split(":")[:2]) for j in journeys if j.failure)
    print(f"\n{args.journeys} journeys, {concurrency} at once: {completed} completed in {elapsed:.1f} s "
          f"({sum(len(t) for t in load.times.values()) / elapsed:.1f} requests/s)")
    if failures:
        print("  not completed: " + ", ".join(f"{n} × {why}" for why, n in failures.most_common()))
    print("status counts: " + ", ".join(f"{status}: {n}" for status, n in sorted(
        load.statuses.items(), key=lambda item: str(item[0]))))
    print_figures(load, idle)
    print(f"\nacknowledged answers checked in the database: {checked:,}; lost: {len(problems)}")
    for problem in problems[:10]:
        print("  " + problem)
    print(f"unescaped payloads: {len(load.unescaped)}; integrity_check: {check}")
    print("server log: " + (", ".join(f"{n} × {what}" for what, n in logged.items()) or "no error"))

    missed = []
    if completed < args.journeys:
        missed.append(f"{args.journeys - completed} journeys not completed")
    errors = sum(n for status, n in load.statuses.items() if isinstance(status, str) or status >= 500)
    if errors:
        missed.append(f"{errors} requests got a 5xx, no response in time, or a connection error")
    if problems:
        missed.append(f"{len(problems)} acknowledged answers lost")
    if load.unescaped:
        missed.append(f"{len(load.unescaped)} pages sent markup back unescaped")
    if check != "ok":
        missed.append(f"integrity_check: {check}")
    if logged:
        missed.append("the server logged errors")
    print("\n" + ("targets met" if not missed else "targets missed:\n  " + "\n  ".join(missed)))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
