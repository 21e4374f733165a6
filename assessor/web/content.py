"""The questionnaires and catalogue loaded at start-up, as the views ask for them."""
from __future__ import annotations


from flask import current_app

from ..domain.questionnaire import Questionnaire, latest


def questionnaires() -> dict[str, Questionnaire]:
    return current_app.extensions["assessor.questionnaires"]


def questionnaire_for(assessment: dict) -> Questionnaire:
    """Return the questionnaire version an assessment was started with."""
    return questionnaires()[f"{assessment['questionnaire_id']}@{assessment['questionnaire_version']}"]


def current_questionnaire() -> Questionnaire:
    """Return the version used for new assessments: the highest one."""
    return latest(questionnaires(), current_app.config["QUESTIONNAIRE_ID"])
