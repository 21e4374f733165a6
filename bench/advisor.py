"""Benchmark the advisor workspace on a large database.

    .venv/bin/python bench/advisor.py [--quick] [--rows N] [--repeat R]

Seeds N demo assessments (default 100,000; 10,000 with --quick) and a 1,000-row baseline, each in
its own temporary database, then measures with Flask's test client, signed in as an administrator:

- the median server time of the filtered list, a search, the detail page and the observatory;
- the peak Python memory (tracemalloc) and time of the full CSV export, streamed.

Targets: list and detail at most 3x their 1,000-row time; observatory at most 200 ms; the export's
peak memory independent of the number of rows.
"""
from __future__ import annotations

import argparse
import datetime as dt
import gc
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assessor import create_app
from assessor.cli import demo  # noqa: E402
from assessor.web.auth import hash_password  # noqa: E402
from assessor.store.db import connect  # noqa: E402
from assessor.store import accounts
from assessor.web.content import current_questionnaire  # noqa: E402

PASSWORD = "benchmark password"
UNTIL = dt.datetime(2026, 11, 1, 18, tzinfo=dt.timezone.utc)


def build(rows: int, workdir: Path):
    """Return a signed-in test client on a database of ``rows`` demo assessments, and a sample id."""
    config = {"TESTING": True, "SECRET_KEY": "bench", "DATABASE": str(workdir / "bench.sqlite3"),
              "REPORT_CACHE_DIR": str(workdir / "cache"), "WTF_CSRF_ENABLED": False,
              "ARGON2_TEST_PARAMS": {"time_cost": 1, "memory_cost": 8, "parallelism": 1}}
    try:
        app = create_app(config)
    except Exception as exc:  # the real questionnaires are not there yet: use the test one
        print(f"  (real questionnaires unavailable: {exc.__class__.__name__}; using tests/data/mini)")
        config.update(QUESTIONNAIRES_DIR=str(ROOT / "tests" / "data" / "mini"), QUESTIONNAIRE_ID="mini")
        app = create_app(config)
    database = connect(config["DATABASE"])
    with app.app_context():
        questionnaire = current_questionnaire()
        started = time.perf_counter()
        demo.seed(database, questionnaire, rows, seed_value=2026, until=UNTIL)
        seeded = time.perf_counter() - started
        accounts.create_advisor(database, "admin@bench.example", hash_password(PASSWORD), is_admin=True)
    sample = database.execute(
        "select id from assessments where status = 'submitted' and region = 'FR-HDF' and size_band = '10-49' "
        "order by id limit 1 offset 3").fetchone()[0]
    database.close()
    client = app.test_client()
    assert client.post("/conseiller/connexion", data={"email": "admin@bench.example",
                                                      "password": PASSWORD}).status_code == 302
    return app, client, sample, seeded, questionnaire.key


def median_ms(client, url: str, repeat: int) -> float:
    for _warm in range(2):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    times = []
    for _i in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    return 1000 * statistics.median(times)


def _consume(client, url: str) -> tuple[int, int]:
    response = client.get(url)
    size = lines = 0
    for chunk in response.response:  # consume the stream as a server would
        size += len(chunk)
        lines += chunk.count(b"\n")
    response.close()
    return size, lines


def export_figures(client, url: str) -> tuple[float, float, int, int]:
    """Return (peak MiB under tracemalloc, seconds without it, bytes, lines) of a full streamed export."""
    started = time.perf_counter()
    size, lines = _consume(client, url)
    seconds = time.perf_counter() - started
    gc.collect()
    tracemalloc.start()
    _consume(client, url)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20, seconds, size, lines


def measure(rows: int, repeat: int) -> dict[str, float]:
    workdir = Path(tempfile.mkdtemp(prefix=f"assessor-bench-{rows}-"))
    try:
        print(f"seeding {rows:,} assessments…", flush=True)
        _app, client, sample, seeded, key = build(rows, workdir)
        print(f"  seeded in {seeded:.1f} s ({key}); database {(workdir / 'bench.sqlite3').stat().st_size / 2**20:.0f} MiB")
        urls = {
            "list, filtered": "/conseiller/?demo=y&region=FR-HDF&size_band=10-49&state=submitted&sort=date",
            "list, default order": "/conseiller/?demo=y",
            "list, page 20": "/conseiller/?demo=y&region=FR-HDF&sort=score&page=20",
            "list, name search": "/conseiller/?demo=y&q=menuiserie",
            "detail": f"/conseiller/evaluations/{sample}",
            "observatory": "/conseiller/observatoire?demo=y",
        }
        figures = {name: median_ms(client, url, repeat) for name, url in urls.items()}
        peak, seconds, size, lines = export_figures(client, "/conseiller/export.csv?demo=y")
        figures.update({"export peak MiB": peak, "export s": seconds, "export MiB": size / 2**20,
                        "export rows": lines - 1, "seed s": seeded})
        return figures
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 rows instead of 100,000")
    parser.add_argument("--rows", type=int, default=None, help="rows of the large database")
    parser.add_argument("--repeat", type=int, default=15, help="requests per median")
    args = parser.parse_args()
    large = args.rows or (10_000 if args.quick else 100_000)
    base = measure(1_000, args.repeat)
    big = measure(large, args.repeat)

    print(f"\n{'':<22}{'1,000 rows':>14}{f'{large:,} rows':>16}{'ratio':>9}")
    for name in ("list, filtered", "list, default order", "list, page 20", "list, name search", "detail",
                 "observatory"):
        print(f"{name:<22}{base[name]:>11.1f} ms{big[name]:>13.1f} ms{big[name] / base[name]:>8.2f}x")
    print(f"{'CSV export peak':<22}{base['export peak MiB']:>10.2f} MiB{big['export peak MiB']:>12.2f} MiB"
          f"{big['export peak MiB'] / base['export peak MiB']:>8.2f}x")
    print(f"{'CSV export':<22}{base['export s']:>12.2f} s{big['export s']:>14.2f} s"
          f"   ({big['export rows']:,} rows, {big['export MiB']:.1f} MiB)")
    print(f"{'demo seed':<22}{base['seed s']:>12.2f} s{big['seed s']:>14.2f} s")

    failures = []
    for name in ("list, filtered", "list, default order", "detail"):
        if big[name] > 3 * base[name]:
            failures.append(f"{name}: {big[name] / base[name]:.1f}x its 1,000-row time (target 3x)")
    if big["observatory"] > 200:
        failures.append(f"observatory: {big['observatory']:.0f} ms (target 200 ms)")
    if big["export peak MiB"] > 2 * base["export peak MiB"] + 1:
        failures.append("CSV export memory grows with the number of rows")
    print("\n" + ("targets met" if not failures else "targets missed:\n  " + "\n  ".join(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
