"""The advisor's pages in a real browser (issue 14): the list fits a laptop, the file starts with the
advisor's work, the observatory's labels are whole, and nothing runs off a phone's screen."""
from __future__ import annotations

import re

import pytest

pytest.importorskip("playwright")
from assessor.web import auth  # noqa: E402
from assessor.store.db import connect  # noqa: E402
from assessor.store import accounts
from tests.test_browser import assert_accessible, axe, browser  # noqa: E402, F401 (fixtures)
from tests.factories import make_app, serving  # noqa: E402

pytestmark = pytest.mark.browser
PASSWORD = "un mot de passe solide"
LONG_NAME = "Marie-Christine Delacroix-Beaumont"


@pytest.fixture(scope="module")
def seeded_server(tmp_path_factory):
    """The real app with demo data, an administrator whose long name is on every file, and a
    non-admin advisor, served on a free localhost port."""
    

    app = make_app(tmp_path_factory.mktemp("advisor-pages"), WTF_CSRF_ENABLED=True,
                   ARGON2_TEST_PARAMS={"time_cost": 1, "memory_cost": 8, "parallelism": 1})
    assert app.test_cli_runner().invoke(args=["demo", "seed", "120", "--seed", "5"]).exit_code == 0
    with app.app_context():
        db = connect(app.config["DATABASE"])
        try:
            admin = accounts.create_advisor(db, "admin@example.org", auth.hash_password(PASSWORD),
                                             name=LONG_NAME, is_admin=True)
            accounts.create_advisor(db, "occ@example.org", auth.hash_password(PASSWORD), regions=["FR-OCC"])
            db.execute("update assessments set assigned_advisor_id = ?, followup_status = 'en accompagnement'",
                       [admin])
        finally:
            db.close()
    with serving(app) as base_url:
        yield base_url


def signed_in(browser, base_url, width, email="admin@example.org", language="fr"):  # noqa: F811
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(base_url + "/conseiller/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    if language == "en":
        page.get_by_role("button", name="English").click()
    return context, page


def page_width(page) -> int:
    return page.evaluate("document.scrollingElement.scrollWidth")


def tables_overflowing(page) -> list[str]:
    """Return the captions of the tables wider than the box that holds them."""
    return page.evaluate("""() => [...document.querySelectorAll('table')]
        .filter(t => t.scrollWidth > t.parentElement.clientWidth + 1)
        .map(t => `${t.caption ? t.caption.textContent : '?'}: ${t.scrollWidth} > ${t.parentElement.clientWidth}`)""")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_list_fits_a_laptop_screen(seeded_server, browser, axe, language):  # noqa: F811
    context, page = signed_in(browser, seeded_server, 1280, language=language)
    page.goto(seeded_server + "/conseiller/?demo=y")
    assert page.locator("table.advisor-list tbody tr").count() == 50
    assert tables_overflowing(page) == []
    assert page_width(page) <= 1280
    follow_up, assigned = ("Suivi", "Attribué à") if language == "fr" else ("Follow-up", "Assigned to")
    for name in (follow_up, assigned):
        header = page.get_by_role("columnheader", name=name, exact=True)
        box = header.bounding_box()
        assert header.is_visible() and box["x"] + box["width"] <= 1280, name
    last_cell = page.locator("table.advisor-list tbody tr").first.locator("td").last
    assert LONG_NAME in last_cell.inner_text()
    assert last_cell.bounding_box()["x"] + last_cell.bounding_box()["width"] <= 1280
    assert_accessible(axe, page)
    context.close()


def test_the_list_says_demo_data_is_hidden_and_shows_it_on_a_click(seeded_server, browser, axe):  # noqa: F811
    context, page = signed_in(browser, seeded_server, 1280)
    page.goto(seeded_server + "/conseiller/")
    assert page.get_by_text("Aucun diagnostic", exact=True).is_visible()
    assert page.get_by_text("diagnostics de démonstration sont masqués").is_visible()
    assert_accessible(axe, page)
    page.get_by_role("link", name="Afficher les données de démonstration").click()
    assert "demo=y" in page.url
    assert page.locator("table.advisor-list tbody tr").count() == 50
    context.close()


def test_a_non_admin_is_told_why_their_list_is_empty(seeded_server, browser, axe):  # noqa: F811
    context, page = signed_in(browser, seeded_server, 1280, email="occ@example.org")
    assert page.get_by_text("Vous ne voyez que les diagnostics des entreprises de vos régions (Occitanie) "
                            "qui ont accepté d'être contactées par un conseiller").is_visible()
    assert_accessible(axe, page)
    context.close()


def test_the_file_starts_with_the_advisors_work(seeded_server, browser, axe):  # noqa: F811
    context, page = signed_in(browser, seeded_server, 1280)
    page.goto(seeded_server + "/conseiller/?demo=y&state=submitted")
    page.locator("table.advisor-list tbody tr a").first.click()
    top = {name: page.locator(selector).first.bounding_box()["y"] for name, selector in {
        "follow-up": "#suivi", "notes": "#notes", "restart": "text=Démarrer un diagnostic de suivi en entretien",
        "results": ".score-summary", "answers": "#answers-title"}.items()}
    assert max(top["follow-up"], top["notes"], top["restart"]) < min(top["results"], top["answers"]), top
    assert top["follow-up"] < 900 and top["notes"] < 900  # on the first screen of a laptop
    profile = page.locator(".profile").inner_text()
    assert re.search(r"Commencé le\s+\d+(er)? \w+ \d{4} à \d+\u00a0h\u00a0\d\d", profile), profile
    assert_accessible(axe, page)
    page.get_by_role("link", name="Réponses").click()
    assert page.evaluate("location.hash") == "#answers-title"
    context.close()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_observatory_bar_labels_are_not_clipped(seeded_server, browser, axe, language):  # noqa: F811
    context, page = signed_in(browser, seeded_server, 1280, language=language)
    page.goto(seeded_server + "/conseiller/observatoire?demo=y")
    clipped = page.evaluate("""() => [...document.querySelectorAll('svg.bars')].flatMap(svg => {
        const view = svg.viewBox.baseVal;
        return [...svg.querySelectorAll('text')].map(text => [text.textContent, text.getBBox()])
          .filter(([, box]) => box.x < view.x || box.y < view.y || box.x + box.width > view.x + view.width
                               || box.y + box.height > view.y + view.height)
          .map(([label]) => label);
    })""")
    assert page.locator("svg.bars text.bar-label").count() >= 12
    assert clipped == []
    overlapping = page.evaluate("""() => {
        const boxes = [...document.querySelectorAll('svg.trend text.trend-label')].map(t => t.getBBox());
        return boxes.slice(1).filter((box, i) => box.x < boxes[i].x + boxes[i].width + 8).length;
    }""")
    assert overlapping == 0  # the last two month labels ran into each other (3 units apart)
    assert_accessible(axe, page)
    context.close()


@pytest.mark.parametrize("path", ["/conseiller/?demo=y", "/conseiller/observatoire?demo=y", "file"])
def test_nothing_runs_off_a_phone_screen(seeded_server, browser, axe, path):  # noqa: F811
    context, page = signed_in(browser, seeded_server, 375)
    if path == "file":
        page.goto(seeded_server + "/conseiller/?demo=y&state=submitted")
        page.locator("table.advisor-list tbody tr a").first.click()
        page.wait_for_url("**/conseiller/evaluations/*")
        page.wait_for_load_state("load")  # measured before its stylesheet applied, the page was 469 px wide
    else:
        page.goto(seeded_server + path)
    assert page_width(page) <= 375
    assert tables_overflowing(page) == []
    assert_accessible(axe, page)
    context.close()
