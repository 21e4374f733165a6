"""Build what a results page, a PDF report and an advisor's view show about one assessment."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlite_utils import Database

from . import charts, recommend
from .questionnaire import Questionnaire
from .scoring import Result, score
from .store import assessments as store

MAX_ADVICE = 8


def _previous(db: Database, assessment: dict[str, Any]) -> tuple[dict | None, Result | None]:
    previous = store.previous(db, assessment)
    if previous is None or previous["status"] != "submitted":
        return None, None
    questionnaires = current_app.extensions["assessor.questionnaires"]
    questionnaire = questionnaires.get(f"{previous['questionnaire_id']}@{previous['questionnaire_version']}")
    if questionnaire is None:
        return None, None
    return previous, score(questionnaire, store.answers(db, previous["id"]), previous["size_band"])


def build(db: Database, assessment: dict[str, Any], questionnaire: Questionnaire, lang: str,
          today: dt.date | None = None) -> dict[str, Any]:
    """Return the template context describing a submitted assessment's results."""
    answers = store.answers(db, assessment["id"])
    result = score(questionnaire, answers, assessment["size_band"])
    previous, previous_result = _previous(db, assessment)
    dimensions = []
    for dim, dim_score in zip(questionnaire.dimensions, result.dimensions):
        before = previous_result.dimension(dim.id) if previous_result else None
        dimensions.append({
            "id": dim.id, "title": dim.title.get(lang), "score": dim_score.score,
            "level": questionnaire.level(dim_score.level) if dim_score.level else None,
            "confidence": dim_score.confidence, "dont_know": dim_score.dont_know,
            "previous": before.score if before else None,
            "delta": (dim_score.score - before.score)
            if before and before.score is not None and dim_score.score is not None else None,
        })
    radar = charts.radar_svg(
        [(d["title"], d["score"]) for d in dimensions],
        title=_("Profil de maturité par dimension"),
        description="; ".join(f"{d['title']} : {'–' if d['score'] is None else round(d['score'])}/100"
                              for d in dimensions),
        previous=[d["previous"] for d in dimensions] if previous_result else None,
        legend=(_("Aujourd'hui"), _("Diagnostic précédent")),
    )
    catalogue = current_app.extensions["assessor.catalogue"]
    profile = recommend.Profile(region=assessment["region"], size_band=assessment["size_band"],
                                sector=assessment["sector"])
    advice_result = recommend.recommend(questionnaire, catalogue, profile, result, answers, lang,
                                        today=today or dt.date.today())
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
        "plan": advice_result.plan,
        "previous": previous, "previous_result": previous_result,
        "catalogue": catalogue,
    }
