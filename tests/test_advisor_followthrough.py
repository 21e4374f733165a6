"""Issue 15, the advisor's side: « À relancer », the daily digest, check-ins in the file, the
observatory's funnel and the export's check-in columns."""
from __future__ import annotations

import datetime as dt
import re

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
