"""Dates as the companies and advisors see them.

Timestamps are stored in UTC (ISO 8601, see ``store.assessments.now_iso``); the calendar day shown to
people, printed on a report or used to drop an expired programme is the one of the service's time
zone (``ASSESSOR_TIMEZONE``, Europe/Paris by default). A diagnostic validated at 00:30 in Lille is
dated that day, not the day before.
"""
from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Europe/Paris"


@functools.cache
def zone(name: str = DEFAULT_TIMEZONE) -> ZoneInfo:
    """Return the time zone called ``name`` (the service's is the app's ``TIMEZONE``: see
    ``config.zone``, which the layers above the store call; the store and the domain are given it)."""
    return ZoneInfo(name)


def today(tz: ZoneInfo, now: dt.datetime | None = None) -> dt.date:
    """Return the current day in the time zone ``tz`` (``now``: an aware datetime, for tests)."""
    return (now or dt.datetime.now(dt.timezone.utc)).astimezone(tz).date()


def local_datetime(timestamp: str | None, tz: ZoneInfo) -> dt.datetime | None:
    """Return a stored UTC timestamp as an aware datetime of the time zone ``tz``."""
    if not timestamp:
        return None
    moment = dt.datetime.fromisoformat(timestamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(tz)


def day_start(day: dt.date, tz: ZoneInfo) -> str:
    """Return the UTC timestamp, in the stored format, at which a day of ``tz`` begins (for SQL ranges)."""
    midnight = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return midnight.astimezone(dt.timezone.utc).isoformat(timespec="seconds")


def local_day(timestamp: str | None, tz: ZoneInfo) -> dt.date | None:
    """Return the local calendar day of a stored UTC timestamp (a bare date is taken as it is)."""
    if not timestamp:
        return None
    if len(timestamp) == 10:
        return dt.date.fromisoformat(timestamp)
    return local_datetime(timestamp, tz).date()
