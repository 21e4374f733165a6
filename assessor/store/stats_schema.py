"""The statistics tables' triggers and aggregates, as the code maintains them today.

The observatory and the comparison with similar companies read two small tables (counts and score
totals per questionnaire version, demo flag, region and breakdown) that triggers keep up to date on every
insert, update and delete of an assessment (see ``migrations.m002_advisor_indexes``, which created
them, and ``m011_stats_per_questionnaire_version``, which keyed them by questionnaire version, each
with its own frozen copy of this SQL: a shipped migration never changes). A migration that
changes what is counted calls :func:`create_stats_triggers` and :func:`rebuild_stats` from here.
"""
from __future__ import annotations

from sqlite_utils import Database


# An assessment counts in the statistics once submitted with the company's consent.
_COUNTED = "{row}.status = 'submitted' and {row}.consent_stats = 1"
_STATS_COLUMNS = ("status, consent_stats, is_demo, region, sector, size_band, level, overall, "
                  "submitted_at, dimension_scores, questionnaire_id, questionnaire_version")
# stats_counts.kind → the key an assessment adds to; "size_sector" serves the peers comparison.
_BREAKDOWNS = (
    ("all", "''"), ("sector", "coalesce({row}.sector, '')"), ("size_band", "coalesce({row}.size_band, '')"),
    ("level", "coalesce({row}.level, '')"), ("month", "coalesce(substr({row}.submitted_at, 1, 7), '')"),
    ("size_sector", "coalesce({row}.size_band, '') || '|' || coalesce({row}.sector, '')"),
)


def questionnaire_key(row: str) -> str:
    """SQL of the questionnaire version an assessment (``row``) counts under: "ai-maturity@3"."""
    return f"coalesce({row}.questionnaire_id, '') || '@' || coalesce({row}.questionnaire_version, '')"


def _cell(row: str) -> str:
    return f"{questionnaire_key(row)}, coalesce({row}.is_demo, 0), coalesce({row}.region, '')"


def _dimension_cell(row: str) -> str:
    return f"{_cell(row)}, coalesce({row}.size_band, ''), coalesce({row}.sector, '')"


_COUNTS_CONFLICT = ("on conflict (questionnaire, is_demo, region, kind, key) "
                    "do update set n = n + excluded.n, total = total + excluded.total")
_DIMENSIONS_CONFLICT = ("on conflict (questionnaire, is_demo, region, size_band, sector, dimension_id) "
                        "do update set n = n + excluded.n, total = total + excluded.total")


def _stats_add(row: str) -> str:
    """SQL adding one assessment (``new`` or ``old`` in a trigger) to the statistics tables."""
    values = ",\n".join(f"({_cell(row)}, '{kind}', {key.format(row=row)}, 1, coalesce({row}.overall, 0))"
                        for kind, key in _BREAKDOWNS)
    return f"""
        insert into stats_counts (questionnaire, is_demo, region, kind, key, n, total) values {values}
        {_COUNTS_CONFLICT};
        insert into stats_dimensions (questionnaire, is_demo, region, size_band, sector, dimension_id, n, total)
            select {_dimension_cell(row)}, j.key, 1, j.value
            from json_each(coalesce({row}.dimension_scores, '{{}}')) as j where j.value is not null
        {_DIMENSIONS_CONFLICT};"""


def _stats_remove(row: str) -> str:
    """SQL taking one assessment back out of the statistics tables."""
    cell = (f"questionnaire = {questionnaire_key(row)} and is_demo = coalesce({row}.is_demo, 0) "
            f"and region = coalesce({row}.region, '')")
    keys = " or ".join(f"(kind = '{kind}' and key = {key.format(row=row)})" for kind, key in _BREAKDOWNS)
    return f"""
        update stats_counts set n = n - 1, total = total - coalesce({row}.overall, 0) where {cell} and ({keys});
        update stats_dimensions set n = n - 1, total = total - (
            select j.value from json_each(coalesce({row}.dimension_scores, '{{}}')) as j
            where j.key = stats_dimensions.dimension_id)
        where {cell} and size_band = coalesce({row}.size_band, '') and sector = coalesce({row}.sector, '')
            and dimension_id in (select j.key from json_each(coalesce({row}.dimension_scores, '{{}}')) as j
                                 where j.value is not null);"""


def _stats_aggregate(where: str) -> list[str]:
    """SQL adding the assessments matching ``where`` (over ``a``) to the statistics tables at once."""
    counted = _COUNTED.format(row="a")
    statements = [
        f"""insert into stats_counts (questionnaire, is_demo, region, kind, key, n, total)
            select {_cell("a")}, '{kind}', {key.format(row="a")}, count(*), total(a.overall)
            from assessments as a where {counted} and ({where}) group by 1, 2, 3, 5
            {_COUNTS_CONFLICT}""" for kind, key in _BREAKDOWNS]
    statements.append(f"""
        insert into stats_dimensions (questionnaire, is_demo, region, size_band, sector, dimension_id, n, total)
        select {_dimension_cell("a")}, j.key, count(*), total(j.value)
        from assessments as a, json_each(coalesce(a.dimension_scores, '{{}}')) as j
        where {counted} and j.value is not null and ({where}) group by 1, 2, 3, 4, 5, 6
        {_DIMENSIONS_CONFLICT}""")
    return statements


STATS_TRIGGERS = ("stats_after_insert", "stats_after_delete", "stats_before_update", "stats_after_update")


def create_stats_triggers(db: Database) -> None:
    """Create the triggers that keep the statistics tables up to date.

    A later migration that rebuilds the assessments table (``table.transform()`` copies the data
    into a new table) drops them: it must call this again, then ``rebuild_stats``.
    """
    running = "not exists (select 1 from stats_paused)"
    new, old = _COUNTED.format(row="new"), _COUNTED.format(row="old")
    for name in STATS_TRIGGERS:
        db.execute(f"drop trigger if exists {name}")
    db.execute(f"""create trigger stats_after_insert after insert on assessments when {new} and {running}
        begin {_stats_add("new")} end""")
    db.execute(f"""create trigger stats_after_delete after delete on assessments when {old} and {running}
        begin {_stats_remove("old")} end""")
    db.execute(f"""create trigger stats_before_update before update of {_STATS_COLUMNS} on assessments
        when {old} and {running} begin {_stats_remove("old")} end""")
    db.execute(f"""create trigger stats_after_update after update of {_STATS_COLUMNS} on assessments
        when {new} and {running} begin {_stats_add("new")} end""")


def rebuild_stats(db: Database) -> None:
    """Recompute the statistics tables from the assessments (after a restore, or to check them)."""
    db.execute("delete from stats_counts")
    db.execute("delete from stats_dimensions")
    add_stats(db, "1")


def add_stats(db: Database, where: str, params: list | tuple = ()) -> None:
    """Add the assessments matching ``where`` (a condition over ``a``) to the statistics tables.

    For bulk loads: call inside the transaction that inserted them with the triggers paused.
    """
    for statement in _stats_aggregate(where):
        db.execute(statement, list(params))
