"""Schema changes, append-only: never edit a migration that has shipped, add a new one."""
from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database, Migrations

from .db import file_lock

migrations = Migrations("assessor")


@migrations()
def m001_initial(db: Database) -> None:
    db["advisors"].create({
        "id": int, "email": str, "name": str, "password_hash": str, "is_admin": int,
        "regions": str, "active": int, "session_version": int, "created_at": str,
    }, pk="id", not_null={"email", "password_hash"}, defaults={
        "is_admin": 0, "active": 1, "session_version": 1, "regions": "[]"})
    db["advisors"].create_index(["email"], unique=True)

    db["assessments"].create({
        "id": int, "token_hash": str, "questionnaire_id": str, "questionnaire_version": int,
        "company_name": str, "size_band": str, "sector": str, "region": str, "department": str,
        "role": str, "email": str, "consent_contact": int, "consent_stats": int, "lang": str,
        "status": str, "mode": str, "created_by": int, "previous_id": int, "is_demo": int,
        "created_at": str, "updated_at": str, "submitted_at": str,
        "scoring_version": int, "overall": float, "level": str, "floor_level": str,
        "confidence": float, "dimension_scores": str,
        "followup_status": str, "assigned_advisor_id": int,
    }, pk="id", not_null={"token_hash", "company_name", "status"}, defaults={
        "status": "draft", "mode": "self", "is_demo": 0, "consent_contact": 0, "consent_stats": 0,
        "lang": "fr", "followup_status": "nouveau"},
        foreign_keys=[("created_by", "advisors", "id"), ("previous_id", "assessments", "id"),
                      ("assigned_advisor_id", "advisors", "id")])
    db["assessments"].create_index(["token_hash"], unique=True)
    db["assessments"].create_index(["status", "region", "submitted_at"])
    db["assessments"].create_index(["submitted_at"])
    db["assessments"].create_index(["previous_id"])

    db["answers"].create({
        "assessment_id": int, "question_id": str, "value": str, "updated_at": str,
    }, pk=("assessment_id", "question_id"), foreign_keys=[("assessment_id", "assessments", "id")])

    db["notes"].create({
        "id": int, "assessment_id": int, "author_id": int, "body": str, "created_at": str,
    }, pk="id", foreign_keys=[("assessment_id", "assessments", "id"), ("author_id", "advisors", "id")])
    db["notes"].create_index(["assessment_id"])

    db["login_failures"].create({"key": str, "failed_at": float}, pk=None)
    db["login_failures"].create_index(["key", "failed_at"])


def apply(db: Database, wait: float = 30.0) -> None:
    """Bring the schema up to date; processes starting together take turns.

    Every gunicorn worker runs this at start-up: on a brand-new database two of them both created
    the first tables, or one failed with "database is locked" and gunicorn stopped. The first to
    take the lock migrates; the others wait up to ``wait`` seconds, then find nothing pending.
    A lock file rather than one transaction around all: a migration may have to run outside any
    (``transactional=False``, e.g. to turn foreign keys off for a table rebuild).
    """
    if not migrations.pending(db):
        return
    with file_lock(db, "setup", wait):
        migrations.apply(db)


# -- advisor workspace and observatory (appended) ------------------------------------------------

# The statistics SQL as m002 shipped it, frozen (the live copy, which may change, is in
# stats_schema.py): a shipped migration runs the same SQL on a new database as it did in 2026.
# An assessment counts in the statistics once submitted with the company's consent.
_COUNTED = "{row}.status = 'submitted' and {row}.consent_stats = 1"
_STATS_COLUMNS = ("status, consent_stats, is_demo, region, sector, size_band, level, overall, "
                  "submitted_at, dimension_scores, questionnaire_id")
# stats_counts.kind → the key an assessment adds to; "size_sector" serves the peers comparison.
_BREAKDOWNS = (
    ("all", "''"), ("sector", "coalesce({row}.sector, '')"), ("size_band", "coalesce({row}.size_band, '')"),
    ("level", "coalesce({row}.level, '')"), ("month", "coalesce(substr({row}.submitted_at, 1, 7), '')"),
    ("size_sector", "coalesce({row}.size_band, '') || '|' || coalesce({row}.sector, '')"),
)


@dataclass(frozen=True)
class _StatsKey:
    """What the statistics tables are keyed by, besides demo flag and region: the name of their
    column, its value for an assessment (SQL over ``{row}``), and the columns whose update moves an
    assessment from one cell to another. Frozen per migration: ``_M002_KEY``, ``_M011_KEY``."""

    column: str
    value: str
    watched: str


_M002_KEY = _StatsKey("questionnaire_id", "coalesce({row}.questionnaire_id, '')", _STATS_COLUMNS)


def _cell(row: str, key: _StatsKey = _M002_KEY) -> str:
    return f"{key.value.format(row=row)}, coalesce({row}.is_demo, 0), coalesce({row}.region, '')"


def _dimension_cell(row: str, key: _StatsKey = _M002_KEY) -> str:
    return f"{_cell(row, key)}, coalesce({row}.size_band, ''), coalesce({row}.sector, '')"


def _counts_conflict(key: _StatsKey) -> str:
    return (f"on conflict ({key.column}, is_demo, region, kind, key) "
            "do update set n = n + excluded.n, total = total + excluded.total")


def _dimensions_conflict(key: _StatsKey) -> str:
    return (f"on conflict ({key.column}, is_demo, region, size_band, sector, dimension_id) "
            "do update set n = n + excluded.n, total = total + excluded.total")


def _stats_add(row: str, key: _StatsKey = _M002_KEY) -> str:
    """SQL adding one assessment (``new`` or ``old`` in a trigger) to the statistics tables."""
    values = ",\n".join(f"({_cell(row, key)}, '{kind}', {value.format(row=row)}, 1, coalesce({row}.overall, 0))"
                        for kind, value in _BREAKDOWNS)
    return f"""
        insert into stats_counts ({key.column}, is_demo, region, kind, key, n, total) values {values}
        {_counts_conflict(key)};
        insert into stats_dimensions ({key.column}, is_demo, region, size_band, sector, dimension_id, n, total)
            select {_dimension_cell(row, key)}, j.key, 1, j.value
            from json_each(coalesce({row}.dimension_scores, '{{}}')) as j where j.value is not null
        {_dimensions_conflict(key)};"""


def _stats_remove(row: str, key: _StatsKey = _M002_KEY) -> str:
    """SQL taking one assessment back out of the statistics tables."""
    cell = (f"{key.column} = {key.value.format(row=row)} and is_demo = coalesce({row}.is_demo, 0) "
            f"and region = coalesce({row}.region, '')")
    keys = " or ".join(f"(kind = '{kind}' and key = {value.format(row=row)})" for kind, value in _BREAKDOWNS)
    return f"""
        update stats_counts set n = n - 1, total = total - coalesce({row}.overall, 0) where {cell} and ({keys});
        update stats_dimensions set n = n - 1, total = total - (
            select j.value from json_each(coalesce({row}.dimension_scores, '{{}}')) as j
            where j.key = stats_dimensions.dimension_id)
        where {cell} and size_band = coalesce({row}.size_band, '') and sector = coalesce({row}.sector, '')
            and dimension_id in (select j.key from json_each(coalesce({row}.dimension_scores, '{{}}')) as j
                                 where j.value is not null);"""


def _stats_aggregate(where: str, key: _StatsKey = _M002_KEY) -> list[str]:
    """SQL adding the assessments matching ``where`` (over ``a``) to the statistics tables at once."""
    counted = _COUNTED.format(row="a")
    statements = [
        f"""insert into stats_counts ({key.column}, is_demo, region, kind, key, n, total)
            select {_cell("a", key)}, '{kind}', {value.format(row="a")}, count(*), total(a.overall)
            from assessments as a where {counted} and ({where}) group by 1, 2, 3, 5
            {_counts_conflict(key)}""" for kind, value in _BREAKDOWNS]
    statements.append(f"""
        insert into stats_dimensions ({key.column}, is_demo, region, size_band, sector, dimension_id, n, total)
        select {_dimension_cell("a", key)}, j.key, count(*), total(j.value)
        from assessments as a, json_each(coalesce(a.dimension_scores, '{{}}')) as j
        where {counted} and j.value is not null and ({where}) group by 1, 2, 3, 4, 5, 6
        {_dimensions_conflict(key)}""")
    return statements


def _m002_create_stats_tables(db: Database, key: _StatsKey = _M002_KEY) -> None:
    db.execute(f"""create table stats_counts (
        {key.column} text not null, is_demo integer not null, region text not null,
        kind text not null, key text not null, n integer not null, total real not null,
        primary key ({key.column}, is_demo, region, kind, key))""")
    db.execute(f"""create table stats_dimensions (
        {key.column} text not null, is_demo integer not null, region text not null,
        size_band text not null, sector text not null, dimension_id text not null,
        n integer not null, total real not null,
        primary key ({key.column}, is_demo, region, size_band, sector, dimension_id))""")


@migrations()
def m002_advisor_indexes(db: Database) -> None:
    """Indexes for the advisor list; statistics tables kept up to date by triggers.

    The observatory and the comparison with similar companies read two small tables (counts and
    score totals per questionnaire, demo flag, region and breakdown) that triggers maintain on every
    insert, update and delete of an assessment: their cost does not grow with the number of
    assessments (a GROUP BY over 100,000 rows and their JSON dimension scores takes about a second).
    Bulk loads pause the triggers inside their own transaction (a row in ``stats_paused``, which
    no other connection can see) and add their rows in one aggregate (see ``add_stats``).
    """
    assessments = db["assessments"]
    assessments.create_index(["created_by"], index_name="idx_assessments_created_by")
    assessments.create_index(["region", "submitted_at"], index_name="idx_assessments_region_submitted_at")
    assessments.create_index(["is_demo", "submitted_at"], index_name="idx_assessments_demo_submitted_at")
    assessments.create_index(["overall"], index_name="idx_assessments_overall")
    assessments.create_index(["followup_status", "submitted_at"], index_name="idx_assessments_followup_submitted_at")
    assessments.create_index(["assigned_advisor_id"], index_name="idx_assessments_assigned_advisor_id")
    db.execute("create index idx_assessments_company_nocase on assessments (company_name collate nocase)")
    db["notes"].create_index(["author_id"], index_name="idx_notes_author_id")

    _m002_create_stats_tables(db)
    db.execute("create table stats_paused (paused integer)")
    _m002_create_stats_triggers(db)
    _m002_rebuild_stats(db)


@migrations()
def m003_region_score_index(db: Database) -> None:
    """The advisor list of a region sorted by score reads this index in order, instead of sorting
    every assessment of the region to show one page (EXPLAIN QUERY PLAN: no temporary B-tree)."""
    db["assessments"].create_index(["region", "overall"], index_name="idx_assessments_region_overall")
    db.execute("analyze")


_M002_TRIGGERS = ("stats_after_insert", "stats_after_delete", "stats_before_update", "stats_after_update")


def _m002_create_stats_triggers(db: Database, key: _StatsKey = _M002_KEY) -> None:
    """Create the triggers that keep the statistics tables up to date.

    A later migration that rebuilds the assessments table (``table.transform()`` copies the data
    into a new table) drops them: it must call this again, then ``rebuild_stats``.
    """
    running = "not exists (select 1 from stats_paused)"
    new, old = _COUNTED.format(row="new"), _COUNTED.format(row="old")
    for name in _M002_TRIGGERS:
        db.execute(f"drop trigger if exists {name}")
    db.execute(f"""create trigger stats_after_insert after insert on assessments when {new} and {running}
        begin {_stats_add("new", key)} end""")
    db.execute(f"""create trigger stats_after_delete after delete on assessments when {old} and {running}
        begin {_stats_remove("old", key)} end""")
    db.execute(f"""create trigger stats_before_update before update of {key.watched} on assessments
        when {old} and {running} begin {_stats_remove("old", key)} end""")
    db.execute(f"""create trigger stats_after_update after update of {key.watched} on assessments
        when {new} and {running} begin {_stats_add("new", key)} end""")


def _m002_rebuild_stats(db: Database, key: _StatsKey = _M002_KEY) -> None:
    """Recompute the statistics tables from the assessments (after a restore, or to check them)."""
    db.execute("delete from stats_counts")
    db.execute("delete from stats_dimensions")
    _m002_add_stats(db, "1", key=key)


def _m002_add_stats(db: Database, where: str, params: list | tuple = (), key: _StatsKey = _M002_KEY) -> None:
    """Add the assessments matching ``where`` (a condition over ``a``) to the statistics tables.

    For bulk loads: call inside the transaction that inserted them with the triggers paused.
    """
    for statement in _stats_aggregate(where, key):
        db.execute(statement, list(params))


@migrations()
def m004_login_throttles(db: Database) -> None:
    """Failed logins as counters per (e-mail, client address) and per client address.

    They replace ``login_failures`` (one row per failure, per e-mail and per address), whose
    per-e-mail lock let anyone shut an advisor out by typing wrong passwords for their address.
    ``email`` is '' on the counters of a whole address (``kind`` 'address').
    """
    db.execute("""create table login_throttles (
        kind text not null, email text not null, address text not null,
        failures integer not null, last_failed_at real not null,
        primary key (kind, email, address))""")
    db["login_throttles"].create_index(["last_failed_at"], index_name="idx_login_throttles_last_failed_at")
    db["login_failures"].drop()


# -- company data (appended) --------------------------------------------------------------------


@migrations(transactional=False)
def m005_assessment_numbers_never_reused(db: Database) -> None:
    """Rebuild ``assessments`` with ``INTEGER PRIMARY KEY AUTOINCREMENT``: an erased diagnostic's
    number is never given to another company (a bookmark, a CSV line or a PDF name named it).

    ``table.transform()`` cannot add AUTOINCREMENT, so this is SQLite's twelve-step rebuild: foreign
    keys off (``answers`` and ``notes`` point to the table, and a pragma cannot change inside a
    transaction), copy into a new table made from the current definition, swap, then recreate the
    indexes and triggers (the statistics!) from their own SQL and check the foreign keys before
    committing. ``sqlite_sequence`` starts from the highest number in use: numbers erased before
    this migration cannot be known.
    """
    db.execute("PRAGMA foreign_keys = OFF")
    try:
        db.execute("BEGIN IMMEDIATE")
        try:
            _rebuild_with_autoincrement(db, "assessments")
            problems = db.execute("PRAGMA foreign_key_check").fetchall()
            if problems:
                raise RuntimeError(f"foreign keys broken by the assessments rebuild: {problems[:5]}")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
    finally:
        db.execute("PRAGMA foreign_keys = ON")


def _rebuild_with_autoincrement(db: Database, table: str) -> None:
    """Rebuild ``table`` (an ``id INTEGER PRIMARY KEY`` table) with AUTOINCREMENT; call inside a
    write transaction with foreign keys off. Does nothing if it is done already (another process
    starting at the same time did it while this one waited for the lock)."""
    import re

    sql = db.execute("select sql from sqlite_master where type = 'table' and name = ?", [table]).fetchone()[0]
    if re.search(r"\bautoincrement\b", sql, re.IGNORECASE):
        return
    temporary = f"{table}_rebuilt"
    new_sql, replaced = re.subn(r'("id"|\[id\]|\bid)\s+integer\s+primary\s+key',
                                r"\1 INTEGER PRIMARY KEY AUTOINCREMENT", sql, count=1, flags=re.IGNORECASE)
    if not replaced:
        raise RuntimeError(f"{table}: no 'id INTEGER PRIMARY KEY' column in {sql!r}")
    new_sql = re.sub(rf'^CREATE TABLE\s+("{table}"|\[{table}\]|{table})', f'CREATE TABLE "{temporary}"',
                     new_sql, count=1, flags=re.IGNORECASE)
    kept = [row[0] for row in db.execute(
        "select sql from sqlite_master where tbl_name = ? and type in ('index', 'trigger') and sql is not null "
        "order by type = 'trigger', name", [table])]
    columns = ", ".join(f'"{row[1]}"' for row in db.execute(f'pragma table_info("{table}")'))
    db.execute(new_sql)
    db.execute(f'insert into "{temporary}" ({columns}) select {columns} from "{table}"')
    db.execute(f'drop table "{table}"')
    db.execute(f'alter table "{temporary}" rename to "{table}"')
    for statement in kept:
        db.execute(statement)
    highest = db.execute(f'select coalesce(max(id), 0) from "{table}"').fetchone()[0]
    db.execute("delete from sqlite_sequence where name = ?", [table])
    db.execute("insert into sqlite_sequence (name, seq) values (?, ?)", [table, highest])


@migrations()
def m006_demo_assessments_index(db: Database) -> None:
    """The advisor list says how many demo diagnostics it hides: a partial index of the demo rows
    answers that count without reading the real assessments (see store.advisors.hidden_demo_count)."""
    db.execute("create index if not exists idx_assessments_demo on assessments (id) where is_demo = 1")


# -- one scoring, at validation (appended) ------------------------------------------------------


@migrations()
def m007_stored_scoring(db: Database) -> None:
    """The whole result of a validation (dimension confidences, priorities, advice by reference,
    with the scoring key it was computed under), so that pages read it instead of scoring the
    answers again. Rows validated before it have none: they are scored when shown, as before."""
    if "scoring" not in db["assessments"].columns_dict:
        db["assessments"].add_column("scoring", str)


@migrations()
def m008_assessment_opco(db: Database) -> None:
    """The profile may say which OPCO the company belongs to (or "unknown"): the OPCO entries of the
    catalogue are then eligible or not, instead of guessed from the sector (issue 11)."""
    if "opco" not in db["assessments"].columns_dict:
        db["assessments"].add_column("opco", str)


@migrations()
def m009_resume_link_mailed_at(db: Database) -> None:
    """When the private link was last mailed to the company (web/resume_mail.py): at most once a
    minute per diagnostic, across workers."""
    if "link_mailed_at" not in db["assessments"].columns_dict:
        db["assessments"].add_column("link_mailed_at", str)


# -- the observatory, one questionnaire version at a time (appended) ----------------------------

# The statistics keyed by questionnaire and version ("ai-maturity@3"): the figures of different
# versions (different questions, other scores) never add up, and a questionnaire of another audience
# is another id. An assessment whose version was not recorded counts under "<id>@".
_M011_KEY = _StatsKey(
    "questionnaire",
    "coalesce({row}.questionnaire_id, '') || '@' || coalesce({row}.questionnaire_version, '')",
    _STATS_COLUMNS + ", questionnaire_version")


@migrations()
def m011_stats_per_questionnaire_version(db: Database) -> None:
    """Rebuild the statistics tables and their triggers keyed by questionnaire version (issue 12):
    the observatory shows one version at a time, and a company compares with peers who answered
    the same version. The figures are recomputed from the assessments, as m002 did."""
    for name in _M002_TRIGGERS:
        db.execute(f"drop trigger if exists {name}")
    db.execute("drop table if exists stats_counts")
    db.execute("drop table if exists stats_dimensions")
    _m002_create_stats_tables(db, _M011_KEY)
    _m002_create_stats_triggers(db, _M011_KEY)
    _m002_rebuild_stats(db, _M011_KEY)
