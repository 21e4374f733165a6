"""The company's data (issue 9): portability, numbers never reused, file modes, names, privacy
notice and retention."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest

from assessor.store.db import connect
from factories import MINI_DIR, best_answers, create_assessment, make_app


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path, QUESTIONNAIRES_DIR=str(MINI_DIR), QUESTIONNAIRE_ID="mini")


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def mini(app):
    return app.extensions["assessor.questionnaires"]["mini@1"]


# -- portability (GDPR article 20) ---------------------------------------------------------------


def test_a_submitted_diagnostic_downloads_as_json_with_questions_answers_and_scores_in_words(app):
    answers = best_answers(mini(app)) | {"strategy.budget": "not_applicable", "data.wish": "Un outil de devis"}
    assessment_id, token = create_assessment(app, answers, submit=True)
    response = app.test_client().get(f"/a/{token}/donnees.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and token not in disposition
    assert f"diagnostic-ia-{assessment_id}.json" in disposition
    data = json.loads(response.get_data(as_text=True))
    assert data["questionnaire"] == {"id": "mini", "version": 1, "title": "Mini diagnostic"}
    assert data["assessment"]["number"] == assessment_id and data["assessment"]["status"] == "submitted"
    assert data["assessment"]["submitted_at"].endswith("+00:00")  # ISO 8601, UTC
    assert data["profile"]["company_name"] == "Menuiserie Dupont"
    assert data["profile"]["email"] == "contact@dupont.example"
    assert data["profile"]["size_band"]["code"] == "10-49" and data["profile"]["consent_stats"] is True
    by_id = {row["question_id"]: row for row in data["answers"]}
    assert by_id["strategy.vision"].items() >= {
        "question": "Avez-vous une vision de l'IA\u00a0?", "value": "clear", "answer": "Une feuille de route",
        "dimension": "Stratégie"}.items()
    assert by_id["data.practices"]["value"] == ["backup", "catalogue"]
    assert by_id["data.practices"]["answer"] == ["Sauvegardes", "Inventaire des données"]
    assert by_id["strategy.budget"]["answer"] == "Non concerné"
    assert by_id["data.wish"]["answer"] == "Un outil de devis"
    results = data["results"]
    assert results["overall"] == 100 and results["level"] == {"id": "transformation", "label": "Transformation"}
    assert [d["id"] for d in results["dimensions"]] == ["strategy", "data"]
    assert results["dimensions"][0]["score"] == 100 and 0 < results["confidence"] <= 1


def test_the_json_is_in_the_users_language(app):
    _id, token = create_assessment(app, best_answers(mini(app)), submit=True)
    client = app.test_client()
    client.get("/langue/en")
    data = client.get(f"/a/{token}/donnees.json").get_json()
    vision = next(row for row in data["answers"] if row["question_id"] == "strategy.vision")
    assert vision["question"] == "Do you have an AI vision?" and vision["answer"] == "A roadmap"
    assert data["questionnaire"]["title"] == "Mini assessment"


def test_a_draft_downloads_its_answers_so_far_without_scores(app):
    _id, token = create_assessment(app, {"strategy.vision": "some"})
    client = app.test_client()
    data = client.get(f"/a/{token}/donnees.json").get_json()
    assert data["results"] is None and data["assessment"]["status"] == "draft"
    by_id = {row["question_id"]: row for row in data["answers"]}
    assert by_id["strategy.vision"]["answer"] == "Quelques idées"
    assert by_id["data.quality"]["value"] is None and by_id["data.quality"]["answer"] is None
    lines = list(csv.reader(io.StringIO(client.get(f"/a/{token}/donnees.csv").get_data(as_text=True)[1:]),
                            delimiter=";"))
    assert lines[1][3] == "en cours" and lines[1][11] == ""  # no score


def test_the_csv_has_a_bom_semicolons_and_one_row_per_question(app):
    answers = best_answers(mini(app)) | {"data.wish": "=HYPERLINK(\"http://x\")"}
    assessment_id, token = create_assessment(app, answers, submit=True)
    response = app.test_client().get(f"/a/{token}/donnees.csv")
    assert response.mimetype == "text/csv" and response.headers["Cache-Control"] == "no-store"
    assert f'filename="diagnostic-ia-{assessment_id}.csv"' in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith("\ufeff".encode("utf-8"))
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    header, lines = rows[0], rows[1:]
    assert header[:3] == ["Diagnostic n°", "Questionnaire", "Version du questionnaire"]
    assert len(lines) == len(mini(app).questions)
    vision = next(line for line in lines if line[7] == "strategy.vision")
    assert vision[0] == str(assessment_id) and vision[1] == "Mini diagnostic" and vision[2] == "1"
    assert vision[8] == "Avez-vous une vision de l'IA\u00a0?" and vision[9] == "clear"
    assert vision[10] == "Une feuille de route" and vision[11] == "100,0" and vision[12] == "100,0"
    assert vision[13] == "Transformation"
    practices = next(line for line in lines if line[7] == "data.practices")
    assert practices[10] == "Sauvegardes ; Inventaire des données"
    wish = next(line for line in lines if line[7] == "data.wish")
    assert wish[10].startswith("'=")  # never run as a formula


def test_pages_link_to_the_downloads_and_a_wrong_link_downloads_nothing(app):
    _id, draft = create_assessment(app, best_answers(mini(app)))
    _id, done = create_assessment(app, best_answers(mini(app)), submit=True)
    client = app.test_client()
    for url, token in ((f"/a/{draft}/verification", draft), (f"/a/{draft}/enregistre", draft),
                       (f"/a/{done}/resultats", done)):
        page = client.get(url).get_data(as_text=True)
        assert f"/a/{token}/donnees.json" in page and f"/a/{token}/donnees.csv" in page, url
    assert client.get("/a/not-a-token/donnees.json").status_code == 404
    assert client.get("/a/not-a-token/donnees.csv").status_code == 404


# -- numbers never reused ------------------------------------------------------------------------


def _erase(app, token: str) -> None:
    client = app.test_client()
    page = client.get(f"/a/{token}/supprimer").get_data(as_text=True)
    assert client.post(f"/a/{token}/supprimer", data={"csrf_token": csrf(page), "confirm": "y"}).status_code == 302


def test_an_erased_diagnostics_number_is_never_given_to_another_company(app, tmp_path):
    """Issue 9: after an erasure the next company got number 6 again (a bookmark, a CSV line or a
    PDF name then pointed to another company)."""
    created = [create_assessment(app, company_name=f"Entreprise {n}") for n in range(1, 7)]
    assert [assessment_id for assessment_id, _token in created] == [1, 2, 3, 4, 5, 6]
    _erase(app, created[5][1])
    assert create_assessment(app)[0] == 7
    _erase(app, create_assessment(app)[1])  # number 8, the highest, erased
    restarted = make_app(tmp_path, QUESTIONNAIRES_DIR=str(MINI_DIR), QUESTIONNAIRE_ID="mini")
    assert create_assessment(restarted)[0] == 9


def _pre_autoincrement_database(app, path: str) -> None:
    """A database as it was before m004: the assessments table without AUTOINCREMENT, with data."""
    from assessor.store.migrations import migrations

    database = connect(path)
    migrations.apply(database, stop_before="m005_assessment_numbers_never_reused")
    return database


def test_the_migration_keeps_data_links_indexes_and_the_statistics_triggers(app, tmp_path):
    from assessor.store.migrations import migrations
    from assessor.store.stats_schema import STATS_TRIGGERS
    from assessor.store import workspace
    from assessor.store import accounts
    from assessor.store import assessments as store
    from factories import PROFILE

    path = str(tmp_path / "old.sqlite3")
    database = _pre_autoincrement_database(app, path)
    assert "AUTOINCREMENT" not in database.execute(
        "select sql from sqlite_master where name = 'assessments'").fetchone()[0]
    summary = {"overall": 60.0, "level": "deploiement", "floor_level": "exploration", "confidence": 1.0,
               "dimensions": {"strategy": {"score": 60.0}}}
    first, _ = store.create(database, PROFILE, "mini", 1)
    store.save_answers(database, first, {"strategy.vision": "clear"})
    store.submit(database, first, summary, 1)
    second, _ = store.create(database, PROFILE, "mini", 1, previous_id=first)
    third, _ = store.create(database, PROFILE, "mini", 1)
    advisor = accounts.create_advisor(database, "conseil@example.org", "x", regions=["FR-HDF"])
    workspace.add_note(database, second, advisor, "Note")
    store.delete(database, third)  # number 3 erased before the migration: it cannot be known
    objects = database.execute("select type, name from sqlite_master where tbl_name = 'assessments' "
                               "order by 1, 2").fetchall()
    stats = database.execute("select sum(n) from stats_counts").fetchone()[0]
    assert stats > 0

    # Up to the rebuild only: later migrations add objects of their own.
    migrations.apply(database, stop_before="m006_demo_assessments_index")
    assert "AUTOINCREMENT" in database.execute(
        "select sql from sqlite_master where name = 'assessments'").fetchone()[0]
    assert database.execute("select type, name from sqlite_master where tbl_name = 'assessments' "
                            "order by 1, 2").fetchall() == objects
    assert set(STATS_TRIGGERS) <= {name for kind, name in objects if kind == "trigger"}
    assert database.execute("pragma foreign_keys").fetchone()[0] == 1
    assert database.execute("pragma foreign_key_check").fetchall() == []
    assert store.get(database, second)["previous_id"] == first
    assert store.answers(database, first) == {"strategy.vision": "clear"}
    assert database.execute("select sum(n) from stats_counts").fetchone()[0] == stats
    assert store.create(database, PROFILE, "mini", 1)[0] == 3  # from the highest number in use
    store.delete(database, first)  # the triggers still count (and foreign keys still hold)
    assert database.execute("select sum(n) from stats_counts").fetchone()[0] == 0
    with pytest.raises(Exception, match="FOREIGN KEY"):
        database.execute("insert into answers (assessment_id, question_id, value) values (999, 'x', '1')")
    database.close()


# -- file modes ----------------------------------------------------------------------------------


def _mode(path) -> int:
    import os
    import stat

    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_database_its_wal_files_the_secret_key_and_backups_are_readable_by_their_owner_only(tmp_path):
    """Issue 9: they were created 0644, readable by every account on the machine."""
    import os


    previous = os.umask(0o022)  # the usual umask, under which SQLite made 0644 files
    try:
        app = make_app(tmp_path, SECRET_KEY=None, QUESTIONNAIRES_DIR=str(MINI_DIR), QUESTIONNAIRE_ID="mini")
        create_assessment(app)
        database = connect(app.config["DATABASE"])  # an open connection keeps -wal and -shm
        database.execute("select count(*) from assessments").fetchone()
        for suffix in ("", "-wal", "-shm"):
            assert _mode(app.config["DATABASE"] + suffix) == 0o600, suffix
        assert _mode(tmp_path / "instance" / "secret_key") == 0o600
        target = tmp_path / "backup.sqlite3"
        result = app.test_cli_runner().invoke(args=["backup", str(target)])
        assert result.exit_code == 0, result.output
        assert _mode(target) == 0o600
        old = tmp_path / "old-backup.sqlite3"
        old.write_bytes(b"")
        os.chmod(old, 0o644)
        assert app.test_cli_runner().invoke(args=["backup", str(old)]).exit_code == 0
        assert _mode(old) == 0o600
        database.close()
    finally:
        os.umask(previous)


# -- names and free text -------------------------------------------------------------------------

PROFILE_FORM = {"size_band": "10-49", "sector": "C", "region": "FR-HDF", "department": "", "role": "dirigeant",
                "email": ""}


def _post_profile(client, **fields):
    page = client.get("/").get_data(as_text=True)
    return client.post("/", data=PROFILE_FORM | fields | {"csrf_token": csrf(page)})


def _stored(app, column: str = "company_name") -> list:
    database = connect(app.config["DATABASE"])
    try:
        return [row[0] for row in database.execute(f"select {column} from assessments")]
    finally:
        database.close()


def test_a_company_name_of_spaces_is_refused(app):
    """Issue 9: it was accepted and stored empty (the required check looked at the raw input)."""
    response = _post_profile(app.test_client(), company_name="    ")
    assert response.status_code == 422
    assert "Indiquez le nom de votre entreprise." in response.get_data(as_text=True)
    assert _stored(app) == []


def test_a_name_over_200_characters_is_refused_with_the_limit_not_cut(app):
    client = app.test_client()
    assert 'maxlength="200"' in client.get("/").get_data(as_text=True)
    response = _post_profile(client, company_name="Menuiserie " + "x" * 289)
    assert response.status_code == 422
    assert "Le nom ne peut pas dépasser 200 caractères." in response.get_data(as_text=True)
    assert _stored(app) == []
    assert _post_profile(client, company_name="M" * 200).status_code == 302
    assert _stored(app) == ["M" * 200]


def test_control_characters_are_taken_out_of_names_and_e_mails(app):
    response = _post_profile(app.test_client(), company_name=" Menuiserie\x00 Du\x1b[31mpont\t\n",
                             email="contact@dupont.example\x00")
    assert response.status_code == 302
    assert _stored(app) == ["Menuiserie Du[31mpont"]
    assert _stored(app, "email") == ["contact@dupont.example"]
    assert _post_profile(app.test_client(), company_name="\x00\x1b\x07").status_code == 422


def test_free_text_answers_keep_their_lines_but_lose_control_characters(app):
    from assessor.web.forms import field_name
    from assessor.store import assessments as store

    assessment_id, token = create_assessment(app)
    client = app.test_client()
    page = client.get(f"/a/{token}/s/data").get_data(as_text=True)
    response = client.post(f"/a/{token}/s/data", data={
        field_name("data.wish"): "Un outil\x00 de devis\r\net\x1b un CRM\x7f", "csrf_token": csrf(page)})
    assert response.status_code == 302
    database = connect(app.config["DATABASE"])
    assert store.answers(database, assessment_id)["data.wish"] == "Un outil de devis\net un CRM"
    database.close()


def test_advisors_notes_keep_their_lines_but_lose_control_characters(tmp_path):
    from assessor.store import workspace
    from test_advisor import FAST_ARGON2, login, make_advisor

    app = make_app(tmp_path, QUESTIONNAIRES_DIR=str(MINI_DIR), QUESTIONNAIRE_ID="mini",
                   ARGON2_TEST_PARAMS=FAST_ARGON2, WTF_CSRF_ENABLED=False)
    make_advisor(app, "hdf@example.org", regions=["FR-HDF"])
    client = app.test_client()
    assert login(client, "hdf@example.org").status_code == 302
    assessment_id, _token = create_assessment(app)
    response = client.post(f"/conseiller/evaluations/{assessment_id}/notes",
                           data={"body": "Rappeler\x00 en janvier\r\n\x1b[2JPuis en mars"})
    assert response.status_code == 302
    database = connect(app.config["DATABASE"])
    assert [n["body"] for n in workspace.notes(database, assessment_id)] == ["Rappeler en janvier\n[2JPuis en mars"]
    database.close()
    assert client.post(f"/conseiller/evaluations/{assessment_id}/notes", data={"body": "\x00\x1b"}).status_code == 422


# -- privacy notice (GDPR article 13) ------------------------------------------------------------


def test_the_privacy_page_names_the_controller_bases_recipients_retention_rights_and_the_cnil(tmp_path):
    app = make_app(tmp_path, QUESTIONNAIRES_DIR=str(MINI_DIR), QUESTIONNAIRE_ID="mini",
                   CONTROLLER_NAME="Cité de l'IA <Lille>", CONTROLLER_CONTACT="rgpd@cite-ia.example",
                   DPO_CONTACT="dpo@cite-ia.example", RETENTION_DAYS=730, RETENTION_DRAFT_DAYS=90)
    page = app.test_client().get("/confidentialite").get_data(as_text=True)
    assert "Cité de l&#39;IA &lt;Lille&gt;" in page
    assert "rgpd@cite-ia.example" in page and "dpo@cite-ia.example" in page
    assert "non renseigné" not in page
    for words in ("article 6.1.b du RGPD", "votre consentement (article 6.1.a du RGPD)", "intérêt légitime",
                  "Qui reçoit vos données", "pour votre région seulement",
                  "pendant 90 jours est supprimé", "supprimé 730 jours après sa validation",
                  "Portabilité", "JSON", "Effacement", "retrait de votre consentement",
                  "sa population, son nombre d'agents",  # what a public body's profile collects
                  'href="https://www.cnil.fr/fr/plaintes"'):
        assert words in page, words


def test_without_a_controller_the_page_says_so_and_the_start_up_warns(tmp_path, caplog, monkeypatch):
    for variable in ("ASSESSOR_CONTROLLER_NAME", "ASSESSOR_CONTROLLER_CONTACT", "ASSESSOR_DPO_CONTACT"):
        monkeypatch.delenv(variable, raising=False)
    with caplog.at_level("WARNING"):
        app = make_app(tmp_path, TESTING=False, QUESTIONNAIRES_DIR=str(MINI_DIR), QUESTIONNAIRE_ID="mini")
    assert "ASSESSOR_CONTROLLER_NAME, ASSESSOR_CONTROLLER_CONTACT, ASSESSOR_DPO_CONTACT" in caplog.text
    page = app.test_client().get("/confidentialite").get_data(as_text=True)
    assert "n'a pas indiqué toutes ses coordonnées" in page
    assert page.count("non renseigné par l'organisme qui déploie ce service") == 3
    assert "pendant 183 jours" in page and "supprimé 1095 jours après" in page


def test_the_controller_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSESSOR_CONTROLLER_NAME", "CCI Occitanie")
    monkeypatch.setenv("ASSESSOR_RETENTION_DAYS", "400")
    app = make_app(tmp_path, QUESTIONNAIRES_DIR=str(MINI_DIR), QUESTIONNAIRE_ID="mini")
    assert app.config["CONTROLLER_NAME"] == "CCI Occitanie" and app.config["RETENTION_DAYS"] == 400


def test_every_setting_is_in_the_readme_configuration_table():
    from pathlib import Path

    from assessor.config import _ENV

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    missing = [variable for variable in _ENV if f"| `{variable}`" not in readme]
    assert not missing, missing


# -- retention -----------------------------------------------------------------------------------


def _aged(app, *, created: str, submitted: str | None = None, **profile) -> tuple[int, str]:
    """An assessment created (and submitted) on these days, untouched since."""
    answers = best_answers(mini(app)) if submitted else {"strategy.vision": "some"}
    assessment_id, token = create_assessment(app, answers, submit=bool(submitted), **profile)
    database = connect(app.config["DATABASE"])
    database.execute("update assessments set created_at = ?, updated_at = ?, submitted_at = ? where id = ?",
                     [f"{created}T10:00:00+00:00", f"{submitted or created}T10:00:00+00:00",
                      f"{submitted}T10:00:00+00:00" if submitted else None, assessment_id])
    database.close()
    return assessment_id, token


def _ids(app) -> set[int]:
    database = connect(app.config["DATABASE"])
    try:
        return {row[0] for row in database.execute("select id from assessments")}
    finally:
        database.close()


def test_retention_purge_deletes_old_drafts_and_old_diagnostics_with_what_hangs_on_them(app):
    from assessor.report import cache as cache_report
    from assessor.store import workspace
    from assessor.store import accounts

    old_draft, _ = _aged(app, created="2026-01-10")             # untouched for more than 183 days
    recent_draft, _ = _aged(app, created="2026-09-01")
    old, old_token = _aged(app, created="2023-05-02", submitted="2023-05-03")   # more than 1095 days
    kept, _ = _aged(app, created="2024-02-01", submitted="2024-02-02")
    follow_up, follow_token = _aged(app, created="2026-03-01", submitted="2026-03-02", previous_id=old)
    demo, _ = _aged(app, created="2020-01-01", submitted="2020-01-02", is_demo=True)
    database = connect(app.config["DATABASE"])
    advisor = accounts.create_advisor(database, "conseil@example.org", "x", regions=["FR-HDF"])
    workspace.add_note(database, old, advisor, "Rappeler")
    database.close()
    cache = cache_report.ReportCache(app.config["REPORT_CACHE_DIR"])
    cache.put(old, "key", b"%PDF-1.7 old %%EOF")
    cache.put(kept, "key", b"%PDF-1.7 kept %%EOF")
    runner = app.test_cli_runner()

    dry = runner.invoke(args=["retention", "purge", "--dry-run", "--as-of", "2026-12-01"])
    assert dry.exit_code == 0, dry.output
    assert f"would delete draft {old_draft}" in dry.output and f"would delete diagnostic {old}" in dry.output
    assert "would delete 1 draft(s) untouched since 2026-06-01 and 1 diagnostic(s) validated before 2023-12-02" \
        in dry.output
    assert _ids(app) == {old_draft, recent_draft, old, kept, follow_up, demo}

    result = runner.invoke(args=["retention", "purge", "--as-of", "2026-12-01"])
    assert result.exit_code == 0, result.output
    assert "deleted 1 draft(s)" in result.output and "1 cached report(s)" in result.output
    assert _ids(app) == {recent_draft, kept, follow_up, demo}
    client = app.test_client()
    assert client.get(f"/a/{old_token}").status_code == 404
    assert client.get(f"/a/{follow_token}/resultats").status_code == 200  # on its own now
    database = connect(app.config["DATABASE"])
    assert database.execute("select previous_id from assessments where id = ?", [follow_up]).fetchone()[0] is None
    assert database.execute("select count(*) from notes").fetchone()[0] == 0
    assert database.execute("select count(*) from answers where assessment_id in (?, ?)",
                            [old, old_draft]).fetchone()[0] == 0
    database.close()
    assert not cache.path(old, "key").exists() and cache.path(kept, "key").exists()

    again = runner.invoke(args=["retention", "purge", "--as-of", "2026-12-01"])
    assert "deleted 0 draft(s)" in again.output and "0 diagnostic(s)" in again.output


def test_retention_periods_come_from_the_settings(tmp_path):
    app = make_app(tmp_path, QUESTIONNAIRES_DIR=str(MINI_DIR), QUESTIONNAIRE_ID="mini",
                   RETENTION_DRAFT_DAYS=10, RETENTION_DAYS=30)
    draft, _ = _aged(app, created="2026-11-15")
    diagnostic, _ = _aged(app, created="2026-10-20", submitted="2026-10-25")
    result = app.test_cli_runner().invoke(args=["retention", "purge", "--as-of", "2026-12-01"])
    assert result.exit_code == 0, result.output
    assert _ids(app) == set()
    assert f"deleted draft {draft}" in result.output and f"deleted diagnostic {diagnostic}" in result.output


def test_the_render_worker_purges_what_is_past_its_retention_every_night(app, caplog):
    """Nobody has to remember a cron line: the queue's daily task deletes what `retention purge` would."""
    import logging

    tasks = app.extensions["assessor.tasks"]
    daily = tasks.purge_expired.task_class()
    assert daily.validate_datetime(dt.datetime(2026, 12, 2, 3, 20))
    assert not daily.validate_datetime(dt.datetime(2026, 12, 2, 15, 20))
    old_draft, _ = _aged(app, created="2020-01-10")
    old, _ = _aged(app, created="2020-05-02", submitted="2020-05-03")
    recent, _ = _aged(app, created=dt.date.today().isoformat())
    with caplog.at_level(logging.INFO):
        tasks.purge_expired.call_local()
    assert _ids(app) == {recent}
    assert "retention: deleted 1 draft(s) and 1 diagnostic(s)" in caplog.text
