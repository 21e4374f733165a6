"""One SQLite connection per request, with the pragmas the app relies on."""
from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator

import sqlite_utils
from flask import Flask, current_app, g


def connect(path: str) -> sqlite_utils.Database:
    """Open the database with WAL, synchronous=NORMAL, foreign keys and a busy timeout."""
    conn = sqlite3.connect(path, timeout=5.0, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 5000")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    db = sqlite_utils.Database(conn)
    if path != ":memory:":
        _use_wal(conn)
    return db


def _use_wal(conn: sqlite3.Connection, wait: float = 5.0) -> None:
    """Switch the file to WAL (a persistent mode: done once per file), waiting for other openers.

    The switch needs the file to itself and SQLite does not call the busy handler for it: two
    gunicorn workers opening a brand-new database at once failed with "database is locked" and
    the server stopped ("Worker failed to boot"). So the mode is read first, and the switch retried.
    """
    deadline = time.monotonic() + wait
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def get_db() -> sqlite_utils.Database:
    """Return the request's connection, opening it on first use."""
    if "db" not in g:
        g.db = connect(current_app.config["DATABASE"])
    return g.db


def close_db(exc: BaseException | None = None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


@contextlib.contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """Run a read-then-write transaction that takes the write lock up front.

    A deferred BEGIN (what db.atomic() issues) fails at once with "database is locked" when it
    upgrades to a write while another connection writes; BEGIN IMMEDIATE waits for the busy
    timeout instead. sqlite-utils calls inside nest as savepoints.
    """
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.rollback()
        raise
    else:
        db.execute("COMMIT")


def backup(source_path: str, target_path: str) -> None:
    """Copy the live database to a file with the online backup API."""
    source = sqlite3.connect(source_path)
    target = sqlite3.connect(target_path)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def init_app(app: Flask) -> None:
    app.teardown_appcontext(close_db)
