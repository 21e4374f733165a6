"""Anonymised statistics: the observatory, the comparison with similar companies, and demo data.

Only submitted assessments whose company accepted statistical use (``consent_stats = 1``) count.
The views suppress every figure computed from fewer than ``SMALL_CELL`` assessments (see
:func:`suppress` and :func:`average_or_none`); the comparison with peers needs ``PEERS_MIN`` of them.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from .db import write_transaction
from .stats_schema import add_stats, rebuild_stats
from .workspace import chain
from .assessments import delete_where

SMALL_CELL = 5
PEERS_MIN = 10


# -- comparison with similar companies -----------------------------------------------------------


def peers(db: Database, assessment: dict[str, Any], dimension_ids: Iterable[str],
          own_chain: list[dict[str, Any]] | None = None) -> dict[str, Any] | None:
    """Return the averages of similar companies, or None below ``PEERS_MIN`` of them.

    Similar: same questionnaire version and size band, and the same sector or the same region; submitted,
    consenting to statistics; the company's own diagnostics (its follow-up chain) excluded. Demo
    data compares only with demo data. Read from the statistics tables: cost independent of volume.

    :returns: ``{"count", "overall", "dimensions": {id: average or None}, "size_band", "sector",
        "region"}`` (averages rounded to 0.1).
    :param own_chain: the assessment's follow-up chain, when the caller has already read it.
    """
    size = assessment.get("size_band") or ""
    sector, region = assessment.get("sector") or "", assessment.get("region") or ""
    questionnaire, demo = questionnaire_key(assessment), int(bool(assessment.get("is_demo")))
    if not size:
        return None
    prefix = f"{size}|"
    count, total = db.execute(
        "select coalesce(sum(n), 0), coalesce(sum(total), 0) from stats_counts "
        "where questionnaire = ? and is_demo = ? and kind = 'size_sector' "
        "and (key = ? or (region = ? and substr(key, 1, ?) = ?))",
        [questionnaire, demo, prefix + sector, region, len(prefix), prefix]).fetchone()
    dimensions = {dim: [n, t] for dim, n, t in db.execute(
        "select dimension_id, sum(n), sum(total) from stats_dimensions "
        "where questionnaire = ? and is_demo = ? and size_band = ? and (sector = ? or region = ?) "
        "group by dimension_id", [questionnaire, demo, size, sector, region])}
    for own in (chain(db, assessment["id"]) if own_chain is None else own_chain) or [assessment]:
        if own["status"] != "submitted" or not own["consent_stats"] or int(bool(own["is_demo"])) != demo \
                or questionnaire_key(own) != questionnaire or (own["size_band"] or "") != size \
                or ((own["sector"] or "") != sector and (own["region"] or "") != region):
            continue
        count -= 1
        total -= own["overall"] or 0
        for dim, value in (json.loads(own["dimension_scores"]) if own["dimension_scores"] else {}).items():
            if value is not None and dim in dimensions:
                dimensions[dim][0] -= 1
                dimensions[dim][1] -= value
    if count < PEERS_MIN:
        return None
    return {
        "count": count, "overall": _round(total / count),
        "dimensions": {d: _round(dimensions[d][1] / dimensions[d][0]) if dimensions.get(d, [0])[0] > 0 else None
                       for d in dimension_ids},
        "size_band": size, "sector": sector, "region": region,
    }


def questionnaire_key(assessment: dict[str, Any]) -> str:
    """The questionnaire version an assessment counts under in the statistics: "ai-maturity@3"
    (as the triggers compute it, see ``stats_schema.questionnaire_key``)."""
    version = assessment.get("questionnaire_version")
    return f"{assessment.get('questionnaire_id') or ''}@{'' if version is None else version}"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


# -- the observatory ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """Counts and score totals over a selection of assessments (before any suppression)."""

    count: int
    overall_total: float
    by: dict[str, dict[str, tuple[int, float]]]  # kind → key → (count, total of overall scores)
    dimensions: dict[str, tuple[int, float]]  # dimension id → (count, total of scores)

    @property
    def overall(self) -> float | None:
        return self.overall_total / self.count if self.count else None


def figures(db: Database, questionnaire: str, regions: list[str] | None, include_demo: bool) -> Figures:
    """Return the observatory's figures of one questionnaire version ("ai-maturity@3") for some
    regions (None: everywhere).

    Reads the tables the triggers keep up to date (migrations m002, m011): a few hundred rows
    whatever the number of assessments. Kinds: region, sector, size_band, level, month (YYYY-MM).
    """
    where = "questionnaire = ?"
    params: list[Any] = [questionnaire]
    if not include_demo:
        where += " and is_demo = 0"
    if regions is not None:
        where += f" and region in ({', '.join('?' * len(regions))})" if regions else " and 0"
        params.extend(regions)
    by: dict[str, dict[str, tuple[int, float]]] = {kind: {} for kind in ("region", *KINDS)}
    for kind, key, count, total in db.execute(
            f"select kind, key, sum(n), sum(total) from stats_counts where {where} "
            f"and kind in ({', '.join(repr(k) for k in KINDS)}) group by kind, key having sum(n) > 0", params):
        by[kind][key] = (count, total)
    for region, count, total in db.execute(
            f"select region, sum(n), sum(total) from stats_counts where {where} and kind = 'all' "
            f"group by region having sum(n) > 0", params):
        by["region"][region] = (count, total)
    dimensions = {dimension: (count, total) for dimension, count, total in db.execute(
        f"select dimension_id, sum(n), sum(total) from stats_dimensions where {where} "
        f"group by dimension_id having sum(n) > 0", params)}
    count = sum(n for n, _total in by["region"].values())
    return Figures(count, sum(t for _n, t in by["region"].values()), by, dimensions)


KINDS = ("sector", "size_band", "level", "month")


def questionnaires_with_figures(db: Database, include_demo: bool) -> list[str]:
    """Return the questionnaire versions ("ai-maturity@3") that at least one counted assessment
    answered, anywhere (demo data only when included)."""
    demo = "" if include_demo else " and is_demo = 0"
    return [row[0] for row in db.execute(
        f"select questionnaire from stats_counts where kind = 'all'{demo} "
        "group by questionnaire having sum(n) > 0 order by questionnaire")]


def rebuild(db: Database) -> None:
    """Recompute the statistics tables from the assessments."""
    with write_transaction(db):
        rebuild_stats(db)


def suppress(counts: dict[str, int], keys: Iterable[str]) -> dict[str, int | None]:
    """Return the counts with every cell under ``SMALL_CELL`` replaced by None.

    When only one cell of a distribution is suppressed, the next smallest one is suppressed too, so
    that the hidden figure cannot be recovered by subtracting the others from the total shown.
    """
    shown: dict[str, int | None] = {key: counts.get(key, 0) for key in keys}
    small = [key for key, n in shown.items() if n is not None and n < SMALL_CELL]
    for key in small:
        shown[key] = None
    if len(small) == 1:
        others = sorted((n, key) for key, n in shown.items() if n is not None)
        if others:
            shown[others[0][1]] = None
    return shown


def average_or_none(count: int, average: float | None) -> float | None:
    """Return an average only when enough assessments stand behind it."""
    return None if count < SMALL_CELL or average is None else round(average, 1)


# -- demo data ----------------------------------------------------------------------------------


def next_assessment_id(db: Database) -> int:
    return (db.execute("select coalesce(max(id), 0) + 1 from assessments").fetchone()[0])


def insert_demo(db: Database, assessments: list[dict[str, Any]],
                answers: list[tuple[int, str, str]]) -> int:
    """Insert a batch of demo assessments and their answers in one write transaction.

    The statistics triggers are paused for the batch (inside the transaction: no other connection
    sees it) and the batch is added to the statistics tables in one aggregate.

    :param assessments: rows with explicit, consecutive ids; follow-ups point within the batch.
    :param answers: (assessment id, question id, JSON value) tuples. About 40 answers per
        assessment: a plain executemany inserts them twice as fast as ``insert_all``, whose
        per-value conversions dominate at that volume.
    """
    if not assessments:
        return 0
    with write_transaction(db):
        # The ids were numbered ahead of time; shift them if someone created assessments since.
        shift = next_assessment_id(db) - min(row["id"] for row in assessments)
        if shift:
            assessments = [row | {"id": row["id"] + shift, "previous_id": row["previous_id"] + shift
                                  if row.get("previous_id") else None} for row in assessments]
            answers = [(assessment_id + shift, question_id, value) for assessment_id, question_id, value in answers]
        ids = [row["id"] for row in assessments]
        db.execute("insert into stats_paused (paused) values (1)")
        db["assessments"].insert_all(assessments, batch_size=500)
        db.conn.executemany("insert into answers (assessment_id, question_id, value) values (?, ?, ?)",
                            answers)
        db.execute("delete from stats_paused")
        add_stats(db, "a.id between ? and ? and a.is_demo = 1", [min(ids), max(ids)])
    return len(assessments)


def demo_ids(db: Database) -> list[int]:
    """Return the ids of every demo assessment (whose cached PDFs go with them)."""
    return [row[0] for row in db.execute("select id from assessments where is_demo = 1")]


def purge_demo(db: Database) -> int:
    """Delete every demo assessment with its answers and notes; return how many went."""
    with write_transaction(db):
        db.execute("insert into stats_paused (paused) values (1)")
        count = delete_where(db, "is_demo = 1", [])
        db.execute("delete from stats_paused")
        db.execute("delete from stats_counts where is_demo = 1")
        db.execute("delete from stats_dimensions where is_demo = 1")
    optimise(db)
    return count


def optimise(db: Database) -> None:
    """Refresh the planner's statistics after a bulk change."""
    db.execute("analyze")
