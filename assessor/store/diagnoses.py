"""Load, in one place, everything one diagnosis needs (see :mod:`assessor.diagnosis`)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlite_utils import Database

from ..domain.diagnosis import Assessment, DiagnosisInputs
from . import workspace
from . import assessments, stats


def load(db: Database, assessment: dict[str, Any] | Assessment, dimension_ids: Iterable[str],
         answers: dict[str, Any] | None = None) -> DiagnosisInputs:
    """Return an assessment's answers, its follow-up chain with the earlier results, its peers' figures.

    A handful of statements: the answers, the chain (two), the peers (two).

    :param assessment: the assessment row (read by id or by token by the caller, which checks it).
    :param answers: the answers, when the caller has already read them.
    """
    chain = workspace.chain(db, assessment["id"])
    rows = {row["id"]: row for row in chain}
    # Walk up previous_id, as workspace.first_of_chain does: the baseline is the first submitted one.
    previous = rows.get(assessment.get("previous_id")) if assessment.get("previous_id") else None
    baseline, row, seen = None, previous, {assessment["id"]}
    while row is not None and row["id"] not in seen:
        seen.add(row["id"])
        if row["status"] == "submitted":
            baseline = row
        row = rows.get(row["previous_id"]) if row["previous_id"] else None
    return DiagnosisInputs(
        assessment=Assessment.from_row(assessment),
        answers=assessments.answers(db, assessment["id"]) if answers is None else answers,
        baseline=Assessment.from_row(baseline) if baseline else None,
        previous=Assessment.from_row(previous) if previous else None,
        peers=stats.peers(db, assessment, list(dimension_ids), own_chain=chain),
        chain=tuple(chain),
    )
