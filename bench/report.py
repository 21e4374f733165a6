"""Benchmark the PDF report through the real code: render time, cached download, size, memory.

Usage: .venv/bin/python bench/report.py [--quick] [--renders N] [--memory N]

Renders the sample report (reports/sample/ai-maturity.yaml) with the application's renderer
(one FontConfiguration per process, template and stylesheet compiled once) and, in the same run,
a NAIVE rendering of the same HTML as the baseline: new FontConfiguration, stylesheet read and
parsed, default URL fetcher, on every render, and no cache. Prints medians and ratios against the
targets (2 cores): warm render <= 0.6 x naive per page, cached download < 5 ms, RSS growth < 10 %
over 300 renders, size < 150 KB.
"""
from __future__ import annotations

import argparse
import gc
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rss_mib() -> float:
    """Return the resident set size of this process (VmRSS), in MiB."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def timed(function, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def page_count(pdf: bytes) -> int:
    try:
        import pikepdf
    except ImportError:  # the test extra is not installed: count page objects
        return pdf.count(b"/Type /Page\n") or pdf.count(b"/Type /Page")
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return len(document.pages)


def memory_child(mode: str, renders: int, lang: str) -> None:
    """Print, as JSON, the RSS of a fresh process rendering the sample ``renders`` times."""
    import json

    from assessor import create_app
    from assessor.report import render as reporting
    from assessor.report import sample as sample_report

    workdir = tempfile.TemporaryDirectory(prefix="bench-report-")
    app = create_app({"DATABASE": os.path.join(workdir.name, "bench.sqlite3"), "SECRET_KEY": "bench",
                      "TESTING": True})
    with app.app_context():
        context = sample_report.sample_context(app, lang)
        if mode == "app":
            def render() -> None:
                reporting.render_pdf(context, lang)
        else:
            import weasyprint
            from weasyprint.text.fonts import FontConfiguration

            renderer = reporting.renderer()
            html = renderer.html(context, lang).replace(
                "</head>", '<link rel="stylesheet" href="report.css"></head>', 1)

            def render() -> None:
                weasyprint.HTML(string=html, base_url=renderer.base_url).write_pdf(
                    font_config=FontConfiguration(), pdf_variant=reporting.PDF_VARIANT)
        samples = {}
        for done in range(1, renders + 1):
            render()
            if done in (1, 10, renders):
                gc.collect()
                samples[done] = rss_mib()
    workdir.cleanup()
    print(json.dumps(samples))


def measure_memory(mode: str, renders: int, lang: str) -> dict[int, float]:
    import json
    import subprocess

    done = subprocess.run([sys.executable, __file__, "--memory-child", mode, "--memory", str(renders),
                           "--lang", lang], capture_output=True, text=True, check=True)
    return {int(k): v for k, v in json.loads(done.stdout.strip().splitlines()[-1]).items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations (5 renders, 30 for memory)")
    parser.add_argument("--renders", type=int, help="warm and naive renders to time (default 20)")
    parser.add_argument("--memory", type=int, help="renders for the RSS figures (default 300)")
    parser.add_argument("--lang", default="fr", choices=["fr", "en"])
    parser.add_argument("--memory-child", choices=["app", "naive"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child, max(args.memory or 300, 11), args.lang)
        return 0
    renders = args.renders or (5 if args.quick else 20)
    memory_renders = max(args.memory or (30 if args.quick else 300), 11)
    lang = args.lang

    rss_start = rss_mib()
    start = time.perf_counter()
    from assessor import create_app

    workdir = tempfile.TemporaryDirectory(prefix="bench-report-")
    app = create_app({"DATABASE": os.path.join(workdir.name, "bench.sqlite3"), "SECRET_KEY": "bench",
                      "REPORT_CACHE_DIR": os.path.join(workdir.name, "cache"), "TESTING": True})
    create_app_s = time.perf_counter() - start
    assert "weasyprint" not in sys.modules, "create_app imported WeasyPrint"

    from assessor.report import context as report_context, render as reporting
    from assessor.report import sample as sample_report
    from assessor.report import cache
    from assessor.store.db import connect
    from assessor.store import assessments as store

    with app.app_context():
        context = sample_report.sample_context(app, lang)
        start = time.perf_counter()
        pdf = reporting.render_pdf(context, lang)  # imports WeasyPrint, loads fonts, compiles
        cold_s = time.perf_counter() - start
        pages = page_count(pdf)

        renderer = reporting.renderer()
        html = renderer.html(context, lang)
        import weasyprint
        from weasyprint.text.fonts import FontConfiguration

        base_url = renderer.base_url
        html_naive = html.replace("</head>", '<link rel="stylesheet" href="report.css"></head>', 1)

        def warm() -> bytes:
            return reporting.render_pdf(context, lang)

        def naive() -> bytes:
            font_config = FontConfiguration()
            return weasyprint.HTML(string=html_naive, base_url=base_url).write_pdf(
                font_config=font_config, pdf_variant=reporting.PDF_VARIANT)

        def compile_template() -> None:  # what render_template_string would add to every render
            reporting._environment(renderer.sources).get_template(reporting.TEMPLATE)

        compile_s = statistics.median(timed(compile_template, 5))

        # What a render is made of, and what of it a process can reuse at all.
        def setup_naive() -> None:  # what the naive path redoes per render, besides the document
            weasyprint.CSS(string=renderer.sources.texts[reporting.STYLESHEET], base_url=base_url,
                           font_config=FontConfiguration())

        setup_s = statistics.median(timed(setup_naive, 5))
        layout_times, write_times = [], []
        for _ in range(5):
            with reporting._render_memory():  # as the app renders (collector settings)
                start = time.perf_counter()
                document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=renderer.fetcher).render(
                    stylesheets=[renderer.stylesheet], font_config=reporting.font_config(),
                    pdf_variant=reporting.PDF_VARIANT)
                layout_times.append(time.perf_counter() - start)
                start = time.perf_counter()
                document.write_pdf(pdf_variant=reporting.PDF_VARIANT)
                write_times.append(time.perf_counter() - start)
                del document
        layout_s, write_s = statistics.median(layout_times), statistics.median(write_times)
        naive_pdf = naive()
        # Interleaved, so that the VM's noise hits both alike.
        warm_times, naive_times = [], []
        for _ in range(renders):
            warm_times += timed(warm, 1)
            naive_times += timed(naive, 1)
        warm_s, naive_s = statistics.median(warm_times), statistics.median(naive_times)
        naive_pages = page_count(naive_pdf)

        # Cached download through the route, on a submitted assessment.
        db = connect(app.config["DATABASE"])
        sample = sample_report.load_sample(Path(app.config["REPORTS_DIR"]) / report_context.SAMPLE)
        _assessment, _questionnaire, token = sample_report.create_sample_assessment(db, app, sample)
        db.close()
    client = app.test_client()
    url = f"/a/{token}/rapport.pdf?lang={lang}"
    start = time.perf_counter()
    first = client.get(url)
    first_download_s = time.perf_counter() - start
    assert first.status_code == 200 and first.mimetype == "application/pdf", first.status
    cached_times = timed(lambda: client.get(url), 200 if not args.quick else 50)
    cached_s = statistics.median(cached_times)
    with app.app_context():
        db = connect(app.config["DATABASE"])
        assessment = store.by_token(db, token)
        questionnaire = _questionnaire
        direct_s = statistics.median(timed(
            lambda: cache.report_for(db, assessment, questionnaire, lang), 200 if not args.quick else 50))
        db.close()

        rss_after_timing = rss_mib()

    workdir.cleanup()
    # Memory: each path in a fresh process, so that neither inherits the other's heap.
    app_rss = measure_memory("app", memory_renders, lang)
    naive_rss = measure_memory("naive", memory_renders, lang)
    per_page_ratio = (warm_s / pages) / (naive_s / naive_pages)
    n = memory_renders
    warm_growth = (app_rss[n] - app_rss[1]) / app_rss[1]
    warm_growth_steady = (app_rss[n] - app_rss[10]) / app_rss[10]
    naive_growth = (naive_rss[n] - naive_rss[1]) / naive_rss[1]
    rows = [
        ("create_app (no WeasyPrint import)", f"{create_app_s * 1000:.0f} ms"),
        ("first render, cold (WeasyPrint import, fonts)", f"{cold_s * 1000:.0f} ms"),
        ("pages / size", f"{pages} pages / {len(pdf) / 1024:.1f} KB (naive {len(naive_pdf) / 1024:.1f} KB)"),
        (f"warm render, median of {renders}", f"{warm_s * 1000:.0f} ms ({warm_s / pages * 1000:.0f} ms/page; "
                                              f"min {min(warm_times) * 1000:.0f}, max {max(warm_times) * 1000:.0f})"),
        (f"naive render, median of {renders}", f"{naive_s * 1000:.0f} ms ({naive_s / naive_pages * 1000:.0f} ms/page; "
                                               f"min {min(naive_times) * 1000:.0f}, max {max(naive_times) * 1000:.0f})"),
        ("warm / naive per page", f"{per_page_ratio:.2f}  (target <= 0.60)"),
        ("  of a render: parse + styles + layout", f"{layout_s * 1000:.0f} ms; drawing + tags + PDF "
                                                  f"{write_s * 1000:.0f} ms"),
        ("  naive set-up per render (fonts, CSS)", f"{setup_s * 1000:.0f} ms (what reuse saves directly)"),
        ("  template compile saved per render", f"{compile_s * 1000:.0f} ms (naive + compile: ratio "
                                                f"{(warm_s / pages) / ((naive_s + compile_s) / naive_pages):.2f})"),
        ("first download (render + cache write)", f"{first_download_s * 1000:.0f} ms"),
        ("cached download, test client, median", f"{cached_s * 1000:.2f} ms  (target < 5 ms)"),
        ("cached report_for(), median", f"{direct_s * 1000:.2f} ms"),
        ("RSS of this process: start / after timing", f"{rss_start:.0f} MiB / {rss_after_timing:.0f} MiB"),
        (f"RSS, app path, fresh process, {n} renders",
         f"1st {app_rss[1]:.1f} -> 10th {app_rss[10]:.1f} -> {n}th {app_rss[n]:.1f} MiB: "
         f"{warm_growth:+.1%} from the 1st (target < +10 %), {warm_growth_steady:+.1%} from the 10th"),
        (f"RSS, naive, fresh process, {n} renders",
         f"1st {naive_rss[1]:.1f} -> 10th {naive_rss[10]:.1f} -> {n}th {naive_rss[n]:.1f} MiB: "
         f"{naive_growth:+.1%} from the 1st"),
        ("size target", f"{len(pdf) / 1024:.1f} KB  (target < 150 KB)"),
    ]
    width = max(len(label) for label, _ in rows)
    print(f"bench/report.py: sample report ({lang}), {os.cpu_count()} CPU(s), Python {sys.version.split()[0]}, "
          f"WeasyPrint {weasyprint.__version__}")
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")
    ok = (per_page_ratio <= 0.6 and cached_s < 0.005 and warm_growth < 0.10 and len(pdf) < 150 * 1024)
    print("all targets met" if ok else "some targets missed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
