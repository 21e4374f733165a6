"""The questionnaire written for local authorities and public bodies, ai-public v1 (issue 12).

What a secretary-general of a commune notices: questions about élus, agents and usagers, never about
"clients" or "salariés"; help and advice for every answer, in French and English; about 15 to 20
minutes to fill in; "Non concerné" where the law exempts small bodies."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from assessor.domain.questionnaire import latest, load_directory
from assessor.domain.recommend import action_plan
from assessor.domain.scoring import score
from factories import best_answers, worst_answers
from test_typography import french_texts

ROOT = Path(__file__).resolve().parent.parent
FILE = ROOT / "questionnaires" / "ai-public-v1.yaml"
QUESTIONNAIRES = load_directory(ROOT / "questionnaires")
PUBLIC = QUESTIONNAIRES["ai-public@1"]
V3 = QUESTIONNAIRES["ai-maturity@3"]
DIMENSIONS = ["sponsorship", "public_uses", "public_data", "people", "law_ethics", "procurement", "responsible"]
COMPANY_WORDS = re.compile(r"entreprise|salarié|client|chiffre d['’]affaires|dirigeant", re.IGNORECASE)


def reading_minutes(questionnaire) -> float:
    """Minutes to fill the questionnaire in, counted as in the header of ai-maturity-v3.yaml.

    The French dimension titles and intros, question texts, options and the "Je ne sais pas" /
    "Non concerné" choices offered, read at 200 words a minute, plus 6 seconds to decide and click
    each closed answer. The folded "Pourquoi cette question ?" help texts are not counted.
    """
    words = 0
    for dimension in questionnaire.dimensions:
        words += len(dimension.title.fr.split()) + (len(dimension.intro.fr.split()) if dimension.intro else 0)
        for question in dimension.questions:
            words += len(question.text.fr.split()) + sum(len(o.label.fr.split()) for o in question.options)
            words += len("Je ne sais pas".split()) * question.dont_know
            words += len("Non concerné".split()) * question.not_applicable
    closed = sum(question.scored for question in questionnaire.questions)
    return words / 200 + closed * 6 / 60


def test_the_file_loads_as_the_public_bodies_questionnaire():
    assert latest(QUESTIONNAIRES, "ai-public") is PUBLIC
    assert latest(QUESTIONNAIRES, "ai-maturity") is V3          # companies keep theirs
    assert PUBLIC.audience == "public" and V3.audience == "company"
    assert PUBLIC.profile_fields == ("name", "body_kind", "population_band", "agents_band", "region",
                                     "department", "role", "email")
    assert "collectivités" in PUBLIC.title.fr and PUBLIC.title.en
    assert PUBLIC.date == "2026-12-02"
    assert [level.id for level in PUBLIC.levels] == [level.id for level in V3.levels]


def test_seven_dimensions_with_the_ids_the_catalogue_uses():
    assert [d.id for d in PUBLIC.dimensions] == DIMENSIONS
    assert all(d.title.fr and d.title.en and d.intro for d in PUBLIC.dimensions)
    scored = [q for q in PUBLIC.questions if q.scored]
    assert 30 <= len(scored) <= 35
    assert all(any(q.scored for q in d.questions) for d in PUBLIC.dimensions)


@pytest.mark.parametrize("question", PUBLIC.questions, ids=lambda q: q.id)
def test_every_question_is_bilingual_with_its_help_and_advice_for_every_answer(question):
    assert question.text.fr.strip() and question.text.en.strip()
    assert question.help and question.help.fr.strip() and question.help.en.strip()   # "Pourquoi cette question ?"
    for option in question.options:
        assert option.label.fr.strip() and option.label.en.strip()
        needs_advice = option.score < 1 if question.type == "single" else option.score > 0
        if needs_advice:
            assert option.advice and option.advice.fr.strip() and option.advice.en.strip(), option.value
    if question.scored:
        assert question.dont_know, "every scored question offers « Je ne sais pas »"


def test_no_company_word_in_any_french_text():
    data = yaml.safe_load(FILE.read_text(encoding="utf-8"))
    texts = list(french_texts(data))
    assert len(texts) > 300
    found = {where: COMPANY_WORDS.search(text).group(0) for where, text in texts if COMPANY_WORDS.search(text)}
    assert not found, found


@pytest.mark.parametrize("text, company", [
    ("Les salariés de l'entreprise", True), ("Vos clients", True), ("Le chiffre d’affaires", True),
    ("Le dirigeant décide", True), ("Les agents répondent aux usagers", False),
])
def test_the_company_word_check_finds_them(text, company):
    assert bool(COMPANY_WORDS.search(text)) is company


def test_it_speaks_of_elus_agents_usagers_and_votre_collectivite():
    words = " ".join(text for _, text in french_texts(yaml.safe_load(FILE.read_text(encoding="utf-8"))))
    for word in ("élus", "agents", "usagers", "habitants", "services"):
        assert words.count(word) >= 10, word
    # the body is always "votre collectivité" (the code may later put its kind instead)
    assert words.count("otre collectivité") >= 30
    assert not re.search(r"votre (organisation|structure|société|établissement)", words, re.IGNORECASE)


def test_the_reading_time_method_gives_v3s_header_figure():
    # the v3 header: "about 18 min" (2,803 words at 200 a minute, plus 6 s for each of 43 answers)
    assert 17.5 <= reading_minutes(V3) <= 18.5


def test_it_takes_15_to_20_minutes():
    assert 15 <= reading_minutes(PUBLIC) <= 20


def test_the_header_gives_its_sources_and_reading_time():
    header = FILE.read_text(encoding="utf-8").split("\nid: ", 1)[0]
    urls = re.findall(r"https://\S+", header)
    assert len(urls) >= 15 and "read on 2026-12-02" in header
    assert f"{reading_minutes(PUBLIC):.0f} min" in header or f"{reading_minutes(PUBLIC):.1f} min" in header


def test_thresholds_of_the_law_are_stated_and_small_bodies_may_answer_non_concerne():
    open_data = PUBLIC.question("public_data.open_data")
    assert "3\u00a0500 habitants" in open_data.help.fr and "50 agents" in open_data.help.fr
    assert "L312-1-1" in open_data.help.fr and open_data.not_applicable
    decisions = PUBLIC.question("law_ethics.individual_decisions")
    assert "mention explicite" in decisions.help.fr and "L311-3-1" in decisions.help.fr
    assert "L312-1-3" in decisions.help.fr and "50 agents" in decisions.help.fr
    strategy = PUBLIC.question("responsible.digital_strategy")
    assert "50\u00a0000 habitants" in strategy.help.fr and "1er janvier 2025" in strategy.help.fr
    dpo = PUBLIC.question("law_ethics.gdpr_dpo")
    assert "quelle que soit leur taille" in dpo.help.fr
    fria = PUBLIC.question("law_ethics.ai_act_inventory")
    assert "article 27" in fria.help.fr and "2 décembre 2027" in fria.help.fr and "2 December 2027" in fria.help.en


def test_the_best_answers_reach_transformation_and_the_worst_get_a_plan_for_a_collectivite():
    best = score(PUBLIC, best_answers(PUBLIC))
    assert best.overall == 100 and PUBLIC.level_for(best.overall).id == "transformation"
    worst = score(PUBLIC, worst_answers(PUBLIC))
    assert PUBLIC.level_for(worst.overall).id == "decouverte"
    plan = action_plan(PUBLIC, worst, "fr")
    texts = [item.text for item in plan.quick_wins + plan.next_months]
    assert plan.quick_wins and len(texts) >= 5
    assert not any(COMPANY_WORDS.search(text) for text in texts)
