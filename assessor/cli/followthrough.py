"""``flask --app assessor checkins ...``: the follow-through after the diagnostic (issue 15).

``checkins digest --as-of YYYY-MM-DD`` sends the advisors' daily digest of the companies to get back
to, as the daily task does; run twice the same day, it sends nothing more.
"""
from __future__ import annotations

import datetime as dt

import click
from flask import current_app
from flask.cli import with_appcontext

from .. import config as settings
from ..domain import clock


@click.group("checkins")
def checkins_group() -> None:
    """Check-ins after the diagnostic, and the advisors' digest."""


@checkins_group.command("digest")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="The day of the digest (default: today, in the service's time zone).")
@with_appcontext
def digest_command(as_of: dt.datetime | None) -> None:
    """Send each advisor who asked for it the e-mail of the companies to get back to, once a day."""
    from ..jobs import digest

    day = as_of.date() if as_of else clock.today(settings.zone())
    counts = digest.send_all(current_app._get_current_object(), day)  # type: ignore[attr-defined]
    click.echo(f"digest of {day.isoformat()}: {counts['sent']} sent, {counts['already']} already sent, "
               f"{counts['empty']} with nobody to get back to, {counts['failed']} failed")
    if counts["failed"]:
        raise SystemExit(1)
