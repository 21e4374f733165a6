"""The advisor workspace: accounts and login, the list, one assessment's file, follow-up, CSV export,
the observatory, the comparison with similar companies and the demo data."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest

from assessor.web import auth
from assessor.cli import demo
from assessor.store.db import connect
from assessor.store import workspace
from assessor.store import accounts
from assessor.store import assessments as store
from assessor.store import stats
from factories import (FAST_ARGON2, MINI_DIR, PASSWORD, best_answers, create_assessment, login,  # noqa: F401
                       make_advisor, make_app, worst_answers)



@pytest.fixture
def app(tmp_path):
    """The mini questionnaire, a cheap password hasher and no CSRF (tested separately)."""
    return make_app(tmp_path, QUESTIONNAIRES_DIR=str(MINI_DIR), QUESTIONNAIRE_ID="mini",
                    ARGON2_TEST_PARAMS=FAST_ARGON2, WTF_CSRF_ENABLED=False)


@pytest.fixture
def csrf_app(tmp_path):
    return make_app(tmp_path, QUESTIONNAIRES_DIR=str(MINI_DIR), QUESTIONNAIRE_ID="mini",
                    ARGON2_TEST_PARAMS=FAST_ARGON2)


def questionnaire(app):
    return app.extensions["assessor.questionnaires"]["mini@1"]


def token_of(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


@pytest.fixture
def admin(app, client):
    make_advisor(app, "admin@example.org", is_admin=True, name="Alice Admin")
    assert login(client, "admin@example.org").status_code == 302
    return client


@pytest.fixture
def hdf(app):
    """A client signed in as an advisor covering Hauts-de-France."""
    make_advisor(app, "hdf@example.org", regions=["FR-HDF"], name="Hugo HdF")
    client = app.test_client()
    assert login(client, "hdf@example.org").status_code == 302
    return client


# -- accounts, login, logout --------------------------------------------------------------------


def test_cli_creates_an_account_with_a_generated_password_printed_once(app, db):
    result = app.test_cli_runner().invoke(args=[
        "advisors", "create", "Marie@Example.org", "--region", "FR-HDF", "--region", "FR-OCC", "--name", "Marie"])
    assert result.exit_code == 0, result.output
    password = re.search(r"shown once\): (\S+)", result.output).group(1)
    assert result.output.count(password) == 1
    account = accounts.advisor_by_email(db, "marie@example.org")
    assert account["regions"] == ["FR-HDF", "FR-OCC"] and not account["is_admin"]
    assert account["password_hash"].startswith("$argon2id$")
    assert password not in account["password_hash"]
    assert login(app.test_client(), "marie@example.org", password).status_code == 302


def test_cli_password_prompt_and_admin_flag(app, db):
    result = app.test_cli_runner().invoke(
        args=["advisors", "create", "boss@example.org", "--admin", "--password-prompt"],
        input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "shown once" not in result.output
    assert accounts.advisor_by_email(db, "boss@example.org")["is_admin"] == 1
    duplicate = app.test_cli_runner().invoke(args=["advisors", "create", "BOSS@example.org"])
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output


def test_production_hasher_keeps_argon2_defaults(tmp_path):
    from argon2 import PasswordHasher

    app = make_app(tmp_path, QUESTIONNAIRES_DIR=str(MINI_DIR), QUESTIONNAIRE_ID="mini")
    with app.app_context():
        defaults = PasswordHasher()
        used = auth.hasher()
        assert (used.time_cost, used.memory_cost, used.parallelism) == \
            (defaults.time_cost, defaults.memory_cost, defaults.parallelism)


def test_login_then_logout(app, client):
    make_advisor(app, "hdf@example.org", regions=["FR-HDF"])
    assert client.get("/conseiller/").status_code == 302
    response = login(client, "HDF@example.org ")
    assert response.status_code == 302 and response.location == "/conseiller/"
    assert client.get("/conseiller/").status_code == 200
    set_cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie
    response = client.post("/conseiller/deconnexion")
    assert response.status_code == 302 and response.location.startswith("/conseiller/connexion")
    page = client.get("/conseiller/")
    assert page.status_code == 302 and page.location.startswith("/conseiller/connexion")


def test_secure_cookie_when_configured(tmp_path):
    app = make_app(tmp_path, QUESTIONNAIRES_DIR=str(MINI_DIR), QUESTIONNAIRE_ID="mini",
                   ARGON2_TEST_PARAMS=FAST_ARGON2, WTF_CSRF_ENABLED=False, SESSION_COOKIE_SECURE=True)
    make_advisor(app, "hdf@example.org")
    response = login(app.test_client(), "hdf@example.org")
    assert "Secure" in response.headers["Set-Cookie"]


def test_logout_needs_post_and_csrf(csrf_app):
    make_advisor(csrf_app, "hdf@example.org", regions=["FR-HDF"])
    client = csrf_app.test_client()
    token = token_of(client.get("/conseiller/connexion").get_data(as_text=True))
    assert client.post("/conseiller/connexion", data={"email": "hdf@example.org", "password": PASSWORD,
                                                       "csrf_token": token}).status_code == 302
    assert client.get("/conseiller/deconnexion").status_code == 405
    assert client.post("/conseiller/deconnexion").status_code == 400
    assert client.get("/conseiller/").status_code == 200  # still signed in
    token = token_of(client.get("/conseiller/").get_data(as_text=True))
    assert client.post("/conseiller/deconnexion", data={"csrf_token": token}).status_code == 302
    assert client.get("/conseiller/").status_code == 302


def test_sixth_attempt_is_refused_even_with_the_right_password(app, client):
    make_advisor(app, "hdf@example.org")
    for _attempt in range(5):
        response = login(client, "hdf@example.org", "wrong password")
        assert response.status_code == 200
        assert "Adresse e-mail ou mot de passe incorrect." in response.get_data(as_text=True)
    response = login(client, "hdf@example.org")
    assert response.status_code == 429
    assert "Trop de tentatives" in response.get_data(as_text=True)
    assert client.get("/conseiller/").status_code == 302  # not signed in


def test_unknown_address_and_wrong_password_look_the_same(app):
    make_advisor(app, "hdf@example.org")

    def strip(html: str) -> str:
        return re.sub(r'value="[^"]*"', "", html)

    known, unknown = app.test_client(), app.test_client()
    for _attempt in range(5):
        a = login(known, "hdf@example.org", "wrong password")
        b = login(unknown, "nobody@example.org", "wrong password")
        assert a.status_code == b.status_code == 200
        assert strip(a.get_data(as_text=True)) == strip(b.get_data(as_text=True))
    a, b = login(known, "hdf@example.org"), login(unknown, "nobody@example.org")
    assert a.status_code == b.status_code == 429
    assert strip(a.get_data(as_text=True)) == strip(b.get_data(as_text=True))


def test_lock_ends_after_the_wait(app, client, db, monkeypatch):
    make_advisor(app, "hdf@example.org")
    now = [1_800_000_000.0]
    monkeypatch.setattr(auth, "_now", lambda: now[0])
    for _attempt in range(5):
        login(client, "hdf@example.org", "wrong password")
    assert login(client, "hdf@example.org").status_code == 429
    now[0] += 1  # five failures: one second
    assert login(client, "hdf@example.org").status_code == 302
    # A successful login forgets the failures of that e-mail from that address.
    assert db.execute("select count(*) from login_throttles where kind = 'pair'").fetchone()[0] == 0


def test_one_address_trying_many_accounts_is_throttled(app, client):
    make_advisor(app, "hdf@example.org")
    limit = app.config.get("LOGIN_MAX_FAILURES_PER_IP", 4 * app.config["LOGIN_MAX_FAILURES"])
    for attempt in range(limit):
        assert login(client, f"guess{attempt}@example.org", "x").status_code == 200
    assert login(client, "hdf@example.org").status_code == 429


@pytest.mark.parametrize("proxies", [0, 1])
def test_behind_a_trusted_proxy_failures_are_counted_per_client(tmp_path, proxies):
    """Behind a reverse proxy every request comes from the proxy's address: without
    ASSESSOR_TRUSTED_PROXIES, strangers' failures would lock every advisor out together."""
    app = make_app(tmp_path, QUESTIONNAIRES_DIR=str(MINI_DIR), QUESTIONNAIRE_ID="mini",
                   ARGON2_TEST_PARAMS=FAST_ARGON2, WTF_CSRF_ENABLED=False, TRUSTED_PROXIES=proxies)
    make_advisor(app, "hdf@example.org")
    limit = app.config.get("LOGIN_MAX_FAILURES_PER_IP", 4 * app.config["LOGIN_MAX_FAILURES"])
    attacker = app.test_client()
    for attempt in range(limit):
        login(attacker, f"guess{attempt}@example.org", "x", headers={"X-Forwarded-For": "203.0.113.7"})
    colleague = login(app.test_client(), "hdf@example.org", headers={"X-Forwarded-For": "198.51.100.20"})
    # Trusted: the colleague's own address is clean. Not trusted: the header is ignored (it could
    # be forged), both share the proxy's address, and the colleague is refused.
    assert colleague.status_code == (302 if proxies else 429)


def test_inactive_account_cannot_sign_in(app, client, db):
    advisor_id = make_advisor(app, "hdf@example.org")
    db.execute("update advisors set active = 0 where id = ?", [advisor_id])
    response = login(client, "hdf@example.org")
    assert response.status_code == 200 and "incorrect" in response.get_data(as_text=True)


@pytest.mark.parametrize("target, expected", [
    ("/conseiller/observatoire", "/conseiller/observatoire"),
    ("/conseiller/?region=FR-HDF", "/conseiller/?region=FR-HDF"),
    ("//evil.example/", "/conseiller/"),
    ("https://evil.example/", "/conseiller/"),
    ("/\\evil.example", "/conseiller/"),
])
def test_login_follows_only_safe_next(app, client, target, expected):
    make_advisor(app, "hdf@example.org")
    assert login(client, "hdf@example.org", next=target).location == expected


def test_anonymous_page_redirects_to_login_with_next(client):
    response = client.get("/conseiller/observatoire?demo=y")
    assert response.status_code == 302
    assert response.location == "/conseiller/connexion?next=/conseiller/observatoire?demo%3Dy"


def test_password_reset_and_deactivation_end_every_session(app, admin, hdf, db):
    assert hdf.get("/conseiller/").status_code == 200
    advisor_id = accounts.advisor_by_email(db, "hdf@example.org")["id"]
    response = admin.post(f"/conseiller/admin/comptes/{advisor_id}/mot-de-passe")
    assert response.status_code == 200
    new_password = re.search(r'id="new-password"[^>]*value="([^"]+)"', response.get_data(as_text=True)).group(1)
    assert hdf.get("/conseiller/").status_code == 302  # logged out everywhere
    assert login(app.test_client(), "hdf@example.org").status_code == 200  # old password refused
    second = app.test_client()
    assert login(second, "hdf@example.org", new_password).status_code == 302
    admin.post(f"/conseiller/admin/comptes/{advisor_id}", data={"regions": ["FR-HDF"], "name": "Hugo"})
    assert second.get("/conseiller/").status_code == 302  # deactivated (box unticked): logged out


def test_admin_manages_accounts(app, admin, db):
    response = admin.post("/conseiller/admin/comptes", data={
        "email": "new@example.org", "name": "Nina", "regions": ["FR-OCC", "FR-BRE"]})
    assert response.status_code == 200
    password = re.search(r'id="new-password"[^>]*value="([^"]+)"', response.get_data(as_text=True)).group(1)
    account = accounts.advisor_by_email(db, "new@example.org")
    assert account["regions"] == ["FR-BRE", "FR-OCC"] and account["active"] == 1
    assert login(app.test_client(), "new@example.org", password).status_code == 302
    again = admin.post("/conseiller/admin/comptes", data={"email": "NEW@example.org"})
    assert again.status_code == 422 and "existe déjà" in again.get_data(as_text=True)
    listing = admin.get("/conseiller/admin/comptes").get_data(as_text=True)
    assert "new@example.org" in listing and "Occitanie" in listing
    response = admin.post(f"/conseiller/admin/comptes/{account['id']}",
                          data={"name": "Nina N.", "regions": ["FR-HDF"], "active": "y", "is_admin": "y"})
    assert response.status_code == 302
    account = accounts.get_advisor(db, account["id"])
    assert account["regions"] == ["FR-HDF"] and account["is_admin"] == 1 and account["name"] == "Nina N."


def test_admin_cannot_lock_themselves_out(app, admin, db):
    me = accounts.advisor_by_email(db, "admin@example.org")
    response = admin.post(f"/conseiller/admin/comptes/{me['id']}", data={"regions": [], "is_admin": "y"})
    assert "votre propre" in response.get_data(as_text=True)
    assert accounts.get_advisor(db, me["id"])["active"] == 1
    assert admin.get("/conseiller/").status_code == 200


# -- who sees what ------------------------------------------------------------------------------


def test_advisor_sees_consenting_companies_of_their_regions_and_their_interviews(app, hdf, db):
    visible, _t = create_assessment(app, company_name="Visible HdF")
    no_consent, _t = create_assessment(app, company_name="Sans consentement", consent_contact=False)
    elsewhere, _t = create_assessment(app, company_name="Occitane", region="FR-OCC", department="31")
    me = accounts.advisor_by_email(db, "hdf@example.org")["id"]
    mine, _t = create_assessment(app, company_name="Mon entretien", region="FR-BRE", department="29",
                                 consent_contact=False, mode="interview", created_by=me)
    html = hdf.get("/conseiller/").get_data(as_text=True)
    assert "Visible HdF" in html and "Mon entretien" in html
    assert "Sans consentement" not in html and "Occitane" not in html
    assert hdf.get(f"/conseiller/evaluations/{visible}").status_code == 200
    assert hdf.get(f"/conseiller/evaluations/{mine}").status_code == 200
    assert hdf.get(f"/conseiller/evaluations/{no_consent}").status_code == 404
    assert hdf.get(f"/conseiller/evaluations/{elsewhere}").status_code == 404


# -- the list -----------------------------------------------------------------------------------


def _names(client, query: str) -> list[str]:
    html = client.get("/conseiller/?" + query).get_data(as_text=True)
    return re.findall(r'/conseiller/evaluations/\d+">([^<]+)</a>', html)


def test_list_filters_search_and_sort(app, admin, db):
    q = questionnaire(app)
    a, _t = create_assessment(app, best_answers(q), submit=True, company_name="Alpha Industrie")
    b, _t = create_assessment(app, worst_answers(q), submit=True, company_name="Beta Conseil", sector="M",
                              size_band="1-9", region="FR-OCC", department="31")
    c, _t = create_assessment(app, company_name="Gamma 100% bio_", sector="A")  # a draft
    d, _t = create_assessment(app, best_answers(q), submit=True, company_name="Delta démo", is_demo=True)
    db.execute("update assessments set submitted_at = '2025-01-15T10:00:00+00:00' where id = ?", [b])
    workspace.set_followup(db, a, "contacté", None)

    assert set(_names(admin, "")) == {"Alpha Industrie", "Beta Conseil", "Gamma 100% bio_"}
    assert "Delta démo" in _names(admin, "demo=y")
    assert _names(admin, "region=FR-OCC") == ["Beta Conseil"]
    assert _names(admin, "size_band=1-9") == ["Beta Conseil"]
    assert _names(admin, "sector=M") == ["Beta Conseil"]
    assert _names(admin, "level=transformation") == ["Alpha Industrie"]
    assert _names(admin, "status=contact%C3%A9") == ["Alpha Industrie"]
    assert _names(admin, "state=draft") == ["Gamma 100% bio_"]
    assert _names(admin, "date_from=2025-01-01&date_to=2025-01-15") == ["Beta Conseil"]
    assert _names(admin, "date_to=2024-12-31") == []
    assert _names(admin, "q=beta") == ["Beta Conseil"]
    assert _names(admin, "q=100%25") == ["Gamma 100% bio_"]  # % and _ are literal
    assert _names(admin, "q=_") == ["Gamma 100% bio_"]
    assert _names(admin, "sort=company&order=asc") == ["Alpha Industrie", "Beta Conseil", "Gamma 100% bio_"]
    assert _names(admin, "sort=score&order=desc&state=submitted") == ["Alpha Industrie", "Beta Conseil"]
    # Nonsense in the query string is ignored, never an error.
    assert admin.get("/conseiller/?region=XX&sort=drop&page=abc&date_from=hier").status_code == 200
    html = admin.get("/conseiller/?region=FR-OCC").get_data(as_text=True)
    assert 'href="/conseiller/export.csv?region=FR-OCC"' in html  # the filters stay in the URL


def test_list_pagination(app, admin, db):
    q = questionnaire(app)
    stamp = "2026-01-01T00:00:00+00:00"
    rows = [{"id": 1000 + i, "token_hash": f"t{i}", "questionnaire_id": q.id, "questionnaire_version": q.version,
             "company_name": f"Entreprise {i:03d}", "status": "submitted", "region": "FR-HDF",
             "size_band": "10-49", "sector": "C", "created_at": stamp, "updated_at": stamp,
             "submitted_at": f"2026-01-01T00:{i // 60:02d}:{i % 60:02d}+00:00", "overall": 50.0}
            for i in range(120)]
    db["assessments"].insert_all(rows)
    page1 = admin.get("/conseiller/?sort=company&order=asc").get_data(as_text=True)
    assert "120 diagnostics" in page1
    names = re.findall(r'evaluations/\d+">([^<]+)</a>', page1)
    assert names[0] == "Entreprise 000" and len(names) == workspace.PAGE_SIZE
    assert 'href="/conseiller/?page=2&amp;sort=company&amp;order=asc"' in page1
    page3 = admin.get("/conseiller/?sort=company&order=asc&page=3").get_data(as_text=True)
    assert re.findall(r'evaluations/\d+">([^<]+)</a>', page3) == [f"Entreprise {i:03d}" for i in range(100, 120)]
    assert "Page suivante" not in page3 and "Page précédente" in page3


def test_list_count_is_capped(app, admin, db, monkeypatch):
    monkeypatch.setattr(workspace, "COUNT_CAP", 3)
    for i in range(5):
        create_assessment(app, company_name=f"E{i}")
    assert "Plus de 3 diagnostics" in admin.get("/conseiller/").get_data(as_text=True)


# -- one assessment -----------------------------------------------------------------------------


def test_detail_shows_answers_scores_and_highlights_dont_know(app, hdf):
    q = questionnaire(app)
    answers = best_answers(q) | {"data.quality": "no", "strategy.budget": "not_applicable"}
    answers["data.wish"] = "<b>Former l'équipe</b>"
    del answers["data.governance"]
    # mini has no "je ne sais pas" option on single questions; a checklist accepts it through the store
    assessment_id, _t = create_assessment(app, answers, submit=True)
    database = connect(app.config["DATABASE"])
    database.execute("update answers set value = '\"dont_know\"' where assessment_id = ? "
                     "and question_id = 'strategy.use'", [assessment_id])
    database.close()
    html = hdf.get(f"/conseiller/evaluations/{assessment_id}").get_data(as_text=True)
    assert "Menuiserie Dupont" in html and "Profil de maturité" in html  # the radar
    assert 'class="answer-dont-know"><strong class="dont-know">Je ne sais pas</strong>' in html
    assert "Non concerné" in html
    assert "&lt;b&gt;Former l&#39;équipe&lt;/b&gt;" in html
    assert f'href="/conseiller/evaluations/{assessment_id}/rapport.pdf"' in html


def test_draft_detail_shows_answers_without_scores(app, hdf):
    assessment_id, _t = create_assessment(app, {"strategy.vision": "some"})
    html = hdf.get(f"/conseiller/evaluations/{assessment_id}").get_data(as_text=True)
    assert "pas encore validé" in html and "Quelques idées" in html and "rapport.pdf" not in html


def test_notes_are_escaped_and_signed(app, hdf):
    assessment_id, _t = create_assessment(app)
    response = hdf.post(f"/conseiller/evaluations/{assessment_id}/notes",
                        data={"body": "<script>alert('x')</script> Rappeler en janvier"})
    assert response.status_code == 302
    html = hdf.get(f"/conseiller/evaluations/{assessment_id}").get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Rappeler en janvier" in html
    assert "Hugo HdF, le " in html
    empty = hdf.post(f"/conseiller/evaluations/{assessment_id}/notes", data={"body": "   "})
    assert empty.status_code == 422 and "La note est vide." in empty.get_data(as_text=True)


def test_notes_need_a_csrf_token(csrf_app):
    make_advisor(csrf_app, "hdf@example.org", regions=["FR-HDF"])
    client = csrf_app.test_client()
    token = token_of(client.get("/conseiller/connexion").get_data(as_text=True))
    client.post("/conseiller/connexion", data={"email": "hdf@example.org", "password": PASSWORD,
                                               "csrf_token": token})
    assessment_id, _t = create_assessment(csrf_app)
    assert client.post(f"/conseiller/evaluations/{assessment_id}/notes", data={"body": "x"}).status_code == 400
    page = client.get(f"/conseiller/evaluations/{assessment_id}").get_data(as_text=True)
    response = client.post(f"/conseiller/evaluations/{assessment_id}/notes",
                           data={"body": "Premier contact", "csrf_token": token_of(page)})
    assert response.status_code == 302


def test_status_and_assignment(app, hdf, db):
    assessment_id, _t = create_assessment(app)
    other = make_advisor(app, "occ@example.org", regions=["FR-OCC"])
    colleague = make_advisor(app, "hdf2@example.org", regions=["FR-HDF"], name="Chloé")
    response = hdf.post(f"/conseiller/evaluations/{assessment_id}/suivi",
                        data={"status": "en accompagnement", "assigned": str(colleague)})
    assert response.status_code == 302
    saved = store.get(db, assessment_id)
    assert saved["followup_status"] == "en accompagnement" and saved["assigned_advisor_id"] == colleague
    assert "Chloé" in hdf.get("/conseiller/").get_data(as_text=True)
    # Nobody outside the region, no made-up status.
    assert hdf.post(f"/conseiller/evaluations/{assessment_id}/suivi",
                    data={"status": "clos", "assigned": str(other)}).status_code == 422
    assert hdf.post(f"/conseiller/evaluations/{assessment_id}/suivi",
                    data={"status": "perdu", "assigned": "0"}).status_code == 422
    assert hdf.post(f"/conseiller/evaluations/{assessment_id}/suivi",
                    data={"status": "clos", "assigned": "0"}).status_code == 302
    assert store.get(db, assessment_id)["assigned_advisor_id"] is None


def test_interview_mode(app, hdf, db):
    profile = {"company_name": "Boulangerie Martin", "size_band": "1-9", "sector": "C", "region": "FR-BRE",
               "department": "", "role": "dirigeant", "email": ""}
    response = hdf.post("/conseiller/entretien", data=profile)
    assert response.status_code == 302
    token = re.match(r"/a/([^/]+)/s/strategy$", response.location).group(1)
    created = store.by_token(db, token)
    me = accounts.advisor_by_email(db, "hdf@example.org")["id"]
    assert created["mode"] == "interview" and created["created_by"] == me and created["consent_contact"] == 0
    page = hdf.get(response.location).get_data(as_text=True)  # the normal SME journey
    assert f"/a/{token}" in page
    listing = hdf.get("/conseiller/").get_data(as_text=True)
    assert "Boulangerie Martin" in listing and '<span class="tag">Entretien</span>' in listing
    detail = hdf.get(f"/conseiller/evaluations/{created['id']}").get_data(as_text=True)
    assert "Entretien" in detail and "rempli avec Hugo HdF" in detail
    invalid = hdf.post("/conseiller/entretien", data=profile | {"company_name": ""})
    assert invalid.status_code == 422


def test_an_interview_follows_the_same_completeness_rule(app, hdf, db):
    """An advisor filling the diagnostic with a company cannot validate a thin one either (issue 9)."""
    profile = {"company_name": "Garage Leroy", "size_band": "1-9", "sector": "G", "region": "FR-HDF",
               "department": "", "role": "dirigeant", "email": ""}
    token = re.match(r"/a/([^/]+)/s/", hdf.post("/conseiller/entretien", data=profile).location).group(1)
    hdf.post(f"/a/{token}/s/strategy", data={"q_strategy__vision": "clear", "q_strategy__budget": "yes",
                                             "q_strategy__use": "5"})
    refused = hdf.post(f"/a/{token}/valider")
    assert refused.location.endswith(f"/a/{token}/verification")
    page = hdf.get(refused.location).get_data(as_text=True)
    assert "L&#39;étape «\u00a0Données\u00a0» n&#39;a encore aucune réponse" in page
    assert store.by_token(db, token)["status"] == "draft"
    hdf.post(f"/a/{token}/s/data", data={"q_data__quality": "no"})  # 4 of the 5 questions asked: 80 %
    assert hdf.post(f"/a/{token}/valider").location.endswith("/resultats")
    assert store.by_token(db, token)["status"] == "submitted"


# -- follow-up over time ------------------------------------------------------------------------


def _submit_via_web(client, token: str, answers: dict, q) -> None:
    from assessor.web.forms import field_name

    for dimension in q.dimensions:
        data = {}
        for question in dimension.questions:
            value = answers.get(question.id)
            if value is not None:
                data[field_name(question.id)] = value
        client.post(f"/a/{token}/s/{dimension.id}", data=data)
    assert client.post(f"/a/{token}/valider").location.endswith("/resultats")  # a refusal redirects too


def test_followup_from_the_results_page_compares_with_the_first(app, client, db):
    q = questionnaire(app)
    middle = best_answers(q) | {"data.practices": ["backup"], "data.quality": "no"}
    middle.pop("data.governance")
    first_id, first_token = create_assessment(app, worst_answers(q), submit=True)
    results = client.get(f"/a/{first_token}/resultats").get_data(as_text=True)
    assert "Refaire le diagnostic pour mesurer mes progrès" in results
    assert "Progrès depuis le premier diagnostic" not in results

    response = client.post(f"/a/{first_token}/suivi")
    assert response.status_code == 302
    second_token = re.match(r"/a/([^/]+)/s/strategy$", response.location).group(1)
    assert second_token != first_token
    page = client.get(response.location).get_data(as_text=True)
    assert f"http://localhost/a/{second_token}" in page  # the page shows the new link
    second = store.by_token(db, second_token)
    assert second["previous_id"] == first_id and second["status"] == "draft"
    assert {k: second[k] for k in store.PROFILE_FIELDS} == {k: store.get(db, first_id)[k] for k in store.PROFILE_FIELDS}
    _submit_via_web(client, second_token, middle, q)

    third_token = re.match(r"/a/([^/]+)/", client.post(f"/a/{second_token}/suivi").location).group(1)
    _submit_via_web(client, third_token, best_answers(q), q)
    third = store.by_token(db, third_token)
    with app.test_request_context():
        from assessor.report import results as results_view

        context = results_view.build(db, third, q, "fr")
    assert context["baseline"]["id"] == first_id
    assert context["immediate_previous"]["id"] == second["id"]
    strategy = context["dimensions"][0]
    assert strategy["previous"] == 0 and strategy["score"] == 100 and strategy["delta"] == 100
    assert strategy["delta_immediate"] == 0  # the middle one already had the best strategy answers
    assert context["overall_delta"] == 100
    html = client.get(f"/a/{third_token}/resultats").get_data(as_text=True)
    assert "Progrès depuis le premier diagnostic" in html
    assert "Score global\u00a0: 0 → 100 (+100 points)" in html


def test_pressing_refaire_twice_opens_the_same_draft(app, client, db):
    """A double click (or coming back to the results) does not leave a stray second draft."""
    q = questionnaire(app)
    first_id, first_token = create_assessment(app, worst_answers(q), submit=True)
    first_click = client.post(f"/a/{first_token}/suivi").location
    second_click = client.post(f"/a/{first_token}/suivi").location
    assert first_click == second_click
    assert db.execute("select count(*) from assessments where previous_id = ?", [first_id]).fetchone()[0] == 1
    # Once that draft is validated, the button starts a new one.
    token = re.match(r"/a/([^/]+)/", first_click).group(1)
    _submit_via_web(client, token, best_answers(q), q)
    assert client.post(f"/a/{first_token}/suivi").location != first_click
    # Another browser has no draft to come back to: it gets its own.
    other = app.test_client().post(f"/a/{first_token}/suivi").location
    assert other not in (first_click, client.post(f"/a/{first_token}/suivi").location)


def test_followup_needs_a_submitted_assessment(app, client):
    _id, token = create_assessment(app)
    assert client.post(f"/a/{token}/suivi").location == f"/a/{token}"
    assert client.post("/a/not-a-token/suivi").status_code == 404


def test_followup_from_the_advisor_file(app, hdf, db):
    q = questionnaire(app)
    first_id, _t = create_assessment(app, worst_answers(q), submit=True)
    response = hdf.post(f"/conseiller/evaluations/{first_id}/nouveau-diagnostic")
    assert response.status_code == 302
    token = re.match(r"/a/([^/]+)/s/strategy$", response.location).group(1)
    follow = store.by_token(db, token)
    assert follow["previous_id"] == first_id and follow["mode"] == "interview"
    _submit_via_web(hdf, token, best_answers(q), q)
    html = hdf.get(f"/conseiller/evaluations/{follow['id']}").get_data(as_text=True)
    assert "Progrès depuis le premier diagnostic" in html and "Diagnostics successifs" in html
    assert f'/conseiller/evaluations/{first_id}"' in html


# -- CSV export ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value, cell", [
    ("=1+1", "'=1+1"), ("+33 1 23", "'+33 1 23"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("Dupont", "Dupont"), ("a=b", "a=b"), (None, ""), (12, "12"),
    (72.25, "72,2"), (0.0, "0,0"),
])
def test_csv_cells_never_start_a_formula(app, value, cell):
    with app.test_request_context():
        from assessor.web.export import csv_cell

        assert csv_cell(value) == cell


def test_csv_export(app, admin, db):
    q = questionnaire(app)
    evil, _t = create_assessment(app, best_answers(q), submit=True,
                                 company_name='=HYPERLINK("http://evil.example","clic")')
    plain, _t = create_assessment(app, worst_answers(q), submit=True, company_name="Dupont; fils")
    create_assessment(app, company_name="Occitane", region="FR-OCC", department="31")
    response = admin.get("/conseiller/export.csv?region=FR-HDF")
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    header, data = rows[0], rows[1:]
    assert header[:4] == ["Identifiant", "Commencé le", "Validé le", "Entreprise"]
    assert header[-2:] == ["Score Stratégie", "Score Données"]
    assert len(data) == 2 and {r[0] for r in data} == {str(evil), str(plain)}
    by_id = {r[0]: dict(zip(header, r)) for r in data}
    assert by_id[str(evil)]["Entreprise"] == '\'=HYPERLINK("http://evil.example","clic")'
    assert by_id[str(plain)]["Entreprise"] == "Dupont; fils"
    assert by_id[str(evil)]["Score global"] == "100,0" and by_id[str(evil)]["Score Données"] == "100,0"
    assert by_id[str(plain)]["Niveau"] == "Découverte"


def test_dates_in_the_list_filter_and_export_are_paris_days(app, admin, db):
    """Validated at 23:30 UTC on 20 November is 00:30 in Paris on the 21st: that is its day."""
    q = questionnaire(app)
    late, _t = create_assessment(app, best_answers(q), submit=True, company_name="Minuit")
    db.execute("update assessments set submitted_at = '2026-11-20T23:30:00+00:00', "
               "created_at = '2026-11-20T22:10:00+00:00' where id = ?", [late])
    assert _names(admin, "date_from=2026-11-21&date_to=2026-11-21") == ["Minuit"]
    assert _names(admin, "date_from=2026-11-20&date_to=2026-11-20") == []
    assert "21 nov. 2026" in admin.get("/conseiller/").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(admin.get("/conseiller/export.csv").get_data().decode("utf-8-sig")),
                               delimiter=";"))
    assert (rows[0]["Commencé le"], rows[0]["Validé le"]) == ("2026-11-20 23:10", "2026-11-21 00:30")


def test_csv_export_respects_the_scope(app, hdf):
    create_assessment(app, company_name="Visible")
    create_assessment(app, company_name="Cachée", consent_contact=False)
    body = hdf.get("/conseiller/export.csv").get_data().decode("utf-8-sig")
    assert "Visible" in body and "Cachée" not in body


def test_csv_export_fetches_rows_in_batches(app, db):
    """The generator reads the cursor batch by batch: it never holds the whole result."""
    for i in range(7):
        create_assessment(app, company_name=f"E{i}")
    scope = workspace.Scope(0, True)
    batches = []

    class Spy:
        def __init__(self, cursor):
            self.cursor = cursor

        def fetchmany(self, size):
            rows = self.cursor.fetchmany(size)
            batches.append(len(rows))
            return rows

        def close(self):
            self.cursor.close()

    original = db.execute
    db.execute = lambda sql, params=None: Spy(original(sql, params))
    rows = workspace.export_rows(db, scope, workspace.Filters(), batch=3)
    assert next(rows)[3] == "E6" and batches == [3]
    assert len(list(rows)) == 6 and batches == [3, 3, 1, 0]


# -- the observatory ----------------------------------------------------------------------------


def test_suppression_hides_small_cells_and_one_more_when_alone():
    assert stats.suppress({"a": 10, "b": 7, "c": 2}, ["a", "b", "c"]) == {"a": 10, "b": None, "c": None}
    assert stats.suppress({"a": 10, "b": 7, "c": 2, "d": 3}, "abcd") == {"a": 10, "b": 7, "c": None, "d": None}
    assert stats.suppress({"a": 10, "b": 7}, ["a", "b", "z"]) == {"a": 10, "b": None, "z": None}
    assert stats.suppress({"a": 10, "b": 7}, ["a", "b"]) == {"a": 10, "b": 7}
    assert stats.average_or_none(4, 50.0) is None and stats.average_or_none(5, 50.04) == 50.0


def _observatory(client, query: str = "") -> str:
    html = client.get("/conseiller/observatoire" + query).get_data(as_text=True)
    return re.sub(r"\s+", " ", re.sub(r"<svg.*?</svg>", "", html, flags=re.S))


def test_observatory_suppresses_figures_from_fewer_than_five(app, admin):
    q = questionnaire(app)
    for _i in range(6):
        create_assessment(app, best_answers(q), submit=True, sector="C")
    for _i in range(3):
        create_assessment(app, worst_answers(q), submit=True, sector="F")
    html = _observatory(admin)
    assert '<span class="figure-value">9</span>' in html
    assert re.search(r"C – Industrie manufacturière</th><td>6</td>", html)
    assert re.search(r"F – Construction</th><td><span class=\"suppressed\"[^>]*>&lt; 5</span></td><td>–</td>"
                     r"<td><span class=\"suppressed\">effectif insuffisant</span>", html)
    # By level: the 3 "Découverte" are hidden among the empty levels, which are hidden too.
    assert re.search(r"Transformation</th><td>6</td>", html)
    assert re.search(r"Découverte</th><td><span class=\"suppressed\"", html)
    assert re.search(r"Exploration</th><td><span class=\"suppressed\"", html)
    assert "<script" not in html.split("</head>")[1]
    # Below five in the whole selection: nothing but the notice.
    hdf_only = _observatory(admin, "?region=FR-OCC")
    assert "Effectif insuffisant" in hdf_only and "Répartition par niveau" not in hdf_only


def test_observatory_counts_only_consenting_submitted_non_demo(app, admin):
    q = questionnaire(app)
    for _i in range(5):
        create_assessment(app, best_answers(q), submit=True)
    create_assessment(app, best_answers(q), submit=True, consent_stats=False)
    create_assessment(app, best_answers(q))  # draft
    for _i in range(5):
        create_assessment(app, best_answers(q), submit=True, is_demo=True)
    assert '<span class="figure-value">5</span>' in _observatory(admin)
    assert '<span class="figure-value">10</span>' in _observatory(admin, "?demo=y")


def test_observatory_for_an_advisor_shows_their_regions_and_national_totals(app, hdf):
    q = questionnaire(app)
    for _i in range(5):
        create_assessment(app, best_answers(q), submit=True)
    for _i in range(6):
        create_assessment(app, worst_answers(q), submit=True, region="FR-OCC", department="31")
    html = _observatory(hdf)
    assert "Toutes mes régions" in html and "France entière : 11" in html
    assert '<span class="figure-value">5</span>' in html
    assert "Occitanie</th>" not in html  # other regions only inside the national totals
    assert '<option value="FR-OCC">' not in html
    assert '<span class="figure-value">5</span>' in _observatory(hdf, "?region=FR-OCC")  # ignored


def _stats_snapshot(db):
    return (sorted((*r[:-1], round(r[-1], 6))
                   for r in db.execute("select * from stats_counts where n != 0").fetchall()),
            sorted((*r[:-1], round(r[-1], 6))
                   for r in db.execute("select * from stats_dimensions where n != 0").fetchall()))


def test_statistics_tables_follow_every_change(app, db):
    q = questionnaire(app)
    ids = [create_assessment(app, best_answers(q) if i % 2 else worst_answers(q), submit=i % 3 != 0,
                             region=["FR-HDF", "FR-OCC"][i % 2], department=["59", "31"][i % 2],
                             consent_stats=i % 4 != 0)[0] for i in range(12)]
    db.execute("update assessments set consent_stats = 0 where id = ?", [ids[1]])
    db.execute("update assessments set region = 'FR-BRE' where id = ?", [ids[5]])
    db.execute("update assessments set is_demo = 1 where id = ?", [ids[7]])
    db.execute("delete from answers where assessment_id = ?", [ids[2]])
    db.execute("delete from assessments where id = ?", [ids[2]])

    incremental = _stats_snapshot(db)
    stats.rebuild(db)
    assert _stats_snapshot(db) == incremental
    figures = stats.figures(db, "mini@1", None, False)
    assert figures.count == db.execute(
        "select count(*) from assessments where status = 'submitted' and consent_stats = 1 "
        "and is_demo = 0").fetchone()[0]


# -- comparison with similar companies ----------------------------------------------------------


def test_peers_appear_from_ten_comparable_companies(app, client, db):
    q = questionnaire(app)
    _id, token = create_assessment(app, worst_answers(q), submit=True, company_name="Moi")
    # Not comparable: other size band, no consent, demo, draft.
    create_assessment(app, best_answers(q), submit=True, size_band="1-9", company_name="Petite")
    create_assessment(app, best_answers(q), submit=True, consent_stats=False, company_name="Discrète")
    create_assessment(app, best_answers(q), submit=True, is_demo=True, company_name="Démo")
    create_assessment(app, best_answers(q), company_name="Brouillon")
    for i in range(9):  # same size; same sector (other region) or same region (other sector)
        extra = {"region": "FR-OCC", "department": "31"} if i % 2 else {"sector": "F"}
        create_assessment(app, best_answers(q), submit=True, company_name=f"Pair {i}", **extra)
    assert stats.peers(db, store.by_token(db, token), ["strategy", "data"]) is None
    html = client.get(f"/a/{token}/resultats").get_data(as_text=True)
    assert re.search("pas encore assez de diagnostics d(&#39;|')entreprises similaires", html)

    create_assessment(app, best_answers(q), submit=True, company_name="Pair 9")
    peers = stats.peers(db, store.by_token(db, token), ["strategy", "data"])
    assert peers["count"] == 10 and peers["overall"] == 100 and peers["dimensions"] == {"strategy": 100,
                                                                                        "data": 100}
    html = client.get(f"/a/{token}/resultats").get_data(as_text=True)
    assert re.search("Moyennes de 10 diagnostics d(&#39;|')entreprises de même taille", html)
    # The company's own earlier diagnostic is not a peer of itself.
    before_id, _t = create_assessment(app, best_answers(q), submit=True, company_name="Moi")
    database = connect(app.config["DATABASE"])
    database.execute("update assessments set previous_id = ? where id = ?", [before_id, _id])
    database.close()
    assert stats.peers(db, store.by_token(db, token), ["strategy", "data"])["count"] == 10


# -- demo data ----------------------------------------------------------------------------------


def test_demo_seed_and_purge(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "seed", "400", "--seed", "7", "--until", "2026-10-31"])
    assert result.exit_code == 0, result.output
    assert "400 demo assessments created" in result.output
    rows = list(db.query("select * from assessments"))
    assert len(rows) == 400 and all(r["is_demo"] == 1 for r in rows)
    submitted = [r for r in rows if r["status"] == "submitted"]
    assert 0.9 < len(submitted) / 400 < 0.99
    assert 0.5 < sum(r["consent_contact"] for r in rows) / 400 < 0.7
    assert 0.72 < sum(r["consent_stats"] for r in rows) / 400 < 0.88
    assert len({r["region"] for r in rows}) >= 12 and len({r["sector"] for r in rows}) >= 10
    assert len({r["size_band"] for r in rows}) == 4 and len({r["level"] for r in submitted}) == 5
    dates = sorted(r["submitted_at"] for r in submitted)
    assert dates[0] >= "2024-10-31" and dates[-1] <= "2026-11-01" and dates[0] < "2025-03-01"
    assert any(r["previous_id"] for r in rows)
    assert all(r["token_hash"].startswith("demo:") for r in rows)  # no link opens them
    # Stored scores are what the scoring gives for the stored answers.
    from assessor.domain.scoring import score

    sample = submitted[0]
    result = score(questionnaire(app), store.answers(db, sample["id"]), sample["size_band"])
    assert round(result.overall, 1) == sample["overall"] and result.level == sample["level"]
    assert stats.figures(db, "mini@1", None, True).count == sum(r["consent_stats"] for r in submitted)
    # Seeding pauses the triggers and adds each batch in one aggregate: same figures as a rebuild.
    before = _stats_snapshot(db)
    stats.rebuild(db)
    assert _stats_snapshot(db) == before
    # A second run, after a real assessment took the next id, shifts its ids.
    real_id, _t = create_assessment(app, company_name="Réelle")
    assert runner.invoke(args=["demo", "seed", "30", "--seed", "8"]).exit_code == 0
    assert db.execute("select count(*) from assessments where is_demo = 1 and id > ?",
                      [real_id]).fetchone()[0] == 30
    assert db.execute("select count(*) from assessments as a join assessments as p on p.id = a.previous_id "
                      "where a.company_name != p.company_name").fetchone()[0] == 0

    from assessor.report.cache import ReportCache

    cache = ReportCache(app.config["REPORT_CACHE_DIR"])
    for assessment_id in (rows[0]["id"], real_id):
        cache.put(assessment_id, "k" * 64, b"%PDF-1.7 ... %%EOF")
    purge = runner.invoke(args=["demo", "purge"])
    assert purge.exit_code == 0 and "430 demo assessments deleted (1 cached reports)" in purge.output
    assert cache.get(rows[0]["id"], "k" * 64) is None and cache.get(real_id, "k" * 64) is not None
    assert [r["id"] for r in db.query("select id from assessments")] == [real_id]
    assert db.execute("select count(*) from answers where assessment_id != ?", [real_id]).fetchone()[0] == 0
    assert db.execute("select coalesce(sum(n), 0) from stats_counts where is_demo = 1").fetchone()[0] == 0


def test_demo_seed_is_deterministic(app, db):
    q = questionnaire(app)
    until = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)
    first = demo.chunk(q, 42, 0, 50, until, 1)
    again = demo.chunk(q, 42, 0, 50, until, 1)
    strip = [{k: v for k, v in r.items() if k != "token_hash"} for r in first[0]]
    assert strip == [{k: v for k, v in r.items() if k != "token_hash"} for r in again[0]]
    assert first[1] == again[1]
    assert demo.chunk(q, 43, 0, 50, until, 1)[0][0]["company_name"] != first[0][0]["company_name"] or \
        demo.chunk(q, 43, 0, 50, until, 1)[1] != first[1]
    assert all(json.loads(value) is not None for _id, _qid, value in first[1])


def test_migration_builds_statistics_from_existing_assessments(tmp_path):
    """m002 on a database that already holds submitted assessments counts them."""
    from assessor.store import migrations

    database = connect(str(tmp_path / "old.sqlite3"))
    migrations.migrations.apply(database, stop_before="m002_advisor_indexes")
    stamp = "2026-03-02T10:00:00+00:00"
    for i, (consent, status) in enumerate([(1, "submitted"), (1, "submitted"), (0, "submitted"), (1, "draft")]):
        database["assessments"].insert({
            "token_hash": f"h{i}", "company_name": f"E{i}", "status": status, "consent_stats": consent,
            "questionnaire_id": "mini", "questionnaire_version": 1, "region": "FR-HDF", "sector": "C", "size_band": "1-9", "level": "exploration",
            "overall": 30.0 + i, "submitted_at": stamp, "dimension_scores": json.dumps({"strategy": 20.0 + i})})
    migrations.apply(database)
    figures = stats.figures(database, "mini@1", None, False)
    assert figures.count == 2 and figures.overall == 30.5
    assert figures.by["month"] == {"2026-03": (2, 61.0)} and figures.dimensions == {"strategy": (2, 41.0)}
    database["assessments"].insert({"token_hash": "h9", "company_name": "E9", "status": "submitted",
                                    "consent_stats": 1, "questionnaire_id": "mini", "questionnaire_version": 1,
                                    "region": "FR-OCC",
                                    "overall": 50.0, "submitted_at": stamp})
    assert stats.figures(database, "mini@1", None, False).count == 3  # the triggers run from now on
    database.close()


@pytest.mark.parametrize("query, message", [
    ("date_from=abc", "N'est pas une date valide."),
    ("sort=evil", "N'est pas un choix valide."),
    ("date_from=2026-05-01&date_to=2026-01-01", "Cette date précède la date de début"),
])
def test_bad_filters_get_a_french_message(client, admin, query, message):
    from html import unescape

    html = unescape(client.get(f"/conseiller/?{query}").get_data(as_text=True))
    assert message in html


@pytest.mark.parametrize(("zone", "stored", "shown"), [
    ("Europe/Paris", "2026-11-20T23:30:00+00:00", "2026-11-21 00:30"),
    ("Europe/Paris", "2026-07-01T21:59:00+00:00", "2026-07-01 23:59"),
    ("Europe/Paris", "2026-03-29T00:59:00+00:00", "2026-03-29 01:59"),  # the hour before summer time
    ("Europe/Paris", "2026-03-29T01:00:00+00:00", "2026-03-29 03:00"),
    ("Asia/Kolkata", "2026-11-20T23:30:00+00:00", "2026-11-21 05:00"),  # +05:30
    ("Europe/Paris", None, None),
])
def test_export_times_are_local(tmp_path, zone, stored, shown):
    from assessor.web.export import _local_time_formatter

    app = make_app(tmp_path, QUESTIONNAIRES_DIR=str(MINI_DIR), QUESTIONNAIRE_ID="mini", TIMEZONE=zone)
    with app.app_context():
        local_time = _local_time_formatter()
        assert local_time(stored) == shown
        assert local_time(stored) == shown  # and again, from what was worked out for its hour
