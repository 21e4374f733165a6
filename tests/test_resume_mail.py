"""The private link by e-mail (issue 14), against a real SMTP server on a free loopback port."""
from __future__ import annotations

import logging
import re
import socket
from email import message_from_bytes, policy
from html import unescape

import pytest

pytest.importorskip("aiosmtpd")
from aiosmtpd.controller import Controller  # noqa: E402

from assessor.domain.questionnaire import latest  # noqa: E402
from factories import best_answers, create_assessment, make_app  # noqa: E402

OFFER = "Recevoir ce lien par e-mail"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """An aiosmtpd handler keeping what it receives; ``refuse`` makes it answer 554 to DATA."""

    def __init__(self):
        self.messages, self.refuse = [], False

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "554 5.7.1 Message refused"
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def mail_app(tmp_path, port, **extra):
    settings = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_TLS": "off",
                "SMTP_FROM": "Diagnostic IA <diagnostic@example.org>", "SMTP_TIMEOUT": 2}
    return make_app(tmp_path, **(settings | extra))


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def ask_for_the_link(client, page: str):
    html = client.get(page).get_data(as_text=True)
    assert OFFER in html
    token = page.split("/")[2]
    return client.post(f"/a/{token}/lien-par-email", data={"csrf_token": csrf(html), "back": page})


def body(message, subtype: str) -> str:
    return message.get_body(preferencelist=(subtype,)).get_content()


def test_the_link_is_mailed_in_the_companys_language_and_works(tmp_path, smtp, caplog):
    controller, inbox = smtp
    app = mail_app(tmp_path, controller.port)
    _id, token = create_assessment(app, lang="en", email="patron@atelier.example", company_name="Atelier Roux")
    client = app.test_client()
    questionnaire = latest(app.extensions["assessor.questionnaires"], "ai-maturity")
    page = f"/a/{token}/s/{questionnaire.dimensions[0].id}"
    with caplog.at_level(logging.DEBUG):
        response = ask_for_the_link(client, page)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{page}?lien=envoye#lien-de-reprise")
    [(recipients, message)] = inbox.messages
    assert recipients == ["patron@atelier.example"]
    assert message["Subject"] == "Your private link: AI maturity diagnostic"  # the company's language
    assert message["Content-Language"] == "en"
    link = f"http://localhost/a/{token}"
    text, html = body(message, "plain"), body(message, "html")
    assert link in text and "Atelier Roux" in text and "Here is the private link" in text
    assert f'href="{link}"' in html and 'lang="en"' in html
    # the link in the message opens the diagnostic, in a browser that never saw it
    assert app.test_client().get(link).headers["Location"].endswith(page)
    # the page says it was sent, in the link's box
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The link has been sent to patron@atelier.example" not in shown  # the browser's language: French
    assert "Le lien a été envoyé à patron@atelier.example" in unescape(shown)
    # nothing the application logged carries the link, nor the address ("mail.log" is the test's server)
    logged = "\n".join(record.getMessage() for record in caplog.records if not record.name.startswith("mail."))
    assert "mailed" in logged
    assert token not in logged and token[4:20] not in logged and "patron@atelier.example" not in logged


def test_a_french_company_gets_a_french_message_from_the_results_page(tmp_path, smtp):
    controller, inbox = smtp
    app = mail_app(tmp_path, controller.port)
    questionnaire = latest(app.extensions["assessor.questionnaires"], "ai-maturity")
    _id, token = create_assessment(app, best_answers(questionnaire), submit=True)
    response = ask_for_the_link(app.test_client(), f"/a/{token}/resultats")
    assert response.headers["Location"].endswith("?lien=envoye#lien-de-reprise")
    [(_to, message)] = inbox.messages
    assert message["Subject"] == "Votre lien privé\u00a0: diagnostic de maturité IA"
    assert "Voici le lien privé du diagnostic de maturité IA de Menuiserie Dupont" in body(message, "plain")
    assert f"http://localhost/a/{token}" in body(message, "plain")


def test_the_link_is_mailed_at_most_once_a_minute(tmp_path, smtp):
    controller, inbox = smtp
    app = mail_app(tmp_path, controller.port)
    _id, token = create_assessment(app)
    client = app.test_client()
    page = f"/a/{token}/enregistre"
    assert ask_for_the_link(client, page).headers["Location"].endswith("?lien=envoye#lien-de-reprise")
    again = ask_for_the_link(client, page)
    assert again.headers["Location"].endswith("?lien=attendre#lien-de-reprise")
    assert "attendez une minute" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert len(inbox.messages) == 1


def test_nobody_floods_an_address_by_starting_diagnostics_in_its_name(tmp_path, smtp):
    controller, inbox = smtp
    app = mail_app(tmp_path, controller.port, RESUME_MAIL_PER_ADDRESS_HOUR=3)
    client = app.test_client()
    outcomes = []
    for i in range(5):
        _id, token = create_assessment(app, email="Victime@Example.org" if i % 2 else "victime@example.org")
        outcomes.append(ask_for_the_link(client, f"/a/{token}/enregistre").headers["Location"])
    assert [o.split("?lien=")[1] for o in outcomes] == ["envoye#lien-de-reprise"] * 3 + ["plus-tard#lien-de-reprise"] * 2
    assert len(inbox.messages) == 3
    assert "dans l'heure" in client.get(outcomes[-1]).get_data(as_text=True).replace("’", "'")
    _id, token = create_assessment(app, email="someone.else@example.org")
    assert ask_for_the_link(client, f"/a/{token}/enregistre").headers["Location"].endswith("?lien=envoye#lien-de-reprise")


def test_a_refusing_server_is_said_in_french_and_the_company_may_try_again(tmp_path, smtp):
    controller, inbox = smtp
    app = mail_app(tmp_path, controller.port)
    _id, token = create_assessment(app)
    client = app.test_client()
    page = f"/a/{token}/enregistre"
    inbox.refuse = True
    refused = ask_for_the_link(client, page)
    assert refused.headers["Location"].endswith("?lien=refuse#lien-de-reprise")
    html = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "Le lien n'a pas pu être envoyé" in unescape(html) and 'role="alert"' in html
    inbox.refuse = False
    assert ask_for_the_link(client, page).headers["Location"].endswith("?lien=envoye#lien-de-reprise")
    assert len(inbox.messages) == 1


def test_a_server_that_does_not_answer_holds_the_page_no_longer_than_the_timeout(tmp_path):
    import time

    with socket.socket() as silent:  # accepts the connection, never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        app = mail_app(tmp_path, silent.getsockname()[1], SMTP_TIMEOUT=0.5)
        _id, token = create_assessment(app)
        started = time.monotonic()
        response = ask_for_the_link(app.test_client(), f"/a/{token}/enregistre")
        assert time.monotonic() - started < 5
    assert response.headers["Location"].endswith("?lien=refuse#lien-de-reprise")


def test_without_smtp_or_without_an_address_nothing_is_offered(tmp_path, smtp):
    controller, inbox = smtp
    plain = make_app(tmp_path / "plain")
    _id, token = create_assessment(plain)
    client = plain.test_client()
    html = client.get(f"/a/{token}/enregistre").get_data(as_text=True)
    assert OFFER not in html
    assert client.post(f"/a/{token}/lien-par-email", data={"csrf_token": csrf(html)}).status_code == 404

    app = mail_app(tmp_path / "mail", controller.port)
    _id, token = create_assessment(app, email="")
    client = app.test_client()
    html = client.get(f"/a/{token}/enregistre").get_data(as_text=True)
    assert OFFER not in html
    assert client.post(f"/a/{token}/lien-par-email", data={"csrf_token": csrf(html)}).status_code == 404
    assert inbox.messages == []


def test_sending_needs_the_form_token_and_goes_back_only_to_the_links_own_pages(tmp_path, smtp):
    controller, inbox = smtp
    app = mail_app(tmp_path, controller.port)
    _id, token = create_assessment(app)
    client = app.test_client()
    assert client.post(f"/a/{token}/lien-par-email", data={"back": f"/a/{token}/enregistre"}).status_code == 400
    assert inbox.messages == []
    html = client.get(f"/a/{token}/enregistre").get_data(as_text=True)
    response = client.post(f"/a/{token}/lien-par-email", data={"csrf_token": csrf(html), "back": "//evil.example/"})
    assert response.headers["Location"].startswith(f"/a/{token}?lien=envoye")


def test_a_wrong_tls_setting_stops_the_start_up(tmp_path):
    with pytest.raises(RuntimeError, match="ASSESSOR_SMTP_TLS"):
        make_app(tmp_path, SMTP_HOST="127.0.0.1", SMTP_FROM="a@example.org", SMTP_TLS="maybe")
