"""Programmes for public bodies (issue 12): questionnaires/catalogue-public.yaml.

A collectivité is sent to public-sector programmes only (CNFPT, Les Interconnectés, CNIL, DINUM,
ANCT…), each with the operator's https page, its source, the day it was read and a re-check within a
year; no company-only scheme (OPCO, Bpifrance, company loans, tax credits) is ever among them."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlparse

import pytest
import yaml

from assessor.domain.catalogue import add_months, load_catalogue, parse_catalogue
from assessor.domain.questionnaire import SIZE_BANDS, _parse_yaml, load_directory
from assessor.domain.referential import DEPARTMENTS, NAF_SECTIONS
from tests.test_typography import french_texts, problems

ROOT = Path(__file__).resolve().parent.parent
PATH = ROOT / "questionnaires" / "catalogue-public.yaml"
TODAY = dt.date(2026, 12, 2)
# The dimension ids of the public questionnaire (ai-public), which the catalogue entries refer to.
PUBLIC_DIMENSIONS = {"sponsorship", "public_uses", "public_data", "people", "law_ethics", "procurement",
                     "responsible"}
LEVELS = {"decouverte", "exploration", "experimentation", "deploiement", "transformation"}
QUESTIONNAIRES = load_directory(ROOT / "questionnaires")
PUBLIC_QUESTIONNAIRES = [q for q in QUESTIONNAIRES.values() if getattr(q, "audience", "company") == "public"]
# Until the public questionnaire is in questionnaires/, check the entries against the ids it must declare.
STAND_IN = SimpleNamespace(dimensions=[SimpleNamespace(id=d) for d in sorted(PUBLIC_DIMENSIONS)],
                           levels=[SimpleNamespace(id=lv) for lv in sorted(LEVELS)])
CATALOGUE = load_catalogue(PATH, QUESTIONNAIRES if PUBLIC_QUESTIONNAIRES else {"ai-public@1": STAND_IN})
ENTRIES = CATALOGUE.entries
# catalogue.yaml alone (load_catalogue would add this file's entries to it).
COMPANY_ENTRIES = parse_catalogue(_parse_yaml(ROOT / "questionnaires" / "catalogue.yaml")[0], QUESTIONNAIRES).entries
# Schemes only a company can use: the skills operators and their branches, Bpifrance, company loans
# and tax credits.
COMPANY_ONLY = re.compile(r"bpifrance|\bopco\b|opérateur de compétences|skills operator|\bakto\b|"
                          r"\batlas\b|constructys|opcommerce|ocapiat|uniformation|afdas|"
                          r"crédit d[’']impôt|tax credit|prêts? garantis?|guaranteed loan", re.IGNORECASE)


def words(entry) -> str:
    """The operator and the name of an entry, both languages, as a user reads them."""
    return " ".join([entry.operator.fr, entry.operator.en, entry.name.fr, entry.name.en])


def test_the_file_has_between_12_and_20_entries():
    assert 12 <= len(ENTRIES) <= 20


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_every_entry_serves_public_bodies(entry):
    assert "public" in entry.audiences
    # Only the EDIHs also serve companies; every other entry is for public bodies alone.
    if "company" in entry.audiences:
        assert "EDIH" in entry.name.fr


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_every_entry_links_the_operator_page_and_its_source_over_https(entry):
    for url in (entry.url, entry.source_url):
        parsed = urlparse(url)
        assert parsed.scheme == "https" and parsed.netloc, url


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_every_entry_was_read_today_and_is_re_read_within_a_year(entry):
    assert entry.verified_on == TODAY
    assert TODAY < entry.review_by <= add_months(TODAY, 12)
    assert entry.valid_until is None or entry.valid_until > TODAY
    assert entry.is_valid_on(TODAY)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_no_company_only_scheme_is_offered_to_a_public_body(entry):
    assert not COMPANY_ONLY.search(words(entry)), entry.id
    assert entry.opco is None
    # A public body has no head-count band nor NAF sector: the entries apply to every body.
    assert entry.sizes == tuple(SIZE_BANDS) and entry.sectors == tuple(NAF_SECTIONS)


def test_the_company_only_check_recognises_the_company_schemes():
    flagged = {e.id for e in COMPANY_ENTRIES if COMPANY_ONLY.search(words(e))}
    assert {"bpifrance-diag-data-ia", "opco-ep", "opco-akto", "opco-atlas"} <= flagged


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_entries_use_the_public_questionnaires_dimensions_and_levels(entry):
    assert entry.dimensions and set(entry.dimensions) <= PUBLIC_DIMENSIONS
    assert entry.levels and set(entry.levels) <= LEVELS


def test_the_public_questionnaire_declares_those_dimensions():
    if not PUBLIC_QUESTIONNAIRES:
        pytest.skip("the public questionnaire is not in questionnaires/ yet")
    for questionnaire in PUBLIC_QUESTIONNAIRES:
        assert {d.id for d in questionnaire.dimensions} == PUBLIC_DIMENSIONS


def test_a_12000_inhabitant_commune_in_herault_is_sent_to_the_cnfpt_and_les_interconnectes():
    region = DEPARTMENTS["34"][1]
    assert region == "FR-OCC"
    offers = [e for e in ENTRIES if "public" in e.audiences and e.is_valid_on(TODAY) and not e.is_reading
              and (e.national or region in e.regions)]
    # A commune starting out (level Découverte) is sent to the CNFPT and Les Interconnectés.
    first_steps = " ".join(e.operator.fr for e in offers if "decouverte" in e.levels)
    assert "CNFPT" in first_steps and "Les Interconnectés" in first_steps
    # The CNFPT trains the agents, managers and élus a commune employs.
    cnfpt = next(e for e in offers if "CNFPT" in e.operator.fr)
    assert cnfpt.kind == "training" and "people" in cnfpt.dimensions
    # Occitanie has its own entry point too.
    assert any(region in e.regions for e in offers)


def test_readings_are_kept_apart_from_the_offers():
    readings = [e for e in ENTRIES if e.is_reading]
    assert readings and len(readings) < len(ENTRIES) // 2


FRENCH = [pytest.param(where, text, id=where)
          for where, text in french_texts(yaml.safe_load(PATH.read_text(encoding="utf-8")))]


def test_every_entry_has_french_texts_to_check():
    assert len(FRENCH) >= 3 * len(ENTRIES)


@pytest.mark.parametrize("where, text", FRENCH)
def test_a_french_text_follows_french_typography(where, text):
    assert problems(text) == []
