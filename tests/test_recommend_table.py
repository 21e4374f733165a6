"""Table tests of the recommendations (issue 11), pure domain, no HTTP: the 13 metropolitan regions
x 4 sizes x 4 sectors x weakness profiles (everything weak, or one dimension weak), on the day of
the tests and on a day after the time-boxed entries have ended.

For every company: no entry past its ``valid_until``; every recommendation with its status
(eligible or to check) and its criteria, none of them failed; no entry of another region; no study
among the recommended next steps (they are "Pour aller plus loin"); at least one entry of its own
region when the catalogue has one that fits.
"""
from __future__ import annotations

import datetime as dt
import functools

import pytest

from assessor.domain import eligibility
from assessor.domain.recommend import Profile, readings, recommend_entries
from assessor.domain.referential import REGIONS
from assessor.domain.scoring import score
from tests.factories import worst_answers
from tests.test_recommend import AI, CATALOGUE, weak_answers

METROPOLITAN = tuple(code for code in REGIONS if not code[3:].isdigit())  # FR-971…: overseas
SIZES = ("1-9", "10-49", "50-249", "250+")
SECTORS = ("C", "F", "G", "M")  # industry, construction, retail, professional services
PROFILES = {"all": None, **{d.id: d.id for d in AI.dimensions}}
TODAY = dt.date(2026, 12, 2)
LATER = max(e.valid_until for e in CATALOGUE.entries if e.valid_until) + dt.timedelta(days=1)


def test_the_table_covers_the_13_metropolitan_regions():
    assert len(METROPOLITAN) == 13 and "FR-HDF" in METROPOLITAN and "FR-974" not in METROPOLITAN


@functools.cache
def _result(profile: str, size_band: str):
    weak = PROFILES[profile]
    answers = worst_answers(AI) if weak is None else weak_answers(AI, {weak})
    return score(AI, answers, size_band)


def _fits(entry, region, size_band, sector, result, day) -> bool:
    """Whether a regional offer of the catalogue could be recommended to this company at all."""
    if entry.is_reading or entry.national or region not in entry.regions or not entry.serves("company"):
        return False
    if not eligibility.evaluate(entry, region, size_band, sector, day).shown:
        return False
    return any(d.id in entry.dimensions and d.level in entry.levels and d.score is not None and d.score < 100
               for d in result.dimensions)


@pytest.mark.parametrize("day", [TODAY, LATER], ids=["today", "after-the-end-dates"])
@pytest.mark.parametrize("region", METROPOLITAN)
def test_recommendations_for_every_company(region, day):
    problems = []
    missing_regional = []
    for size_band in SIZES:
        for sector in SECTORS:
            profile = Profile(region, size_band, sector)
            for name in PROFILES:
                result = _result(name, size_band)
                chosen = recommend_entries(AI, CATALOGUE, profile, result, "fr", day)
                where = f"{region} {size_band} {sector} weak={name}"
                for r in chosen:
                    entry = r.entry
                    if entry.valid_until is not None and day > entry.valid_until:
                        problems.append(f"{where}: {entry.id} ended on {entry.valid_until}")
                    if not entry.national and region not in entry.regions:
                        problems.append(f"{where}: {entry.id} is an offer of {entry.regions}")
                    if entry.is_reading:
                        problems.append(f"{where}: {entry.id} is a reading, not a next step")
                    e = r.eligibility
                    if e is None or e.status not in (eligibility.ELIGIBLE, eligibility.TO_CHECK) or not e.criteria:
                        problems.append(f"{where}: {entry.id} has no eligibility ({e})")
                    elif any(c.met is False for c in e.criteria):
                        problems.append(f"{where}: {entry.id} shown with a failed criterion")
                    elif (e.status == eligibility.TO_CHECK) != any(c.met is None for c in e.criteria):
                        problems.append(f"{where}: {entry.id} status {e.status} does not follow its criteria")
                for entry in readings(AI, CATALOGUE, profile, result, day):
                    if not entry.is_reading or (not entry.national and region not in entry.regions):
                        problems.append(f"{where}: {entry.id} listed as a reading")
                if chosen and any(_fits(e, region, size_band, sector, result, day) for e in CATALOGUE.entries) \
                        and all(r.entry.national for r in chosen):
                    missing_regional.append(where)
    assert not problems, "\n".join(problems[:20])
    assert not missing_regional, "no regional entry although the catalogue has one that fits: " + \
        "; ".join(missing_regional[:10])


@pytest.mark.parametrize("region", METROPOLITAN)
def test_every_metropolitan_region_has_its_own_entry_points(region):
    regional = [e for e in CATALOGUE.entries
                if e.serves("company") and region in e.regions and not e.is_reading and e.is_valid_on(TODAY)]
    assert regional, f"{REGIONS[region][0]}: no regional offer in the catalogue"
