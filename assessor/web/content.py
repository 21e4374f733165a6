"""The questionnaires and catalogue loaded at start-up, as the views ask for them."""
from __future__ import annotations


from flask import current_app

from ..domain.questionnaire import Questionnaire, latest


def questionnaires() -> dict[str, Questionnaire]:
    return current_app.extensions["assessor.questionnaires"]


def questionnaire_for(assessment: dict) -> Questionnaire:
    """Return the questionnaire version an assessment was started with."""
    return questionnaires()[f"{assessment['questionnaire_id']}@{assessment['questionnaire_version']}"]


def current_questionnaire(audience: str = "company") -> Questionnaire | None:
    """Return the version used for new assessments of an audience: for companies the highest version
    of the configured questionnaire; for public bodies the highest version of the questionnaire
    whose audience is public (None when no such questionnaire is loaded)."""
    if audience == "company":
        return latest(questionnaires(), current_app.config["QUESTIONNAIRE_ID"])
    ids = sorted({q.id for q in questionnaires().values() if q.audience == audience})
    return latest(questionnaires(), ids[0]) if ids else None  # one questionnaire's versions, never mixed
