"""One diagnosis, read once and shown everywhere (issue 10): the same score on every surface, also
after the scoring changes; a pure domain module; a report cache key that follows every file that
shapes a report."""
from __future__ import annotations

import csv
import dataclasses
import html as htmllib
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from factories import ROOT, best_answers, create_assessment, make_app, worst_answers

from assessor.web import auth
from assessor.report import render as reporting
from assessor.report import cache
from assessor.domain import scoring
from assessor.web.export import csv_cell
from assessor.store.db import connect
from assessor.domain.diagnosis import DiagnosisInputs
from assessor.domain.questionnaire import latest
from assessor.store import accounts
from assessor.store import assessments as store

FAST_ARGON2 = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
PASSWORD = "un mot de passe solide"


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path, ARGON2_TEST_PARAMS=FAST_ARGON2, WTF_CSRF_ENABLED=False)


def _questionnaire(app):
    return latest(app.extensions["assessor.questionnaires"], app.config["QUESTIONNAIRE_ID"])


def _mixed_answers(questionnaire) -> dict:
    """A company that is neither the best nor the worst: a score that is not round."""
    answers = best_answers(questionnaire)
    worst = worst_answers(questionnaire)
    for question in questionnaire.questions[::3]:
        if question.id in worst:
            answers[question.id] = worst[question.id]
    return answers


def _advisor(app):
    with app.app_context():
        database = connect(app.config["DATABASE"])
        try:
            accounts.create_advisor(database, "admin@example.org", auth.hash_password(PASSWORD), is_admin=True)
        finally:
            database.close()
    client = app.test_client()
    assert client.post("/conseiller/connexion",
                       data={"email": "admin@example.org", "password": PASSWORD}).status_code == 302
    return client


def _pdf_text(pdf: bytes) -> str:
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True)
    return re.sub(r"\s+", " ", done.stdout.decode("utf-8"))


def _halve_scores(monkeypatch):
    """A new scoring method: version 2, every answered question worth half as much."""
    original = scoring.question_score

    def question_score(questionnaire, question, answers):
        result = original(questionnaire, question, answers)
        if result.value is None:
            return result
        return scoring.QuestionScore(result.question_id, result.status, result.value / 2)

    monkeypatch.setattr(scoring, "question_score", question_score)
    monkeypatch.setattr(scoring, "SCORING_VERSION", scoring.SCORING_VERSION + 1)


@pytest.mark.parametrize("scoring_changed", [False, True], ids=["same scoring", "scoring changed since"])
def test_the_same_diagnosis_shows_the_same_score_everywhere(app, monkeypatch, scoring_changed):
    questionnaire = _questionnaire(app)
    assessment_id, token = create_assessment(app, _mixed_answers(questionnaire), submit=True)
    database = connect(app.config["DATABASE"])
    stored = store.get(database, assessment_id)
    database.close()
    overall = stored["overall"]
    assert overall is not None and 5 < overall < 95
    shown = str(round(overall))
    advisor = _advisor(app)
    if scoring_changed:
        _halve_scores(monkeypatch)
        with app.app_context():
            rescored = scoring.score(questionnaire, _mixed_answers(questionnaire), stored["size_band"]).overall
        assert round(rescored) != round(overall)

    client = app.test_client()
    results = client.get(f"/a/{token}/resultats").get_data(as_text=True)
    assert re.search(r'<span class="figure-value">(\d+)</span>', results).group(1) == shown

    pdf = client.get(f"/a/{token}/rapport.pdf")
    assert pdf.status_code == 200
    text = _pdf_text(pdf.data)
    assert f"Avec un score global de {shown}/100" in text

    portability = client.get(f"/a/{token}/donnees.csv").get_data().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(portability), delimiter=";"))
    assert {row["Score global"] for row in rows} == {csv_cell(overall)}

    export = advisor.get("/conseiller/export.csv").get_data().decode("utf-8-sig")
    assert csv_cell(overall) in export.splitlines()[1].split(";")

    listing = advisor.get("/conseiller/").get_data(as_text=True)
    assert re.search(rf"<td data-label=\"Score et niveau\">{shown}<span", listing)

    detail = advisor.get(f"/conseiller/evaluations/{assessment_id}").get_data(as_text=True)
    assert re.search(r'<span class="figure-value">(\d+)</span>', detail).group(1) == shown
    if scoring_changed:
        assert "Scores enregistrés à la validation (méthode de calcul version 1)" in detail
        assert (f"Avec la méthode actuelle (version 2), ce diagnostic obtiendrait {round(rescored)}/100"
                in detail)
        assert "méthode actuelle" in detail.split('id="dims-title"')[1]
    else:
        assert "méthode actuelle" not in detail and "Scores enregistrés à la validation" not in detail
    # The company's own pages never show a second figure.
    assert "méthode actuelle" not in results


def test_a_row_without_stored_scores_says_its_figures_are_today_s(app):
    questionnaire = _questionnaire(app)
    assessment_id, _ = create_assessment(app, _mixed_answers(questionnaire), submit=True)
    database = connect(app.config["DATABASE"])
    database["assessments"].update(assessment_id, {"dimension_scores": None})
    database.close()
    detail = _advisor(app).get(f"/conseiller/evaluations/{assessment_id}").get_data(as_text=True)
    assert "Aucun score n'a été enregistré à la validation de ce diagnostic" in detail


def _page_text(html: str) -> str:
    """The words of a page, without its markup (its forms' CSRF tokens differ from one visit to another)."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _count_scorings(monkeypatch) -> list:
    calls = []
    original = scoring.score
    monkeypatch.setattr("assessor.domain.diagnosis.score", lambda *a, **k: calls.append(1) or original(*a, **k))
    return calls


def test_pages_read_the_result_stored_at_validation_without_scoring(app, monkeypatch):
    """The results page, the advisor's file and the data export load the diagnosis in one place and
    score nothing: validation stored the whole result (advice included), under today's scoring key."""
    questionnaire = _questionnaire(app)
    first, _ = create_assessment(app, worst_answers(questionnaire), submit=True)
    second, _ = create_assessment(app, _mixed_answers(questionnaire), submit=True, previous_id=first)
    third, token = create_assessment(app, best_answers(questionnaire), submit=True, previous_id=second)
    _, mixed_token = create_assessment(app, _mixed_answers(questionnaire), submit=True)
    calls = _count_scorings(monkeypatch)
    html = app.test_client().get(f"/a/{token}/resultats").get_data(as_text=True)
    assert "Score global\u00a0: 0 → 100 (+100 points)" in html
    app.test_client().get(f"/a/{mixed_token}/resultats")
    _advisor(app).get(f"/conseiller/evaluations/{third}")
    app.test_client().get(f"/a/{token}/donnees.json")
    assert calls == [], "a validated diagnosis is never scored again by a page"


def test_a_row_validated_before_the_stored_result_is_scored_once_and_shows_the_same(app, monkeypatch):
    questionnaire = _questionnaire(app)
    _, token = create_assessment(app, _mixed_answers(questionnaire), submit=True)
    before = app.test_client().get(f"/a/{token}/resultats").get_data(as_text=True)
    database = connect(app.config["DATABASE"])
    database.execute("update assessments set scoring = null")
    database.conn.commit()
    database.close()
    calls = _count_scorings(monkeypatch)
    after = app.test_client().get(f"/a/{token}/resultats").get_data(as_text=True)
    assert len(calls) == 1
    assert _page_text(after) == _page_text(before), "the stored result and today's scoring show the same page"


def test_a_stored_result_shows_advice_in_today_s_words(app, monkeypatch):
    """Advice is stored by reference: a corrected wording reaches diagnostics validated before it."""
    questionnaire = _questionnaire(app)
    answers = worst_answers(questionnaire)
    _, token = create_assessment(app, answers, submit=True)
    question = next(q for d in questionnaire.dimensions for q in d.questions
                    if q.type == "single" and q.id in answers and q.option(str(answers[q.id])).advice)
    option = question.option(str(answers[question.id]))
    original = option.advice
    object.__setattr__(option, "advice", dataclasses.replace(original, fr="Conseil réécrit pour ce test."))
    try:
        calls = _count_scorings(monkeypatch)
        html = app.test_client().get(f"/a/{token}/resultats").get_data(as_text=True)
        assert calls == []
        assert "Conseil réécrit pour ce test." in html
    finally:
        object.__setattr__(option, "advice", original)


def test_the_domain_imports_neither_flask_nor_the_database_nor_weasyprint():
    # The package's __init__ (create_app) imports Flask: load the package without running it.
    code = ("import sys, types; package = types.ModuleType('assessor'); "
            f"package.__path__ = [{str(ROOT / 'assessor')!r}]; sys.modules['assessor'] = package; "
            "import assessor.domain.diagnosis; "
            "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('flask', 'flask_babel', 'sqlite3', 'sqlite_utils', 'weasyprint') or m == 'assessor.store')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == ""


# -- the report cache key -------------------------------------------------------------------------


def _key(app, root: Path | None = None) -> str:
    questionnaire = _questionnaire(app)
    inputs = DiagnosisInputs(assessment={"id": 1, "company_name": "ACME"}, answers={"strategy.owner": "team"})
    import datetime as dt

    with app.app_context():
        return cache.cache_key(inputs, questionnaire, app.extensions["assessor.catalogue"], "fr",
                                   dt.date(2026, 12, 1), "", root)


@pytest.mark.parametrize("edited", ["domain/referential.py", "web/language.py", "store/stats.py", "templates/_macros.html",
                                    "translations/en/LC_MESSAGES/messages.po"])
def test_the_report_version_changes_with_any_file_of_the_package(tmp_path, edited):
    package = tmp_path / "assessor"
    shutil.copytree(ROOT / "assessor", package, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    reports = ROOT / "reports"
    before = reporting.report_version(reports, package)
    assert reporting.report_version(reports, package) == before, "the same files give the same version"
    path = package / edited
    path.write_text(path.read_text(encoding="utf-8").replace("Hauts-de-France", "Hauts de France", 1)
                    + "\n# edited\n" if path.suffix == ".py" else path.read_text(encoding="utf-8") + "\n",
                    encoding="utf-8")
    assert reporting.report_version(reports, package) != before


def test_the_cache_key_changes_when_a_label_of_referential_py_changes(app, tmp_path, monkeypatch):
    package = tmp_path / "assessor"
    shutil.copytree(ROOT / "assessor", package, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    monkeypatch.setattr(reporting, "PACKAGE_DIR", package)
    monkeypatch.setattr(reporting, "_sources_cache", {})
    first = _key(app)
    referential = package / "domain" / "referential.py"
    text = referential.read_text(encoding="utf-8")
    assert "Hauts-de-France" in text
    referential.write_text(text.replace("Hauts-de-France", "Hauts de France", 1), encoding="utf-8")
    monkeypatch.setattr(reporting, "_sources_cache", {})  # files are read once per process
    assert _key(app) != first
    copy = tmp_path / "reports"
    shutil.copytree(ROOT / "reports", copy)
    same = _key(app, copy)
    (copy / "fonts").mkdir(exist_ok=True)
    next(iter(sorted((copy / "fonts").glob("*")))).write_bytes(b"not the same font")
    monkeypatch.setattr(reporting, "_sources_cache", {})
    assert _key(app, copy) != same


# -- answers in words -----------------------------------------------------------------------------


def test_answers_are_put_into_words_once_for_every_surface(app):
    """The review page, the advisor's file, the data export and the PDF's rows say the same words."""
    from assessor.domain.diagnosis import answer_rows, answer_words

    questionnaire = _questionnaire(app)
    checklist = next(q for q in questionnaire.questions if q.type == "multiple" and len(q.options) >= 3
                     and not any(o.exclusive for o in q.options[:2]) and q.show_if is None)
    answers = _mixed_answers(questionnaire) | {checklist.id: [o.value for o in checklist.options[:2]]}
    words = answer_words(checklist, answers[checklist.id], "fr")
    assert words.status == "answered" and words.labels == tuple(o.label.fr for o in checklist.options[:2])
    assert answer_words(checklist, "dont_know", "fr").status == "dont_know"
    assert answer_words(checklist, None, "fr").status == "unanswered"
    joined = " ; ".join(words.labels)
    assessment_id, token = create_assessment(app, answers)
    client = app.test_client()
    assert htmllib.unescape(client.get(f"/a/{token}/verification").get_data(as_text=True)).count(joined) == 1
    database = connect(app.config["DATABASE"])
    result = scoring.score(questionnaire, answers, "pme")
    store.submit(database, assessment_id, result.summary(), result.scoring_version)
    database.close()
    detail = _advisor(app).get(f"/conseiller/evaluations/{assessment_id}").get_data(as_text=True)
    assert htmllib.unescape(detail).count(joined) == 1
    exported = client.get(f"/a/{token}/donnees.json").get_json()
    assert next(a for a in exported["answers"] if a["question_id"] == checklist.id)["answer"] == list(words.labels)
    rows = answer_rows(questionnaire, questionnaire.dimension(checklist.dimension), answers, "fr")
    assert next(r for r in rows if r["question"] == checklist.text.fr)["labels"] == list(words.labels)


def test_the_assessment_is_a_typed_frozen_record_read_like_its_row(app):
    import dataclasses

    from assessor.domain.diagnosis import Assessment

    assessment_id, _ = create_assessment(app, {"strategy.owner": "team"}, submit=True)
    database = connect(app.config["DATABASE"])
    row = store.get(database, assessment_id)
    database.close()
    record = Assessment.from_row(row | {"added_later": "kept"})
    assert record.company_name == record["company_name"] == row["company_name"]
    assert record.get("added_later") == "kept" and record.get("token_hash") is None and "overall" in record
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.overall = 100  # type: ignore[misc]
    assert (record | {"company_name": "Autre"}).company_name == "Autre" and record.company_name != "Autre"
