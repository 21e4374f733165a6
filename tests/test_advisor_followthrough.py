"""Issue 15, the advisor's side: « À relancer », the daily digest, check-ins in the file, the
observatory's funnel and the export's check-in columns."""
from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest

from assessor.domain import clock
from assessor.store import workspace
from assessor.store.db import connect
from factories import FAST_ARGON2, MINI_DIR, best_answers, create_assessment, login, make_advisor, make_app

PARIS = clock.zone("Europe/Paris")


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path, QUESTIONNAIRES_DIR=str(MINI_DIR), QUESTIONNAIRE_ID="mini",
                    ARGON2_TEST_PARAMS=FAST_ARGON2, WTF_CSRF_ENABLED=False)


def questionnaire(app):
    return app.extensions["assessor.questionnaires"]["mini@1"]


def validated(app, submitted_at: str, **profile) -> int:
    """A submitted diagnostic validated at ``submitted_at`` (UTC)."""
    assessment_id, _token = create_assessment(app, best_answers(questionnaire(app)), submit=True, **profile)
    db = connect(app.config["DATABASE"])
    db.execute("update assessments set submitted_at = ? where id = ?", [submitted_at, assessment_id])
    db.close()
    return assessment_id


def days_ago(days: int) -> str:
    """A validation at noon, Paris time, ``days`` days before today (Paris)."""
    day = clock.today(PARIS) - dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(12), tzinfo=PARIS).astimezone(dt.timezone.utc).isoformat(
        timespec="seconds")


def client_of(app, email, **kwargs):
    make_advisor(app, email, **kwargs)
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def remind_steps(app, scope, as_of):
    db = connect(app.config["DATABASE"])
    try:
        page = workspace.search(db, scope, workspace.Filters(remind=True, as_of=as_of, tz=PARIS))
        return {row["company_name"]: row["remind_step"] for row in page.rows}
    finally:
        db.close()


# -- « À relancer » ------------------------------------------------------------------------------


def test_the_reminders_fall_9_21_and_45_paris_days_after_validation(app):
    # 23:30 UTC on 20 November is 00:30 on 21 November in Paris: the company was validated on the 21st.
    validated(app, "2026-11-20T23:30:00+00:00", company_name="Nuit")
    admin = workspace.Scope(1, True)
    assert remind_steps(app, admin, dt.date(2026, 11, 29)) == {}  # 8 days
    assert remind_steps(app, admin, dt.date(2026, 11, 30)) == {"Nuit": "J+9"}
    assert remind_steps(app, admin, dt.date(2026, 12, 11)) == {"Nuit": "J+9"}  # 20 days
    assert remind_steps(app, admin, dt.date(2026, 12, 12)) == {"Nuit": "J+21"}
    assert remind_steps(app, admin, dt.date(2027, 1, 4)) == {"Nuit": "J+21"}  # 44 days
    assert remind_steps(app, admin, dt.date(2027, 1, 5)) == {"Nuit": "J+45"}


def test_only_companies_that_agreed_to_be_contacted_and_still_new_are_to_get_back_to(app):
    validated(app, days_ago(10), company_name="Nouvelle")
    validated(app, days_ago(10), company_name="Sans accord", consent_contact=False)
    contacted = validated(app, days_ago(10), company_name="Déjà appelée")
    create_assessment(app, company_name="Brouillon")
    db = connect(app.config["DATABASE"])
    workspace.set_followup(db, contacted, "contacté", None)
    db.close()
    assert remind_steps(app, workspace.Scope(1, True), clock.today(PARIS)) == {"Nouvelle": "J+9"}


def test_the_list_has_a_to_get_back_to_tab_with_its_count_and_the_step(app):
    validated(app, days_ago(9), company_name="Relance Neuf")
    validated(app, days_ago(50), company_name="Relance Cinquante")
    validated(app, days_ago(3), company_name="Trop Récente")
    validated(app, days_ago(30), company_name="Autre Région", region="FR-BRE")
    validated(app, days_ago(30), company_name="Refus Contact", consent_contact=False)
    client = client_of(app, "hdf@example.org", regions=["FR-HDF"])

    everything = client.get("/conseiller/").get_data(as_text=True)
    tab = re.search(r'<a href="(/conseiller/\?remind=y)">À relancer\s*<span class="count-badge">(\d+)</span>',
                    everything)
    assert tab and tab.group(2) == "2", "two companies of Hauts-de-France are due a reminder"
    assert "Trop Récente" in everything and "Autre Région" not in everything and "Refus Contact" not in everything

    html = client.get(tab.group(1)).get_data(as_text=True)
    assert "Relance Neuf" in html and "Relance Cinquante" in html and "Trop Récente" not in html
    assert "À relancer\u00a0: J+9" in html and "À relancer\u00a0: J+45" in html
    assert re.search(r'<a href="/conseiller/\?remind=y" aria-current="page">', html)


def test_the_admin_sees_every_region_but_only_companies_that_agreed_to_be_contacted(app):
    validated(app, days_ago(22), company_name="Bretonne", region="FR-BRE")
    validated(app, days_ago(22), company_name="Refus Contact", consent_contact=False)
    client = client_of(app, "admin@example.org", is_admin=True)
    html = client.get("/conseiller/?remind=y").get_data(as_text=True)
    assert "Bretonne" in html and "À relancer\u00a0: J+21" in html and "Refus Contact" not in html


def checkin(app, assessment_id: int, step: int = 3, **saved) -> int:
    """A check-in of the diagnostic, due and saved by the company with ``saved`` (checkins.save)."""
    from assessor.store import checkins

    db = connect(app.config["DATABASE"])
    try:
        if checkins.subscription(db, assessment_id) is None:
            checkins.subscribe(db, assessment_id, "contact@dupont.example", "fr", f"unsub-{assessment_id}")
        checkins.schedule_due(db, dt.date(2100, 1, 1), [step], PARIS,
                              lambda a, s: f"hash-{a}-{s}")
        checkin_id = db.execute("select id from checkins where assessment_id = ? and step = ?",
                                [assessment_id, step]).fetchone()[0]
        checkins.save(db, checkin_id, saved.pop("statuses", None), submit=True, **saved)
        return checkin_id
    finally:
        db.close()


def test_a_check_in_asking_for_contact_puts_the_company_back_until_its_follow_up_changes(app):
    followed = validated(app, days_ago(100), company_name="Suivie")
    quiet = validated(app, days_ago(100), company_name="Sans demande")
    db = connect(app.config["DATABASE"])
    workspace.set_followup(db, followed, "en accompagnement", None)
    workspace.set_followup(db, quiet, "clos", None)
    db.close()
    admin = workspace.Scope(1, True)
    assert remind_steps(app, admin, clock.today(PARIS)) == {}

    checkin(app, followed, wants_contact=True)
    checkin(app, quiet, wants_contact=False)
    assert remind_steps(app, admin, clock.today(PARIS)) == {"Suivie": "contact"}

    db = connect(app.config["DATABASE"])
    db.execute("update checkins set updated_at = '2000-01-01T00:00:00+00:00'")  # the advisor acts after it
    workspace.set_followup(db, followed, "contacté", None)
    db.close()
    assert remind_steps(app, admin, clock.today(PARIS)) == {}


# -- the daily digest ----------------------------------------------------------------------------


def test_an_advisor_opts_in_to_the_digest_on_their_account_page_with_csrf(tmp_path):
    app = make_app(tmp_path, QUESTIONNAIRES_DIR=str(MINI_DIR), QUESTIONNAIRE_ID="mini",
                   ARGON2_TEST_PARAMS=FAST_ARGON2)
    make_advisor(app, "hdf@example.org", regions=["FR-HDF"])
    client = app.test_client()
    page = client.get("/conseiller/connexion").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert login(client, "hdf@example.org", csrf_token=token).status_code == 302

    html = client.get("/conseiller/mon-compte").get_data(as_text=True)
    assert "Mon compte" in html and 'name="digest"' in html and not re.search(r'name="digest"[^>]*checked|checked[^>]*name="digest"', html)
    assert client.post("/conseiller/mon-compte", data={"digest": "y", "digest_lang": "en"}).status_code == 400
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    response = client.post("/conseiller/mon-compte", data={"csrf_token": token, "digest": "y", "digest_lang": "en"},
                           follow_redirects=True)
    html = unescape(response.get_data(as_text=True))
    assert "vous recevrez l'e-mail des entreprises à relancer" in html
    assert re.search(r'checked[^>]*name="digest"', html) and re.search(r'value="en"[^>]*checked|checked[^>]*value="en"', html)
    assert app.test_client().get("/conseiller/mon-compte").status_code in (302, 401)


def digest_files(app):
    from pathlib import Path
    from email import message_from_bytes, policy

    folder = Path(app.config["OUTBOX_DIR"])
    messages = [message_from_bytes(path.read_bytes(), policy=policy.default)
                for path in sorted(folder.glob("*-digest.eml"))] if folder.exists() else []
    return {message["To"]: message for message in messages}


def opt_in(app, email, lang="fr", **kwargs):
    from assessor.store import accounts

    advisor_id = make_advisor(app, email, **kwargs)
    db = connect(app.config["DATABASE"])
    accounts.set_digest(db, advisor_id, True, lang)
    db.close()
    return advisor_id


def test_the_digest_goes_once_a_day_to_each_advisor_in_their_language_without_private_links(app, monkeypatch):
    nord = validated(app, days_ago(10), company_name="Nord Métal")
    _token = create_assessment(app, company_name="Brouillon")[1]
    validated(app, days_ago(10), company_name="Breizh Bois", region="FR-BRE")
    fr_id = opt_in(app, "hdf@example.org", regions=["FR-HDF"], name="Hugo")
    en_id = opt_in(app, "bre@example.org", lang="en", regions=["FR-BRE"])
    make_advisor(app, "silent@example.org", regions=["FR-HDF"])  # did not ask for it
    opt_in(app, "idf@example.org", regions=["FR-IDF"])  # nobody to get back to
    runner = app.test_cli_runner()
    today = clock.today(PARIS).isoformat()
    from assessor.jobs import digest as digest_job

    composed = []
    original = digest_job.compose
    monkeypatch.setattr(digest_job, "compose", lambda *a, **k: composed.append(1) or original(*a, **k))

    result = runner.invoke(args=["checkins", "digest", "--as-of", today])
    assert result.exit_code == 0, result.output
    assert "2 sent" in result.output and "1 with nobody" in result.output
    assert len(composed) == 3  # each advisor's list searched and written once
    files = digest_files(app)
    assert set(files) == {"hdf@example.org", "bre@example.org"}
    french, english = files["hdf@example.org"], files["bre@example.org"]
    assert french["Subject"].startswith("À relancer\u00a0: 1 entreprise")
    text = french.get_body(preferencelist=("plain",)).get_content()
    assert "Nord Métal" in text and "Breizh Bois" not in text and "(J+9)" in text
    assert f"/conseiller/evaluations/{nord}" in text
    assert "/a/" not in text and _token not in text  # no company's private link
    assert english["Content-Language"] == "en" and "to get back to" in english["Subject"].lower()
    assert "Breizh Bois" in english.get_body(preferencelist=("html",)).get_content()

    again = runner.invoke(args=["checkins", "digest", "--as-of", today])
    assert "0 sent, 2 already sent" in again.output
    assert len(digest_files(app)) == 2
    assert len(composed) == 4  # the sent ones are not composed again (the empty one is looked at again)
    db = connect(app.config["DATABASE"])
    keys = [row[0] for row in db.execute("select key from outbox where kind = 'digest' order by key")]
    db.close()
    assert keys == sorted([f"digest:{fr_id}:{today}", f"digest:{en_id}:{today}"])

    tomorrow = (clock.today(PARIS) + dt.timedelta(days=1)).isoformat()
    assert "2 sent" in runner.invoke(args=["checkins", "digest", "--as-of", tomorrow]).output


def test_the_digest_is_sent_through_smtp_and_a_failure_is_retried(tmp_path):
    pytest.importorskip("aiosmtpd")
    from test_resume_mail import Inbox, free_port
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        app = make_app(tmp_path, QUESTIONNAIRES_DIR=str(MINI_DIR), QUESTIONNAIRE_ID="mini",
                       ARGON2_TEST_PARAMS=FAST_ARGON2, SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port,
                       SMTP_TLS="off", SMTP_FROM="diagnostic@example.org", SMTP_TIMEOUT=2,
                       PUBLIC_URL="https://diag.example.org")
        nord = validated(app, days_ago(25), company_name="Nord Métal")
        opt_in(app, "hdf@example.org", regions=["FR-HDF"])
        runner, today = app.test_cli_runner(), clock.today(PARIS).isoformat()
        inbox.refuse = True
        failed = runner.invoke(args=["checkins", "digest", "--as-of", today])
        assert failed.exit_code == 1 and "1 failed" in failed.output and inbox.messages == []
        inbox.refuse = False
        assert "1 waiting for a retry" in runner.invoke(args=["checkins", "digest", "--as-of", today]).output
        assert inbox.messages == []
        from assessor.jobs import checkins as outbox

        with app.app_context():  # the outbox's hourly retry, an hour later
            db = connect(app.config["DATABASE"])
            run = outbox.flush(db, dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1))
            db.close()
        assert run.sent == 1
        assert "1 already sent" in runner.invoke(args=["checkins", "digest", "--as-of", today]).output
        [(recipients, message)] = inbox.messages
        assert recipients == ["hdf@example.org"]
        assert f"https://diag.example.org/conseiller/evaluations/{nord}" in message.get_body(
            preferencelist=("plain",)).get_content()
        assert "(J+21)" in message.get_body(preferencelist=("plain",)).get_content()
    finally:
        controller.stop()


# -- the company's file --------------------------------------------------------------------------


def test_the_file_shows_the_check_ins_over_time_with_counts_comment_and_contact_wish(app):
    assessment_id = validated(app, days_ago(200), company_name="Nord Métal")
    checkin(app, assessment_id, 3, statuses={("action", "q1"): "en_cours", ("action", "q2"): "en_cours",
                                            ("action", "q3"): "pas_commencee", ("programme", "p1"): "contacte"},
            comment="On avance <b>doucement</b>")
    checkin(app, assessment_id, 6, statuses={("action", "q1"): "faite", ("action", "q2"): "faite",
                                            ("programme", "p1"): "obtenu"}, wants_contact=True)
    client = client_of(app, "hdf@example.org", regions=["FR-HDF"])
    html = client.get(f"/conseiller/evaluations/{assessment_id}").get_data(as_text=True)
    section = html[html.index('id="checkins-title"'):]
    section = section[:section.index("</section>")]
    three, six = section.index("À 3 mois"), section.index("À 6 mois")
    assert three < six, "the oldest check-in first"
    first, second = section[three:six], section[six:]
    assert "1 pas commencée, 2 en cours" in first
    assert "1 contacté" in first and "On avance &lt;b&gt;doucement&lt;/b&gt;" in first
    assert "Souhaite être recontactée" not in first
    assert "3 faite" not in second and "2 faite" in second and "1 obtenu" in second  # q3 carried over
    assert "Souhaite être recontactée" in second


def test_a_file_without_check_ins_has_no_check_in_section(app):
    assessment_id = validated(app, days_ago(5), company_name="Nord Métal")
    client = client_of(app, "hdf@example.org", regions=["FR-HDF"])
    assert "Points d'étape" not in client.get(f"/conseiller/evaluations/{assessment_id}").get_data(as_text=True)


# -- the observatory's funnel and maturity gain -----------------------------------------------------


def total_row(html: str, heading: str) -> list[str]:
    """The cells of a table's overall row (« Ensemble ») after ``heading``, as text."""
    section = html[html.index(f'id="{heading}"'):]
    row = re.search(r"<tbody>\s*<tr><th scope=\"row\">Ensemble</th>(.*?)</tr>", section, re.S).group(1)
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", cell)).split()) for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]


def funnel_total(html: str) -> list[str]:
    return total_row(html, "funnel-title")


def gain_total(html: str) -> list[str]:
    return total_row(html, "gain-title")


def test_the_funnel_hides_a_stage_of_4_companies_and_shows_it_from_5(app):
    started = [validated(app, days_ago(200), company_name=f"Active {i}") for i in range(4)]
    for assessment_id in started:
        checkin(app, assessment_id, statuses={("action", "q1"): "en_cours", ("programme", "p1"): "contacte"})
    for i in range(3):
        validated(app, days_ago(200), company_name=f"Calme {i}")
    validated(app, days_ago(200), company_name="Sans stats", consent_stats=False)
    client = client_of(app, "admin@example.org", is_admin=True)

    cells = funnel_total(client.get("/conseiller/observatoire/impact").get_data(as_text=True))
    assert cells == ["7", "< 5", "< 5", "< 5", "< 5"], "7 diagnosed; 4 started and contacted: hidden"

    fifth = validated(app, days_ago(200), company_name="Active 4")
    checkin(app, fifth, statuses={("action", "q1"): "faite", ("programme", "p1"): "obtenu"})
    html = client.get("/conseiller/observatoire/impact").get_data(as_text=True)
    assert funnel_total(html) == ["8", "5 63 %", "5 63 %", "< 5", "< 5"]
    by_region = html[html.index('id="funnel-region-title"'):]
    assert re.search(r'<th scope="row">Hauts-de-France</th>\s*<td>8</td>', by_region)


def test_a_hidden_region_is_not_the_total_minus_the_region_shown(app):
    """6 companies started in Hauts-de-France, 3 in Bretagne: showing 9 and 6 would tell 3."""
    for i in range(6):
        checkin(app, validated(app, days_ago(200), company_name=f"Nord {i}"), statuses={("action", "q1"): "en_cours"})
    for i in range(3):
        checkin(app, validated(app, days_ago(200), company_name=f"Breizh {i}", region="FR-BRE"),
                statuses={("action", "q1"): "en_cours"})
    client = client_of(app, "admin@example.org", is_admin=True)
    html = client.get("/conseiller/observatoire/impact").get_data(as_text=True)
    assert funnel_total(html)[:2] == ["9", "9 100 %"]
    by_region = html[html.index('id="funnel-region-title"'):]
    by_region = by_region[:by_region.index("</table>")]
    for region in ("Hauts-de-France", "Bretagne"):
        row = re.search(rf'<th scope="row">{region}</th>(.*?)</tr>', by_region, re.S).group(1)
        assert re.findall(r"<td>\s*(\d+)", row)[:2] == [], f"{region}: {row}"


def test_a_region_of_4_companies_shows_no_figure_at_all(app):
    for i in range(4):
        checkin(app, validated(app, days_ago(200), company_name=f"Active {i}", region="FR-BRE"),
                statuses={("action", "q1"): "en_cours"})
    client = client_of(app, "bre@example.org", regions=["FR-BRE"])
    html = client.get("/conseiller/observatoire/impact").get_data(as_text=True)
    assert funnel_total(html) == ["< 5"] * 5


def pair(app, t0_score: float, t1_score: float, accompanied: bool, **profile) -> None:
    """A company's first diagnostic and its follow-up, with these overall scores."""
    t0 = validated(app, days_ago(300), **profile)
    t1 = validated(app, days_ago(10), previous_id=t0, **profile)
    db = connect(app.config["DATABASE"])
    db.execute("update assessments set overall = ? where id = ?", [t0_score, t0])
    db.execute("update assessments set overall = ? where id = ?", [t1_score, t1])
    if accompanied:
        workspace.set_followup(db, t0, "en accompagnement", None)
    db.close()


def test_the_maturity_gain_compares_the_groups_only_from_10_companies_each(app):
    for i in range(10):
        pair(app, 40.0, 50.0, True, company_name=f"Suivie {i}")
    for i in range(9):
        pair(app, 40.0, 42.0, False, company_name=f"Seule {i}")
    for i in range(3):  # a follow-up without consent to statistics does not count
        pair(app, 40.0, 90.0, False, company_name=f"Discrète {i}", consent_stats=False)
    client = client_of(app, "admin@example.org", is_admin=True)

    cells = gain_total(client.get("/conseiller/observatoire/impact").get_data(as_text=True))
    assert cells == ["10", "+10,0", "9", "+2,0", "comparaison impossible"]

    pair(app, 40.0, 42.0, False, company_name="Seule 9")
    cells = gain_total(client.get("/conseiller/observatoire/impact").get_data(as_text=True))
    assert cells == ["10", "+10,0", "10", "+2,0", "+8,0"]


def test_a_group_of_4_companies_has_no_average_gain(app):
    for i in range(4):
        pair(app, 40.0, 50.0, True, company_name=f"Suivie {i}")
    for i in range(5):
        pair(app, 40.0, 45.0, False, company_name=f"Seule {i}")
    client = client_of(app, "admin@example.org", is_admin=True)
    cells = gain_total(client.get("/conseiller/observatoire/impact").get_data(as_text=True))
    assert cells == ["< 5", "effectif insuffisant", "5", "+5,0", "comparaison impossible"]


def test_the_impact_page_is_behind_the_sign_in_and_keeps_to_the_advisors_regions(app):
    assert app.test_client().get("/conseiller/observatoire/impact").status_code in (302, 401)
    for i in range(5):
        validated(app, days_ago(100), company_name=f"Bretonne {i}", region="FR-BRE")
    client = client_of(app, "hdf@example.org", regions=["FR-HDF"])
    html = client.get("/conseiller/observatoire/impact").get_data(as_text=True)
    assert "Aucune entreprise diagnostiquée sur ce périmètre." in html
    html = client.get("/conseiller/observatoire/impact?region=FR-BRE").get_data(as_text=True)
    assert "Aucune entreprise diagnostiquée sur ce périmètre." in html


# -- the CSV export -----------------------------------------------------------------------------


def test_the_export_carries_the_latest_check_in_statuses_and_the_wish_to_be_contacted(app):
    import csv
    import io

    answered = validated(app, days_ago(200), company_name="Nord Métal")
    checkin(app, answered, 3, statuses={("action", "q1"): "pas_commencee", ("action", "q2"): "pas_commencee"})
    checkin(app, answered, 6, statuses={("action", "q1"): "faite", ("action", "q2"): "en_cours",
                                       ("programme", "p1"): "candidature"}, wants_contact=True)
    validated(app, days_ago(200), company_name="Sans point")
    client = client_of(app, "admin@example.org", is_admin=True)
    response = client.get("/conseiller/export.csv")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig")), delimiter=";"))
    header, by_name = rows[0], {row[3]: dict(zip(rows[0], row)) for row in rows[1:]}
    assert header[-12:] == [
        "Dernier point d'étape (mois)", "Point d'étape répondu le",
        "Actions\u00a0: pas commencée", "Actions\u00a0: en cours", "Actions\u00a0: faite", "Actions\u00a0: abandonnée",
        "Programmes\u00a0: pas contacté", "Programmes\u00a0: contacté", "Programmes\u00a0: candidature déposée",
        "Programmes\u00a0: obtenu", "Programmes\u00a0: refusé", "Souhaite être recontactée"]
    nord = by_name["Nord Métal"]
    assert nord["Dernier point d'étape (mois)"] == "6" and nord["Point d'étape répondu le"].startswith("20")
    assert [nord[h] for h in header[-10:]] == ["0", "1", "1", "0", "0", "0", "1", "0", "0", "oui"]
    assert [by_name["Sans point"][h] for h in header[-12:]] == [""] * 12


def test_the_daily_task_sends_todays_digest_once(app):
    validated(app, days_ago(46), company_name="Nord Métal")
    opt_in(app, "hdf@example.org", regions=["FR-HDF"])
    task = app.extensions["assessor.tasks"].advisor_digest
    huey = app.extensions["assessor.queue"]
    due = {t.name for t in huey.read_periodic(dt.datetime(2026, 12, 2, 6, 30))}
    assert "advisor_digest" in due and "advisor_digest" not in {
        t.name for t in huey.read_periodic(dt.datetime(2026, 12, 2, 7, 30))}
    task.call_local()
    task.call_local()
    [message] = digest_files(app).values()
    assert "(J+45)" in message.get_body(preferencelist=("plain",)).get_content()
