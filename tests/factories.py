"""Test factories: an application on a temporary database, answers, assessments, advisors.

Imported by the tests (``from factories import ...``); the fixtures built on them are in conftest.py."""
from __future__ import annotations

import contextlib
import threading

from pathlib import Path
from typing import Any

from assessor import create_app
from assessor.store.db import connect
from assessor.domain.scoring import score, to_record
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


def make_public_app(tmp_path: Path, **config: Any):
    """The application with the real files, the public bodies' questionnaire and catalogue included
    (questionnaires/ai-public-v*.yaml, catalogue-public.yaml)."""
    return make_app(tmp_path, **config)


PUBLIC_PROFILE = {
    "audience": "public", "company_name": "Commune de Saint-Exemple", "body_kind": "commune",
    "population_band": "10000-49999", "agents_band": "50-249", "size_band": None, "sector": None,
    "region": "FR-OCC", "department": "34", "role": "direction", "email": "dgs@saint-exemple.example",
    "consent_contact": True, "consent_stats": True, "lang": "fr",
}


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
        if profile.get("audience") == "public":
            profile = PUBLIC_PROFILE | profile
            questionnaire = questionnaire or max((q for q in questionnaires.values() if q.audience == "public"),
                                                 key=lambda q: q.version)
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
                store.submit(database, assessment_id, result.summary(), result.scoring_version,
                             record=to_record(result, questionnaire))
        finally:
            database.close()
    return assessment_id, token


FAST_ARGON2 = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
PASSWORD = "un mot de passe solide"


def make_advisor(app, email: str, regions=(), is_admin=False, password=PASSWORD, name=None) -> int:
    """Create an advisor account directly in the store; return its id."""
    from assessor.store import accounts
    from assessor.web import auth

    with app.app_context():
        database = connect(app.config["DATABASE"])
        try:
            return accounts.create_advisor(database, email, auth.hash_password(password), name=name,
                                           regions=regions, is_admin=is_admin)
        finally:
            database.close()


def login(client, email: str, password: str = PASSWORD, headers=None, **extra):
    """Post the login form (the app under test runs without CSRF, or the caller adds the token)."""
    return client.post("/conseiller/connexion", data={"email": email, "password": password, **extra},
                       headers=headers)


def report_html(app, assessment_id: int, questionnaire, lang: str = "fr") -> str:
    """The HTML the PDF report of a submitted assessment is rendered from (no WeasyPrint layout)."""
    from assessor.report import context as report_context, render
    from assessor.store import assessments as store

    with app.test_request_context():
        db = connect(app.config["DATABASE"])
        try:
            context = report_context.build_context(db, store.get(db, assessment_id), questionnaire, lang)
        finally:
            db.close()
        return render.render_html(context, lang)


@contextlib.contextmanager
def serving(app):
    """Serve ``app`` on a free localhost port in a thread (the browser tests' server); yield its URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)
