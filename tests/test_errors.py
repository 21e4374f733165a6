"""No request crashes the app: each refusal is a friendly French page that logs no trace (issue 9).

Each case below answered 500, with a 3 KB trace in the log, before it was fixed. CSRF is on, and
exceptions are not propagated to the test, as in production: a crash is the 500 a visitor gets.
"""
from __future__ import annotations

import csv
import io
import logging
import re
import sqlite3

import pytest
from werkzeug.routing import IntegerConverter

from assessor.web import auth
from assessor.store.db import connect
from assessor.store import workspace
from assessor.store import accounts
from factories import MINI_DIR, best_answers, create_assessment, make_app

FAST_ARGON2 = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
PASSWORD = "un mot de passe solide"
EXPIRED = "le formulaire avait expiré"


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path, QUESTIONNAIRES_DIR=str(MINI_DIR), QUESTIONNAIRE_ID="mini",
                    ARGON2_TEST_PARAMS=FAST_ARGON2, WTF_CSRF_ENABLED=True, PROPAGATE_EXCEPTIONS=False)


def csrf_token(client, url: str = "/") -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)


@pytest.fixture
def admin(app, client):
    with app.app_context():
        database = connect(app.config["DATABASE"])
        accounts.create_advisor(database, "admin@example.org", auth.hash_password(PASSWORD), is_admin=True)
        database.close()
    response = client.post("/conseiller/connexion", data={
        "email": "admin@example.org", "password": PASSWORD, "csrf_token": csrf_token(client, "/conseiller/connexion")})
    assert response.status_code == 302
    return client


def traces(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.exc_info]


def french_page(response, title: str) -> str:
    body = response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    assert '<html lang="fr">' in body and f"<h1>{title}</h1>" in body, body[:2000]
    return body


# -- the CSRF handler ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/a/doesnotexist/supprimer", "/a/doesnotexist/s/strategy", "/a/{token}/s/nope"])
def test_an_expired_form_posted_to_a_page_that_does_not_exist_gets_the_404_page(app, client, caplog, path):
    """The CSRF handler re-runs the view to re-show the form; the view's 404 became a 500."""
    _id, token = create_assessment(app)
    response = client.post(path.format(token=token), data={"confirm": "y", "csrf_token": "expiré"})
    assert response.status_code == 404
    body = french_page(response, "Page introuvable")
    assert EXPIRED not in body and not traces(caplog)
    # Nor is the message about a form left for the next page.
    assert EXPIRED not in client.get("/").get_data(as_text=True)


def test_an_expired_form_is_still_shown_again_with_what_was_typed(app, client):
    response = client.post("/", data={"company_name": "Menuiserie Lenoir", "csrf_token": "expiré"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert EXPIRED in body and 'value="Menuiserie Lenoir"' in body


# -- bodies that are not forms ------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/a/{token}/s/strategy", "/a/{token}/supprimer"])
@pytest.mark.parametrize("with_token", [False, True])
def test_a_json_post_is_refused_with_a_page(app, client, caplog, path, with_token):
    from assessor.store import assessments as store

    questionnaire = app.extensions["assessor.questionnaires"]["mini@1"]
    assessment_id, token = create_assessment(app, best_answers(questionnaire))
    headers = {"X-CSRFToken": csrf_token(client)} if with_token else {}
    for body in ["{not json", '{"q_strategy__vision": "written", "confirm": "y"}', "[1, 2]", '"abc"']:
        response = client.post(path.format(token=token), data=body, content_type="application/json",
                               headers=headers)
        assert response.status_code == 415, body
        french_page(response, "Envoi non reconnu")
    assert not traces(caplog)
    with app.app_context():  # nothing was saved, nothing erased
        database = connect(app.config["DATABASE"])
        assert store.answers(database, assessment_id) == best_answers(questionnaire)
        database.close()


def test_a_text_body_is_refused_too(app, client):
    response = client.post("/", data="company_name=x", content_type="text/plain",
                           headers={"X-CSRFToken": csrf_token(client)})
    assert response.status_code == 415


def test_an_uploaded_file_is_not_taken_as_a_field(app, client, caplog):
    """A file in place of the company's name crashed the name's length check."""
    response = client.post("/", data={"csrf_token": csrf_token(client), "company_name": (io.BytesIO(b"\0"), "a.bin"),
                                      "size_band": "10-49", "sector": "C", "region": "FR-HDF", "role": "dirigeant"},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Indiquez le nom de votre entreprise." in response.get_data(as_text=True)
    assert not traces(caplog)


# -- ids ----------------------------------------------------------------------------------------

ID_URLS = [("GET", "/conseiller/evaluations/{id}"), ("GET", "/conseiller/evaluations/{id}/rapport.pdf"),
           ("POST", "/conseiller/evaluations/{id}/notes"), ("POST", "/conseiller/evaluations/{id}/suivi"),
           ("POST", "/conseiller/evaluations/{id}/nouveau-diagnostic"), ("GET", "/conseiller/admin/comptes/{id}"),
           ("POST", "/conseiller/admin/comptes/{id}"), ("POST", "/conseiller/admin/comptes/{id}/mot-de-passe")]


@pytest.mark.parametrize("method,url", ID_URLS)
def test_ids_beyond_sqlite_integers_are_404_pages(app, admin, caplog, method, url):
    data = {"csrf_token": csrf_token(admin, "/conseiller/entretien"), "body": "note", "status": "clos"}
    for bad_id in [str(2**63), str(2**64), "9" * 5000, "0"]:
        response = admin.open(url.format(id=bad_id), method=method, data=data if method == "POST" else None)
        assert response.status_code == 404, bad_id
        french_page(response, "Page introuvable")
    assert not traces(caplog)


def test_the_largest_sqlite_id_is_still_an_id(app, admin):
    assert admin.get(f"/conseiller/evaluations/{2**63 - 1}").status_code == 404  # matched, and not found
    assessment_id, _token = create_assessment(app)
    assert admin.get(f"/conseiller/evaluations/{assessment_id}").status_code == 200


def test_every_integer_in_a_url_is_a_bounded_id(app):
    """A new route with ``<int:...>`` would take 2**63 again: it must use ``<id:...>``."""
    from assessor.web.http import IdConverter

    integers = [(rule.rule, name) for rule in app.url_map.iter_rules()
                for name, converter in rule._converters.items()
                if isinstance(converter, IntegerConverter) and not isinstance(converter, IdConverter)]
    assert not integers
    assert any(isinstance(c, IdConverter) for rule in app.url_map.iter_rules() for c in rule._converters.values())


# -- date filters and the CSV export ------------------------------------------------------------

DATE_MESSAGE = "Choisissez une date entre le 1er janvier 2000 et le 31 décembre 2100."


@pytest.mark.parametrize("query", ["date_from=0001-01-01", "date_to=9999-12-31", "date_from=9999-12-31",
                                   "date_to=0001-01-01", "date_from=1999-12-31"])
def test_a_date_out_of_range_is_refused_in_the_list_with_a_message(app, admin, caplog, query):
    create_assessment(app, company_name="Toujours listée")
    response = admin.get(f"/conseiller/?{query}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert DATE_MESSAGE in body and "Toujours listée" in body  # the filter is ignored, and says why
    assert not traces(caplog)


def test_the_bounds_of_the_date_range_are_accepted(app, admin):
    response = admin.get("/conseiller/?date_from=2000-01-01&date_to=2100-12-31")
    assert response.status_code == 200 and DATE_MESSAGE not in response.get_data(as_text=True)
    export = admin.get("/conseiller/export.csv?date_from=2000-01-01&date_to=2100-12-31")
    assert export.status_code == 200 and export.mimetype == "text/csv"


@pytest.mark.parametrize("query", ["date_from=0001-01-01", "date_to=9999-12-31", "date_to=2026-02-30",
                                   "region=FR-XXX"])
def test_an_export_with_an_invalid_filter_is_refused_before_any_byte(app, admin, caplog, query):
    """The export answered 200, then cut its file after the header."""
    create_assessment(app)
    response = admin.get(f"/conseiller/export.csv?{query}")
    assert response.status_code == 422 and response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert "L&#39;export n&#39;a pas été fait" in body and "Exporter en CSV" in body
    assert not traces(caplog)


def test_an_export_cut_short_says_so_on_its_last_line(app, admin, caplog, monkeypatch):
    for i in range(3):
        create_assessment(app, company_name=f"Entreprise {i}")
    real_rows = workspace.export_rows

    def failing_rows(*args, **kwargs):
        rows = real_rows(*args, **kwargs)
        try:
            yield next(rows)
            yield next(rows)
        finally:
            rows.close()
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(workspace, "export_rows", failing_rows)
    with caplog.at_level(logging.ERROR):
        response = admin.get("/conseiller/export.csv")
        rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig")), delimiter=";"))
    assert response.status_code == 200  # sent with the header, before the error
    assert [r[3] for r in rows[1:3]] == ["Entreprise 2", "Entreprise 1"]
    assert rows[-1][0].startswith("EXPORT INCOMPLET\u00a0: une erreur a interrompu l'export") and len(rows) == 4
    [record] = traces(caplog)
    assert record.getMessage() == "CSV export interrupted after 2 rows"


# -- the error pages themselves -----------------------------------------------------------------


def test_when_the_error_page_cannot_be_rendered_a_static_french_page_is_sent(app, client, monkeypatch, caplog):
    from assessor.web import errors

    def broken(*args, **kwargs):
        raise RuntimeError("template broken")

    monkeypatch.setattr(errors, "render_template", broken)
    response = client.get("/cette-page-n-existe-pas")
    assert response.status_code == 404
    body = french_page(response, "Page introuvable")
    assert "Diagnostic de maturité IA" in body and 'href="/"' in body
    assert [r.getMessage() for r in traces(caplog)] == ["error page 404 could not be rendered"]


def test_an_unexpected_error_logs_its_trace_once_with_the_rule_not_the_link(app, client, monkeypatch, caplog):
    from assessor.store import assessments as store

    _id, token = create_assessment(app)

    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(store, "by_token", broken)
    response = client.get(f"/a/{token}")
    assert response.status_code == 500
    french_page(response, "Erreur interne")
    [record] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert record.exc_info and record.getMessage() == "Unhandled error on GET /a/<token>"
    assert token not in record.getMessage()


def test_other_refusals_are_french_pages_too(app, client):
    response = client.put("/")
    assert response.status_code == 405 and "POST" in response.headers["Allow"]
    french_page(response, "Action impossible")
    response = client.get("/static/style.css", headers={"Range": "bytes=99999999-"})
    assert response.status_code == 416
    french_page(response, "Requête impossible")
    response.close()
