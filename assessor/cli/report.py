"""``flask --app assessor report ...``: the sample report and the report cache.

Importing this module is cheap: WeasyPrint loads only when a command renders a report.
"""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext


@click.group("report")
def report_group() -> None:
    """Render PDF reports and manage their cache."""


@report_group.command("sample")
@click.argument("out", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--lang", default="fr", type=click.Choice(["fr", "en"]), show_default=True)
@click.option("--data", "data", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Sample file (YAML: questionnaire, submitted_at, profile, answers). "
                   "Default: reports/sample/ai-maturity.yaml.")
@with_appcontext
def sample_command(out: Path, lang: str, data: Path | None) -> None:
    """Render the sample report (through the real code path) to OUT."""
    from ..report import render as reporting
    from ..report.sample import SampleError, sample_context

    try:
        context = sample_context(current_app._get_current_object(), lang, data)  # type: ignore[attr-defined]
    except (SampleError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    pdf = reporting.render_pdf(context, lang)
    try:
        out.write_bytes(pdf)
    except OSError as exc:
        raise click.ClickException(f"cannot write {out}: {exc.strerror}") from None
    click.echo(f"sample report written to {out} ({len(pdf) // 1024} KB)")


@report_group.command("prune-cache")
@click.option("--days", type=float, default=None,
              help="Delete cached reports older than this (default: 2, as the queue does once a day).")
@with_appcontext
def prune_cache_command(days: float | None) -> None:
    """Delete old cached PDFs (their keys include the date, so they are never served again)."""
    from ..jobs.queue import report_cache
    from ..report.cache import PRUNE_AFTER_DAYS

    removed = report_cache().prune(PRUNE_AFTER_DAYS if days is None else days)
    click.echo(f"{removed} cached report(s) deleted")

