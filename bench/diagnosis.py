"""Count the work behind one diagnosis: SQL statements and scorings per request, and server time.

    .venv/bin/python bench/diagnosis.py [--repeat R] [--peers N]

Seeds N demo assessments (default 300, so that peer comparisons have data) and one complete,
validated diagnosis, then measures with Flask's test client, for the results page, the advisor's
file and a PDF whose cache was emptied just before (a cache miss):

- the SQL statements run per request (sqlite3's trace callback on every connection the app opens),
  and among them the queries proper (without the SAVEPOINT / RELEASE pair sqlite-utils wraps
  around each ``db.query``);
- the calls to the scoring function per request;
- the median server time over R requests (default 15; 5 for the PDF), and, as a baseline measured
  in the same run, the median of the static methodology page (no database, no scoring), so that
  the ratios can be compared between noisy runs.

The target of the diagnosis redesign: one load of the diagnosis per request (a handful of
statements) and no scoring outside validation.
"""
from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import assessor.store.db as app_db  # noqa: E402
from assessor import create_app  # noqa: E402

PASSWORD = "benchmark password"
UNTIL = dt.datetime(2026, 11, 1, 18, tzinfo=dt.timezone.utc)


class Counter:
    """Count SQL statements and scorings while ``active``."""

    def __init__(self) -> None:
        self.sql = 0
        self.queries = 0
        self.scorings = 0
        self.active = False

    def trace(self, _statement: str) -> None:
        if self.active:
            self.sql += 1
            if not _statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE")):
                self.queries += 1


def instrument(counter: Counter) -> None:
    """Trace every connection the app opens and count every call to the scoring function."""
    original_connect = app_db.connect

    def connect(path: str):
        database = original_connect(path)
        database.conn.set_trace_callback(counter.trace)
        return database

    app_db.connect = connect
    for name, module in list(sys.modules.items()):
        if not name.startswith("assessor"):
            continue
        for attribute in ("connect",):
            if getattr(module, attribute, None) is original_connect:
                setattr(module, attribute, connect)
    scoring = sys.modules.get("assessor.domain.scoring") or sys.modules.get("assessor.domain.scoring")
    original_score = scoring.score

    def score(*args, **kwargs):
        if counter.active:
            counter.scorings += 1
        return original_score(*args, **kwargs)

    for name, module in list(sys.modules.items()):
        if name.startswith("assessor") and getattr(module, "score", None) is original_score:
            setattr(module, "score", score)


def setup(workdir: Path, peers: int):
    from assessor.cli import demo
    from assessor.web.auth import hash_password
    from assessor.store import accounts
    from assessor.store import assessments as store
    from assessor.web.content import current_questionnaire
    from tests.factories import PROFILE, best_answers

    config = {"TESTING": True, "SECRET_KEY": "bench", "DATABASE": str(workdir / "bench.sqlite3"),
              "REPORT_CACHE_DIR": str(workdir / "cache"), "WTF_CSRF_ENABLED": False,
              "ARGON2_TEST_PARAMS": {"time_cost": 1, "memory_cost": 8, "parallelism": 1}}
    app = create_app(config, instance_path=str(workdir / "instance"))
    database = app_db.connect(config["DATABASE"])
    with app.app_context():
        questionnaire = current_questionnaire()
        demo.seed(database, questionnaire, peers, seed_value=2026, until=UNTIL)
        accounts.create_advisor(database, "admin@bench.example", hash_password(PASSWORD), is_admin=True)
        answers = best_answers(questionnaire)
        # A realistic company: not the best answer everywhere.
        for question in questionnaire.questions[::3]:
            if question.scored and question.type != "multiple":
                answers[question.id] = min(question.options, key=lambda o: o.score).value
        assessment_id, token = store.create(database, PROFILE, questionnaire.id, questionnaire.version)
        store.save_answers(database, assessment_id, answers)
    database.close()
    client = app.test_client()
    # Validate through the app, as a company does.
    response = client.post(f"/a/{token}/valider")
    assert response.status_code in (302, 303), response.status_code
    advisor = app.test_client()
    response = advisor.post("/conseiller/connexion", data={"email": "admin@bench.example", "password": PASSWORD})
    assert response.status_code in (302, 303), response.status_code
    return app, client, advisor, token, assessment_id


def measure(counter: Counter, client, url: str, repeat: int, before=None) -> tuple[int, int, int, float]:
    """Return (statements, queries, scorings) of one request and the median server time over ``repeat``."""
    times = []
    sql = queries = scorings = 0
    for index in range(repeat):
        if before:
            before()
        counter.sql = counter.queries = counter.scorings = 0
        counter.active = True
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        counter.active = False
        assert response.status_code == 200, (url, response.status_code)
        if index == 0:
            sql, queries, scorings = counter.sql, counter.queries, counter.scorings
    return sql, queries, scorings, statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--peers", type=int, default=300)
    options = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="assessor-bench-diagnosis-"))
    try:
        app, client, advisor, token, assessment_id = setup(workdir, options.peers)
        counter = Counter()
        instrument(counter)
        cache = Path(app.config["REPORT_CACHE_DIR"])

        def empty_cache() -> None:
            shutil.rmtree(cache, ignore_errors=True)

        client.get(f"/a/{token}/rapport.pdf")  # warm WeasyPrint and the fonts once
        rows = [
            ("baseline: methodology page", client, "/methodologie", options.repeat, None),
            ("results page", client, f"/a/{token}/resultats", options.repeat, None),
            ("advisor file", advisor, f"/conseiller/evaluations/{assessment_id}", options.repeat, None),
            ("PDF, cache miss", client, f"/a/{token}/rapport.pdf", max(3, options.repeat // 3), empty_cache),
            ("PDF, cached", client, f"/a/{token}/rapport.pdf", options.repeat, None),
        ]
        print(f"{options.peers} demo peers; medians over {options.repeat} requests (PDF miss: fewer)")
        print(f"{'request':32} {'SQL':>5} {'queries':>8} {'scorings':>9} {'median ms':>10} {'x baseline':>11}")
        baseline = None
        for label, http, url, repeat, before in rows:
            sql, queries, scorings, median = measure(counter, http, url, repeat, before)
            baseline = baseline or median
            print(f"{label:32} {sql:>5} {queries:>8} {scorings:>9} {median * 1000:>10.1f} "
                  f"{median / baseline:>11.1f}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
