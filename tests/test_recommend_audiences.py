"""Table tests of the audiences (issue 12), pure domain: in every region, on the day of the tests and
after the time-boxed entries have ended, no company-only entry ever reaches a public body and no
public-only entry a company; a public body is never held to a size, sector or OPCO criterion.

The catalogue is the real one with its public entries (questionnaires/catalogue-public.yaml), the
questionnaires the real ones (ai-maturity, ai-public).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from pathlib import Path

import pytest

from assessor.domain import eligibility
from assessor.domain.catalogue import Catalogue, load_catalogue
from assessor.domain.questionnaire import latest, load_directory
from assessor.domain.recommend import Profile, readings, recommend_entries
from assessor.domain.referential import OPCOS, REGIONS
from assessor.domain.scoring import score
from tests.factories import worst_answers
from tests.test_recommend import weak_answers


@functools.cache
def _data():
    folder = Path(__file__).resolve().parent.parent / "questionnaires"
    questionnaires = load_directory(folder)
    catalogue = load_catalogue(folder / "catalogue.yaml", questionnaires)
    public = max((q for q in questionnaires.values() if q.audience == "public"), key=lambda q: q.version)
    company = latest(questionnaires, "ai-maturity")
    # Every entry made to help every dimension of both questionnaires at every level: only its
    # audiences (and its region, its dates) can keep it from a profile.
    dimensions = tuple(d.id for q in (company, public) for d in q.dimensions)
    levels = tuple(dict.fromkeys(lv.id for q in (company, public) for lv in q.levels))
    catalogue = Catalogue(catalogue.version, tuple(dataclasses.replace(e, dimensions=dimensions, levels=levels)
                                                   for e in catalogue.entries))
    return questionnaires, catalogue, public, company


TODAY = dt.date(2026, 12, 2)


def _later():
    _qs, catalogue, _public, _company = _data()
    return max(e.valid_until for e in catalogue.entries if e.valid_until) + dt.timedelta(days=1)


def _results(questionnaire, size_band=None):
    """Everything weak, then each dimension weak alone: every dimension gets its recommendations."""
    yield score(questionnaire, worst_answers(questionnaire), size_band)
    for dimension in questionnaire.dimensions:
        yield score(questionnaire, weak_answers(questionnaire, {dimension.id}), size_band)


def test_the_catalogue_has_entries_for_both_audiences():
    _qs, catalogue, _public, _company = _data()
    assert any(e.audiences == ("public",) for e in catalogue.entries)
    assert any(e.audiences == ("company",) for e in catalogue.entries)


@pytest.mark.parametrize("later", [False, True], ids=["today", "after-the-end-dates"])
@pytest.mark.parametrize("region", list(REGIONS))
def test_no_entry_ever_reaches_an_audience_it_does_not_serve(region, later):
    _qs, catalogue, public, company = _data()
    day = _later() if later else TODAY
    body = Profile(region, None, None, None, audience="public")
    shown_to_bodies = set()
    for result in _results(public):
        for r in recommend_entries(public, catalogue, body, result, "fr", day):
            assert "public" in r.entry.audiences, f"{r.entry.id} (company-only) reached a public body in {region}"
            assert {c.kind for c in r.eligibility.criteria} <= {"region", "open", "other"}, r.entry.id
            assert r.eligibility.status != eligibility.NOT_ELIGIBLE
            shown_to_bodies.add(r.entry.id)
        for entry in readings(public, catalogue, body, result, day):
            assert "public" in entry.audiences, entry.id
    assert shown_to_bodies, f"no offer at all for a public body in {region}"
    for size_band, sector in (("1-9", "G"), ("50-249", "C"), ("250+", "O")):
        for opco in (None, *list(OPCOS)[:2]):
            firm = Profile(region, size_band, sector, opco)
            for result in _results(company, size_band):
                for r in recommend_entries(company, catalogue, firm, result, "fr", day):
                    assert "company" in r.entry.audiences, f"{r.entry.id} (public-only) reached a company in {region}"
                for entry in readings(company, catalogue, firm, result, day):
                    assert "company" in entry.audiences, entry.id


def test_an_entry_for_small_companies_does_not_hold_a_body_to_its_size_but_to_its_region():
    _qs, catalogue, _public, _company = _data()
    for entry in catalogue.entries:
        if "public" not in entry.audiences:
            status = eligibility.evaluate(entry, "FR-OCC", None, None, TODAY, None, "public").status
            assert status == eligibility.NOT_ELIGIBLE, entry.id
            continue
        criteria = eligibility.evaluate(entry, "FR-OCC", None, None, TODAY, None, "public").criteria
        assert not {c.kind for c in criteria} & {"size", "sector", "opco"}, entry.id
        region = next(c for c in criteria if c.kind == "region")
        assert region.met is (entry.national or "FR-OCC" in entry.regions)
