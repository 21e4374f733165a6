"""``flask --app assessor worker``: a render worker, Huey's consumer on the application's queue."""
from __future__ import annotations

import logging
import time

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("worker")
@click.option("--workers", "-w", default=1, show_default=True,
              help="Renders run at the same time (threads; one per core at most: a render is CPU-bound).")
@click.option("--periodic/--no-periodic", default=True, show_default=True,
              help="Also run the periodic tasks (the daily pruning of old reports). One worker per queue is enough.")
@with_appcontext
def worker_command(workers: int, periodic: bool) -> None:
    """Render the reports the web asks for and run the queue's periodic tasks, until Ctrl+C."""
    from ..report import render

    huey = current_app.extensions["assessor.queue"]
    if huey.immediate:
        raise click.ClickException("the queue runs in immediate mode (ASSESSOR_QUEUE_IMMEDIATE): "
                                   "jobs run in the web requests, there is nothing for a worker to do")
    handler = logging.StreamHandler()  # stderr, like the app's own log (Flask's handler)
    handler.setFormatter(logging.Formatter("[%(asctime)s] %(levelname)s in %(name)s: %(message)s"))
    logging.getLogger("huey").addHandler(handler)
    logging.getLogger("huey").setLevel(logging.INFO)
    current_app.logger.setLevel(logging.INFO)  # "report of assessment 12 (fr) rendered in 850 ms"
    # WeasyPrint, the stylesheet and the fonts are loaded now, and the sample report rendered once
    # (layout code and font caches warm), not by the first report a person awaits.
    started = time.perf_counter()
    try:
        from ..report.sample import sample_context

        render.render_pdf(sample_context(current_app._get_current_object(), "fr"), "fr")  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - a worker that cannot warm up still tries the real reports
        current_app.logger.exception("the render worker could not render the sample report to warm up")
    current_app.logger.info("render worker warmed up in %.1f s", time.perf_counter() - started)
    backend = "Redis" if current_app.config.get("REDIS_URL") else current_app.config["QUEUE_DATABASE"]
    click.echo(f"==> render worker on {backend} ({workers} thread(s), Ctrl+C to stop)", err=True)
    # On SQLite the workers poll the queue: at most every half second, so that a report asked for
    # while they were idle starts at once (Huey's default backs off to 10 s); Redis blocks instead.
    huey.create_consumer(workers=workers, periodic=periodic, worker_type="thread", initial_delay=0.05,
                         backoff=1.15, max_delay=0.5).run()
