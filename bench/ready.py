"""Measure how soon the PDF report is there, against the app started as `make run` starts it.

    .venv/bin/python bench/ready.py [--runs 7] [--burst 10] [--workers 2] [--root PATH]

Starts gunicorn (gunicorn.conf.py, --workers sync workers) and the render worker beside it
(`nice -n 10 flask --app assessor worker`), as scripts/run.sh does, on a free port of 127.0.0.1 and
a temporary instance folder; companies walk through the diagnostic over HTTP (bench/load.py's
journeys: random valid answers), then:

1. time from validation to report ready: right after the validation, the company's browser asks
   the download link for its state (as the "in preparation" page's script does) every 20 ms until
   it says ready; --runs companies one after the other, the first one just after the start (cold
   worker included);
2. download time 3 s after the results page: another company opens its results, waits 3 s, clicks
   the link (following "in preparation" pages as they reload themselves) until the PDF is there;
   target: median under 150 ms;
3. a burst of --burst validations at once (a workshop): each company validates, opens its results
   and downloads its PDF, while another company keeps opening a questionnaire page; target: that
   page's 90th percentile at most 3 × its idle median measured in the same run, every report
   served within 60 s.

--root runs the same measures against another checkout (say, one from before the queue, where the
PDF is rendered in the request: then no worker is started and "ready" is when the PDF arrives).
The third measure of the issue (200 journeys with 2 web workers and 1 render worker) is
bench/load.py.
"""
from __future__ import annotations

import argparse
import collections
import http.client
import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # noqa: E402  (bench/load.py: the server, the worker, the browser, the journeys)
from load import Browser, Recorder, Stop, csrf_token, location, random_answer  # noqa: E402

from assessor.web.forms import field_name  # noqa: E402
from assessor.domain.questionnaire import is_visible  # noqa: E402

POLL = 0.02


def to_review(url: str, questionnaire, number: int, recorder: Recorder, deadline: float):
    """Walk a company to its review page; return its browser, token, form token and first section."""
    rng = random.Random(number)
    browser = Browser(url, recorder, deadline)
    _status, _headers, page = browser.request("home", "GET", "/")
    token = csrf_token(page)
    _status, headers, _page = browser.request("profile", "POST", "/", load.profile_form(rng, number, token),
                                              expect=(302, 303))
    path = location(headers)
    link, first, answers = path.split("/")[2], path, {}
    while "/s/" in path:
        dimension = questionnaire.dimension(path.rsplit("/", 1)[1])
        browser.request("section GET", "GET", path)
        form, sent = [("csrf_token", token), ("action", "next")], {}
        for question in dimension.questions:
            if is_visible(questionnaire, question, answers | sent):
                values, stored = random_answer(question, rng, number)
                form += [(field_name(question.id), value) for value in values]
                sent[question.id] = stored
        _status, headers, _page = browser.request("section POST", "POST", path, form, expect=(302, 303))
        answers.update(sent)
        path = location(headers)
    browser.request("review", "GET", path)
    return browser, link, token, first


def validate(browser: Browser, link: str, token: str) -> float:
    """Validate and open the results page; return the moment the validation was answered."""
    _status, headers, _page = browser.request("validate", "POST", f"/a/{link}/valider", [("csrf_token", token)],
                                              expect=(302, 303))
    answered = time.perf_counter()
    browser.request("results", "GET", location(headers))
    return answered


def wait_ready(browser: Browser, link: str, queued: bool, since: float, deadline: float) -> float:
    """Seconds from ``since`` until the report is ready (with the queue: as the page's script asks)."""
    if not queued:  # before the queue: the PDF is rendered by the request itself
        load.download(browser, link, deadline)
        return time.perf_counter() - since
    while time.monotonic() < deadline:
        if report_state(browser, link) == "ready":
            return time.perf_counter() - since
        time.sleep(POLL)
    raise Stop("deadline")


def report_state(browser: Browser, link: str) -> str:
    """Ask the download link for the report's state, as the "in preparation" page's script does."""
    connection = http.client.HTTPConnection(browser.host, browser.port, timeout=30)
    try:
        connection.request("GET", f"/a/{link}/rapport.pdf", headers={
            "Host": f"{browser.host}:{browser.port}", "X-Report-Status": "1",
            "Cookie": "; ".join(f"{k}={v}" for k, v in browser.cookies.items())})
        return json.loads(connection.getresponse().read())["state"]
    finally:
        connection.close()


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="companies measured one after the other (7)")
    parser.add_argument("--burst", type=int, default=10, help="validations at once (10)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2, as make run)")
    parser.add_argument("--root", type=Path, default=load.ROOT, help="the checkout to serve (this one)")
    args = parser.parse_args()
    load.ROOT = args.root.resolve()
    queued = load.has_queue(load.ROOT)
    questionnaire = load.questionnaire_in_use()
    workdir = Path(tempfile.mkdtemp(prefix="assessor-ready-"))
    server = load.Server(workdir / "instance", args.workers)
    worker = load.RenderWorker(server, load.ROOT) if queued else None
    recorder, missed = Recorder(), []
    try:
        server.init_db()
        if worker:
            worker.start()
        url = server.start()
        print(f"{load.ROOT}: gunicorn, {args.workers} workers, "
              f"{'1 render worker (nice 10)' if worker else 'PDF rendered in the request'}, on {url}; "
              f"{os.cpu_count()} CPUs", flush=True)
        deadline = time.monotonic() + 900

        # 1 and 2: one company at a time, the first one just after the start
        ready, later = [], []
        for run in range(args.runs):
            browser, link, token, _first = to_review(url, questionnaire, 2 * run, recorder, deadline)
            ready.append(wait_ready(browser, link, queued, validate(browser, link, token), deadline))
            browser, link, token, _first = to_review(url, questionnaire, 2 * run + 1, recorder, deadline)
            validate(browser, link, token)
            time.sleep(3)
            later.append(load.download(browser, link, deadline))
        print(f"\n1. validation -> report ready: first (cold) {ms(ready[0])}, median {ms(statistics.median(ready))}, "
              f"max {ms(max(ready))} over {len(ready)}")
        print(f"2. download 3 s after the results page: first (cold) {ms(later[0])}, "
              f"median {ms(statistics.median(later))}, max {ms(max(later))} over {len(later)} (target: median < 150 ms)")
        if statistics.median(later) >= 0.150:
            missed.append("download 3 s after the results page: median not under 150 ms")

        # 3: a burst of validations while another company fills in its questionnaire
        probe, _link, _token, page = to_review(url, questionnaire, 10_000, recorder, deadline)
        idle = []
        for _ in range(30):
            started = time.perf_counter()
            probe.request("probe", "GET", page)
            idle.append(time.perf_counter() - started)
        companies = [to_review(url, questionnaire, 20_000 + i, recorder, deadline) for i in range(args.burst)]
        during, served, failures = [], [], []
        done = threading.Event()

        def keep_probing():
            while not done.is_set():
                started = time.perf_counter()
                probe.request("probe", "GET", page)
                during.append(time.perf_counter() - started)
                time.sleep(0.05)

        def company(browser, link, token, _first):
            try:
                started = time.perf_counter()
                validate(browser, link, token)
                load.download(browser, link, deadline)
                served.append(time.perf_counter() - started)
            except Stop as stop:
                failures.append(str(stop))

        prober = threading.Thread(target=keep_probing)
        prober.start()
        threads = [threading.Thread(target=company, args=c) for c in companies]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        done.set()
        prober.join()
        idle_median, p90 = statistics.median(idle), percentile(during, 0.9)
        print(f"3. burst of {args.burst} validations: questionnaire page idle median {ms(idle_median)}, "
              f"p90 during the burst {ms(p90)} ({p90 / idle_median:.1f} x, target <= 3 x, {len(during)} requests); "
              f"reports served {len(served)}/{args.burst}, slowest {ms(max(served)) if served else '–'} "
              f"(target: all within 60 s)")
        if p90 > 3 * idle_median:
            missed.append("questionnaire page p90 during the burst above 3 x its idle median")
        if len(served) < args.burst or max(served) > 60:
            missed.append(f"reports not all served within 60 s ({failures[:3]})")
    finally:
        server.stop()
        if worker:
            worker.stop()
            renders = [int(n) for n in re.findall(r"rendered in (\d+) ms", worker.log.read_text(errors="replace"))]
            if renders:
                print(f"renders by the worker: {len(renders)} (the companies asked for {2 * args.runs + args.burst}), "
                      f"median {statistics.median(renders)} ms, max {max(renders)} ms; load average "
                      f"{', '.join(f'{v:.1f}' for v in os.getloadavg())}")
        logged = server.logged_problems() + (worker.logged_problems() if worker else collections.Counter())
        shutil.rmtree(workdir, ignore_errors=True)
    print("server and worker logs: " + (", ".join(f"{n} × {what}" for what, n in logged.items()) or "no error"))
    if logged:
        missed.append("errors logged")
    print("\n" + ("targets met" if not missed else "targets missed:\n  " + "\n  ".join(missed)))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
