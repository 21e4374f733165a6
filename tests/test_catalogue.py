"""The programme catalogue (issue 11): required fields and dates, readings apart, re-checks, regions."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from assessor.cli import data as cli
from assessor.domain import clock
from assessor.domain.catalogue import add_months, load_catalogue, parse_catalogue
from assessor.domain.questionnaire import QuestionnaireError, _Loader, latest, load_directory
from assessor.domain.recommend import Profile, recommend, recommend_entries
from assessor.domain.referential import REGIONS
from assessor.domain.scoring import score
from tests.factories import create_assessment, make_app, worst_answers
from tests.test_advisor import FAST_ARGON2, login, make_advisor

ROOT = Path(__file__).resolve().parent.parent
MINI_DIR = Path(__file__).parent / "data" / "mini"
TODAY = dt.date(2026, 12, 2)
MINI_QS = load_directory(MINI_DIR)
MINI = MINI_QS["mini@1"]
QUESTIONNAIRES = load_directory(ROOT / "questionnaires")
AI = latest(QUESTIONNAIRES, "ai-maturity")
CATALOGUE = load_catalogue(ROOT / "questionnaires" / "catalogue.yaml", QUESTIONNAIRES)
METROPOLITAN = [code for code in REGIONS if not code[3:].isdigit()]
WEAK = {"strategy.vision": "none", "strategy.budget": "no", "strategy.use": "0",
        "data.practices": ["none"], "data.quality": "no"}


def mini_data():
    with (MINI_DIR / "catalogue.yaml").open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_Loader)


def problems_of(data) -> list[str]:
    with pytest.raises(QuestionnaireError) as info:
        parse_catalogue(data, MINI_QS)
    return info.value.problems


# -- the schema --------------------------------------------------------------------------------------

@pytest.mark.parametrize("field", ["url", "source_url", "verified_on", "review_by"])
def test_an_entry_without_a_required_field_is_refused(field):
    data = mini_data()
    data["entries"][0].pop(field)
    assert any(f"entries[national-diag].{field}: missing" in p for p in problems_of(data))


def test_the_operator_page_must_be_https():
    data = mini_data()
    data["entries"][0]["url"] = "http://example.org/offer"
    assert any("entries[national-diag].url: 'http://example.org/offer' is not an https URL" in p
               for p in problems_of(data))


@pytest.mark.parametrize("verified_on, review_by, accepted", [
    ("2026-12-01", "2027-12-01", True),     # exactly twelve months
    ("2026-12-01", "2027-12-02", False),    # a day too late
    ("2026-12-01", "2026-11-30", False),    # before the check itself
    ("2028-02-29", "2029-02-28", True),     # no 29 February the year after
])
def test_review_by_is_at_most_twelve_months_after_verified_on(verified_on, review_by, accepted):
    data = mini_data()
    data["entries"][0].update(verified_on=dt.date.fromisoformat(verified_on),
                              review_by=dt.date.fromisoformat(review_by))
    if accepted:
        assert parse_catalogue(data, MINI_QS).entry("national-diag").review_by.isoformat() == review_by
    else:
        assert any("entries[national-diag].review_by:" in p and "within 12 months" in p for p in problems_of(data))


def test_add_months_keeps_the_day_or_takes_the_last_of_the_month():
    assert add_months(dt.date(2026, 12, 1), 12) == dt.date(2027, 12, 1)
    assert add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)


def test_an_event_must_say_when_it_ends():
    data = mini_data()
    data["entries"][3].pop("valid_until")
    assert any("entries[expired-event].valid_until: missing for a time-boxed event" in p for p in problems_of(data))


# -- valid_until, on the Paris day ------------------------------------------------------------------------

def test_an_entry_past_valid_until_is_hidden_from_the_next_paris_day():
    data = mini_data()
    data["entries"][1].update(valid_until=dt.date(2026, 12, 1))  # hdf-workshop, last day 1 December
    catalogue = parse_catalogue(data, MINI_QS)
    result = score(MINI, WEAK, "10-49")
    profile = Profile("FR-HDF", "10-49", "C")
    evening_utc = dt.datetime(2026, 12, 1, 22, 30, tzinfo=dt.timezone.utc)   # 23:30 in Paris
    night_utc = dt.datetime(2026, 12, 1, 23, 30, tzinfo=dt.timezone.utc)     # 00:30 on 2 December
    shown = recommend_entries(MINI, catalogue, profile, result, "fr", clock.today(clock.zone(), evening_utc))
    assert "hdf-workshop" in [r.entry.id for r in shown]
    hidden = recommend_entries(MINI, catalogue, profile, result, "fr", clock.today(clock.zone(), night_utc))
    assert "hdf-workshop" not in [r.entry.id for r in hidden]


# -- readings apart ------------------------------------------------------------------------------------

def test_a_reading_is_never_a_recommended_next_step_but_is_listed_apart():
    mini_catalogue = load_catalogue(MINI_DIR / "catalogue.yaml", MINI_QS)
    advice = recommend(MINI, mini_catalogue, Profile("FR-HDF", "10-49", "C"), score(MINI, WEAK, "10-49"), WEAK,
                       "fr", TODAY)
    assert "hdf-study" not in [r.entry.id for r in advice.recommendations]
    assert [e.id for e in advice.readings] == ["hdf-study"]
    elsewhere = recommend(MINI, mini_catalogue, Profile("FR-OCC", "10-49", "C"), score(MINI, WEAK, "10-49"), WEAK,
                          "fr", TODAY)
    assert elsewhere.readings == ()


def test_the_results_page_shows_readings_under_pour_aller_plus_loin(mini_app):
    _id, token = create_assessment(mini_app, WEAK, submit=True)
    html = mini_app.test_client().get(f"/a/{token}/resultats").get_data(as_text=True)
    recommended, further = html.split("Pour aller plus loin", 1)
    assert "Étude régionale" not in recommended
    assert "Atelier Hauts-de-France" in recommended
    assert "Étude régionale" in further and "https://example.org/hdf-study" in further


@pytest.mark.parametrize("region", METROPOLITAN)
def test_no_study_is_ever_recommended_in_the_shipped_catalogue(region):
    for weak in (("strategy", "use_cases", "data"), ("skills", "governance", "culture"), ("tools",)):
        answers = worst_answers(AI)
        result = score(AI, answers, "10-49")
        advice = recommend(AI, CATALOGUE, Profile(region, "10-49", "C"), result, answers, "fr", TODAY)
        assert not any(r.entry.is_reading for r in advice.recommendations)
        assert all(e.is_reading for e in advice.readings)


# -- catalogue check and the advisors' re-check list ----------------------------------------------------

def _data_dir(tmp_path: Path, mutate) -> Path:
    folder = tmp_path / "q"
    folder.mkdir()
    for questionnaire in MINI_DIR.glob("*.yaml"):
        shutil.copy(questionnaire, folder / questionnaire.name)
    data = mini_data()
    mutate(data)
    (folder / "catalogue.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return folder


def test_catalogue_check_lists_the_entries_past_their_review_date(tmp_path, monkeypatch):
    def overdue(data):
        data["entries"][1].update(verified_on=dt.date(2025, 10, 1), review_by=dt.date(2026, 10, 1))
    monkeypatch.setenv("ASSESSOR_QUESTIONNAIRES", str(_data_dir(tmp_path, overdue)))
    monkeypatch.setattr(clock, "today", lambda now=None: TODAY)
    result = CliRunner().invoke(cli.catalogue_group, ["check"])
    assert result.exit_code == 0, result.output
    assert "1 entries past their review date" in result.output
    assert "hdf-workshop: review_by 2026-10-01, source https://example.org/hdf" in result.output
    assert "national-diag" not in result.output


def test_catalogue_check_fails_on_a_missing_field(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSESSOR_QUESTIONNAIRES", str(_data_dir(tmp_path, lambda d: d["entries"][2].pop("url"))))
    result = CliRunner().invoke(cli.catalogue_group, ["check"])
    assert result.exit_code != 0
    assert "entries[occ-industry].url: missing" in result.output


@pytest.fixture
def advisor_app(tmp_path):
    return make_app(tmp_path, QUESTIONNAIRES_DIR=str(MINI_DIR), QUESTIONNAIRE_ID="mini",
                    ARGON2_TEST_PARAMS=FAST_ARGON2, WTF_CSRF_ENABLED=False)


def test_advisors_see_the_entries_due_for_a_recheck(advisor_app):
    mini_app = advisor_app
    data = mini_data()
    data["entries"][0].update(verified_on=dt.date(2025, 11, 1), review_by=dt.date(2026, 11, 1))   # passed
    data["entries"][1].update(review_by=clock.today(clock.zone()) + dt.timedelta(days=20))                     # soon
    data["entries"][1].update(verified_on=clock.today(clock.zone()) - dt.timedelta(days=300))
    mini_app.extensions["assessor.catalogue"] = parse_catalogue(data, MINI_QS)
    make_advisor(mini_app, "hdf@example.org", regions=["FR-HDF"])
    client = mini_app.test_client()
    assert login(client, "hdf@example.org").status_code == 302
    html = client.get("/conseiller/").get_data(as_text=True)
    assert "2 programmes du catalogue à revérifier" in html
    assert "Diagnostic national</a> (national-diag), à revérifier depuis le 1er novembre 2026" in html
    assert "Atelier Hauts-de-France</a> (hdf-workshop), à revérifier avant le" in html
    assert "occ-industry" not in html and "expired-event" not in html


def test_advisors_see_no_recheck_block_when_nothing_is_due(advisor_app):
    mini_app = advisor_app
    make_advisor(mini_app, "hdf@example.org", regions=["FR-HDF"])
    client = mini_app.test_client()
    assert login(client, "hdf@example.org").status_code == 302
    assert "à revérifier" not in client.get("/conseiller/").get_data(as_text=True)


# -- the shipped catalogue (issue 11) -----------------------------------------------------------------

def test_every_shipped_entry_was_checked_and_is_current():
    for entry in CATALOGUE.entries:
        assert entry.url.startswith("https://") and entry.source_url.startswith("https://"), entry.id
        assert entry.verified_on <= TODAY <= entry.review_by, entry.id
        assert entry.is_valid_on(TODAY), f"{entry.id} has expired: remove it"


@pytest.mark.parametrize("region", METROPOLITAN)
def test_every_metropolitan_region_has_its_own_entry_points(region):
    regional = [e for e in CATALOGUE.entries if region in e.regions and not e.is_reading]
    assert regional, f"{region} only gets national entries"
    answers = worst_answers(AI)
    shown = recommend_entries(AI, CATALOGUE, Profile(region, "10-49", "N"), score(AI, answers, "10-49"), "fr", TODAY)
    assert any(region in r.entry.regions for r in shown), f"no regional entry recommended in {region}"


@pytest.mark.parametrize("region", ["FR-HDF", "FR-OCC"])
def test_hauts_de_france_and_occitanie_have_ten_regional_entries(region):
    assert sum(1 for e in CATALOGUE.entries if region in e.regions) >= 10


def test_the_wrong_and_outdated_entries_are_gone_or_fixed():
    ids = {e.id for e in CATALOGUE.entries}
    # an R&D call, an unconfirmed platform, a past event, a 2020 regional scheme (content-review §1.1)
    assert not ids & {"osez-lia-pionniers-de-lia", "academie-ia", "cite-ia-summit", "region-idf-pack-ia"}
    opco = CATALOGUE.entry("opco-trouver-son-opco").description.fr
    assert "moins de 50 salariés" in opco and "IDCC" in opco
    assert "près de 80\u00a0%" in CATALOGUE.entry("dreets-occitanie-etude-ia").description.fr
    assert {"FR-OCC", "FR-NAQ"} <= set(CATALOGUE.entry("aerospace-valley").regions)
    assert {"FR-OCC", "FR-PAC"} <= set(CATALOGUE.entry("eurobiomed").regions)
    assert all(CATALOGUE.entry(i).is_reading for i in ("france-num-barometre", "cite-ia-barometre",
                                                        "cite-ia-carnets-podcast", "cci-hdf-etude-ia-generative",
                                                        "dreets-occitanie-etude-ia"))
    assert sum(1 for e in CATALOGUE.entries if e.operator.fr.startswith("Cité de l'IA")) <= 6


def test_the_regional_edihs_are_named_where_a_source_names_them():
    named = {region for e in CATALOGUE.entries if "DIH" in e.name.fr and not e.is_reading for region in e.regions}
    assert {"FR-BRE", "FR-PDL", "FR-NOR", "FR-PAC"} <= named


@pytest.mark.parametrize("region", ["FR-CVL", "FR-ARA", "FR-HDF", "FR-BFC", "FR-NOR", "FR-NAQ", "FR-PAC", "FR-OCC"])
def test_the_regional_chamber_of_commerce_is_an_entry_point(region):
    assert any(region in e.regions and e.id.startswith("cci-") and not e.is_reading for e in CATALOGUE.entries), region


def test_pays_de_la_loire_keeps_its_entry_points_once_solutions_and_co_is_gone():
    agency = CATALOGUE.entry("solutions-and-co-rdi")
    assert agency.valid_until is not None  # the agency is being wound up: its entry must end
    after = agency.valid_until + dt.timedelta(days=1)
    left = {e.id for e in CATALOGUE.entries if "FR-PDL" in e.regions and not e.is_reading and e.is_valid_on(after)}
    assert "solutions-and-co-rdi" not in left
    assert {"region-pdl-jinnove", "edih-diva-pays-de-la-loire"} <= left


@pytest.mark.parametrize("entry_id", ["objectif-ia", "cite-ia-clubs", "digital113-occitanie-is-ai",
                                      "region-grand-est-ia", "bpifrance-diag-data-ia"])
def test_announced_or_unconfirmed_offers_carry_an_end_date(entry_id):
    # announced clubs, a 2024 course, a 2020 MOOC with a 2025 goal, a regional aid with no date
    assert CATALOGUE.entry(entry_id).valid_until is not None


def test_the_eleven_opcos_are_listed():
    opcos = [e for e in CATALOGUE.entries if e.id.startswith("opco-") and e.id != "opco-trouver-son-opco"]
    assert len(opcos) == 11


@pytest.mark.parametrize("name", ["ai-maturity-v1.yaml", "ai-maturity-v2.yaml"])
def test_advice_names_cite_de_l_ia_only_as_the_hauts_de_france_actor(name):
    lines = (ROOT / "questionnaires" / name).read_text(encoding="utf-8").splitlines()
    texts = [line for line in lines if "Cité de l'IA" in line and not line.lstrip().startswith("#")]
    assert texts and all("Hauts-de-France" in line for line in texts)


def test_the_report_lists_readings_apart_from_the_programmes(tmp_path):
    from assessor.report import render as reporting
    from assessor.report import sample

    app = make_app(tmp_path)
    with app.app_context():
        context = sample.sample_context(app, "fr", today=TODAY)
        html = reporting.render_html(context, "fr").replace("\xa0", " ").replace("&#39;", "'")
    assert context["readings"] and all(e.is_reading for e in context["readings"])
    programmes = html.split('<section class="programmes">', 1)[1].split("</section>", 1)[0]
    further = html.split('<section class="readings">', 1)[1].split("</section>", 1)[0]
    assert "Pour aller plus loin" in further
    for entry in context["readings"]:
        name = entry.name.fr.replace("\xa0", " ")
        assert name in further and name not in programmes


def test_recommend_command_gives_readings_apart(tmp_path, monkeypatch):
    import json

    path = tmp_path / "answers.json"
    path.write_text(json.dumps(worst_answers(AI)), encoding="utf-8")
    monkeypatch.setenv("ASSESSOR_QUESTIONNAIRES", str(ROOT / "questionnaires"))
    result = CliRunner().invoke(cli.recommend_command, ["ai-maturity", str(path), "--region", "FR-HDF",
                                                        "--size", "10-49", "--sector", "C"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    readings = {r["id"] for r in data["readings"]}
    assert readings and all(CATALOGUE.entry(i).is_reading for i in readings)
    assert not readings & {r["id"] for r in data["recommendations"]}


# -- audiences and further files ---------------------------------------------------------------------

def test_an_entry_serves_companies_unless_it_says_otherwise():
    data = mini_data()
    data["entries"][1]["audiences"] = ["public"]
    data["entries"][2]["audiences"] = ["company", "public"]
    catalogue = parse_catalogue(data, MINI_QS)
    assert [e.audiences for e in catalogue.entries[:3]] == [("company",), ("public",), ("company", "public")]
    data["entries"][0]["audiences"] = ["citizens"]
    assert any("entries[national-diag].audiences: unknown code 'citizens'" in p for p in problems_of(data))


def test_a_public_only_entry_never_reaches_a_company():
    data = mini_data()
    for entry in data["entries"]:
        entry["audiences"] = ["public"]
    only_public = parse_catalogue(data, MINI_QS)
    result = score(MINI, worst_answers(MINI), "10-49")
    def found(audience):
        return recommend_entries(MINI, only_public, Profile("FR-HDF", "10-49", "C", audience=audience), result,
                                 "fr", TODAY)
    assert found("company") == () and found("public")


def test_files_beside_the_catalogue_add_their_entries(tmp_path):
    shutil.copy(MINI_DIR / "catalogue.yaml", tmp_path / "catalogue.yaml")
    extra = mini_data()
    extra["version"] = "2026-12-02"
    extra["entries"] = [dict(extra["entries"][0], id="public-only", audiences=["public"])]
    (tmp_path / "catalogue-public.yaml").write_text(yaml.safe_dump(extra, allow_unicode=True), encoding="utf-8")
    catalogue = load_catalogue(tmp_path / "catalogue.yaml", MINI_QS)
    assert catalogue.entries[-1].id == "public-only" and catalogue.entry("national-diag") is not None
    assert catalogue.version.endswith("+2026-12-02")
    extra["entries"][0]["id"] = "national-diag"
    (tmp_path / "catalogue-public.yaml").write_text(yaml.safe_dump(extra, allow_unicode=True), encoding="utf-8")
    with pytest.raises(QuestionnaireError, match=r"catalogue-public.yaml: entries\[national-diag\].id: also defined in catalogue.yaml"):
        load_catalogue(tmp_path / "catalogue.yaml", MINI_QS)
