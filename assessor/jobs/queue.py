"""The task queue: one Huey per application, built from the settings, and where reports are kept.

Huey, because it runs on one machine with nothing but a SQLite file (``instance/queue.sqlite3``),
and on Redis (``ASSESSOR_REDIS_URL``) when render workers live on other machines; RQ and Celery
would need a broker server even on one machine. With Redis, the rendered reports go through Redis
too, with an expiry, so that web and render machines share nothing else.
"""
from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from flask import Flask, current_app
from huey import Huey, RedisHuey, SqliteHuey

from ..store.db import create_private

NAME = "assessor"
# Redis keys of the rendered reports: <prefix><assessment id>:<cache key>.
REDIS_REPORT_PREFIX = "assessor:report:"
# Queue keys noting an erased assessment: a render of it in flight is thrown away.
ERASED = "erased:"


def build(config: dict[str, Any]) -> Huey:
    """Return the Huey instance the settings describe (nothing is rendered or connected yet)."""
    immediate = config.get("QUEUE_IMMEDIATE")
    if immediate is None:
        immediate = bool(config.get("TESTING"))
    # results=False: a job's outcome is its report in the cache; the key-value store keeps only
    # the jobs' markers (jobs/reports.py).
    if config.get("REDIS_URL"):
        return RedisHuey(NAME, url=config["REDIS_URL"], results=False, immediate=immediate)
    if not immediate:
        create_private(config["QUEUE_DATABASE"])  # like the database: readable by its owner only
    return SqliteHuey(NAME, filename=config["QUEUE_DATABASE"], results=False, immediate=immediate)


def init_app(app: Flask) -> None:
    """Build the application's queue and register its tasks on it."""
    from . import reports, retention

    huey = build(app.config)
    app.extensions["assessor.queue"] = huey
    app.extensions["assessor.tasks"] = reports.register(app, huey)
    app.extensions["assessor.tasks"].purge_expired = retention.register(app, huey)


def queue(app: Flask | None = None) -> Huey:
    return (app or current_app).extensions["assessor.queue"]


def report_cache(app: Flask | None = None) -> "ErasingCache":
    """Return where this application keeps rendered reports: a folder, or Redis with an expiry."""
    app = app or current_app
    if app.config.get("REDIS_URL"):
        cache = app.extensions.get("assessor.redis-cache")
        if cache is None:
            import redis

            cache = app.extensions["assessor.redis-cache"] = RedisReportCache(
                redis.Redis.from_url(app.config["REDIS_URL"]))
    else:
        from ..report.cache import ReportCache

        cache = ReportCache(app.config["REPORT_CACHE_DIR"])
    return ErasingCache(cache, queue(app))


class ErasingCache:
    """A report cache whose erasures are also noted in the queue (``erased:<id>``), so that a render
    already queued or running for that assessment does not put its report back afterwards."""

    def __init__(self, cache, huey: Huey):
        self.cache, self.huey = cache, huey

    def get(self, assessment_id: int, key: str) -> bytes | None:
        return self.cache.get(assessment_id, key)

    def put(self, assessment_id: int, key: str, pdf: bytes) -> None:
        self.cache.put(assessment_id, key, pdf)

    def prune(self, max_age_days: float) -> int:
        return self.cache.prune(max_age_days)

    def forget(self, assessment_id: int) -> int:
        self.huey.put(f"{ERASED}{int(assessment_id)}", time.time())
        return self.cache.forget(assessment_id)

    def forget_many(self, assessment_ids: Iterable[int]) -> int:
        ids = [int(assessment_id) for assessment_id in assessment_ids]
        for assessment_id in ids:
            self.huey.put(f"{ERASED}{assessment_id}", time.time())
        return self.cache.forget_many(ids)


class RedisReportCache:
    """Rendered PDFs in Redis, each expiring after ``PRUNE_AFTER_DAYS`` (keys change daily anyway).

    The same methods as the folder cache (``report.cache.ReportCache``).
    """

    def __init__(self, client, ttl_seconds: int | None = None):
        from ..report.cache import PRUNE_AFTER_DAYS

        self.client = client
        self.ttl = int(ttl_seconds or PRUNE_AFTER_DAYS * 86400)

    @staticmethod
    def name(assessment_id: int, key: str) -> str:
        return f"{REDIS_REPORT_PREFIX}{int(assessment_id)}:{key}"

    def get(self, assessment_id: int, key: str) -> bytes | None:
        data = self.client.get(self.name(assessment_id, key))
        if not data or not data.startswith(b"%PDF-"):
            return None
        return data

    def put(self, assessment_id: int, key: str, pdf: bytes) -> None:
        self.client.set(self.name(assessment_id, key), pdf, ex=self.ttl)

    def forget(self, assessment_id: int) -> int:
        """Delete every cached report of an assessment (erasure); return how many went."""
        names = list(self.client.scan_iter(match=f"{REDIS_REPORT_PREFIX}{int(assessment_id)}:*", count=500))
        return self.client.delete(*names) if names else 0

    def forget_many(self, assessment_ids) -> int:
        return sum(self.forget(assessment_id) for assessment_id in assessment_ids)

    def prune(self, max_age_days: float) -> int:
        """Nothing to do: Redis deletes each report when it expires."""
        return 0
