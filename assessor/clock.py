"""Dates as the companies and advisors see them.

Timestamps are stored in UTC (ISO 8601, see ``store.assessments.now_iso``); the calendar day shown to
people, printed on a report or used to drop an expired programme is the one of the service's time
zone (``ASSESSOR_TIMEZONE``, Europe/Paris by default). A diagnostic validated at 00:30 in Lille is
dated that day, not the day before.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_TIMEZONE = "Europe/Paris"


def zone() -> ZoneInfo:
    """Return the service's time zone (the app's ``TIMEZONE``, or Europe/Paris outside an app)."""
    name = current_app.config.get("TIMEZONE", DEFAULT_TIMEZONE) if has_app_context() else DEFAULT_TIMEZONE
    return ZoneInfo(name)


def today(now: dt.datetime | None = None) -> dt.date:
    """Return the current day in the service's time zone (``now``: an aware datetime, for tests)."""
    return (now or dt.datetime.now(dt.timezone.utc)).astimezone(zone()).date()


def local_datetime(timestamp: str | None, tz: ZoneInfo | None = None) -> dt.datetime | None:
    """Return a stored UTC timestamp as an aware datetime of the service's time zone."""
    if not timestamp:
        return None
    moment = dt.datetime.fromisoformat(timestamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(tz or zone())


def day_start(day: dt.date) -> str:
    """Return the UTC timestamp, in the stored format, at which a local day begins (for SQL ranges)."""
    midnight = dt.datetime.combine(day, dt.time.min, tzinfo=zone())
    return midnight.astimezone(dt.timezone.utc).isoformat(timespec="seconds")


def local_day(timestamp: str | None) -> dt.date | None:
    """Return the local calendar day of a stored UTC timestamp (a bare date is taken as it is)."""
    if not timestamp:
        return None
    if len(timestamp) == 10:
        return dt.date.fromisoformat(timestamp)
    return local_datetime(timestamp).date()
