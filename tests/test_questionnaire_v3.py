"""Questionnaire version 3 (issue 11): new assessments use it, results stored with version 2 keep theirs."""
from __future__ import annotations

from html import unescape
from pathlib import Path

from assessor.domain.questionnaire import latest, load_directory
from assessor.store import assessments as store
from assessor.store.db import connect
from tests.factories import create_assessment
from tests.test_journey import start

ROOT = Path(__file__).resolve().parent.parent
QUESTIONNAIRES = load_directory(ROOT / "questionnaires")
V2, V3 = QUESTIONNAIRES["ai-maturity@2"], QUESTIONNAIRES["ai-maturity@3"]


def page_text(client, url: str) -> str:
    return unescape(client.get(url).get_data(as_text=True)).replace("\u00a0", " ").replace("’", "'")


def test_version_3_is_the_current_version_and_keeps_the_dimensions():
    assert latest(QUESTIONNAIRES, "ai-maturity") is V3
    assert [d.id for d in V3.dimensions] == [d.id for d in V2.dimensions]  # the catalogue still maps
    assert V3.changelog[0].version == 3 and V3.changelog[0].date == "2026-12-02"


def test_version_3_asks_about_responsible_digital_and_drops_recruitment_from_admin_tasks():
    question = V3.question("tools.responsible_digital")
    assert "impact environnemental" in question.text.fr
    assert "recrutement" in V2.question("use_cases.adoption_admin").text.fr
    assert "recrutement" not in V3.question("use_cases.adoption_admin").text.fr
    # a ban decided after a risk review is a rule: it scores above ignorance, and the policy is asked
    assert V3.question("tools.genai_use").option("banned").score > V3.question("tools.genai_use").option("none").score
    assert V3.question("governance.genai_policy").show_if is None
    assert V3.question("governance.risky_uses").not_applicable


def test_words_fit_a_small_firm():
    words = ROOT.joinpath("questionnaires", "ai-maturity-v3.yaml").read_text(encoding="utf-8")
    assert "comité de direction" not in words and "portefeuille de projets" not in words
    assert "réunion de direction" in words


def test_a_new_assessment_uses_version_3(app, client):
    token = start(client)
    db = connect(app.config["DATABASE"])
    try:
        assert store.by_token(db, token)["questionnaire_version"] == 3
    finally:
        db.close()
    assert "Faites-vous le point sur vos essais d'IA" in page_text(client, f"/a/{token}/s/strategy")


def test_results_stored_with_version_2_show_version_2_texts(app, client):
    # values that version 3 no longer has: a 0-5 adoption step and a yes/partial/no answer
    answers = {"strategy.steering": "ad_hoc", "use_cases.adoption_admin": "3", "strategy.offer_impact": "partial"}
    _, token = create_assessment(app, answers, submit=True, questionnaire=V2)
    html = page_text(client, f"/a/{token}/resultats")
    assert "version 2" in html
    assert "Réservez deux heures par trimestre en comité de direction" in html   # version 2's advice
    assert "Réservez un moment chaque trimestre" not in html                    # version 3's
