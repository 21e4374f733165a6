"""Who may do what: every route of the application × every kind of visitor.

The matrix is read against ``app.url_map``: a route without a row here fails the test, so a new page
cannot ship without someone deciding who may see it. CSRF is off in this module (it is tested in
test_advisor.py) so that each POST reaches its authorisation check.
"""
from __future__ import annotations

import itertools
import re
import sys
import types
from dataclasses import dataclass, field
from typing import Any, Callable

import pytest

from assessor.web import auth
from assessor.store.db import connect
from assessor.store import accounts as accounts_store
from factories import MINI_DIR, best_answers, create_assessment, make_app

FAST_ARGON2 = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
PASSWORD = "un mot de passe solide"
ROLES = ("anonymous", "sme", "other_region", "region", "admin")
BOGUS_TOKEN = "x" * 43
LOGIN = "login"  # expected: a redirect to the login page
_counter = itertools.count()

PROFILE_FORM = {"company_name": "Entreprise test", "size_band": "10-49", "sector": "C", "region": "FR-HDF",
                "department": "", "role": "dirigeant", "email": ""}


@dataclass
class World:
    """The data every case runs against."""

    app: Any
    assessment_id: int  # Hauts-de-France, consents to contact, submitted
    token: str
    hidden_id: int  # Hauts-de-France, does NOT consent to contact
    target_advisor_id: int  # an account the admin pages act on
    accounts: dict[str, str] = field(default_factory=dict)
    checkin_token: str = ""  # the assessment's 3-month check-in (issue 15)
    unsubscribe_token: str = ""


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    app = make_app(tmp_path_factory.mktemp("permissions"), QUESTIONNAIRES_DIR=str(MINI_DIR),
                   QUESTIONNAIRE_ID="mini", ARGON2_TEST_PARAMS=FAST_ARGON2, WTF_CSRF_ENABLED=False)
    questionnaire = app.extensions["assessor.questionnaires"]["mini@1"]
    assessment_id, token = create_assessment(app, best_answers(questionnaire), submit=True)
    hidden_id, _token = create_assessment(app, best_answers(questionnaire), submit=True, consent_contact=False,
                                          company_name="Entreprise discrète")
    accounts = {"other_region": "occ@example.org", "region": "hdf@example.org", "admin": "admin@example.org"}
    with app.app_context():
        database = connect(app.config["DATABASE"])
        hashed = auth.hash_password(PASSWORD)
        accounts_store.create_advisor(database, accounts["other_region"], hashed, regions=["FR-OCC"])
        accounts_store.create_advisor(database, accounts["region"], hashed, regions=["FR-HDF"])
        accounts_store.create_advisor(database, accounts["admin"], hashed, is_admin=True)
        target = accounts_store.create_advisor(database, "target@example.org", hashed, regions=["FR-BRE"])
        accounts_store.create_advisor(database, "probe@example.org", hashed)
        checkin_token, unsubscribe_token = _checkin(app, database, assessment_id)
        database.close()
    return World(app, assessment_id, token, hidden_id, target, accounts, checkin_token, unsubscribe_token)


def _checkin(app, database, assessment_id: int) -> tuple[str, str]:
    """The company asked for check-ins, and the first one is due: its links."""
    import datetime as dt

    from assessor import config
    from assessor.jobs import checkins as jobs
    from assessor.store import assessments, checkins

    jobs.subscribe(database, assessments.get(database, assessment_id), "contact@dupont.example", "fr")
    checkins.schedule_due(database, dt.date.today() + dt.timedelta(days=200), (3,), config.zone(),
                          lambda a, s: assessments.hash_token(jobs.checkin_token(a, s)))
    consented = checkins.subscription(database, assessment_id)["consented_at"]
    return jobs.checkin_token(assessment_id, 3), jobs.unsubscribe_token(assessment_id, consented)


@pytest.fixture(autouse=True)
def fake_reports(monkeypatch):
    """PDF routes: the report module is replaced by a stub (its rendering is tested elsewhere)."""
    import assessor

    stub = types.ModuleType("assessor.report.cache")
    stub.report_for = lambda db, assessment, questionnaire, lang, **kw: b"%PDF-1.7 stub"
    monkeypatch.setitem(sys.modules, "assessor.report.cache", stub)
    import assessor.report
    monkeypatch.setattr(assessor.report, "cache", stub, raising=False)
    from assessor.jobs import reports  # the download link asks the queue (jobs/reports.py)

    monkeypatch.setattr(reports, "prepare", lambda *args: reports.Report(reports.READY, b"%PDF-1.7 stub"))


def client_for(world: World, role: str):
    client = world.app.test_client()
    if role in world.accounts:
        response = client.post("/conseiller/connexion", data={"email": world.accounts[role], "password": PASSWORD})
        assert response.status_code == 302, role
    return client


# -- the matrix ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    method: str
    path: Callable[[World, str], str]  # (world, role) → URL
    expected: tuple  # one outcome per role, in ROLES order: a status code or LOGIN
    data: Callable[[World], dict] | None = None


def token_for(world: World, role: str) -> str:
    """The SME holds the private link; nobody else does."""
    return world.token if role == "sme" else BOGUS_TOKEN


def fixed(path: str) -> Callable[[World, str], str]:
    return lambda world, role: path


def with_token(template: str) -> Callable[[World, str], str]:
    return lambda world, role: template.format(token=token_for(world, role))


def with_checkin(template: str) -> Callable[[World, str], str]:
    """The SME holds its check-in's and its unsubscribe links, nobody else does."""
    return lambda world, role: template.format(
        checkin=world.checkin_token if role == "sme" else BOGUS_TOKEN,
        unsubscribe=world.unsubscribe_token if role == "sme" else BOGUS_TOKEN)


def with_id(template: str) -> Callable[[World, str], str]:
    return lambda world, role: template.format(id=world.assessment_id)


def with_advisor(template: str) -> Callable[[World, str], str]:
    return lambda world, role: template.format(id=world.target_advisor_id)


def fresh_account(world: World) -> dict:
    return {"email": f"new{next(_counter)}@example.org", "regions": ["FR-HDF"]}


# The world runs on tests/data/mini, which has no public-body questionnaire: /collectivite is not offered.
_PUBLIC_PATH = any("audience: public" in p.read_text(encoding="utf-8") for p in MINI_DIR.glob("*.yaml"))

#                anonymous  sme    other   region  admin
PUBLIC = (200, 200, 200, 200, 200)
ADVISORS = (LOGIN, LOGIN, 200, 200, 200)
IN_SCOPE = (LOGIN, LOGIN, 404, 200, 200)
IN_SCOPE_POST = (LOGIN, LOGIN, 404, 302, 302)
ADMINS = (LOGIN, LOGIN, 403, 403, 200)
SME_ONLY = (404, 200, 404, 404, 404)
SME_REDIRECT = (404, 302, 404, 404, 404)

MATRIX: dict[str, list[Case]] = {
    "static": [Case("GET", fixed("/static/style.css"), PUBLIC)],
    "web.set_language": [Case("GET", fixed("/langue/fr"), (302,) * 5),
                         Case("POST", fixed("/langue/fr"), (302,) * 5, data=lambda w: {"next": "/methodologie"})],
    "assess.home": [Case("GET", fixed("/"), PUBLIC),
                    Case("POST", fixed("/"), (302,) * 5, data=lambda w: dict(PROFILE_FORM))],
    # Open to everyone when a public-body questionnaire is loaded (404 without one).
    "assess.public_home": [Case("GET", fixed("/collectivite"), PUBLIC if _PUBLIC_PATH else (404,) * 5),
                           Case("POST", fixed("/collectivite"), (302 if _PUBLIC_PATH else 404,) * 5,
                                data=lambda w: {"company_name": "Commune test", "body_kind": "commune",
                                                "population_band": "lt1000", "agents_band": "lt50",
                                                "region": "FR-HDF", "department": "", "role": "elu",
                                                "email": ""})],
    "assess.methodology": [Case("GET", fixed("/methodologie"), PUBLIC)],
    "assess.privacy": [Case("GET", fixed("/confidentialite"), PUBLIC)],
    "assess.resume": [Case("GET", with_token("/a/{token}"), SME_REDIRECT)],
    "assess.section": [Case("GET", with_token("/a/{token}/s/strategy"), SME_REDIRECT),
                       Case("POST", with_token("/a/{token}/s/strategy"), SME_REDIRECT, data=lambda w: {})],
    "assess.saved": [Case("GET", with_token("/a/{token}/enregistre"), SME_ONLY)],
    "assess.review": [Case("GET", with_token("/a/{token}/verification"), SME_REDIRECT)],
    "assess.submit": [Case("POST", with_token("/a/{token}/valider"), SME_REDIRECT, data=lambda w: {})],
    "assess.results": [Case("GET", with_token("/a/{token}/resultats"), SME_ONLY)],
    "assess.report": [Case("GET", with_token("/a/{token}/rapport.pdf"), SME_ONLY)],
    "assess.export_json": [Case("GET", with_token("/a/{token}/donnees.json"), SME_ONLY)],
    "assess.export_csv": [Case("GET", with_token("/a/{token}/donnees.csv"), SME_ONLY)],
    "ai_act.inventory": [Case("GET", with_token("/a/{token}/inventaire-ia.csv"), SME_ONLY)],
    "ai_act.blank_inventory": [Case("GET", fixed("/inventaire-ia.csv"), PUBLIC)],
    # A POST without the confirmation box deletes nothing: the form comes back (422).
    "assess.erase": [Case("GET", with_token("/a/{token}/supprimer"), SME_ONLY),
                     Case("POST", with_token("/a/{token}/supprimer"), (404, 422, 404, 404, 404), data=lambda w: {})],
    "followup.start": [Case("POST", with_token("/a/{token}/suivi"), SME_REDIRECT, data=lambda w: {})],
    # Mail is off here (no ASSESSOR_SMTP_HOST): nobody can send, not even with the link. With mail on,
    # only the link sends, to the company's own address (tests/test_resume_mail.py).
    "checkins.subscribe": [Case("POST", with_token("/a/{token}/points-d-etape"), (404, 422, 404, 404, 404),
                                data=lambda w: {})],
    "checkins.back_to_the_offer": [Case("GET", with_token("/a/{token}/points-d-etape"), SME_REDIRECT),
                                   Case("GET", with_token("/a/{token}/points-d-etape/retrait"), SME_REDIRECT)],
    "checkins.withdraw": [Case("POST", with_token("/a/{token}/points-d-etape/retrait"), SME_REDIRECT,
                               data=lambda w: {})],
    "checkins.page": [Case("GET", with_checkin("/p/{checkin}"), SME_ONLY),
                      Case("POST", with_checkin("/p/{checkin}"), SME_REDIRECT, data=lambda w: {"action": "save"})],
    "checkins.unsubscribe": [Case("GET", with_checkin("/desinscription/{unsubscribe}"), SME_ONLY),
                             Case("POST", with_checkin("/desinscription/{unsubscribe}"), SME_REDIRECT,
                                  data=lambda w: {})],
    "resume_mail.send": [Case("POST", with_token("/a/{token}/lien-par-email"), (404,) * 5, data=lambda w: {})],
    "auth.login": [Case("GET", fixed("/conseiller/connexion"), (200, 200, 302, 302, 302)),
                   Case("POST", fixed("/conseiller/connexion"), (302,) * 5,
                        data=lambda w: {"email": "probe@example.org", "password": PASSWORD})],
    "auth.logout": [Case("POST", fixed("/conseiller/deconnexion"), (302,) * 5, data=lambda w: {})],
    "accounts.accounts": [Case("GET", fixed("/conseiller/admin/comptes"), ADMINS),
                      Case("POST", fixed("/conseiller/admin/comptes"), ADMINS, data=fresh_account)],
    "accounts.account": [Case("GET", with_advisor("/conseiller/admin/comptes/{id}"), ADMINS),
                     Case("POST", with_advisor("/conseiller/admin/comptes/{id}"),
                          (LOGIN, LOGIN, 403, 403, 302),
                          data=lambda w: {"regions": ["FR-BRE"], "active": "y"})],
    "accounts.reset_password": [Case("POST", with_advisor("/conseiller/admin/comptes/{id}/mot-de-passe"), ADMINS,
                                 data=lambda w: {})],
    "advisor.index": [Case("GET", fixed("/conseiller/"), ADVISORS)],
    "export.export": [Case("GET", fixed("/conseiller/export.csv"), ADVISORS)],
    "advisor.interview": [Case("GET", fixed("/conseiller/entretien"), ADVISORS),
                          Case("POST", fixed("/conseiller/entretien"), (LOGIN, LOGIN, 302, 302, 302),
                               data=lambda w: dict(PROFILE_FORM))],
    "advisor.detail": [Case("GET", with_id("/conseiller/evaluations/{id}"), IN_SCOPE)],
    "advisor.report": [Case("GET", with_id("/conseiller/evaluations/{id}/rapport.pdf"), IN_SCOPE)],
    "advisor.add_note": [Case("POST", with_id("/conseiller/evaluations/{id}/notes"), IN_SCOPE_POST,
                              data=lambda w: {"body": "Appel prévu"})],
    "advisor.set_followup": [Case("POST", with_id("/conseiller/evaluations/{id}/suivi"), IN_SCOPE_POST,
                                  data=lambda w: {"status": "contacté", "assigned": "0"})],
    "advisor.restart": [Case("POST", with_id("/conseiller/evaluations/{id}/nouveau-diagnostic"), IN_SCOPE_POST,
                             data=lambda w: {})],
    "observatory.index": [Case("GET", fixed("/conseiller/observatoire"), ADVISORS)],
    "impact.index": [Case("GET", fixed("/conseiller/observatoire/impact"), ADVISORS)],
    "advisor_account.account": [Case("GET", fixed("/conseiller/mon-compte"), ADVISORS),
                                Case("POST", fixed("/conseiller/mon-compte"), (LOGIN, LOGIN, 302, 302, 302),
                                     data=lambda w: {"digest": "y", "digest_lang": "fr"})],
}


def test_every_route_has_a_row(world):
    endpoints = {rule.endpoint for rule in world.app.url_map.iter_rules()}
    missing = sorted(endpoints - set(MATRIX))
    assert not missing, f"routes without a permission row in tests/test_permissions.py: {missing}"
    stale = sorted(set(MATRIX) - endpoints)
    assert not stale, f"rows for routes that no longer exist: {stale}"
    for rule in world.app.url_map.iter_rules():
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        covered = sorted({case.method for case in MATRIX[rule.endpoint]})
        assert covered == methods, f"{rule.endpoint}: methods {methods}, rows for {covered}"


CASES = [pytest.param(endpoint, case, role, expected, id=f"{endpoint}-{case.method}-{role}")
         for endpoint, cases in MATRIX.items() for case in cases
         for role, expected in zip(ROLES, case.expected)]


@pytest.mark.parametrize("endpoint, case, role, expected", CASES)
def test_permission(world, endpoint, case, role, expected):
    client = client_for(world, role)
    url = case.path(world, role)
    data = case.data(world) if case.data else None
    with client.open(url, method=case.method, data=data) as response:
        if expected == LOGIN:
            assert response.status_code == 302, (url, response.status_code)
            assert response.location.startswith("/conseiller/connexion"), response.location
        else:
            assert response.status_code == expected, (url, response.status_code)
            if expected == 404:
                # Nothing about the assessment leaks into the error page.
                assert b"Menuiserie Dupont" not in response.data


# -- IDOR: another company's id or token never reveals anything ---------------------------------


def _normalise(html: bytes, assessment_id: int) -> str:
    """Return the page without its form tokens, and with the id it was asked for (the language
    switch links back to the current URL) written the same way."""
    return re.sub(r'value="[^"]*"', "", html.decode()).replace(f"/evaluations/{assessment_id}", "/evaluations/N")


@pytest.mark.parametrize("suffix, method, data", [
    ("", "GET", None), ("/rapport.pdf", "GET", None), ("/notes", "POST", {"body": "x"}),
    ("/suivi", "POST", {"status": "clos", "assigned": "0"}), ("/nouveau-diagnostic", "POST", {}),
])
def test_out_of_scope_looks_exactly_like_missing(world, suffix, method, data):
    client = client_for(world, "region")
    hidden = client.open(f"/conseiller/evaluations/{world.hidden_id}{suffix}", method=method, data=data)
    missing = client.open(f"/conseiller/evaluations/999999{suffix}", method=method, data=data)
    assert hidden.status_code == missing.status_code == 404
    assert _normalise(hidden.data, world.hidden_id) == _normalise(missing.data, 999999)
    assert b"discr\xc3\xa8te" not in hidden.data


def test_out_of_scope_rows_never_appear_in_lists_exports_or_chains(world):
    client = client_for(world, "region")
    for url in ("/conseiller/", "/conseiller/export.csv", "/conseiller/?q=discr%C3%A8te",
                f"/conseiller/evaluations/{world.assessment_id}"):
        assert "Entreprise discrète" not in client.get(url).get_data(as_text=True), url
    other = client_for(world, "other_region")
    assert "Menuiserie Dupont" not in other.get("/conseiller/").get_data(as_text=True)
    assert "Menuiserie Dupont" not in other.get("/conseiller/export.csv").get_data(as_text=True)
    admin = client_for(world, "admin")
    assert "Entreprise discrète" in admin.get("/conseiller/").get_data(as_text=True)


@pytest.mark.parametrize("route", ["/a/{t}", "/a/{t}/resultats", "/a/{t}/rapport.pdf", "/a/{t}/verification",
                                   "/a/{t}/supprimer", "/a/{t}/donnees.json", "/a/{t}/donnees.csv",
                                   "/a/{t}/inventaire-ia.csv"])
def test_a_token_opens_only_its_own_assessment(world, route):
    client = world.app.test_client()
    altered = world.token[:-1] + ("A" if world.token[-1] != "A" else "B")
    for token in (altered, world.token.upper(), world.token[:20], str(world.assessment_id), "%2e%2e"):
        assert client.get(route.format(t=token)).status_code == 404
    mine, _token = create_assessment(world.app, company_name="Autre entreprise")
    page = client.get(f"/a/{world.token}/resultats").get_data(as_text=True)
    assert "Autre entreprise" not in page


def test_an_advisor_cannot_assign_outside_the_region(world):
    client = client_for(world, "region")
    response = client.post(f"/conseiller/evaluations/{world.assessment_id}/suivi",
                           data={"status": "clos", "assigned": str(world.target_advisor_id)})
    assert response.status_code == 422


def test_admin_pages_for_a_missing_account_are_404(world):
    client = client_for(world, "admin")
    assert client.get("/conseiller/admin/comptes/999999").status_code == 404
    assert client.post("/conseiller/admin/comptes/999999/mot-de-passe").status_code == 404
