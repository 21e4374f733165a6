"""The SQLite store: pragmas, migrations, concurrent writers and online backups."""
from __future__ import annotations

import sqlite3
import threading

from assessor.store.db import backup, connect
from assessor.store.migrations import migrations
from assessor.store import assessments as store
from tests.factories import PROFILE


def test_connections_use_wal_foreign_keys_and_a_busy_timeout(app):
    db = connect(app.config["DATABASE"])
    try:
        assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
        assert db.execute("pragma foreign_keys").fetchone()[0] == 1
        assert db.execute("pragma busy_timeout").fetchone()[0] == 5000
        assert db.execute("pragma synchronous").fetchone()[0] == 1  # NORMAL
    finally:
        db.close()


def test_every_migration_is_applied_once(app):
    db = connect(app.config["DATABASE"])
    try:
        assert migrations.pending(db) == []
        migrations.apply(db)  # running again is harmless
        assert {"assessments", "answers", "advisors", "notes"} <= set(db.table_names())
    finally:
        db.close()


def test_concurrent_writers_do_not_fail_with_database_is_locked(app):
    """Many browsers saving at once: BEGIN IMMEDIATE waits for the lock instead of failing."""
    db = connect(app.config["DATABASE"])
    ids = [store.create(db, PROFILE, "ai-maturity", 2)[0] for _ in range(4)]
    db.close()
    errors: list[BaseException] = []

    def writer(assessment_id: int) -> None:
        conn = connect(app.config["DATABASE"])
        try:
            for i in range(40):
                store.save_answers(conn, assessment_id, {"strategy.vision": str(i), f"x.q{i % 5}": i})
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=writer, args=(i,)) for i in ids for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    db = connect(app.config["DATABASE"])
    assert all(store.answers(db, i)["strategy.vision"] == "39" for i in ids)
    db.close()


def test_answers_cannot_change_after_submission(app):
    db = connect(app.config["DATABASE"])
    assessment_id, _ = store.create(db, PROFILE, "ai-maturity", 2)
    assert store.save_answers(db, assessment_id, {"strategy.vision": "a"})
    summary = {"overall": 50.0, "level": "x", "floor_level": "x", "confidence": 1.0, "dimensions": {}}
    assert store.submit(db, assessment_id, summary, 1)
    assert not store.submit(db, assessment_id, summary, 1)
    assert not store.save_answers(db, assessment_id, {"strategy.vision": "b"})
    assert store.answers(db, assessment_id) == {"strategy.vision": "a"}
    db.close()


def test_online_backup_copies_the_live_database(app, tmp_path):
    db = connect(app.config["DATABASE"])
    store.create(db, PROFILE, "ai-maturity", 2)
    target = tmp_path / "backup.sqlite3"
    backup(app.config["DATABASE"], str(target))
    db.close()
    copy = sqlite3.connect(target)
    assert copy.execute("select count(*) from assessments").fetchone()[0] == 1
    copy.close()


def test_secret_key_is_generated_once_and_kept(tmp_path):
    from tests.factories import make_app

    first = make_app(tmp_path, SECRET_KEY=None)
    second = make_app(tmp_path, SECRET_KEY=None)
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 64


def test_settings_come_from_assessor_environment_variables(tmp_path, monkeypatch):
    from tests.factories import make_app

    monkeypatch.setenv("ASSESSOR_SECRET_KEY", "from-env")
    monkeypatch.setenv("ASSESSOR_MAX_CONTENT_LENGTH", "1234")
    app = make_app(tmp_path, SECRET_KEY=None)
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["MAX_CONTENT_LENGTH"] == 1234


def test_a_region_sorted_by_score_is_read_in_index_order(app):
    """Page 20 of a region sorted by score must not sort all the region's rows first."""
    from assessor.store.workspace import Filters, Scope

    database = connect(app.config["DATABASE"])
    try:
        for scope in (Scope(1, True), Scope(2, False, ("FR-HDF",))):
            where, params = Filters(region="FR-HDF", sort="score", include_demo=True).sql(scope)
            for descending in (True, False):
                order = Filters(sort="score", descending=descending).order_by()
                plan = " ".join(row[3] for row in database.execute(
                    f"explain query plan select a.id from assessments as a where {where} order by {order} "
                    "limit 51 offset 950", params))
                assert "idx_assessments_region_overall" in plan and "TEMP B-TREE" not in plan, plan
    finally:
        database.close()


def test_the_statistics_triggers_survive_every_migration(app):
    """sqlite-utils' transform() rebuilds a table without its triggers: a migration that changes
    the assessments table must create them again, or the observatory silently stops counting."""
    from assessor.store.stats_schema import STATS_TRIGGERS

    database = connect(app.config["DATABASE"])
    try:
        triggers = {row[0] for row in database.execute(
            "select name from sqlite_master where type = 'trigger' and tbl_name = 'assessments'")}
    finally:
        database.close()
    assert set(STATS_TRIGGERS) <= triggers


def test_processes_opening_a_brand_new_database_at_once_all_start(tmp_path):
    """gunicorn's workers each open and migrate the database at start-up: on a brand-new file one
    of them failed with "database is locked" (the switch to WAL, or its migration) and gunicorn
    stopped with "Worker failed to boot"; or two created the first tables."""
    from assessor.store import migrations as schema

    errors: list[BaseException] = []
    for attempt in range(10):
        path = str(tmp_path / f"new-{attempt}.sqlite3")
        barrier = threading.Barrier(4)

        def start() -> None:
            barrier.wait()
            try:
                conn = connect(path)
                try:
                    schema.apply(conn)
                finally:
                    conn.close()
            except BaseException as exc:  # noqa: BLE001 - collected for the assertion
                errors.append(exc)

        run_together(start, 4)
        db = connect(path)
        try:
            assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
            assert migrations.pending(db) == []
            assert db.execute("select count(*) from _sqlite_migrations").fetchone()[0] == len(
                migrations._migrations)
        finally:
            db.close()
    assert not errors, errors


def run_together(target, count: int) -> None:
    """Run ``target`` in ``count`` threads at once and wait for them all."""
    threads = [threading.Thread(target=target) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_processes_starting_together_agree_on_one_secret_key(tmp_path):
    """Workers creating the instance's secret key at once: none fails, none reads it half-written,
    all sign with the same key (or a form shown by one worker is refused by the other)."""
    import stat

    from assessor.config import instance_secret_key

    errors: list[BaseException] = []
    for attempt in range(30):
        folder = tmp_path / f"instance-{attempt}"
        barrier = threading.Barrier(4)
        keys: list[str] = []

        def start() -> None:
            barrier.wait()
            try:
                keys.append(instance_secret_key(str(folder)))
            except BaseException as exc:  # noqa: BLE001 - collected for the assertion
                errors.append(exc)

        run_together(start, 4)
        assert not errors, errors
        assert len(keys) == 4 and len(set(keys)) == 1 and len(keys[0]) == 64, keys
        assert [p.name for p in folder.iterdir()] == ["secret_key"]
        assert stat.S_IMODE((folder / "secret_key").stat().st_mode) == 0o600


def test_a_migration_outside_any_transaction_can_turn_foreign_keys_off(tmp_path, monkeypatch):
    """A table rebuild (SQLite's 12 steps) turns foreign keys off first, which does nothing inside a
    transaction: taking turns to migrate must not wrap the migrations in one."""
    from sqlite_utils import Migrations

    from assessor.store import migrations as schema

    seen = []
    steps = Migrations("rebuild")

    @steps()
    def m001_table(db):
        db["things"].create({"id": int}, pk="id")

    @steps(transactional=False)
    def m002_rebuild(db):
        db.execute("PRAGMA foreign_keys = OFF")
        seen.append((db.conn.in_transaction, db.execute("PRAGMA foreign_keys").fetchone()[0]))
        db.execute("PRAGMA foreign_keys = ON")

    monkeypatch.setattr(schema, "migrations", steps)
    db = connect(str(tmp_path / "rebuild.sqlite3"))
    try:
        schema.apply(db)
        assert seen == [(False, 0)]
        assert steps.pending(db) == []
    finally:
        db.close()
