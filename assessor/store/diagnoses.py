"""Load, in one place, everything one diagnosis needs (see :mod:`assessor.diagnosis`)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlite_utils import Database

from ..diagnosis import DiagnosisInputs
from . import advisors as workspace
from . import assessments, stats


def load(db: Database, assessment: dict[str, Any], dimension_ids: Iterable[str],
         answers: dict[str, Any] | None = None) -> DiagnosisInputs:
    """Return an assessment's answers, its follow-up chain's earlier results and its peers' figures.

    :param assessment: the assessment row (read by id or by token by the caller, which checks it).
    :param answers: the answers, when the caller has already read them.
    """
    return DiagnosisInputs(
        assessment=assessment,
        answers=assessments.answers(db, assessment["id"]) if answers is None else answers,
        baseline=workspace.first_of_chain(db, assessment),
        previous=assessments.previous(db, assessment),
        peers=stats.peers(db, assessment, list(dimension_ids)),
    )
