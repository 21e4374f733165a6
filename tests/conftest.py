"""Shared fixtures: an application on a temporary database, clients, and an assessment factory."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assessor import create_app
from assessor.store.db import connect
from assessor.domain.scoring import score
from assessor.store import assessments as store

ROOT = Path(__file__).resolve().parent.parent
MINI_DIR = Path(__file__).parent / "data" / "mini"

PROFILE = {
    "company_name": "Menuiserie Dupont", "size_band": "10-49", "sector": "C", "region": "FR-HDF",
    "department": "59", "role": "dirigeant", "email": "contact@dupont.example", "consent_contact": True,
    "consent_stats": True, "lang": "fr",
}


def make_app(tmp_path: Path, **config: Any):
    settings = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE": str(tmp_path / "test.sqlite3"),
        "REPORT_CACHE_DIR": str(tmp_path / "report-cache"),
    }
    settings.update(config)
    settings = {k: v for k, v in settings.items() if v is not None}
    return create_app(settings, instance_path=str(tmp_path / "instance"))


@pytest.fixture
def app(tmp_path):
    """The application with the real questionnaires and catalogue."""
    return make_app(tmp_path)


@pytest.fixture
def mini_app(tmp_path):
    """The application with the tiny test questionnaire and catalogue (tests/data/mini)."""
    return make_app(tmp_path, QUESTIONNAIRES_DIR=str(MINI_DIR), QUESTIONNAIRE_ID="mini")


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db(app):
    database = connect(app.config["DATABASE"])
    yield database
    database.close()


def best_answers(questionnaire) -> dict[str, Any]:
    """Return the best answer to every scored question."""
    answers = {}
    for question in questionnaire.questions:
        if not question.scored:
            continue
        if question.type == "multiple":
            answers[question.id] = [o.value for o in question.options if o.score > 0]
        else:
            answers[question.id] = max(question.options, key=lambda o: o.score).value
    return answers


def worst_answers(questionnaire) -> dict[str, Any]:
    """Return the worst answer to every scored question."""
    answers = {}
    for question in questionnaire.questions:
        if not question.scored:
            continue
        worst = min(question.options, key=lambda o: o.score)
        answers[question.id] = [worst.value] if question.type == "multiple" else worst.value
    return answers


def create_assessment(app, answers: dict[str, Any] | None = None, submit: bool = False,
                      questionnaire=None, **profile: Any) -> tuple[int, str]:
    """Create an assessment through the store, optionally answered and submitted."""
    from assessor.domain.questionnaire import latest

    with app.app_context():
        questionnaires = app.extensions["assessor.questionnaires"]
        questionnaire = questionnaire or latest(questionnaires, app.config["QUESTIONNAIRE_ID"])
        database = connect(app.config["DATABASE"])
        try:
            assessment_id, token = store.create(
                database, PROFILE | profile, questionnaire.id, questionnaire.version,
                **{k: profile.pop(k) for k in ("mode", "created_by", "previous_id", "is_demo") if k in profile})
            if answers:
                store.save_answers(database, assessment_id, answers)
            if submit:
                result = score(questionnaire, answers or {}, (PROFILE | profile)["size_band"])
                store.submit(database, assessment_id, result.summary(), result.scoring_version)
        finally:
            database.close()
    return assessment_id, token
