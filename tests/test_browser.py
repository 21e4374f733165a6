"""A newcomer completes the diagnostic in a real browser (Debian's chromium driven by Playwright).

axe-core runs on every page of the journey: any violation of serious or critical impact fails.
"""
from __future__ import annotations

import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("playwright")
from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from assessor.db import connect  # noqa: E402
from tests.conftest import make_app  # noqa: E402

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
COMPANY = "Atelier Lefèvre & Fils"


SLOW_POSTS = threading.Event()


def slow_posts(app):
    """Delay POST requests while SLOW_POSTS is set, as a loaded server would (double clicks)."""
    def middleware(environ, start_response):
        if SLOW_POSTS.is_set() and environ["REQUEST_METHOD"] == "POST":
            time.sleep(0.5)
        return app(environ, start_response)
    return middleware


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """Serve the real app on a free localhost port, in a thread, on a temporary database."""
    app = make_app(tmp_path_factory.mktemp("live"), WTF_CSRF_ENABLED=True)
    server = make_server("127.0.0.1", 0, slow_posts(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", app
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/setup.sh --test installs Debian's chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic"])
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def axe():
    return Axe()


def assert_accessible(axe, page):
    results = axe.run(page, options={"runOnly": {"type": "tag", "values": [
        "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}})
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, f"{page.url}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} → {[n['target'] for n in v['nodes']][:3]}" for v in serious)


def answer_visible_questions(page, choose="last"):
    """Answer every visible question of the section by clicking labels, as a user does."""
    for fieldset in page.locator("fieldset.question:visible").all():
        radios = fieldset.locator("input[type=radio]")
        boxes = fieldset.locator("input[type=checkbox]")
        if radios.count():
            ordinary = [r for r in radios.all() if r.get_attribute("value") not in ("dont_know", "not_applicable")]
            target = ordinary[-1] if choose == "last" else ordinary[0]
            page.locator(f"label[for='{target.get_attribute('id')}']").click()
        elif boxes.count():
            for box in boxes.all():
                value = box.get_attribute("value")
                if value in ("dont_know", "not_applicable", "none", "aucun", "aucune"):
                    continue
                label = page.locator(f"label[for='{box.get_attribute('id')}']")
                if "aucun" in label.inner_text().lower():
                    continue
                label.click()
        else:
            fieldset.locator("textarea").fill("Réduire le temps passé sur les devis.")


def test_newcomer_completes_the_diagnostic_resumes_and_downloads_the_pdf(live_server, browser, axe, tmp_path):
    base_url, app = live_server
    context = browser.new_context(locale="fr-FR", accept_downloads=True)
    page = context.new_page()
    page.goto(base_url + "/")
    assert_accessible(axe, page)

    # a first attempt with a mistake: the error is announced and what was typed stays
    page.get_by_label("Nom de l'entreprise *").fill(COMPANY)
    page.get_by_role("button", name="Commencer le diagnostic").click()
    assert page.locator("#error-summary").is_visible()
    assert page.get_by_label("Nom de l'entreprise *").input_value() == COMPANY
    assert_accessible(axe, page)

    page.get_by_label("10 à 49 salariés").check()
    page.get_by_label("Secteur d'activité (section NAF) *").select_option("C")
    page.get_by_label("Région *", exact=True).select_option("FR-HDF")
    page.get_by_label("Votre fonction *").select_option("dirigeant")
    page.get_by_role("button", name="Commencer le diagnostic").click()
    assert "Étape 1 sur" in page.content()
    resume_url = page.locator("#resume-url").input_value()
    assert "/a/" in resume_url

    questionnaire_steps = int(page.locator(".step-count").inner_text().split("sur")[1].split()[0])
    half = questionnaire_steps // 2
    for step in range(1, half + 1):
        assert f"Étape {step} sur {questionnaire_steps}" in page.locator(".step-count").inner_text()
        assert_accessible(axe, page)
        answer_visible_questions(page)
        page.get_by_role("button", name="Enregistrer et continuer").click()
    # the browser is closed halfway
    context.close()

    context = browser.new_context(locale="fr-FR", accept_downloads=True)
    page = context.new_page()
    page.goto(resume_url)
    assert f"Étape {half + 1} sur {questionnaire_steps}" in page.locator(".step-count").inner_text()
    for step in range(half + 1, questionnaire_steps + 1):
        assert_accessible(axe, page)
        answer_visible_questions(page)
        page.get_by_role("button", name="Enregistrer et").first.click()
    assert "Vérifiez vos réponses" in page.content()
    assert_accessible(axe, page)
    page.get_by_role("button", name="Valider et voir mes résultats").click()

    assert page.get_by_role("heading", name="Vos résultats").is_visible()
    assert COMPANY in page.content().replace("&amp;", "&")
    assert page.locator("svg.radar title").count() == 1
    assert_accessible(axe, page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger le rapport PDF").click()
    pdf_path = tmp_path / "rapport.pdf"
    download_info.value.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(pdf_path), "-"], capture_output=True, text=True).stdout
        assert "Atelier Lefèvre" in text
        assert "/100" in text

    # the company deletes its diagnostic: a box to tick first, then everything goes
    page.get_by_role("link", name="Supprimer ce diagnostic et mes réponses").click()
    assert_accessible(axe, page)
    page.get_by_role("button", name="Supprimer définitivement").click()
    assert page.locator("#error-summary").is_visible()
    assert_accessible(axe, page)
    page.get_by_label("Je confirme : supprimer définitivement ce diagnostic et toutes ses réponses.").check()
    page.get_by_role("button", name="Supprimer définitivement").click()
    assert "Votre diagnostic et toutes ses réponses ont été supprimés." in page.content()
    assert page.goto(resume_url).status == 404
    context.close()


def test_pages_fit_a_phone_screen_and_work_without_javascript(live_server, browser, axe):
    base_url, _ = live_server
    context = browser.new_context(locale="fr-FR", java_script_enabled=False,
                                  viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.goto(base_url + "/")
    page.get_by_label("Nom de l'entreprise *").fill("Boulangerie du Port")
    page.get_by_label("1 à 9 salariés").check()
    page.get_by_label("Secteur d'activité (section NAF) *").select_option("G")
    page.get_by_label("Département (facultatif)").select_option("34")
    page.get_by_label("Votre fonction *").select_option("dirigeant")
    page.get_by_role("button", name="Commencer le diagnostic").click()
    assert "Étape 1 sur" in page.content()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page is {width}px wide on a 360px screen"
    answer_visible_questions(page, choose="first")
    page.get_by_role("button", name="Enregistrer et continuer").click()
    assert "Étape 2 sur" in page.content()
    context.close()


def test_a_double_click_on_start_creates_one_diagnostic(live_server, browser):
    base_url, app = live_server
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.goto(base_url + "/")
    page.get_by_label("Nom de l'entreprise *").fill("Double Clic SARL")
    page.get_by_label("1 à 9 salariés").check()
    page.get_by_label("Secteur d'activité (section NAF) *").select_option("G")
    page.get_by_label("Région *", exact=True).select_option("FR-OCC")
    page.get_by_label("Votre fonction *").select_option("dirigeant")
    button = page.get_by_role("button", name="Commencer le diagnostic")
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    SLOW_POSTS.set()
    try:
        page.mouse.click(x, y)
        page.wait_for_timeout(150)
        page.mouse.click(x, y)  # the first answer has not come back yet
        page.wait_for_url("**/s/**")
        page.wait_for_timeout(800)  # a second request, if any, has been answered by now
    finally:
        SLOW_POSTS.clear()
    database = connect(app.config["DATABASE"])
    try:
        created = database.execute("select count(*) from assessments where company_name = ?",
                                   ["Double Clic SARL"]).fetchone()[0]
    finally:
        database.close()
    assert created == 1
    context.close()


def test_the_profile_form_can_be_filled_with_the_keyboard_only(live_server, browser):
    base_url, _ = live_server
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.goto(base_url + "/")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.get_by_label("Nom de l'entreprise *").focus()
    page.keyboard.type("Transports Morel")
    page.keyboard.press("Tab")  # the size radio group
    page.keyboard.press("ArrowDown")  # moves to and selects the second size band
    assert page.get_by_label("10 à 49 salariés").is_checked()
    context.close()


def test_the_language_switch_keeps_the_page_without_javascript_and_from_the_keyboard(live_server, browser):
    """Issue 9: the switch is a form (no private link in its URL) that still acts like a link."""
    from assessor.questionnaire import latest
    from tests.conftest import create_assessment

    base_url, app = live_server
    dimension = latest(app.extensions["assessor.questionnaires"], "ai-maturity").dimensions[1]
    _id, token = create_assessment(app)
    context = browser.new_context(locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    address = f"{base_url}/a/{token}/s/{dimension.id}"
    page.goto(address)
    targets = page.eval_on_selector_all("a[href], form[action]",
                                        "els => els.map(e => e.getAttribute('href') || e.getAttribute('action'))")
    assert not [t for t in targets if "next=" in t or ("langue" in t and token in t)], targets
    page.get_by_role("button", name="English").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == address
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Step 2 of" in page.locator(".step-count").inner_text()
    with page.expect_navigation():
        page.get_by_role("button", name="Français").click()
    assert page.url == address
    assert page.locator("html").get_attribute("lang") == "fr"
    context.close()


def test_advisor_follows_the_readme_and_works_in_a_real_browser(live_server, browser, axe, tmp_path):
    """Create an account and demo data as the README says, then log in, filter, open a company,
    write a note, start a follow-up, export CSV and read the observatory."""
    import re

    base_url, app = live_server
    runner = app.test_cli_runner()
    created = runner.invoke(args=["advisors", "create", "conseil@example.org", "--region", "FR-HDF", "--admin"])
    assert created.exit_code == 0, created.output
    password = re.search(r"password \(shown once\): (\S+)", created.output).group(1)
    seeded = runner.invoke(args=["demo", "seed", "80", "--seed", "7"])
    assert seeded.exit_code == 0, seeded.output

    context = browser.new_context(locale="fr-FR", accept_downloads=True)
    page = context.new_page()
    page.goto(base_url + "/")
    page.get_by_role("link", name="Espace conseiller").click()
    assert_accessible(axe, page)
    page.get_by_label("Adresse e-mail").fill("conseil@example.org")
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    assert_accessible(axe, page)

    if not page.get_by_label("Inclure les données de démonstration").is_visible():
        page.locator("summary", has_text="Filtrer et trier").click()  # the filters fold away once there are rows
    page.get_by_label("Inclure les données de démonstration").check()
    page.get_by_label("Région", exact=True).select_option("FR-HDF")
    page.get_by_role("button", name="Afficher").click()
    assert "region=FR-HDF" in page.url
    assert_accessible(axe, page)
    rows = page.locator("table tbody tr")
    assert rows.count() >= 1
    for cell in page.locator("table tbody tr td:nth-child(2)").all():
        assert cell.inner_text().strip() == "Hauts-de-France"

    with page.expect_download() as csv_info:
        page.get_by_role("link", name="Exporter en CSV").click()
    csv_path = tmp_path / "export.csv"
    csv_info.value.save_as(csv_path)
    lines = csv_path.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == rows.count() + 1 or len(lines) > rows.count()

    rows.first.locator("a").first.click()
    assert_accessible(axe, page)
    page.get_by_label("Nouvelle note").fill("Appel prévu jeudi <b>important</b>")
    page.get_by_role("button", name=re.compile("note", re.I)).click()
    assert page.get_by_text("Appel prévu jeudi <b>important</b>").is_visible()
    assert_accessible(axe, page)

    page.get_by_role("button", name="Démarrer un diagnostic de suivi en entretien").click()
    assert "Étape 1 sur" in page.locator(".step-count").inner_text()
    assert_accessible(axe, page)

    page.goto(base_url + "/conseiller/observatoire")
    page.get_by_label("Inclure les données de démonstration").check()
    page.get_by_role("button", name="Afficher").click()
    assert page.locator("h1").first.is_visible()
    assert page.locator("svg title").count() >= 1
    assert_accessible(axe, page)
    context.close()
