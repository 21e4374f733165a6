"""One SQLite connection per request, with the pragmas the app relies on."""
from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import time
from collections.abc import Iterator

import sqlite_utils
from flask import Flask, current_app, g


def create_private(path: str) -> None:
    """Create ``path`` empty, readable and writable by its owner only (0600), unless it exists.

    SQLite creates a database with mode 0644, and its -wal and -shm files with the database's mode:
    the company data would be readable by every account on the machine.
    """
    if path in ("", ":memory:"):  # temporary databases: no file
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def connect(path: str) -> sqlite_utils.Database:
    """Open the database with WAL, synchronous=NORMAL, foreign keys and a busy timeout."""
    create_private(path)
    conn = sqlite3.connect(path, timeout=5.0, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 5000")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    db = sqlite_utils.Database(conn)
    if path != ":memory:":
        _use_wal(db)
    return db


def _use_wal(db: sqlite_utils.Database, wait: float = 5.0) -> None:
    """Switch the file to WAL: a persistent mode, set by the first process that opens the file.

    The switch needs the file to itself and SQLite does not call the busy handler for it: two
    gunicorn workers opening a brand-new database at once failed with "database is locked" and
    the server stopped ("Worker failed to boot"), or one switched while the other wrote. So
    openers switch one at a time, each after reading the file again (a connection that read the
    mode before another switched it still reports the old one).
    """
    if db.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
        return
    with file_lock(db, "setup", wait):
        deadline = time.monotonic() + wait
        while True:
            try:
                db.execute("PRAGMA schema_version").fetchone()
                if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    db.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:  # a reader that opened it before: wait for it
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


@contextlib.contextmanager
def file_lock(db: sqlite_utils.Database, name: str, wait: float = 30.0) -> Iterator[None]:
    """Hold an exclusive lock shared by every process that opens this database file.

    For work that must not run twice at once and cannot sit in a single transaction. The lock is
    the file ``<database>-<name>.lock`` (kept: removing it would let two holders in); an in-memory
    database has no other process, and no lock.
    """
    path = db.execute("PRAGMA database_list").fetchone()[2]  # the main database's file, "" in memory
    if not path:
        yield
        return
    fd = os.open(f"{path}-{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{path}: another process has held the {name} lock for more "
                                       f"than {wait:.0f} s") from None
                time.sleep(0.02)
        yield
    finally:
        os.close(fd)  # releases the lock


def backup(source_path: str, target_path: str) -> None:
    """Copy the live database to a file with the online backup API; the copy is 0600."""
    source = sqlite3.connect(source_path)
    create_private(target_path)
    os.chmod(target_path, 0o600)  # an older file of the same name, made before modes were fixed
    target = sqlite3.connect(target_path)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def init_app(app: Flask) -> None:
    app.teardown_appcontext(close_db)
