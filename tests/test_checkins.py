"""Check-ins, the company's side (issue 15): asking for them, the messages (a real SMTP server on
loopback, or .eml files), never twice, the check-in page, withdrawal, erasure and portability."""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import stat
import threading
from html import unescape

import pytest

pytest.importorskip("aiosmtpd")

from assessor.domain.questionnaire import latest  # noqa: E402
from assessor.jobs import checkins as jobs  # noqa: E402
from assessor.store import checkins as store  # noqa: E402
from assessor.store.db import connect  # noqa: E402
from assessor.web.logs import redact  # noqa: E402
from factories import create_assessment, make_app, worst_answers  # noqa: E402
from test_resume_mail import body, csrf, free_port, mail_app, smtp  # noqa: E402,F401  (smtp: a fixture)

VALIDATED = "2026-12-02T10:00:00+00:00"
THREE_MONTHS = "2027-03-02"
SIX_MONTHS = "2027-06-02"
OFFER = "Recevoir un point d'étape dans 3 mois puis 6 mois"


def submitted(app, **profile) -> tuple[int, str]:
    """A diagnostic validated on 2 December 2026 (a plan of actions: the weakest answers)."""
    questionnaire = latest(app.extensions["assessor.questionnaires"], "ai-maturity")
    assessment_id, token = create_assessment(app, worst_answers(questionnaire), submit=True, **profile)
    database = connect(app.config["DATABASE"])
    database.execute("update assessments set submitted_at = ? where id = ?", [VALIDATED, assessment_id])
    database.close()
    return assessment_id, token


def ask_for_checkins(client, token: str, email: str | None = None):
    html = client.get(f"/a/{token}/resultats").get_data(as_text=True)
    assert "Recevoir un point d'étape dans 3 mois puis 6 mois" in unescape(html).replace("\u00a0", " ")
    prefilled = re.search(r'<input[^>]*id="email"[^>]*>', html).group(0)
    return client.post(f"/a/{token}/points-d-etape", data={
        "csrf_token": csrf(html), "email": email or unescape(re.search(r'value="([^"]*)"', prefilled).group(1))})


def subscribed(tmp_path, smtp, **config):
    """An app mailing through the test's SMTP server, and a diagnostic whose company asked for check-ins."""
    controller, inbox = smtp
    app = mail_app(tmp_path, controller.port, **config)
    assessment_id, token = submitted(app)
    ask_for_checkins(app.test_client(), token)
    return app, inbox, assessment_id, token


def send(app, day: str):
    result = app.test_cli_runner().invoke(args=["checkins", "send", "--as-of", day])
    assert result.exit_code == 0, result.output
    return result.output


def links(message) -> tuple[str, str]:
    text = body(message, "plain")
    return (re.search(r"http://localhost(/p/[\w-]+)", text).group(1),
            re.search(r"http://localhost(/desinscription/[\w-]+)", text).group(1))


def db_of(app):
    return connect(app.config["DATABASE"])


# -- asking for them -------------------------------------------------------------------------------


def test_the_results_page_offers_check_ins_at_the_profiles_address_and_records_the_consent(app, db):
    assessment_id, token = submitted(app)
    client = app.test_client()
    response = ask_for_checkins(client, token)
    assert response.status_code == 302 and response.headers["Location"].endswith("/resultats#points-d-etape")
    subscription = store.subscription(db, assessment_id)
    assert subscription["email"] == "contact@dupont.example"  # the profile's, prefilled
    assert subscription["consented_at"].startswith(dt.date.today().isoformat()[:4])
    assert subscription["withdrawn_at"] is None
    # the address is said on the page, never carried in the session cookie (flash messages live there)
    cookies = " ".join(c.value for c in client._cookies.values()) if hasattr(client, "_cookies") else ""
    assert "dupont" not in cookies and "dupont" not in response.headers.get("Set-Cookie", "")
    html = unescape(client.get(response.headers["Location"]).get_data(as_text=True)).replace("\u00a0", " ")
    assert "C'est noté : vous recevrez un point d'étape 3 mois puis 6 mois après la validation." in html
    assert "Vous recevrez un point d'étape 3 mois puis 6 mois après la validation, à l'adresse contact@dupont.example" \
        in html
    assert "Ne plus recevoir de points d'étape" in html


def test_a_wrong_address_is_said_and_nothing_is_recorded_and_the_form_needs_its_token(app, db):
    assessment_id, token = submitted(app)
    client = app.test_client()
    response = ask_for_checkins(client, token, email="pas-une-adresse")
    assert response.status_code == 422
    assert "Cette adresse e-mail n'est pas valide" in unescape(response.get_data(as_text=True))
    # the offer, folded on the page, is open again on its error (without JavaScript too)
    assert re.search(r'<details class="fold" open>\s*<summary><h3 id="points-d-etape-title"', response.get_data(as_text=True))
    assert client.post(f"/a/{token}/points-d-etape", data={"email": "a@b.fr"}).status_code in (400, 422)
    # the switch of language on that page (its address is the form's): back to the results, at the offer
    switched = client.post("/langue/en", data={"next": f"/a/{token}/points-d-etape", "csrf_token": csrf(response.get_data(as_text=True))})
    again = client.get(switched.headers["Location"])
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/a/{token}/resultats#points-d-etape")
    assert store.subscription(db, assessment_id) is None


def test_withdrawing_from_the_results_page_takes_one_click_and_cancels_the_message_not_sent(app, db):
    assessment_id, token = submitted(app)
    client = app.test_client()
    ask_for_checkins(client, token)
    with app.app_context():
        store.schedule_due(db, dt.date.fromisoformat(THREE_MONTHS), (3, 6), jobs.settings.zone(), lambda a, s: "h")
    html = client.get(f"/a/{token}/resultats").get_data(as_text=True)
    form = re.search(r'<form method="post" action="(/a/[^"]+/points-d-etape/retrait)">', html)
    response = client.post(form.group(1), data={"csrf_token": csrf(html)})
    assert response.status_code == 302
    assert store.subscription(db, assessment_id)["withdrawn_at"]
    [row] = store.outbox(db)
    assert row["cancelled_at"] and row["sent_at"] is None
    assert OFFER in unescape(client.get(f"/a/{token}/resultats").get_data(as_text=True))


# -- the messages --------------------------------------------------------------------------------


def test_three_months_later_one_message_in_the_companys_language_with_working_links(tmp_path, smtp, caplog):
    controller, inbox = smtp
    app = mail_app(tmp_path, controller.port)
    assessment_id, token = submitted(app, lang="en", email="boss@workshop.example", company_name="Atelier Roux")
    client = app.test_client()
    ask_for_checkins(client, token)
    with caplog.at_level(logging.DEBUG):
        assert "0 check-in(s) due" in send(app, "2027-03-01")
        output = send(app, THREE_MONTHS)
        assert "1 check-in(s) due, 1 message(s) sent through SMTP" in output
        assert "0 check-in(s) due, 0 message(s) sent" in send(app, "2027-03-03")
    [(recipients, message)] = inbox.messages
    assert recipients == ["boss@workshop.example"]
    assert message["Subject"] == "Your 3-month check-in: AI maturity diagnostic"
    assert message["Content-Language"] == "en"
    assert "Atelier Roux" in body(message, "plain") and 'lang="en"' in body(message, "html")
    page, unsubscribe = links(message)
    assert message["List-Unsubscribe"].strip() == f"<http://localhost{unsubscribe}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f'href="http://localhost{page}"' in body(message, "html")
    assert page.split("/")[2] != token  # its own link, not the results' one
    stranger = app.test_client()
    shown = stranger.get(page)
    assert shown.status_code == 200 and "Atelier Roux" in shown.get_data(as_text=True)
    assert stranger.get(unsubscribe).status_code == 200
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail."))
    assert "sent" in logged
    for secret in (token, page.split("/")[2], unsubscribe.split("/")[2], "boss@workshop.example"):
        assert secret not in logged and secret[4:20] not in logged


def test_the_logs_cut_the_check_in_and_unsubscribe_links():
    token = "Zq3xAbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_ab"
    assert redact(f"GET /p/{token} HTTP/1.1") == "GET /p/Zq3x… HTTP/1.1"
    assert redact(f"POST /desinscription/{token}") == "POST /desinscription/Zq3x…"
    assert redact(f"Referer: https://x.example/p/short_tok3n") == "Referer: https://x.example/p/shor…"


def test_two_senders_at_once_send_one_message(tmp_path, smtp):
    app, inbox, _id, token = subscribed(tmp_path, smtp)
    start = threading.Barrier(2)
    runs, errors = [], []

    def worker():
        try:
            with app.app_context():
                database = db_of(app)
                start.wait()
                runs.append(jobs.send_due(database, dt.date.fromisoformat(THREE_MONTHS)))
                database.close()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert len(inbox.messages) == 1
    assert sorted(run.sent for run in runs) == [0, 1]


def test_a_crash_after_the_decision_is_sent_by_the_next_run_once(tmp_path, smtp, monkeypatch):
    app, inbox, assessment_id, token = subscribed(tmp_path, smtp)

    def crash(*args, **kwargs):
        raise SystemExit("killed")

    with monkeypatch.context() as patched:  # the process dies between the decision and the sending
        patched.setattr(jobs, "flush", crash)
        with app.app_context(), pytest.raises(SystemExit):
            jobs.send_due(db_of(app), dt.date.fromisoformat(THREE_MONTHS))
    assert inbox.messages == []
    database = db_of(app)
    assert [c["step"] for c in store.of_assessment(database, assessment_id)] == [3]  # decided, committed
    send(app, THREE_MONTHS)
    send(app, THREE_MONTHS)
    assert len(inbox.messages) == 1


def test_a_sender_that_died_holding_a_message_leaves_it_to_the_next_one_after_its_lease(tmp_path, smtp):
    app, inbox, _id, token = subscribed(tmp_path, smtp)
    database = db_of(app)
    with app.app_context():
        store.schedule_due(database, dt.date.fromisoformat(THREE_MONTHS), (3, 6), jobs.settings.zone(),
                           lambda a, s: jobs.assessments.hash_token(jobs.checkin_token(a, s)))
    now = dt.datetime.now(dt.timezone.utc)
    assert store.claim(database, now, 5) is not None  # taken, then the process died
    with app.app_context():
        assert jobs.flush(database, now).sent == 0  # another sender leaves it while the lease runs
        assert jobs.flush(database, now + dt.timedelta(seconds=jobs.LEASE_SECONDS + 1)).sent == 1
        assert jobs.flush(database, now + dt.timedelta(hours=2)).sent == 0
    assert len(inbox.messages) == 1


ACCOUNTS_PAGE = "/conseiller/admin/comptes"


def test_a_refused_message_is_tried_a_bounded_number_of_times_and_listed(tmp_path, smtp, caplog):
    app, inbox, _id, token = subscribed(tmp_path, smtp, MAIL_MAX_ATTEMPTS=2)
    inbox.refuse = True
    assert "1 failed" in send(app, THREE_MONTHS)
    database = db_of(app)
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=jobs.RETRY_MINUTES + 1)
    with app.app_context():
        assert jobs.flush(database, dt.datetime.now(dt.timezone.utc)).failed == 0  # not before its retry time
        assert jobs.flush(database, later).failed == 1  # the second and last try
        assert jobs.flush(database, later + dt.timedelta(days=1)).failed == 0  # no third
    listing = app.test_cli_runner().invoke(args=["checkins", "outbox", "--failed"]).output
    assert "checkin:" in listing and "2/2" in listing and "refused the message (code 554)" in listing
    assert "contact@dupont.example" not in listing
    assert "no more tries" in caplog.text
    # and on the administrator's page, in French, with the server's own words beside
    from factories import login, make_advisor

    make_advisor(app, "admin@example.org", is_admin=True)
    admin = app.test_client()
    form = admin.get("/conseiller/connexion").get_data(as_text=True)
    login(admin, "admin@example.org", csrf_token=csrf(form))
    page = unescape(admin.get(ACCOUNTS_PAGE).get_data(as_text=True)).replace("\u00a0", " ")
    assert re.search(rf"Point d'étape du diagnostic n° {_id}, message du [^:<]+ : refusé par le serveur de messagerie", page)
    inbox.refuse = False
    assert inbox.messages == []


def test_without_smtp_the_message_is_an_eml_file_readable_by_its_owner_only(app):
    _id, token = submitted(app)
    ask_for_checkins(app.test_client(), token)
    assert "1 message(s) sent to" in send(app, THREE_MONTHS)
    [path] = [os.path.join(app.config["OUTBOX_DIR"], name) for name in os.listdir(app.config["OUTBOX_DIR"])]
    assert path.endswith("-checkin.eml")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    from email import message_from_binary_file, policy

    with open(path, "rb") as fh:
        message = message_from_binary_file(fh, policy=policy.default)
    assert message["To"] == "contact@dupont.example"
    assert message["Subject"] == "Votre point d'étape à 3 mois\u00a0: diagnostic de maturité IA"
    page, _unsubscribe = links(message)
    assert app.test_client().get(page).status_code == 200


def test_unsubscribing_from_a_message_stops_the_six_month_one(tmp_path, smtp):
    app, inbox, _id, token = subscribed(tmp_path, smtp)
    send(app, THREE_MONTHS)
    _page, unsubscribe = links(inbox.messages[0][1])
    client = app.test_client()
    html = client.get(unsubscribe).get_data(as_text=True)
    assert client.post(unsubscribe, data={}).status_code == 400  # a form without its token
    response = client.post(unsubscribe, data={"csrf_token": csrf(html)})
    assert response.status_code == 302
    assert "Vous ne recevrez plus de points d'étape" in unescape(client.get(unsubscribe).get_data(as_text=True))
    assert "0 check-in(s) due" in send(app, SIX_MONTHS)
    assert len(inbox.messages) == 1


def test_a_mail_clients_one_click_unsubscribe_needs_no_form_token(tmp_path, smtp):
    app, inbox, assessment_id, token = subscribed(tmp_path, smtp)
    send(app, THREE_MONTHS)
    _page, unsubscribe = links(inbox.messages[0][1])
    assert app.test_client().post(unsubscribe, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert store.subscription(db_of(app), assessment_id)["withdrawn_at"]
    assert app.test_client().get("/desinscription/not-a-real-link").status_code == 404


def test_a_wrong_checkin_months_setting_stops_the_start_up(tmp_path):
    with pytest.raises(RuntimeError, match="ASSESSOR_CHECKIN_MONTHS"):
        make_app(tmp_path, CHECKIN_MONTHS="trois")


# -- the check-in page and the results page afterwards ---------------------------------------------


@pytest.fixture
def checkin_page(app):
    """A company that asked for check-ins and got the 3-month one (as an .eml file)."""
    assessment_id, token = submitted(app)
    ask_for_checkins(app.test_client(), token)
    send(app, THREE_MONTHS)
    [name] = os.listdir(app.config["OUTBOX_DIR"])
    from email import message_from_binary_file, policy

    with open(os.path.join(app.config["OUTBOX_DIR"], name), "rb") as fh:
        page, unsubscribe = links(message_from_binary_file(fh, policy=policy.default))
    return assessment_id, token, page


def fields(html: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, value in re.findall(r'type="radio" id="[^"]+" name="([^"]+)" value="([^"]+)"', html):
        found.setdefault(name, []).append(value)
    return found


def test_the_check_in_page_asks_each_action_and_programme_and_saves_without_javascript(app, db, checkin_page):
    assessment_id, token, page = checkin_page
    client = app.test_client()
    html = client.get(page).get_data(as_text=True)
    groups = fields(html)
    actions = [n for n in groups if n.startswith("action-")]
    programmes = [n for n in groups if n.startswith("programme-")]
    assert actions and programmes
    assert groups[actions[0]] == ["pas_commencee", "en_cours", "faite", "abandonnee"]
    assert groups[programmes[0]] == ["pas_contacte", "contacte", "candidature", "obtenu", "refuse"]
    assert html.count("<fieldset") == len(actions) + len(programmes)
    response = client.post(page, data={
        "csrf_token": csrf(html), actions[0]: "faite", actions[1]: "en_cours", programmes[0]: "candidature",
        programmes[1]: "pas-un-statut", "comment": "La formation a aidé.", "wants_contact": "1", "action": "save"})
    assert response.status_code == 302 and response.headers["Location"] == page
    again = unescape(client.get(page).get_data(as_text=True))
    assert "votre point d'étape est enregistré" in again
    assert re.search(rf'name="{re.escape(actions[0])}" value="faite" checked', again)
    assert "La formation a aidé." in again and 'name="wants_contact" value="1" checked' in again
    [checkin] = store.of_assessment(db, assessment_id)
    assert checkin["submitted_at"] and checkin["wants_contact"] == 1
    assert checkin["items"] == {("action", actions[0][7:]): "faite", ("action", actions[1][7:]): "en_cours",
                                ("programme", programmes[0][10:]): "candidature"}
    # updated later: the same link, the answers changed
    client.post(page, data={"csrf_token": csrf(again), actions[0]: "abandonnee", "action": "save"})
    assert store.items(db, checkin["id"])[("action", actions[0][7:])] == "abandonnee"
    assert store.get(db, checkin["id"])["wants_contact"] == 0


def test_the_check_in_page_saves_as_it_goes_and_says_what_is_wrong(app, db, checkin_page):
    assessment_id, token, page = checkin_page
    client = app.test_client()
    html = client.get(page).get_data(as_text=True)
    action = next(n for n in fields(html) if n.startswith("action-"))
    saved = client.post(page, data={"csrf_token": csrf(html), action: "en_cours", "action": "autosave"},
                        headers={"X-Autosave": "1"})
    assert saved.status_code == 204
    [checkin] = store.of_assessment(db, assessment_id)
    assert checkin["items"] == {("action", action[7:]): "en_cours"} and checkin["submitted_at"] is None
    too_long = client.post(page, data={"csrf_token": csrf(html), "comment": "x" * 2001, "action": "save"})
    assert too_long.status_code == 422
    assert "Le commentaire ne peut pas dépasser 2000 caractères" in unescape(too_long.get_data(as_text=True))
    refused = client.post(page, data={action: "faite", "action": "save"})  # no form token: nothing saved
    assert "le formulaire avait expiré" in unescape(refused.get_data(as_text=True))
    assert store.get(db, checkin["id"])["submitted_at"] is None
    assert client.get("/p/not-a-real-link").status_code == 404


def test_the_results_page_shows_where_the_plan_stands_and_then_the_follow_up(app, db, checkin_page):
    assessment_id, token, page = checkin_page
    client = app.test_client()
    html = client.get(page).get_data(as_text=True)
    actions = [n for n in fields(html) if n.startswith("action-")]
    client.post(page, data={"csrf_token": csrf(html), actions[0]: "faite", actions[1]: "faite",
                            actions[2]: "en_cours", "action": "save"})
    results = unescape(client.get(f"/a/{token}/resultats").get_data(as_text=True)).replace("\u00a0", " ")
    assert "Où en est votre plan" in results
    assert f"{len(actions)} actions du plan" in results
    assert "Faite : 2" in results and "En cours : 1" in results and f"Pas commencée : {len(actions) - 3}" in results
    assert f'href="{page}"' in results  # back to the check-in from the results
    assert "Votre dernier point d'étape est fait" not in results
    # six months: the check-in starts from the three-month answers; once saved, the follow-up is offered
    send(app, SIX_MONTHS)
    second = store.of_assessment(db, assessment_id)[1]
    assert second["items"][("action", actions[0][7:])] == "faite"
    from assessor.jobs.checkins import checkin_token

    with app.app_context():
        six = f"/p/{checkin_token(assessment_id, 6)}"
    html = client.get(six).get_data(as_text=True)
    client.post(six, data={"csrf_token": csrf(html), actions[0]: "faite", "action": "save"})
    results = unescape(client.get(f"/a/{token}/resultats").get_data(as_text=True))
    assert "Votre dernier point d'étape est fait" in results
    assert results.count("/suivi\"") >= 2  # the follow-up form, offered here too


# -- erasure and portability ---------------------------------------------------------------------


def test_the_data_download_carries_the_consent_and_the_check_ins(app, checkin_page):
    assessment_id, token, page = checkin_page
    client = app.test_client()
    html = client.get(page).get_data(as_text=True)
    action = next(n for n in fields(html) if n.startswith("action-"))
    client.post(page, data={"csrf_token": csrf(html), action: "faite", "comment": "Bien", "action": "save"})
    data = json.loads(client.get(f"/a/{token}/donnees.json").get_data(as_text=True))
    assert data["checkins"]["subscription"]["email"] == "contact@dupont.example"
    [checkin] = data["checkins"]["checkins"]
    assert checkin["step_months"] == 3 and checkin["comment"] == "Bien"
    assert {"kind": "action", "ref": action[7:], "status": "faite", "label": "Faite"} in checkin["items"]
    assert data["checkins"]["messages"][0]["sent_at"]
    csv_text = client.get(f"/a/{token}/donnees.csv").get_data(as_text=True)
    assert f"action:{action[7:]}" in csv_text and "Point d'étape à 3 mois" in csv_text


def test_erasing_from_the_private_link_takes_the_check_ins(app, db, checkin_page):
    assessment_id, token, page = checkin_page
    client = app.test_client()
    html = client.get(f"/a/{token}/supprimer").get_data(as_text=True)
    assert "vos points d'étape et votre accord pour les recevoir" in unescape(html)
    response = client.post(f"/a/{token}/supprimer", data={"csrf_token": csrf(html), "confirm": "y"})
    assert response.status_code == 302
    for table in ("checkin_subscriptions", "checkins", "checkin_items", "outbox"):
        assert db.execute(f"select count(*) from {table}").fetchone()[0] == 0, table  # noqa: S608
    assert client.get(page).status_code == 404


def test_the_administrator_sees_the_messages_that_could_not_be_sent(app, client, auth, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    app.config.update(OUTBOX_DIR=str(blocked / "outbox"), MAIL_MAX_ATTEMPTS=1)
    assessment_id, token = submitted(app)
    ask_for_checkins(app.test_client(), token)
    assert "1 failed" in send(app, THREE_MONTHS)
    auth.login()
    html = unescape(client.get("/conseiller/admin/comptes").get_data(as_text=True))
    assert "1 message n'a pas pu être envoyé après 1 essais" in html.replace("\u00a0", " ")
    assert f"diagnostic n° {assessment_id}" in html.replace("\u00a0", " ")
    assert "the outbox folder could not be written" in html


def test_the_workers_daily_task_sends_what_is_due_today(app, db):
    from assessor.domain import clock
    from assessor.store.checkins import add_months

    assessment_id, token = submitted(app)
    ask_for_checkins(app.test_client(), token)
    today = clock.today(clock.zone())
    three_months_ago = add_months(today, -3)
    db.execute("update assessments set submitted_at = ? where id = ?",
               [f"{three_months_ago.isoformat()}T10:00:00+00:00", assessment_id])
    tasks = app.extensions["assessor.tasks"]
    tasks.send_checkins()  # the queue runs in immediate mode in the tests
    assert [row["key"] for row in store.outbox(db) if row["sent_at"]] == [f"checkin:{assessment_id}:3"]
    tasks.send_checkins()
    tasks.retry_mail()
    assert len(os.listdir(app.config["OUTBOX_DIR"])) == 1


def test_the_check_in_page_speaks_english_to_an_english_browser(app, checkin_page):
    _assessment_id, _token, page = checkin_page
    html = unescape(app.test_client().get(page, headers={"Accept-Language": "en"}).get_data(as_text=True))
    assert 'lang="en"' in html and "Your 3-month check-in" in html
    assert "Not started" in html and "Application submitted" in html and "I would like an advisor to contact me." in html


def test_asking_to_be_contacted_on_a_check_in_lets_the_regions_advisors_see_it(app, db):
    """A company that had not agreed to be contacted ticks « recontacté(e) »: that is its consent, so
    its region's advisors (not only an administrator) find it, with the check-ins' address."""
    assessment_id, token = submitted(app, consent_contact=False, email=None)
    client = app.test_client()
    ask_for_checkins(client, token, email="dirigeante@atelier.example")
    send(app, THREE_MONTHS)
    [checkin] = store.of_assessment(db, assessment_id)
    assert db.execute("select consent_contact from assessments where id = ?", [assessment_id]).fetchone()[0] == 0
    store.save(db, checkin["id"], wants_contact=True)
    consent, email = db.execute("select consent_contact, email from assessments where id = ?",
                                [assessment_id]).fetchone()
    assert (consent, email) == (1, "dirigeante@atelier.example")


def test_the_messages_go_in_the_language_picked_on_the_page_where_the_company_consented(app, db):
    assessment_id, token = submitted(app)  # a diagnostic taken in French
    client = app.test_client()
    client.get("/langue/en")  # the switch (a plain link switches too)
    html = client.get(f"/a/{token}/resultats").get_data(as_text=True)
    assert '<html lang="en">' in html
    prefilled = re.search(r'<input[^>]*id="email"[^>]*>', html).group(0)
    client.post(f"/a/{token}/points-d-etape", data={
        "csrf_token": csrf(html), "email": unescape(re.search(r'value="([^"]*)"', prefilled).group(1))})
    assert store.subscription(db, assessment_id)["lang"] == "en"
