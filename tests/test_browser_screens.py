"""Every page as a person sees it (issue 14): at 375 px (a phone) and 1280 px (a laptop), in French
and in English, nothing runs off the screen sideways, no table is wider than its box and no text
is cut by its box.

Set ``ASSESSOR_SCREENSHOTS=<folder>`` to also keep a full-page screenshot of each, to look at them:

    ASSESSOR_SCREENSHOTS=/tmp/screens .venv/bin/python -m pytest tests/test_browser_screens.py
"""
from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest

pytest.importorskip("playwright")
from werkzeug.serving import make_server  # noqa: E402

from assessor.domain.questionnaire import latest  # noqa: E402
from tests.factories import PASSWORD, best_answers, create_assessment, make_advisor, make_app, worst_answers  # noqa: E402
from tests.test_browser import browser  # noqa: E402, F401 (fixture)

pytestmark = pytest.mark.browser
WIDTHS = (375, 1280)
LANGUAGES = ("fr", "en")
# a name as long as the form allows, without spaces to break it: it must wrap, not push the page
LONG_COMPANY = "Établissements" + "Lefèvre" * 26


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The real app with demo data, an administrator, one draft and two validated diagnostics (one
    following up the other, with a 200-character name), served on a free localhost port."""
    app = make_app(tmp_path_factory.mktemp("screens"), WTF_CSRF_ENABLED=True,
                   ARGON2_TEST_PARAMS={"time_cost": 1, "memory_cost": 8, "parallelism": 1})
    assert app.test_cli_runner().invoke(args=["demo", "seed", "60", "--seed", "3"]).exit_code == 0
    with app.app_context():
        questionnaire = latest(app.extensions["assessor.questionnaires"], app.config["QUESTIONNAIRE_ID"])
    first_dimension = questionnaire.dimensions[0].id
    half = dict(list(best_answers(questionnaire).items())[:4])
    _, draft = create_assessment(app, half, company_name="Menuiserie du Port")
    first, _ = create_assessment(app, worst_answers(questionnaire), submit=True,
                                 company_name=LONG_COMPANY[:200], consent_contact=1)
    second, done = create_assessment(app, best_answers(questionnaire), submit=True,
                                     company_name=LONG_COMPANY[:200], previous_id=first, consent_contact=1)
    admin = make_advisor(app, "admin@example.org", is_admin=True, name="Marie-Christine Delacroix-Beaumont")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {
        "base": f"http://127.0.0.1:{server.server_port}",
        "company": {
            "home": "/", "methodology": "/methodologie", "privacy": "/confidentialite",
            "section": f"/a/{draft}/s/{first_dimension}", "review": f"/a/{draft}/verification",
            "saved": f"/a/{draft}/enregistre", "results": f"/a/{done}/resultats",
            "erase": f"/a/{done}/supprimer", "not-found": "/a/nothing-here/resultats",
        },
        "advisor": {
            "login": "/conseiller/connexion", "list": "/conseiller/?demo=y", "file": f"/conseiller/evaluations/{second}",
            "interview": "/conseiller/entretien", "observatory": "/conseiller/observatoire?demo=y",
            "accounts": "/conseiller/admin/comptes", "account": f"/conseiller/admin/comptes/{admin}",
            "to-get-back-to": "/conseiller/?remind=y&demo=y", "my-account": "/conseiller/mon-compte",
            "impact": "/conseiller/observatoire/impact?demo=y",
        },
    }
    server.shutdown()
    thread.join(5)


def _problems(page, width: int) -> list[str]:
    """What a person would notice runs off: the page wider than the screen, a table wider than its
    box, an element whose text is cut by its own box."""
    problems = []
    scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
    if scroll_width > width:
        problems.append(f"page {scroll_width}px wide on a {width}px screen")
    problems += page.evaluate("""() => [...document.querySelectorAll('table')]
        .filter(t => t.scrollWidth > t.parentElement.clientWidth + 1)
        .map(t => `table "${(t.caption ? t.caption.textContent : t.className).trim().slice(0, 40)}": `
                  + `${t.scrollWidth}px in ${t.parentElement.clientWidth}px`)""")
    problems += page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.offsetParent !== null && e.children.length === 0 && e.textContent.trim()
                  && !e.closest('.visually-hidden') && e.getBoundingClientRect().width > 1
                  && !['INPUT', 'SELECT', 'TEXTAREA', 'OPTION', 'svg'].includes(e.tagName)
                  && getComputedStyle(e).overflowX !== 'visible' && e.scrollWidth > e.clientWidth + 1)
        .map(e => `text cut in <${e.tagName.toLowerCase()}>: "${e.textContent.trim().slice(0, 40)}"`)""")
    return problems


def _visit(browser, site, audience: str, name: str, width: int, language: str):  # noqa: F811
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": 900},
                                  is_mobile=width < 600, has_touch=width < 600)
    page = context.new_page()
    base = site["base"]
    if audience == "advisor" and name != "login":
        page.goto(base + "/conseiller/connexion")
        page.get_by_label("Adresse e-mail").fill("admin@example.org")
        page.get_by_label("Mot de passe").fill(PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url(re.compile(r".*/conseiller/(\?.*)?$"))
    if language == "en":
        page.goto(base + "/")
        page.get_by_role("button", name="English").click()
    page.goto(base + site[audience][name])
    page.wait_for_load_state("load")
    return context, page


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("audience", ["company", "advisor"])
def test_no_page_runs_off_the_screen(site, browser, audience, width, language):  # noqa: F811
    folder = os.environ.get("ASSESSOR_SCREENSHOTS")
    found = {}
    for name in site[audience]:
        context, page = _visit(browser, site, audience, name, width, language)
        try:
            if folder:
                Path(folder).mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(Path(folder) / f"{audience}-{name}-{width}-{language}.png"), full_page=True)
            problems = _problems(page, width)
            if problems:
                found[name] = problems
        finally:
            context.close()
    assert found == {}, found
