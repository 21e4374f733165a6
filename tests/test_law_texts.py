"""The law in the questionnaires' help and advice, as it stands in late 2026 (issue 11).

Every version is checked, old ones included: results stored with them still show their texts.
Sources: the comment at the top of each questionnaire file (read on 2026-12-02)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted((ROOT / "questionnaires").glob("ai-*-v*.yaml"))

# The dates of the AI Act after the 2026 digital omnibus, and what they apply to.
AI_ACT_DATES = {"2 février 2025", "2 août 2026", "2 décembre 2026", "2 décembre 2027", "2 août 2028"}
FRENCH_DATE = re.compile(r"\b\d{1,2}(?:er)?[\s\u00a0]+(?:janvier|février|mars|avril|mai|juin|juillet|août|"
                         r"septembre|octobre|novembre|décembre)[\s\u00a0]+\d{4}")


def texts_of(node, path=""):
    """Yield (path, French text, English text) for every bilingual text of a questionnaire file."""
    if isinstance(node, dict):
        if set(node) == {"fr", "en"} and all(isinstance(v, str) for v in node.values()):
            yield path, node["fr"].replace("\u00a0", " ").replace("’", "'"), node["en"]
            return
        for key, value in node.items():
            yield from texts_of(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            here = value.get("id", value.get("value", index)) if isinstance(value, dict) else index
            yield from texts_of(value, f"{path}[{here}]")


def all_texts():
    for path in FILES:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for where, fr, en in texts_of(data):
            yield pytest.param(where, fr, en, id=f"{path.stem}:{where}")


TEXTS = list(all_texts())
AI_ACT_TEXTS = [t for t in TEXTS if "règlement européen" in t.values[1] or "AI Act" in t.values[2]]


def test_every_version_is_checked():
    assert {p.name for p in FILES} >= {"ai-maturity-v1.yaml", "ai-maturity-v2.yaml", "ai-public-v1.yaml"}
    assert AI_ACT_TEXTS


@pytest.mark.parametrize("where, fr, en", AI_ACT_TEXTS)
def test_a_help_text_that_dates_the_ai_act_gives_the_current_date(where, fr, en):
    dates = {" ".join(d.split()) for d in FRENCH_DATE.findall(fr)}
    assert dates <= AI_ACT_DATES
    # "high-risk" obligations were postponed in 2026: no text may still date them to 2026 or 2027
    if "haut risque" in fr and dates - {"2 février 2025", "2 août 2026"}:
        assert "2 décembre 2027" in fr and "2 December 2027" in en
    assert "2 août 2027" not in fr and "2 August 2027" not in en


@pytest.mark.parametrize("where, fr, en", [t for t in TEXTS if "article 4" in t.values[1]])
def test_article_4_is_stated_as_amended_in_2026(where, fr, en):
    # the adopted text asks for measures supporting AI literacy (an obligation of effort), no longer
    # that staff reach "a sufficient level"; it still applies since 2 February 2025
    assert "maîtrise suffisante" not in fr and "sufficient level" not in en
    assert "2 février 2025" in fr and "2026" in fr and "obligation de moyens" in fr
    assert "2 February 2025" in en and "obligation of effort" in en


def questions():
    for path in FILES:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for dimension in data["dimensions"]:
            for question in dimension["questions"]:
                yield pytest.param(question, id=f"{path.stem}:{question['id']}")


QUESTIONS = list(questions())


@pytest.mark.parametrize("question", [q for q in QUESTIONS if "recrutement" in q.values[0]["text"]["fr"]])
def test_recruitment_is_never_called_low_risk(question):
    # sorting CVs is high-risk (Annex III): a question listing recruitment says so in its help
    help_fr, help_en = question["help"]["fr"], question["help"]["en"]
    assert "moins de risques" not in help_fr and "least risk" not in help_en
    assert "haut risque" in help_fr and "2 décembre 2027" in help_fr and "2 December 2027" in help_en


@pytest.mark.parametrize("question", [q for q in QUESTIONS if "haut risque" in q.values[0].get("help", {}).get("fr", "")])
def test_a_help_text_on_high_risk_uses_gives_their_postponed_date(question):
    assert "2 décembre 2027" in question["help"]["fr"] and "2 December 2027" in question["help"]["en"]


@pytest.mark.parametrize("where, fr, en", [t for t in TEXTS if "échangent avec une IA" in t.values[1]])
def test_telling_people_they_deal_with_an_ai_is_dated_by_article_50(where, fr, en):
    assert "2 août 2026" in fr and "article 50" in fr
    assert "2 August 2026" in en and "Article 50" in en


@pytest.mark.parametrize("where, fr, en", [t for t in TEXTS if "50 salariés" in t.values[1]
                                           and "CSE" in t.values[1] and "help" in t.values[0]])
def test_the_cse_is_consulted_on_a_new_technology_before_a_pilot(where, fr, en):
    assert "nouvelle technologie" in fr and "pilote" in fr
    assert "14 février 2025" in fr and "29 janvier 2026" in fr
    assert "qui modifient les conditions de travail" not in fr


def test_the_cse_help_text_is_found():
    assert any("social_dialogue" in t.values[0] for t in TEXTS if "50 salariés" in t.values[1]
               and "help" in t.values[0])


@pytest.mark.parametrize("where, fr, en", [t for t in TEXTS if "entretien" in t.values[1]])
def test_the_career_interview_has_its_2025_name(where, fr, en):
    plain = fr.replace("entretiens professionnels depuis", "")
    assert "entretiens professionnels" not in plain and "entretien professionnel " not in plain
