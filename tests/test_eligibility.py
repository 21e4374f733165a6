"""Eligibility criterion by criterion (issue 11): each recommendation says which criteria the company
meets, which it must check, with what it answered; the OPCO asked in the profile decides the OPCO
entries, and without it they are "probable" and to check."""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from assessor.cli import data as cli
from assessor.domain import eligibility, i18n
from assessor.domain.catalogue import load_catalogue
from assessor.domain.questionnaire import latest, load_directory
from assessor.domain.recommend import Profile, recommend_entries
from assessor.domain.referential import OPCOS
from assessor.domain.scoring import score
from tests.factories import ROOT, create_assessment, report_html
from tests.test_recommend import weak_answers

QUESTIONNAIRES = load_directory(ROOT / "questionnaires")
AI = latest(QUESTIONNAIRES, "ai-maturity")
CATALOGUE = load_catalogue(ROOT / "questionnaires" / "catalogue.yaml", QUESTIONNAIRES)
TODAY = dt.date(2026, 12, 2)
SKILLS_WEAK = weak_answers(AI, {"skills"})


def _words(e, lang="fr"):
    return [f"{i18n.criterion(c, lang)} : {i18n.criterion(c, lang, answer=True)}" for c in e.criteria]


def test_the_eleven_opcos_each_have_their_catalogue_entry():
    # Source of the 11: gref-bretagne.com, "Onze Opco sont finalement agréés…" (2019).
    assert len(OPCOS) == 11
    assert sorted(e.opco for e in CATALOGUE.entries if e.opco) == sorted(OPCOS)


def test_criteria_with_what_the_company_answered():
    atlas = CATALOGUE.entry("opco-atlas")
    unknown = eligibility.evaluate(atlas, "FR-HDF", "10-49", "M", TODAY)
    assert unknown.status == eligibility.TO_CHECK
    assert _words(unknown) == [
        "Entreprise située en France : oui",
        "Entreprise de moins de 50 salariés : oui",
        "Branche couverte par l'OPCO «\u00a0Atlas\u00a0» : à vérifier (probable d'après votre secteur)",
        "Demande de prise en charge déposée avant le début de la formation : à vérifier",
        "Organisme de formation certifié Qualiopi : à vérifier",
    ]
    assert unknown.opco_to_check
    assert _words(eligibility.evaluate(atlas, "FR-HDF", "10-49", "M", TODAY), "en")[1] == \
        "Company with fewer than 50 employees : yes"
    # Too big: the pooled funding of the skills plan is for firms under 50 staff.
    big = eligibility.evaluate(atlas, "FR-HDF", "50-249", "M", TODAY)
    assert big.status == eligibility.NOT_ELIGIBLE and not big.shown
    assert _words(big)[1] == "Entreprise de moins de 50 salariés : non"


def test_the_opco_the_company_named_decides_over_its_sector():
    atlas, ep = CATALOGUE.entry("opco-atlas"), CATALOGUE.entry("opco-ep")
    # A construction firm (F) whose branch is in fact with Atlas: Atlas shows, without "à vérifier".
    named = eligibility.evaluate(atlas, "FR-OCC", "1-9", "F", TODAY, opco="atlas")
    assert [c.met for c in named.criteria if c.kind == "opco"] == [True]
    assert not named.opco_to_check
    assert "Branche couverte par l'OPCO «\u00a0Atlas\u00a0» : oui" in _words(named)
    # Another OPCO named: hidden, whatever the sector.
    assert eligibility.evaluate(ep, "FR-OCC", "1-9", "G", TODAY, opco="atlas").status == eligibility.NOT_ELIGIBLE
    # "Je ne sais pas": the sector makes it probable, to check; outside the sectors, hidden.
    assert eligibility.evaluate(ep, "FR-OCC", "1-9", "G", TODAY, opco="unknown").status == eligibility.TO_CHECK
    assert eligibility.evaluate(ep, "FR-OCC", "1-9", "F", TODAY, opco="unknown").status == eligibility.NOT_ELIGIBLE


def test_region_sector_and_end_date_criteria():
    regional = next(e for e in CATALOGUE.entries if not e.national and not e.is_reading)
    region = regional.regions[0]
    assert eligibility.evaluate(regional, region, "10-49", "C", TODAY).criteria[0].met is True
    other = next(code for code in ("FR-BRE", "FR-COR", "FR-NAQ") if code not in regional.regions)
    assert eligibility.evaluate(regional, other, "10-49", "C", TODAY).status == eligibility.NOT_ELIGIBLE
    boxed = next(e for e in CATALOGUE.entries if e.valid_until)
    after = eligibility.evaluate(boxed, boxed.regions[0] if not boxed.national else "FR-HDF", boxed.sizes[0],
                                 boxed.sectors[0], boxed.valid_until + dt.timedelta(days=1))
    assert after.status == eligibility.NOT_ELIGIBLE
    assert any(c.kind == "open" and c.met is False for c in after.criteria)


def test_recommendations_carry_their_eligibility_and_the_opco_changes_them():
    result = score(AI, SKILLS_WEAK, "1-9")
    unknown = recommend_entries(AI, CATALOGUE, Profile("FR-BRE", "1-9", "M"), result, "fr", TODAY)
    assert unknown and all(r.eligibility and r.eligibility.shown for r in unknown)
    opcos = [r for r in unknown if r.entry.opco]
    assert opcos and all(r.eligibility.status == eligibility.TO_CHECK for r in opcos)
    named = recommend_entries(AI, CATALOGUE, Profile("FR-BRE", "1-9", "M", "akto"), result, "fr", TODAY)
    assert [r.entry.opco for r in named if r.entry.opco] == ["akto"]


def test_the_recommend_command_gives_each_criterion_and_its_status(tmp_path):
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(SKILLS_WEAK), encoding="utf-8")
    out = CliRunner().invoke(cli.recommend_command, [
        "ai-maturity", str(answers), "--region", "FR-HDF", "--size", "10-49", "--sector", "M"])
    assert out.exit_code == 0, out.output
    recommendations = json.loads(out.output)["recommendations"]
    assert recommendations
    for r in recommendations:
        assert r["eligibility"]["status"] in ("eligible", "to_check")
        assert r["eligibility"]["criteria"]
        for c in r["eligibility"]["criteria"]:
            assert set(c) >= {"label", "met"} and c["met"] in (True, False, None) and c["label"]
    atlas = next(r for r in recommendations if r["id"] == "opco-atlas")
    assert {"label": "Branche couverte par l'OPCO «\u00a0Atlas\u00a0»", "met": None,
            "answer": "à vérifier (probable d'après votre secteur)"} in atlas["eligibility"]["criteria"]
    named = CliRunner().invoke(cli.recommend_command, [
        "ai-maturity", str(answers), "--region", "FR-HDF", "--size", "10-49", "--sector", "M", "--opco", "atlas"])
    atlas = next(r for r in json.loads(named.output)["recommendations"] if r["id"] == "opco-atlas")
    assert {"label": "Branche couverte par l'OPCO «\u00a0Atlas\u00a0»", "met": True, "answer": "oui"} \
        in atlas["eligibility"]["criteria"]


def _text(html: str) -> str:
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


def test_the_profile_asks_the_opco_and_the_results_page_shows_the_criteria(app, client):
    page = client.get("/").get_data(as_text=True)
    assert "Votre OPCO (facultatif)" in page and "IDCC" in page
    assert "auxquels vous avez droit" not in page and "qui peuvent vous concerner" in page
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/", data={
        "csrf_token": token, "company_name": "Conseil Martin", "size_band": "10-49", "sector": "M",
        "region": "FR-HDF", "role": "dirigeant", "opco": "atlas"})
    assert response.status_code == 302
    with app.app_context():
        from assessor.store.db import connect
        db = connect(app.config["DATABASE"])
        assert db.execute("select opco from assessments").fetchone()[0] == "atlas"
        db.close()
    _id, result_token = create_assessment(app, SKILLS_WEAK, submit=True, size_band="10-49", sector="M",
                                          opco="unknown")
    text = _text(client.get(f"/a/{result_token}/resultats").get_data(as_text=True))
    assert "Entreprise de moins de 50 salariés\u00a0: oui" in text
    assert re.search("Branche couverte par l'OPCO «\u00a0[^»]+\u00a0»\u00a0: à vérifier", text)
    assert "bulletins de paie" in text  # how to find one's OPCO
    _id, named_token = create_assessment(app, SKILLS_WEAK, submit=True, size_band="10-49", sector="M",
                                         opco="atlas")
    text = _text(client.get(f"/a/{named_token}/resultats").get_data(as_text=True))
    assert "Branche couverte par l'OPCO «\u00a0Atlas\u00a0»\u00a0: oui" in text


def test_the_report_shows_the_criteria(app):
    assessment_id, _token = create_assessment(app, SKILLS_WEAK, submit=True, size_band="10-49", sector="M")
    html = report_html(app, assessment_id, AI)
    text = _text(html)
    assert "Entreprise de moins de 50 salariés\u00a0: oui" in text
    assert re.search("Branche couverte par l'OPCO «\u00a0[^»]+\u00a0»\u00a0: à vérifier", text)
