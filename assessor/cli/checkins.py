"""``flask --app assessor checkins``: send the check-ins that are due, list the outbox (issue 15)."""
from __future__ import annotations

from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from .. import config as settings
from ..domain import clock


@click.group("checkins")
def checkins_group() -> None:
    """Check-ins at +3 and +6 months (ASSESSOR_CHECKIN_MONTHS) and their messages."""


@checkins_group.command("send")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Decide what is due on this day (YYYY-MM-DD) instead of today: to run a missed day again.")
@with_appcontext
def send_command(as_of: Any) -> None:
    """Send the check-ins due (what the queue's daily task runs); never one twice."""
    from ..jobs import checkins as jobs
    from ..jobs import mail
    from ..store.db import connect

    day = as_of.date() if as_of else clock.today(settings.zone())
    db = connect(current_app.config["DATABASE"])
    try:
        run = jobs.send_due(db, day)
    finally:
        db.close()
    where = ("through SMTP" if mail.settings(current_app.config)
             else f"to {current_app.config['OUTBOX_DIR']} (no SMTP set up)")
    click.echo(f"{day.isoformat()}: {run.scheduled} check-in(s) due, {run.sent} message(s) sent {where}, "
               f"{run.failed} failed, {run.cancelled} cancelled")
    if run.failed:
        click.echo("failed messages are tried again later; `checkins outbox --failed` lists them", err=True)


@checkins_group.command("outbox")
@click.option("--failed", "failed_only", is_flag=True, help="Only the messages every try of which failed.")
@click.option("--unsent", is_flag=True, help="Only the messages not sent yet.")
@click.option("--limit", default=100, show_default=True)
@with_appcontext
def outbox_command(failed_only: bool, unsent: bool, limit: int) -> None:
    """List the messages: id, key, state, tries, last error (never an address or a link)."""
    from ..store import checkins as store
    from ..store.db import connect

    max_attempts = int(current_app.config["MAIL_MAX_ATTEMPTS"])
    db = connect(current_app.config["DATABASE"])
    try:
        rows = store.failed(db, max_attempts) if failed_only else store.outbox(db, unsent_only=unsent, limit=limit)
    finally:
        db.close()
    click.echo("id\tkey\tstate\ttries\tcreated\tlast error")
    for row in rows:
        if row.get("sent_at"):
            state = f"sent {row['sent_at']}"
        elif row.get("cancelled_at"):
            state = f"cancelled {row['cancelled_at']}"
        elif row["attempts"] >= max_attempts:
            state = "failed"
        elif row.get("next_attempt_at"):
            state = f"retry after {row['next_attempt_at']}"
        else:
            state = "to send"
        click.echo(f"{row['id']}\t{row['key']}\t{state}\t{row['attempts']}/{max_attempts}\t{row['created_at']}\t"
                   f"{row.get('last_error') or ''}")
