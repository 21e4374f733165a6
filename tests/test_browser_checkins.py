"""Check-ins end to end (issue 15), in a real browser with a real SMTP server on loopback: the
company validates and asks for check-ins, `checkins send` three months later sends one message, the
check-in is filled in from its link (axe-clean, on a phone too), a second run sends nothing, and
unsubscribing from the message stops the six-month one."""
from __future__ import annotations

import datetime as dt
import re
import threading
from email import message_from_bytes, policy

import pytest

pytest.importorskip("playwright")
pytest.importorskip("aiosmtpd")
from aiosmtpd.controller import Controller  # noqa: E402
from playwright.sync_api import expect  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from assessor.domain import clock  # noqa: E402
from assessor.domain.questionnaire import latest  # noqa: E402
from assessor.store import checkins as store  # noqa: E402
from assessor.store.checkins import add_months  # noqa: E402
from assessor.store.db import connect  # noqa: E402
from tests.factories import create_assessment, make_app, worst_answers  # noqa: E402
from tests.test_browser import assert_accessible, axe, browser  # noqa: E402, F401 (fixtures)

pytestmark = pytest.mark.browser


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@pytest.fixture
def site(tmp_path):
    """The app on a free loopback port, mailing through an SMTP server on another."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        smtp_port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True, SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_port, SMTP_TLS="off",
                   SMTP_FROM="Diagnostic IA <diagnostic@example.org>", SMTP_TIMEOUT=5)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_URL"] = base_url  # the links of the messages lead to this server
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base_url, app, inbox
    server.shutdown()
    thread.join(5)
    controller.stop()


def send(app, day: dt.date) -> str:
    result = app.test_cli_runner().invoke(args=["checkins", "send", "--as-of", day.isoformat()])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_company_asks_for_check_ins_gets_one_message_and_fills_it_in(site, browser, axe):
    base_url, app, inbox = site
    questionnaire = latest(app.extensions["assessor.questionnaires"], "ai-maturity")
    assessment_id, token = create_assessment(app, worst_answers(questionnaire), email="dirigeante@atelier.example")
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.goto(f"{base_url}/a/{token}/verification")
    page.get_by_role("button", name="Valider et voir mes résultats").click()
    offer = page.get_by_role("heading", name="Recevoir un point d'étape dans 3 mois puis 6 mois")
    expect(offer).to_be_visible()
    email = page.get_by_label("Votre adresse e-mail", exact=True)
    expect(email).to_be_hidden()  # folded under its title: the results page stays short
    offer.click()
    expect(email).to_be_visible()
    assert email.input_value() == "dirigeante@atelier.example"  # prefilled from the profile
    page.get_by_role("button", name="Je m'inscris").click()
    expect(page.locator(".flash-success")).to_contain_text("vous recevrez un point d'étape")
    assert_accessible(axe, page)
    context.close()

    validated = clock.today(clock.zone())
    assert "0 check-in(s) due" in send(app, add_months(validated, 3) - dt.timedelta(days=1))
    assert "1 message(s) sent" in send(app, add_months(validated, 3))
    [(recipients, message)] = inbox.messages
    assert recipients == ["dirigeante@atelier.example"]
    assert message["Subject"] == "Votre point d'étape à 3 mois\u00a0: diagnostic de maturité IA"  # French
    text = message.get_body(preferencelist=("plain",)).get_content()
    checkin_url = re.search(re.escape(base_url) + r"/p/[\w-]+", text).group(0)
    unsubscribe_url = re.search(re.escape(base_url) + r"/desinscription/[\w-]+", text).group(0)

    # the link opens the check-in in a browser that never saw the diagnostic, on a phone
    phone = browser.new_context(locale="fr-FR", viewport={"width": 375, "height": 740}, is_mobile=True)
    page = phone.new_page()
    page.goto(checkin_url)
    expect(page.get_by_role("heading", name="Votre point d'étape à 3 mois")).to_be_visible()
    assert_accessible(axe, page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # nothing sideways
    groups = page.locator("fieldset.question")
    assert groups.count() >= 2
    first = groups.nth(0)
    first.get_by_label("Faite").check()  # saved as it goes
    expect(page.locator(".autosave-status")).to_contain_text("Enregistré à")
    database = connect(app.config["DATABASE"])
    [checkin] = store.of_assessment(database, assessment_id)
    assert list(checkin["items"].values()) == ["faite"] and checkin["submitted_at"] is None
    groups.nth(1).get_by_label("En cours").check()
    page.get_by_label("Commentaire (facultatif)").fill("Nous avons commencé par la formation.")
    page.get_by_label("Je souhaite être recontacté(e) par un conseiller.").check()
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("votre point d'étape est enregistré")
    assert_accessible(axe, page)
    [checkin] = store.of_assessment(database, assessment_id)
    assert checkin["submitted_at"] and checkin["wants_contact"] == 1
    assert sorted(checkin["items"].values()) == ["en_cours", "faite"]
    assert checkin["comment"] == "Nous avons commencé par la formation."

    # a second run the same day, or the next, sends nothing
    send(app, add_months(validated, 3))
    send(app, add_months(validated, 3) + dt.timedelta(days=1))
    assert len(inbox.messages) == 1

    # the results page now says where the plan stands
    page.goto(f"{base_url}/a/{token}/resultats")
    expect(page.get_by_role("heading", name="Où en est votre plan")).to_be_visible()
    expect(page.locator("#ou-en-est-le-plan")).to_contain_text("Faite\u00a0: 1")

    # unsubscribing from the message stops the six-month one
    page.goto(unsubscribe_url)
    assert_accessible(axe, page)
    page.get_by_role("button", name="Ne plus recevoir de points d'étape").click()
    expect(page.locator("main")).to_contain_text("Vous ne recevrez plus de points d'étape pour ce diagnostic")
    assert "0 check-in(s) due" in send(app, add_months(validated, 6))
    assert len(inbox.messages) == 1
    phone.close()
    database.close()
