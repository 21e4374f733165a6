"""Recommendations and action plan (pure), and the catalogue's validation."""
from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from assessor.cli import data as cli
from assessor.domain import i18n
from assessor.domain.catalogue import load_catalogue, parse_catalogue
from assessor.domain.questionnaire import QuestionnaireError, _Loader, latest, load_directory
from assessor.domain.recommend import Profile, action_plan, eligible, recommend, recommend_entries
from assessor.domain.referential import NAF_SECTIONS, REGIONS, SIZE_BANDS
from assessor.domain.scoring import score
from tests.factories import best_answers, worst_answers

ROOT = Path(__file__).resolve().parent.parent
MINI_DIR = Path(__file__).parent / "data" / "mini"
TODAY = dt.date(2026, 11, 22)

MINI_QS = load_directory(MINI_DIR)
MINI = MINI_QS["mini@1"]
MINI_CATALOGUE = load_catalogue(MINI_DIR / "catalogue.yaml", MINI_QS)
QUESTIONNAIRES = load_directory(ROOT / "questionnaires")
AI = latest(QUESTIONNAIRES, "ai-maturity")
CATALOGUE = load_catalogue(ROOT / "questionnaires" / "catalogue.yaml", QUESTIONNAIRES)

WEAK = {"strategy.vision": "none", "strategy.budget": "no", "strategy.use": "0",
        "data.practices": ["none"], "data.quality": "no"}


def ids(recommendations):
    return [r.entry.id for r in recommendations]


def weak_answers(questionnaire, weak_dimensions):
    """Best answers everywhere except in the given dimensions, where the worst are given."""
    answers = best_answers(questionnaire)
    worst = worst_answers(questionnaire)
    for question in questionnaire.questions:
        if question.dimension in weak_dimensions and question.id in worst:
            answers[question.id] = worst[question.id]
    return answers


# -- the tiny catalogue: each rule in isolation --------------------------------------------------

@pytest.mark.parametrize("profile, expected", [
    (Profile("FR-OCC", "10-49", "C"), ["occ-industry", "national-diag"]),
    (Profile("FR-OCC", "1-9", "C"), ["national-diag"]),          # size restriction
    (Profile("FR-OCC", "10-49", "G"), ["national-diag"]),        # sector restriction
    (Profile("FR-HDF", "10-49", "C"), ["hdf-workshop", "national-diag"]),  # regional first
    (Profile("FR-BRE", "250+", "K"), ["national-diag"]),         # national reaches every region
])
def test_eligibility_and_ranking(profile, expected):
    result = score(MINI, WEAK, profile.size_band)
    assert ids(recommend_entries(MINI, MINI_CATALOGUE, profile, result, "fr", TODAY)) == expected


def test_an_expired_entry_never_appears():
    expired = MINI_CATALOGUE.entry("expired-event")
    assert not eligible(expired, Profile("FR-HDF", "10-49", "C"), TODAY)
    assert eligible(expired, Profile("FR-HDF", "10-49", "C"), dt.date(2025, 6, 30))
    result = score(MINI, WEAK, "10-49")
    assert "expired-event" not in ids(recommend_entries(MINI, MINI_CATALOGUE, Profile("FR-HDF", "10-49", "C"),
                                                        result, "fr", TODAY))


def test_a_dimension_at_the_top_level_gets_no_beginner_programme():
    answers = WEAK | {"strategy.vision": "clear", "strategy.budget": "yes", "strategy.use": "5"}
    result = score(MINI, answers, "10-49")
    recs = recommend_entries(MINI, MINI_CATALOGUE, Profile("FR-HDF", "10-49", "C"), result, "fr", TODAY)
    assert recs and all(r.dimension == "data" for r in recs)


def test_reasons_name_the_dimension_and_the_situation():
    result = score(MINI, WEAK | {"strategy.vision": "clear", "strategy.budget": "yes", "strategy.use": "5"}, "10-49")
    recs = recommend_entries(MINI, MINI_CATALOGUE, Profile("FR-HDF", "10-49", "C"), result, "fr", TODAY)
    assert (recs[0].reason.dimension, recs[0].reason.score, recs[0].reason.checklist) == ("data", 0, False)
    assert recs[0].reason.answer.fr == "Non"
    french = i18n.reason(recs[0].reason, "fr")
    assert french.startswith("Données (0/100)\u00a0: vous avez répondu «\u00a0Non\u00a0». Cette offre vous aide à ")
    english = i18n.reason(recs[0].reason, "en")
    assert english.startswith("Data (0/100): you answered “No”. This helps you discover AI")
    checklist_only = score(MINI, {"data.practices": ["backup"], "data.quality": "yes", "data.governance": "owner"})
    recs = recommend_entries(MINI, MINI_CATALOGUE, Profile("FR-HDF", "10-49", "C"), checklist_only, "fr", TODAY)
    assert any(r.reason.checklist for r in recs)
    assert any("«\u00a0Inventaire des données\u00a0» n'est pas encore en place" in i18n.reason(r.reason, "fr")
               for r in recs)


def test_action_plan_is_built_from_the_weakest_answers_and_lists_dont_know():
    answers = {"strategy.vision": "none", "strategy.budget": "partial", "strategy.use": "dont_know",
               "data.practices": ["backup"], "data.quality": "yes", "data.governance": "owner"}
    plan = action_plan(MINI, score(MINI, answers, "10-49"), "fr")
    assert plan.quick_wins[0].question_id == "strategy.vision"
    assert plan.quick_wins[0].dimension_title == "Stratégie"
    assert plan.quick_wins[0].text == "Parlez-en en comité."
    # a checklist with a third of its points is a first step too: one quick win per dimension
    assert [p.question_id for p in plan.quick_wins] == ["strategy.vision", "data.practices"]
    assert [p.question_id for p in plan.next_months] == ["strategy.budget"]
    assert plan.to_clarify == (("strategy.use", "Utilisez-vous l'IA au service client\u00a0?"),)


# -- catalogue validation ---------------------------------------------------------------------------

def mini_catalogue_data():
    with (MINI_DIR / "catalogue.yaml").open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_Loader)


@pytest.mark.parametrize("mutate, expected", [
    (lambda d: d["entries"][0].pop("source_url"), "entries[national-diag].source_url: missing"),
    (lambda d: d["entries"][0].pop("verified_on"), "entries[national-diag].verified_on: missing"),
    (lambda d: d["entries"][1].update(regions=["FR-XYZ"]), "entries[hdf-workshop].regions: unknown code 'FR-XYZ'"),
    (lambda d: d["entries"][1].update(dimensions=["magic"]), "entries[hdf-workshop].dimensions: unknown code 'magic'"),
    (lambda d: d["entries"].append(copy.deepcopy(d["entries"][0])), "duplicate entry id 'national-diag'"),
    (lambda d: d["entries"][0].update(kind="party"), "unknown kind 'party'"),
    (lambda d: d["entries"][0].update(source_url="example.org/x"), "is not an http(s) URL"),
    (lambda d: d["entries"][0].update(levels=["expert"]), "levels: unknown code 'expert'"),
    (lambda d: d["entries"][0]["description"].pop("en"), "description.en: missing or empty translation"),
    (lambda d: d["entries"][0].update(sizes=["10-50"]), "sizes: unknown code '10-50'"),
    (lambda d: d["entries"][0].update(valid_until="soon"), "valid_until: 'soon' is not a date"),
])
def test_catalogue_mistakes_are_rejected_precisely(mutate, expected):
    data = mini_catalogue_data()
    mutate(data)
    with pytest.raises(QuestionnaireError) as info:
        parse_catalogue(data, MINI_QS)
    assert any(expected in p for p in info.value.problems), info.value.problems


# -- the real catalogue ----------------------------------------------------------------------------

def test_the_shipped_catalogue_is_large_sourced_and_covers_both_regions():
    entries = CATALOGUE.entries
    assert len(entries) >= 40
    assert all(e.source_url.startswith("https://") and e.verified_on for e in entries)
    assert sum(1 for e in entries if "FR-HDF" in e.regions) >= 5
    assert sum(1 for e in entries if "FR-OCC" in e.regions) >= 5
    assert {e.kind for e in entries} >= {"awareness", "training", "certified_training", "diagnostic", "support",
                                         "funding", "network"}


@pytest.mark.parametrize("region", sorted(REGIONS))
def test_every_region_gets_national_offers_and_never_another_regions(region):
    for size in SIZE_BANDS:
        for sector in ("C", "G", "J", "Q"):
            profile = Profile(region, size, sector)
            for weak in (("strategy", "use_cases", "data"), ("skills", "governance", "culture"), ("tools",)):
                result = score(AI, weak_answers(AI, weak), size)
                recs = recommend_entries(AI, CATALOGUE, profile, result, "fr", TODAY)
                for r in recs:
                    assert r.entry.national or region in r.entry.regions, (region, r.entry.id)
                    assert size in r.entry.sizes and sector in r.entry.sectors
                    assert r.entry.is_valid_on(TODAY)
                    assert r.entry.source_url
                    level = result.dimension(r.dimension).level
                    assert level in r.entry.levels
                if size != "250+":
                    assert any(r.entry.national for r in recs), (region, size, sector, weak)
                assert len(recs) <= 8


def test_montpellier_and_lille_get_different_local_recommendations():
    answers = weak_answers(AI, ("data", "skills", "strategy"))
    montpellier = recommend(AI, CATALOGUE, Profile("FR-OCC", "10-49", "C"), score(AI, answers, "10-49"),
                            answers, "fr", TODAY)
    lille = recommend(AI, CATALOGUE, Profile("FR-HDF", "1-9", "N"), score(AI, answers, "1-9"),
                      answers, "fr", TODAY)
    occ = ids(montpellier.recommendations)
    hdf = ids(lille.recommendations)
    assert occ != hdf
    assert any("FR-OCC" in CATALOGUE.entry(i).regions for i in occ)
    assert any("FR-HDF" in CATALOGUE.entry(i).regions for i in hdf)
    assert not any("FR-HDF" in CATALOGUE.entry(i).regions for i in occ)
    assert not any("FR-OCC" in CATALOGUE.entry(i).regions for i in hdf)
    assert len({CATALOGUE.entry(i).kind for i in occ}) >= 3, "recommendations vary in kind"
    titles = {d.title.fr for d in AI.dimensions}
    for r in montpellier.recommendations + lille.recommendations:
        assert i18n.reason(r.reason, "fr").split(" (")[0] in titles


def test_an_expired_catalogue_entry_is_never_shown(tmp_path):
    data = yaml.load((ROOT / "questionnaires" / "catalogue.yaml").read_text(encoding="utf-8"), Loader=_Loader)
    for entry in data["entries"]:
        entry["valid_until"] = dt.date(2026, 1, 1)
    catalogue = parse_catalogue(data, QUESTIONNAIRES)
    result = score(AI, worst_answers(AI), "10-49")
    assert recommend_entries(AI, catalogue, Profile("FR-OCC", "10-49", "C"), result, "fr", TODAY) == ()


def test_recommend_command_prints_entries_and_plan(tmp_path, monkeypatch):
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(weak_answers(AI, ("data", "skills"))), encoding="utf-8")
    monkeypatch.setenv("ASSESSOR_QUESTIONNAIRES", str(ROOT / "questionnaires"))
    result = CliRunner().invoke(cli.recommend_command, ["ai-maturity", str(path), "--region", "FR-OCC",
                                                        "--size", "10-49", "--sector", "C"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["recommendations"]
    for r in data["recommendations"]:
        assert set(r) >= {"id", "regions", "reason"}
        assert "/100)" in r["reason"] and "Cette offre vous aide à " in r["reason"]
        assert r["regions"] == ["national"] or "FR-OCC" in r["regions"]
    assert data["action_plan"]["quick_wins"] or data["action_plan"]["next_12_months"]


def test_catalogue_export_lists_every_entry(monkeypatch):
    monkeypatch.setenv("ASSESSOR_QUESTIONNAIRES", str(ROOT / "questionnaires"))
    result = CliRunner().invoke(cli.catalogue_group, ["export"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert len(data) == len(CATALOGUE.entries)
    assert set(data[0]) >= {"id", "name", "operator", "kind", "description", "regions", "sizes", "sectors",
                            "dimensions", "levels", "url", "source_url", "verified_on"}


def test_sector_letters_are_naf_sections():
    assert len(NAF_SECTIONS) == 21
