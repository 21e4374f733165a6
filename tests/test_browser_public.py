"""A commune's secretary-general takes the public bodies' diagnostic in a real browser (issue 12):
from the home page's second path to the PDF, axe-core on every page (no serious or critical
violation), and the words of a collectivité, never "entreprise"."""
from __future__ import annotations


import pytest

pytest.importorskip("playwright")
from playwright.sync_api import expect  # noqa: E402

from tests.factories import make_public_app, serving  # noqa: E402
from tests.test_browser import (answer_visible_questions, assert_accessible, axe, browser,  # noqa: E402,F401
                                downloaded_report_text)

pytestmark = pytest.mark.browser
BODY = "Commune de Saint-Exemple-sur-Hérault"


@pytest.fixture(scope="module")
def public_server(tmp_path_factory):
    app = make_public_app(tmp_path_factory.mktemp("live-public"), WTF_CSRF_ENABLED=True)
    with serving(app) as base_url:
        yield base_url, app


def test_a_commune_finds_its_path_answers_and_downloads_its_pdf(public_server, browser, axe, tmp_path):  # noqa: F811
    base_url, _app = public_server
    context = browser.new_context(locale="fr-FR", accept_downloads=True)
    page = context.new_page()
    page.goto(base_url + "/")
    assert page.get_by_text("Vous représentez une collectivité ou un établissement public\u00a0?").is_visible()
    page.get_by_role("link", name="Faites le diagnostic écrit pour les collectivités").click()
    page.wait_for_url("**/collectivite")
    assert_accessible(axe, page)

    # a first attempt with the name only: every missing field is announced, the name stays
    page.get_by_label("Nom de la collectivité ou de l'établissement *").fill(BODY)
    page.get_by_role("button", name="Commencer le diagnostic").click()
    assert page.locator("#error-summary").is_visible()
    assert "Choisissez le nombre d'habitants." in page.content().replace("&#39;", "'")
    assert page.get_by_label("Nom de la collectivité ou de l'établissement *").input_value() == BODY
    assert_accessible(axe, page)

    page.get_by_label("Commune", exact=True).check()
    page.get_by_label("Population (nombre d'habitants) *").select_option("10000-49999")
    page.get_by_label("50 à 249 agents").check()
    page.get_by_label("Département (facultatif)").select_option("34")
    page.get_by_label("Votre fonction *").select_option("direction")
    page.get_by_role("button", name="Commencer le diagnostic").click()
    expect(page.locator(".step-count")).to_contain_text("Étape 1 sur")
    steps = int(page.locator(".step-count").inner_text().split("sur")[1].split()[0])
    for step in range(1, steps + 1):
        expect(page.locator(".step-count")).to_contain_text(f"Étape {step} sur {steps}")
        assert "entreprise" not in page.locator("main").inner_text().lower()
        assert_accessible(axe, page)
        answer_visible_questions(page, choose="first")
        page.get_by_role("button", name="Enregistrer et").first.click()
    page.wait_for_url("**/verification")
    assert_accessible(axe, page)
    page.get_by_role("button", name="Valider et voir mes résultats").click()

    assert page.get_by_role("heading", name="Vos résultats").is_visible()
    main = page.locator("main").inner_text()
    assert BODY in main and "entreprise" not in main.lower()
    assert "agents" in main
    assert_accessible(axe, page)

    text = downloaded_report_text(page, tmp_path)
    assert "Saint-Exemple" in text
    assert "entreprise" not in text.lower()
    context.close()


def test_the_public_form_works_on_a_phone_without_javascript(public_server, browser):  # noqa: F811
    base_url, _app = public_server
    context = browser.new_context(locale="fr-FR", java_script_enabled=False,
                                  viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.goto(base_url + "/collectivite")
    page.get_by_label("Intercommunalité (EPCI)").check()
    page.get_by_label("Nom de la collectivité ou de l'établissement *").fill("Communauté de communes du Test")
    page.get_by_label("Population (nombre d'habitants) *").select_option("50000-199999")
    page.get_by_label("250 à 999 agents").check()
    page.get_by_label("Région *", exact=True).select_option("FR-BRE")
    page.get_by_label("Votre fonction *").select_option("dsi")
    page.get_by_role("button", name="Commencer le diagnostic").click()
    assert "Étape 1 sur" in page.content()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page is {width}px wide on a 375px screen"
    context.close()
