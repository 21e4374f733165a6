"""``flask --app assessor checkins digest --as-of YYYY-MM-DD``: the advisors' daily digest of the
companies to get back to, as the daily task sends it; run twice the same day, it sends nothing more.
Added to the ``checkins`` group (cli/checkins.py)."""
from __future__ import annotations

import datetime as dt

import click
from flask import current_app
from flask.cli import with_appcontext

from .. import config as settings
from ..domain import clock
from .checkins import checkins_group


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
               f"{counts['pending']} waiting for a retry, {counts['empty']} with nobody to get back to, "
               f"{counts['failed']} failed")
    if counts["failed"]:
        click.echo("failed digests are tried again later; `checkins outbox --failed` lists them", err=True)
        raise SystemExit(1)
