"""The public bodies' path (issue 12): a collectivité finds it on the home page, gives its profile,
answers the public questionnaire and reads results, a PDF and recommendations in its own words."""
from __future__ import annotations

import csv
import io
import re
import subprocess
from html import unescape

import pytest

from assessor.store import assessments as store
from assessor.store.db import connect
from tests.factories import PUBLIC_PROFILE, best_answers, create_assessment, make_public_app, report_html, worst_answers
from tests.test_journey import post_section, token_csrf

FORM = {"body_kind": "commune", "company_name": "Commune de Saint-Exemple", "population_band": "10000-49999",
        "agents_band": "50-249", "region": "FR-OCC", "department": "34", "role": "direction", "email": ""}


@pytest.fixture
def app(tmp_path):
    return make_public_app(tmp_path, WTF_CSRF_ENABLED=True)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def questionnaire(app):
    return max((q for q in app.extensions["assessor.questionnaires"].values() if q.audience == "public"),
               key=lambda q: q.version)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def start(client, **fields) -> str:
    page = client.get("/collectivite").get_data(as_text=True)
    response = client.post("/collectivite", data=FORM | fields | {"csrf_token": token_csrf(page)})
    assert response.status_code == 302, text_of(response.get_data(as_text=True))[:2000]
    return response.headers["Location"].split("/")[2]


def stored(app, token):
    db = connect(app.config["DATABASE"])
    try:
        return store.by_token(db, token)
    finally:
        db.close()


def test_the_home_page_shows_the_public_path_in_french_and_english(client):
    html = client.get("/").get_data(as_text=True)
    assert "Vous représentez une collectivité ou un établissement public\u00a0?" in html
    assert 'href="/collectivite"' in html  # a plain link: no script needed
    english = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Do you represent a local authority or a public establishment?" in english


def test_the_public_form_asks_the_body_s_profile_and_says_what_is_missing_in_french(client):
    page = client.get("/collectivite").get_data(as_text=True)
    response = client.post("/collectivite", data={"company_name": "   ", "email": "pas-une-adresse",
                                                  "region": "", "department": "",
                                                  "csrf_token": token_csrf(page)})
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    for message in ("Indiquez le nom de votre collectivité ou de votre établissement.",
                    "Choisissez la nature de votre collectivité ou de votre établissement.",
                    "Choisissez le nombre d'habitants.", "Choisissez le nombre d'agents.",
                    "Choisissez votre fonction.", "Choisissez votre région, ou votre département.",
                    "Cette adresse e-mail n'est pas valide"):
        assert message in html, message
    assert "Effectif" not in html and "NAF" not in html and "OPCO" not in html
    assert "prenom.nom@mairie.fr" in html and "@entreprise.fr" not in html  # its example, in a body's words
    assert 'value="pas-une-adresse"' in html


def test_the_public_form_speaks_english_too(client):
    page = client.get("/collectivite", headers={"Accept-Language": "en"}).get_data(as_text=True)
    html = unescape(client.post("/collectivite", headers={"Accept-Language": "en"},
                                data={"csrf_token": token_csrf(page), "region": "", "department": ""}
                                ).get_data(as_text=True))
    assert "Choose the number of inhabitants." in html
    assert "Choose the kind of your local authority or establishment." in html


def test_a_department_outside_the_region_and_a_long_name_are_refused(client):
    page = client.get("/collectivite").get_data(as_text=True)
    html = unescape(client.post("/collectivite", data=FORM | {
        "region": "FR-HDF", "company_name": "x" * 201, "csrf_token": token_csrf(page)}).get_data(as_text=True))
    assert "Ce département n'appartient pas à la région choisie." in html
    assert "Le nom ne peut pas dépasser 200 caractères." in html


def test_a_body_is_stored_with_its_audience_kind_bands_and_no_company_fields(app, client, questionnaire):
    token = start(client, region="", company_name="  Commune\tde Saint-Exemple  ")
    row = stored(app, token)
    assert (row["audience"], row["body_kind"], row["population_band"], row["agents_band"]) == (
        "public", "commune", "10000-49999", "50-249")
    assert row["company_name"] == "Commune de Saint-Exemple"
    assert row["region"] == "FR-OCC"  # from the department
    assert row["size_band"] is None and row["sector"] is None and row["opco"] is None
    assert (row["questionnaire_id"], row["questionnaire_version"]) == (questionnaire.id, questionnaire.version)


def test_a_company_is_still_stored_as_a_company(app):
    assessment_id, token = create_assessment(app)
    assert stored(app, token)["audience"] == "company"


# What a company reads and a public body must not: its size, its sector, its staff, its OPCO.
COMPANY_WORDS = re.compile(r"entreprise|salarié|votre taille|votre secteur|\bopco\b|\btpe\b|\bpme\b", re.IGNORECASE)


def company_words(text: str) -> list[str]:
    return COMPANY_WORDS.findall(text.replace("\u00a0", " "))


def test_the_whole_public_journey_never_says_entreprise(app, client, questionnaire):
    token = start(client)
    answers = worst_answers(questionnaire)
    for dimension in questionnaire.dimensions:
        page = client.get(f"/a/{token}/s/{dimension.id}").get_data(as_text=True)
        assert company_words(text_of(page)) == []
        assert post_section(client, token, dimension, answers).status_code == 302
    # resuming goes to the review, which lists the answers
    assert client.get(f"/a/{token}").headers["Location"].endswith(f"/a/{token}/verification")
    review = client.get(f"/a/{token}/verification").get_data(as_text=True)
    assert company_words(text_of(review)) == []
    response = client.post(f"/a/{token}/valider", data={"csrf_token": token_csrf(review)})
    assert response.headers["Location"].endswith(f"/a/{token}/resultats")

    results = text_of(client.get(f"/a/{token}/resultats").get_data(as_text=True))
    assert company_words(results) == []
    assert "Commune · 10 000 à 49 999 habitants · 50 à 249 agents".replace(" ", "") in results.replace(" ", "").replace("\u202f", "").replace("\u00a0", "")
    assert "Comparaison avec des" not in results  # peers are companies of a size band
    assert "Structure située en" in results  # the region criterion, in the body's words

    pdf = client.get(f"/a/{token}/rapport.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    text = re.sub(r"\s+", " ", subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf.data,
                                              capture_output=True, check=True).stdout.decode("utf-8"))
    assert "Commune de Saint-Exemple" in text
    assert company_words(text) == []
    assert "votre commune se situe au niveau" in text

    # the same data export and erasure as a company
    data = client.get(f"/a/{token}/donnees.json")
    assert data.status_code == 200 and data.json["profile"]["company_name"] == "Commune de Saint-Exemple"
    assert data.json["profile"]["body_kind"]["label"] == "Commune"
    assert data.json["profile"]["role"]["label"] == "Direction générale"
    erase = client.get(f"/a/{token}/supprimer").get_data(as_text=True)
    assert company_words(text_of(erase)) == []
    client.post(f"/a/{token}/supprimer", data={"confirm": "y", "scope": "chain", "csrf_token": token_csrf(erase)})
    assert stored(app, token) is None


def test_the_report_html_of_a_body_says_its_kind_and_never_entreprise(app, questionnaire):
    for kind, words in (("departement", "votre département se situe"), ("epci", "votre intercommunalité se situe")):
        assessment_id, _token = create_assessment(app, worst_answers(questionnaire), submit=True,
                                                  audience="public", body_kind=kind)
        html = text_of(report_html(app, assessment_id, questionnaire))
        assert company_words(html) == []
        assert words in html


def test_a_follow_up_of_a_body_stays_a_body(app, client, questionnaire):
    _id, token = create_assessment(app, best_answers(questionnaire), submit=True, audience="public")
    results = client.get(f"/a/{token}/resultats").get_data(as_text=True)
    response = client.post(f"/a/{token}/suivi", data={"csrf_token": token_csrf(results)})
    follow_up = response.headers["Location"].split("/")[2]
    row = stored(app, follow_up)
    assert (row["audience"], row["body_kind"], row["questionnaire_id"]) == ("public", "commune", questionnaire.id)


def test_advisors_filter_by_audience_and_export_it(app, auth, questionnaire):
    create_assessment(app, best_answers(questionnaire), submit=True, audience="public")
    create_assessment(app, submit=True, company_name="Menuiserie Dupont")
    client = auth._client
    auth.login()
    public = client.get("/conseiller/?audience=public&state=submitted").get_data(as_text=True)
    assert "Commune de Saint-Exemple" in public and "Menuiserie Dupont" not in public
    assert "10\u202f000 à 49\u202f999 habitants" in public
    companies = client.get("/conseiller/?audience=company").get_data(as_text=True)
    assert "Menuiserie Dupont" in companies and "Commune de Saint-Exemple" not in companies
    body = client.get("/conseiller/export.csv").get_data().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body), delimiter=";"))
    by_name = {r["Entreprise"]: r for r in rows}
    assert by_name["Commune de Saint-Exemple"]["Public visé"] == "Collectivités et établissements publics"
    assert by_name["Commune de Saint-Exemple"]["Nature de la collectivité"] == "Commune"
    assert by_name["Commune de Saint-Exemple"]["Agents"] == "50 à 249 agents"
    assert by_name["Menuiserie Dupont"]["Public visé"] == "Entreprises"


def test_the_advisor_file_shows_the_body_s_profile_in_its_words(app, auth, questionnaire):
    assessment_id, _token = create_assessment(app, best_answers(questionnaire), submit=True, audience="public")
    auth.login()
    html = text_of(auth._client.get(f"/conseiller/evaluations/{assessment_id}").get_data(as_text=True))
    assert "Profil de la collectivité" in html
    assert "Nature Commune" in html and "Population 10 000 à 49 999 habitants" in html.replace("\u202f", " ")
    assert "Effectif" not in html


def test_no_public_questionnaire_no_public_path(tmp_path):
    from tests.factories import MINI_DIR, make_app

    client = make_app(tmp_path, QUESTIONNAIRES_DIR=str(MINI_DIR), QUESTIONNAIRE_ID="mini").test_client()
    assert "/collectivite" not in client.get("/").get_data(as_text=True)
    assert client.get("/collectivite").status_code == 404


def test_the_recommend_command_recommends_public_entries_to_a_body(app, questionnaire, tmp_path, monkeypatch):
    import json

    from click.testing import CliRunner

    from assessor.cli import data as cli

    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(worst_answers(questionnaire)), encoding="utf-8")
    catalogue = app.extensions["assessor.catalogue"]
    monkeypatch.setenv("ASSESSOR_QUESTIONNAIRES", app.config["QUESTIONNAIRES_DIR"])
    result = CliRunner().invoke(cli.recommend_command, [questionnaire.id, str(answers), "--region", "FR-OCC"])
    assert result.exit_code == 0, result.output
    ids = [r["id"] for r in json.loads(result.output)["recommendations"]]
    assert ids and all("public" in catalogue.entry(i).audiences for i in ids)
    company = CliRunner().invoke(cli.recommend_command, [questionnaire.id, str(answers), "--region", "FR-OCC",
                                                         "--audience", "company"])
    assert company.exit_code != 0 and "--size" in company.output


def test_a_commune_in_herault_is_sent_to_the_cnfpt_and_les_interconnectes(app, client, questionnaire):
    _id, token = create_assessment(app, worst_answers(questionnaire), submit=True, audience="public",
                                   region="FR-OCC", department="34", population_band="10000-49999")
    results = text_of(client.get(f"/a/{token}/resultats").get_data(as_text=True))
    assert "CNFPT" in results and "Interconnectés" in results
    assert "OPCO" not in results and "Bpifrance" not in results


def test_every_kind_of_body_has_its_own_words_in_both_languages():
    from assessor.domain import audience
    from assessor.domain.referential import PUBLIC_KINDS

    for kind in PUBLIC_KINDS:
        french, english = audience.words("public", kind, "fr"), audience.words("public", kind, "en")
        assert french.your != "votre collectivité" and french.your.startswith("votre "), kind
        assert english.your.startswith("your ") and "collectivité" not in english.your, kind
    assert audience.words("public", "commune", "fr").of_the == "de la commune"
    assert audience.words("public", "departement", "fr").of_the == "du département"
    assert audience.words("public", "inconnue", "fr").your == "votre collectivité"  # an unknown kind: generic
    assert audience.words("company", None, "en").Your == "Your company"
