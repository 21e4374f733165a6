"""Build what a results page, a PDF report and an advisor's view show about one assessment."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlite_utils import Database

from . import charts, clock, recommend
from .questionnaire import Questionnaire
from .scoring import Result, score
from .store import advisors as workspace
from .store import assessments as store
from .store import stats
from .web import format_day

MAX_ADVICE = 8


def _scored(db: Database, assessment: dict[str, Any] | None) -> tuple[dict | None, Result | None]:
    """Return a submitted assessment with its result re-scored from its answers (its own version)."""
    if assessment is None or assessment["status"] != "submitted":
        return None, None
    questionnaires = current_app.extensions["assessor.questionnaires"]
    questionnaire = questionnaires.get(f"{assessment['questionnaire_id']}@{assessment['questionnaire_version']}")
    if questionnaire is None:
        return None, None
    return assessment, score(questionnaire, store.answers(db, assessment["id"]), assessment["size_band"])


def _previous(db: Database, assessment: dict[str, Any]) -> tuple[dict | None, Result | None]:
    """Return the assessment this one directly follows up, scored."""
    return _scored(db, store.previous(db, assessment))


def _baseline(db: Database, assessment: dict[str, Any]) -> tuple[dict | None, Result | None]:
    """Return the first submitted assessment of this one's follow-up chain, scored."""
    return _scored(db, workspace.first_of_chain(db, assessment))


def _delta(now: float | None, before: float | None) -> float | None:
    return now - before if now is not None and before is not None else None


def build(db: Database, assessment: dict[str, Any], questionnaire: Questionnaire, lang: str,
          today: dt.date | None = None, answers: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the template context describing a submitted assessment's results.

    ``answers`` may be given when the caller has already read them; they are read otherwise.

    Follow-up: progress is measured since the FIRST submitted assessment of the chain
    (``baseline``); ``dimensions[i]["previous"]`` and ``["delta"]`` refer to it, and so do the
    ``previous`` / ``previous_result`` keys, kept for the templates written before follow-ups. The
    assessment directly followed up is ``immediate_previous`` (with ``delta_immediate`` per
    dimension) when the chain has more than two diagnostics.
    ``peers`` compares with similar companies (see :func:`store.stats.peers`) or is None.
    """
    if answers is None:
        answers = store.answers(db, assessment["id"])
    result = score(questionnaire, answers, assessment["size_band"])
    baseline, baseline_result = _baseline(db, assessment)
    immediate, immediate_result = _previous(db, assessment)
    if immediate is not None and baseline is not None and immediate["id"] == baseline["id"]:
        immediate, immediate_result = None, None
    dimensions = []
    for dim, dim_score in zip(questionnaire.dimensions, result.dimensions):
        before = baseline_result.dimension(dim.id) if baseline_result else None
        last = immediate_result.dimension(dim.id) if immediate_result else None
        dimensions.append({
            "id": dim.id, "title": dim.title.get(lang), "score": dim_score.score,
            "level": questionnaire.level(dim_score.level) if dim_score.level else None,
            "confidence": dim_score.confidence, "dont_know": dim_score.dont_know,
            "previous": before.score if before else None,
            "delta": _delta(dim_score.score, before.score if before else None),
            "previous_immediate": last.score if last else None,
            "delta_immediate": _delta(dim_score.score, last.score if last else None),
        })
    radar = charts.radar_svg(
        [(d["title"], d["score"]) for d in dimensions],
        title=_("Profil de maturité par dimension"),
        description="; ".join(_("%(label)s\u00a0: %(value)s", label=d["title"],
                                value=("–" if d["score"] is None else str(round(d["score"]))) + "/100")
                              for d in dimensions),
        previous=[d["previous"] for d in dimensions] if baseline_result else None,
        legend=(_("Aujourd'hui"), _("Premier diagnostic, %(date)s",
                                                 date=format_day(baseline["submitted_at"], "medium"))
                if baseline else _("Premier diagnostic")),
    )
    catalogue = current_app.extensions["assessor.catalogue"]
    profile = recommend.Profile(region=assessment["region"], size_band=assessment["size_band"],
                                sector=assessment["sector"])
    advice_result = recommend.recommend(questionnaire, catalogue, profile, result, answers, lang,
                                        today=today or clock.today())
    return {
        "assessment": assessment, "questionnaire": questionnaire, "result": result,
        "overall_level": questionnaire.level(result.level) if result.level else None,
        "floor_level": questionnaire.level(result.floor_level) if result.floor_level else None,
        "dimensions": dimensions, "radar": radar,
        "priorities": [d for pid in result.priorities for d in dimensions if d["id"] == pid],
        "target": questionnaire.targets.get(assessment["size_band"]),
        "advice": [(questionnaire.question(a.question_id), a) for a in result.advice[:MAX_ADVICE]],
        "dont_know": [questionnaire.question(qid) for qid in result.dont_know],
        "recommendations": advice_result.recommendations,
        "readings": advice_result.readings,
        "plan": advice_result.plan,
        "baseline": baseline, "baseline_result": baseline_result,
        "overall_delta": _delta(result.overall, baseline_result.overall if baseline_result else None),
        "previous": baseline, "previous_result": baseline_result,
        "immediate_previous": immediate, "immediate_previous_result": immediate_result,
        "peers": stats.peers(db, assessment, [d.id for d in questionnaire.dimensions]),
        "catalogue": catalogue,
    }
