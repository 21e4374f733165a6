"""A company erases its own diagnostic from its private link (no account: the link is the key)."""
from __future__ import annotations

import re

import pytest

from assessor.report import cache as cache_report
from assessor.store.db import connect
from assessor.store import workspace
from assessor.store import accounts
from assessor.store import assessments as store
from factories import MINI_DIR, best_answers, create_assessment, make_app


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path, QUESTIONNAIRES_DIR=str(MINI_DIR), QUESTIONNAIRE_ID="mini")


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def count(app, sql: str, *args) -> int:
    database = connect(app.config["DATABASE"])
    try:
        return database.execute(sql, args).fetchone()[0]
    finally:
        database.close()


def test_results_review_and_saved_pages_offer_the_erasure(app):
    questionnaire = app.extensions["assessor.questionnaires"]["mini@1"]
    _id, draft = create_assessment(app, best_answers(questionnaire))
    _id, done = create_assessment(app, best_answers(questionnaire), submit=True)
    client = app.test_client()
    for url in (f"/a/{draft}/verification", f"/a/{draft}/enregistre", f"/a/{done}/resultats"):
        page = client.get(url).get_data(as_text=True)
        assert "Supprimer ce diagnostic et mes réponses" in page, url


def test_erasure_needs_the_box_ticked_and_says_so_in_french(app):
    assessment_id, token = create_assessment(app, company_name="Menuiserie <Dupont>")
    client = app.test_client()
    page = client.get(f"/a/{token}/supprimer").get_data(as_text=True)
    assert "Menuiserie &lt;Dupont&gt;" in page and "sans retour possible" in page
    response = client.post(f"/a/{token}/supprimer", data={"csrf_token": csrf(page)})
    assert response.status_code == 422
    assert "Cochez la case pour confirmer la suppression." in response.get_data(as_text=True)
    assert count(app, "select count(*) from assessments where id = ?", assessment_id) == 1


def test_erasure_without_a_valid_form_token_deletes_nothing(app):
    assessment_id, token = create_assessment(app)
    response = app.test_client().post(f"/a/{token}/supprimer", data={"confirm": "y", "csrf_token": "forged"})
    page = response.get_data(as_text=True)
    assert "le formulaire avait expiré" in page and "Supprimer définitivement" in page  # shown again
    assert count(app, "select count(*) from assessments where id = ?", assessment_id) == 1


def test_erasing_only_this_one_removes_everything_of_it_and_keeps_later_diagnostics(app):
    questionnaire = app.extensions["assessor.questionnaires"]["mini@1"]
    first_id, first = create_assessment(app, best_answers(questionnaire), submit=True)
    client = app.test_client()
    client.get(f"/a/{first}/rapport.pdf")  # a cached PDF now exists
    cache = cache_report.ReportCache(app.config["REPORT_CACHE_DIR"])
    assert list(cache.directory.glob(f"{first_id}/*.pdf"))
    follow_up = client.post(f"/a/{first}/suivi", data={"csrf_token": csrf(client.get(f"/a/{first}/resultats")
                                                                         .get_data(as_text=True))}).location
    second = re.match(r"/a/([^/]+)/", follow_up).group(1)
    database = connect(app.config["DATABASE"])
    advisor = accounts.create_advisor(database, "conseil@example.org", "x", regions=["FR-HDF"])
    workspace.add_note(database, first_id, advisor, "Rappeler en janvier")
    database.close()

    page = client.get(f"/a/{first}/supprimer").get_data(as_text=True)
    assert "Seulement ce diagnostic" in page
    response = client.post(f"/a/{first}/supprimer", data={"csrf_token": csrf(page), "confirm": "y",
                                                            "scope": "this"})
    assert response.status_code == 302 and response.location == "/"
    assert "Votre diagnostic et toutes ses réponses ont été supprimés." in client.get("/").get_data(as_text=True)
    assert client.get(f"/a/{first}").status_code == 404
    assert count(app, "select count(*) from assessments where id = ?", first_id) == 0
    assert count(app, "select count(*) from answers where assessment_id = ?", first_id) == 0
    assert count(app, "select count(*) from notes where assessment_id = ?", first_id) == 0
    assert not list(cache.directory.glob(f"{first_id}/*.pdf"))
    # the follow-up started from it is still there, on its own
    database = connect(app.config["DATABASE"])
    later = store.by_token(database, second)
    database.close()
    assert later is not None and later["previous_id"] is None
    assert client.get(f"/a/{second}").status_code == 302


def test_erased_diagnostics_leave_the_statistics(app):
    questionnaire = app.extensions["assessor.questionnaires"]["mini@1"]
    before = count(app, "select coalesce(sum(n), 0) from stats_counts")
    _id, token = create_assessment(app, best_answers(questionnaire), submit=True, consent_stats=1)
    assert count(app, "select coalesce(sum(n), 0) from stats_counts") > before
    client = app.test_client()
    page = client.get(f"/a/{token}/supprimer").get_data(as_text=True)
    client.post(f"/a/{token}/supprimer", data={"csrf_token": csrf(page), "confirm": "y"})
    assert count(app, "select coalesce(sum(n), 0) from stats_counts") == before


def _chain_of_three(app):
    """A first diagnostic, a submitted follow-up and a draft follow-up of it, as a company makes them."""
    questionnaire = app.extensions["assessor.questionnaires"]["mini@1"]
    first_id, first = create_assessment(app, best_answers(questionnaire), submit=True, consent_stats=1)
    second_id, second = create_assessment(app, best_answers(questionnaire), submit=True, previous_id=first_id,
                                          consent_stats=1)
    third_id, third = create_assessment(app, previous_id=second_id)
    return [(first_id, first), (second_id, second), (third_id, third)]


@pytest.mark.parametrize("link", [0, 1, 2])
def test_from_any_link_of_a_chain_the_whole_company_is_erased_by_default(app, link):
    """Issue 9: a follow-up kept the company's name and e-mail after the first diagnostic was erased."""
    chain = _chain_of_three(app)
    ids = [assessment_id for assessment_id, _token in chain]
    database = connect(app.config["DATABASE"])
    advisor = accounts.create_advisor(database, "conseil@example.org", "x", regions=["FR-HDF"])
    for assessment_id in ids:
        workspace.add_note(database, assessment_id, advisor, "Rappeler en janvier")
    database.close()
    client = app.test_client()
    client.get(f"/a/{chain[1][1]}/rapport.pdf")
    cache = cache_report.ReportCache(app.config["REPORT_CACHE_DIR"])
    assert list(cache.directory.glob(f"{ids[1]}/*.pdf"))
    stats_before = count(app, "select coalesce(sum(n), 0) from stats_counts")
    assert stats_before > 0

    token = chain[link][1]
    page = client.get(f"/a/{token}/supprimer").get_data(as_text=True)
    assert "Votre entreprise a fait 3 diagnostics" in page
    assert "Les 3 diagnostics de l'entreprise" in page
    assert re.search(r'value="chain"[^>]*checked|checked[^>]*value="chain"', page)  # the default
    response = client.post(f"/a/{token}/supprimer", data={"csrf_token": csrf(page), "confirm": "y"})
    assert response.status_code == 302
    assert "Vos 3 diagnostics et toutes leurs réponses ont été supprimés." in client.get("/").get_data(as_text=True)
    for _id, other in chain:
        assert client.get(f"/a/{other}").status_code == 404
    placeholders = ",".join("?" * len(ids))
    for sql in ("select count(*) from assessments where id in ({})",
                "select count(*) from answers where assessment_id in ({})",
                "select count(*) from notes where assessment_id in ({})"):
        assert count(app, sql.format(placeholders), *ids) == 0, sql
    assert count(app, "select count(*) from assessments where company_name = ? or email = ?",
                 "Menuiserie Dupont", "contact@dupont.example") == 0
    assert count(app, "select coalesce(sum(n), 0) from stats_counts") == 0
    assert not list(cache.directory.glob("*/*.pdf"))


def test_a_single_diagnostic_is_erased_without_a_choice_to_make(app):
    _id, token = create_assessment(app)
    page = app.test_client().get(f"/a/{token}/supprimer").get_data(as_text=True)
    assert "Seulement ce diagnostic" not in page and "Votre entreprise a fait" not in page


def test_another_company_is_untouched_by_a_chain_erasure(app):
    chain = _chain_of_three(app)
    other_id, _other = create_assessment(app, company_name="Boulangerie Martin")
    client = app.test_client()
    page = client.get(f"/a/{chain[0][1]}/supprimer").get_data(as_text=True)
    client.post(f"/a/{chain[0][1]}/supprimer", data={"csrf_token": csrf(page), "confirm": "y"})
    assert count(app, "select count(*) from assessments") == 1
    assert count(app, "select count(*) from assessments where id = ?", other_id) == 1
