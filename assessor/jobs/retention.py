"""The retention periods of the privacy page, enforced: by ``retention purge`` and by the queue, daily.

A draft nobody saved for ``RETENTION_DRAFT_DAYS`` and a diagnostic validated more than
``RETENTION_DAYS`` ago are deleted with their answers, notes and cached reports (and so leave the
statistics). The periodic task runs on the worker that runs the periodic tasks (``flask worker``).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from flask import Flask
from huey import Huey, crontab

from .. import config as settings
from ..domain import clock
from ..store import assessments as store
from ..store.db import connect
from .queue import report_cache


@dataclasses.dataclass(frozen=True)
class Purge:
    rows: list[dict[str, Any]]  # id, status, updated_at, submitted_at of what went (or would go)
    drafts_day: dt.date  # drafts untouched since before this day went
    submitted_day: dt.date  # diagnostics validated before this day went
    reports: int  # cached reports deleted

    @property
    def drafts(self) -> int:
        return sum(1 for row in self.rows if row["status"] == "draft")


def purge(config: dict[str, Any], today: dt.date | None = None, dry_run: bool = False) -> Purge:
    """Delete (or with ``dry_run`` only list) what is past its retention period on ``today``."""
    zone = settings.zone()
    today = today or clock.today(zone)
    drafts_day = today - dt.timedelta(days=int(config["RETENTION_DRAFT_DAYS"]))
    submitted_day = today - dt.timedelta(days=int(config["RETENTION_DAYS"]))
    db = connect(config["DATABASE"])
    try:
        rows = store.purge_expired(db, clock.day_start(drafts_day, zone), clock.day_start(submitted_day, zone),
                                   dry_run=dry_run)
    finally:
        db.close()
    reports = report_cache().forget_many(row["id"] for row in rows) if rows and not dry_run else 0
    return Purge(rows, drafts_day, submitted_day, reports)


def register(app: Flask, huey: Huey):
    """Register the daily purge on the application's queue; return the task."""

    @huey.periodic_task(crontab(minute="20", hour="3"), name="purge_expired")
    def purge_expired() -> None:
        with app.app_context():
            done = purge(app.config)
            if done.rows:  # numbers only: nothing that names a company
                app.logger.info("retention: deleted %d draft(s) and %d diagnostic(s)",
                                done.drafts, len(done.rows) - done.drafts)

    return purge_expired
