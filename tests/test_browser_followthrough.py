"""Issue 15 in a real browser: the advisor's « À relancer » list and the observatory's funnel page,
read with axe, at a laptop's and a phone's width."""
from __future__ import annotations

import datetime as dt

import pytest

pytest.importorskip("playwright")
from assessor.domain import clock  # noqa: E402
from assessor.store import checkins, workspace  # noqa: E402
from assessor.store.db import connect  # noqa: E402
from tests.factories import best_answers, create_assessment, make_advisor, make_app, serving  # noqa: E402
from tests.test_browser import assert_accessible, axe, browser  # noqa: E402, F401 (fixtures)

pytestmark = pytest.mark.browser
PASSWORD = "un mot de passe solide"
PARIS = clock.zone("Europe/Paris")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Eight companies of Hauts-de-France validated 30 days ago, six of them with a check-in saying
    an action started; one asks to be contacted."""
    

    from assessor.domain.questionnaire import latest

    app = make_app(tmp_path_factory.mktemp("followthrough"), WTF_CSRF_ENABLED=True,
                   ARGON2_TEST_PARAMS={"time_cost": 1, "memory_cost": 8, "parallelism": 1})
    questionnaire = latest(app.extensions["assessor.questionnaires"], app.config["QUESTIONNAIRE_ID"])
    day = clock.today(PARIS) - dt.timedelta(days=30)
    stamp = dt.datetime.combine(day, dt.time(12), tzinfo=PARIS).astimezone(dt.timezone.utc).isoformat(
        timespec="seconds")
    ids = [create_assessment(app, best_answers(questionnaire), submit=True, company_name=f"Atelier {i}")[0]
           for i in range(8)]
    db = connect(app.config["DATABASE"])
    try:
        db.execute("update assessments set submitted_at = ?", [stamp])
        for i, assessment_id in enumerate(ids[:6]):
            checkins.subscribe(db, assessment_id, "contact@atelier.example", "fr", f"unsub-{i}")
        checkins.schedule_due(db, dt.date(2100, 1, 1), [3], PARIS, lambda a, s: f"hash-{a}-{s}")
        for row in db.query("select id from checkins"):
            checkins.save(db, row["id"], {("action", "q1"): "en_cours"}, submit=True,
                          wants_contact=row["id"] == 1)
        workspace.set_followup(db, ids[7], "contacté", None)
    finally:
        db.close()
    make_advisor(app, "hdf@example.org", regions=["FR-HDF"], password=PASSWORD)
    with serving(app) as base_url:
        yield base_url


def signed_in(browser, base_url, width):  # noqa: F811
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(base_url + "/conseiller/connexion")
    page.get_by_label("Adresse e-mail").fill("hdf@example.org")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    return context, page


@pytest.mark.parametrize("width", [1280, 375])
def test_the_to_get_back_to_list_in_a_browser(server, browser, axe, width):  # noqa: F811
    context, page = signed_in(browser, server, width)
    try:
        page.goto(server + "/conseiller/")
        tab = page.get_by_role("link", name="À relancer 7")
        tab.focus()
        page.keyboard.press("Enter")
        page.wait_for_url("**/conseiller/?remind=y")
        assert page.get_by_role("link", name="À relancer 7").get_attribute("aria-current") == "page"
        rows = page.locator("table.advisor-list tbody tr")
        assert rows.count() == 7
        assert page.get_by_text("Demande à être recontactée", exact=True).count() == 1
        assert page.get_by_text("À relancer\u00a0: J+21", exact=True).count() == 6
        assert page.evaluate("document.scrollingElement.scrollWidth") <= width
        assert_accessible(axe, page)
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, 375])
def test_the_funnel_page_in_a_browser(server, browser, axe, width):  # noqa: F811
    context, page = signed_in(browser, server, width)
    try:
        page.goto(server + "/conseiller/observatoire")
        page.get_by_role("link", name="Impact des diagnostics\u00a0: ce que les entreprises ont fait depuis").click()
        page.wait_for_url("**/conseiller/observatoire/impact")
        heading = page.get_by_role("heading", level=2, name="Du diagnostic aux actes\u00a0: Toutes mes régions")
        assert heading.is_visible()
        total = page.locator("#entonnoir table").first.locator("tbody tr").first
        cells = [" ".join(c.split()) for c in total.locator("td").all_inner_texts()]
        assert cells[:2] == ["8", "6 75 %"] and cells[2:] == ["< 5"] * 3
        assert page.evaluate("document.scrollingElement.scrollWidth") <= width
        assert_accessible(axe, page)
    finally:
        context.close()
