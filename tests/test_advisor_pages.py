"""The advisor's pages as an advisor reads them (issue 14): times in Paris and in words, the advisor's
own work at the top of a file, the hidden demo diagnostics, what a non-admin's empty list means, an
interview follow-up that starts from the earlier answers, and the bar labels of the observatory."""
from __future__ import annotations

import dataclasses
import html as html_module
import re

import pytest

from assessor.domain import charts
from assessor.web.followup import carried_answers
from assessor.store import workspace
from assessor.store import accounts
from assessor.store import assessments as store
from assessor.web.language import format_day, format_moment
from factories import best_answers, create_assessment, worst_answers
from test_advisor import admin, app, hdf, login, make_advisor, questionnaire  # noqa: F401 (fixtures)

# 18:44 UTC on 1 December is 19:44 in Paris (UTC+1 in winter).
EVENING_UTC = "2026-12-01T18:44:00+00:00"
NBSP = "\u00a0"  # inside a time, so that "19 h 44" stays on one line


@pytest.mark.parametrize(("language", "stored", "shown"), [
    ("fr", EVENING_UTC, f"1er décembre 2026 à 19{NBSP}h{NBSP}44"),
    ("en", EVENING_UTC, f"1 December 2026 at 7:44{NBSP}pm"),
    ("fr", "2026-07-14T07:05:00+00:00", f"14 juillet 2026 à 9{NBSP}h{NBSP}05"),   # UTC+2 in summer
    ("en", "2026-07-14T07:05:00+00:00", f"14 July 2026 at 9:05{NBSP}am"),
    ("fr", "2026-11-30T23:30:00", f"1er décembre 2026 à 0{NBSP}h{NBSP}30"),        # no offset: UTC, as stored
    ("fr", None, ""),
])
def test_a_moment_is_paris_time_in_words(app, language, stored, shown):
    with app.test_request_context(headers={"Accept-Language": language}):
        from flask import session
        session["lang"] = language
        assert format_moment(stored) == shown


def test_the_first_of_a_month_is_an_ordinal_in_french_only(app):
    with app.test_request_context():
        assert format_day(EVENING_UTC) == "1er décembre 2026"
        assert format_day("2026-12-02T10:00:00+00:00") == "2 décembre 2026"
        assert format_day("2026-12-11T10:00:00+00:00") == "11 décembre 2026"


def test_the_file_shows_times_in_paris_in_words(app, hdf, db):
    q = questionnaire(app)
    assessment_id, _t = create_assessment(app, best_answers(q), submit=True)
    db.execute("update assessments set created_at = ?, submitted_at = ? where id = ?",
               [EVENING_UTC, "2026-12-01T19:02:00+00:00", assessment_id])
    me = accounts.advisor_by_email(db, "hdf@example.org")["id"]
    note_id = workspace.add_note(db, assessment_id, me, "Rappeler lundi")
    db.execute("update notes set created_at = ? where id = ?", ["2026-12-01T08:15:00+00:00", note_id])
    html = hdf.get(f"/conseiller/evaluations/{assessment_id}").get_data(as_text=True)
    assert f"1er décembre 2026 à 19{NBSP}h{NBSP}44" in html      # started
    assert f"1er décembre 2026 à 20{NBSP}h{NBSP}02" in html      # validated
    assert f"Hugo HdF, le 1er décembre 2026 à 9{NBSP}h{NBSP}15" in html
    assert "2026-12-01 18:44" not in html and f"18{NBSP}h" not in html

    hdf.get("/langue/en")
    html = hdf.get(f"/conseiller/evaluations/{assessment_id}").get_data(as_text=True)
    assert f"1 December 2026 at 7:44{NBSP}pm" in html and f"Hugo HdF, on 1 December 2026 at 9:15{NBSP}am" in html


def test_the_advisors_work_comes_before_the_results(app, hdf):
    q = questionnaire(app)
    assessment_id, _t = create_assessment(app, best_answers(q), submit=True)
    html = hdf.get(f"/conseiller/evaluations/{assessment_id}").get_data(as_text=True)
    follow_up, notes = html.index('id="suivi"'), html.index('id="notes"')
    restart = html.index("Démarrer un diagnostic de suivi en entretien")
    results, answers = html.index('id="summary-title"'), html.index('id="answers-title"')
    assert max(follow_up, notes, restart) < min(results, answers)
    # and a table of contents leads to the rest
    for anchor in ("#suivi", "#notes", "#profile-title", "#resultats", "#answers-title"):
        assert f'href="{anchor}"' in html
    assert 'id="resultats"' in html


# -- the list -----------------------------------------------------------------------------------


def test_the_list_says_how_many_demo_diagnostics_it_hides_with_a_link(app, admin):
    create_assessment(app, company_name="Vraie entreprise")
    for n in range(3):
        create_assessment(app, company_name=f"Démo {n}", is_demo=True)
    create_assessment(app, company_name="Démo occitane", region="FR-OCC", department="31", is_demo=True)
    html = admin.get("/conseiller/").get_data(as_text=True)
    assert "4 diagnostics de démonstration sont masqués." in html
    link = re.search(r'<a href="([^"]+)">Afficher les données de démonstration</a>', html).group(1)
    shown = admin.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert "Démo 0" in shown and "Démo occitane" in shown and "sont masqués" not in shown

    # the count and the link follow the filters
    html = admin.get("/conseiller/?region=FR-OCC").get_data(as_text=True)
    assert "1 diagnostic de démonstration est masqué." in html
    link = re.search(r'<a href="([^"]+)">Afficher les données de démonstration</a>', html).group(1)
    assert "region=FR-OCC" in link and "demo=y" in link
    assert "est masqué" not in admin.get("/conseiller/?region=FR-BRE").get_data(as_text=True)


def test_the_demo_count_respects_the_scope(app, hdf):
    create_assessment(app, company_name="Démo visible", is_demo=True)
    create_assessment(app, company_name="Démo sans accord", is_demo=True, consent_contact=False)
    create_assessment(app, company_name="Démo ailleurs", is_demo=True, region="FR-OCC", department="31")
    assert "1 diagnostic de démonstration est masqué." in hdf.get("/conseiller/").get_data(as_text=True)


def test_the_demo_count_reads_only_the_demo_rows(app, db):
    """On a real database with no demo data, the count must not walk a region's assessments."""
    for scope in (workspace.Scope(1, True), workspace.Scope(2, False, ("FR-HDF",))):
        filters = workspace.Filters(region="FR-HDF", size_band="10-49")
        where, params = dataclasses.replace(filters, include_demo=True).sql(scope)
        plan = " ".join(row[3] for row in db.execute(
            f"explain query plan select 1 from assessments as a indexed by idx_assessments_demo "
            f"where {where} and a.is_demo = 1", params))
        assert "idx_assessments_demo" in plan, plan
        assert workspace.hidden_demo_count(db, scope, filters) == 0


def test_a_non_admins_empty_list_says_whom_they_see(app, hdf):
    create_assessment(app, company_name="Sans accord", consent_contact=False)
    html = hdf.get("/conseiller/").get_data(as_text=True)
    assert "Sans accord" not in html and "Aucun diagnostic pour l'instant." in html
    assert ("Vous ne voyez que les diagnostics des entreprises de vos régions (Hauts-de-France) qui ont "
            "accepté d'être contactées par un conseiller") in html
    filtered = hdf.get("/conseiller/?q=Personne").get_data(as_text=True)
    assert "Aucun diagnostic ne correspond à ces critères." in filtered and "Vous ne voyez que" in filtered


def test_an_advisor_without_regions_is_told_why_the_list_is_empty(app):
    make_advisor(app, "seul@example.org")
    client = app.test_client()
    assert login(client, "seul@example.org").status_code == 302
    html = client.get("/conseiller/").get_data(as_text=True)
    assert "Aucune région ne vous est attribuée" in html


def test_an_admins_empty_list_has_no_scope_sentence(app, admin):
    html = admin.get("/conseiller/").get_data(as_text=True)
    assert "Aucun diagnostic pour l'instant." in html and "Vous ne voyez que" not in html


# -- an interview follow-up ---------------------------------------------------------------------


def test_an_interview_followup_starts_from_the_earlier_answers(app, hdf, db):
    q = questionnaire(app)
    earlier = worst_answers(q) | {"data.wish": "Des devis trop longs"}
    first_id, _t = create_assessment(app, earlier, submit=True)
    response = hdf.post(f"/conseiller/evaluations/{first_id}/nouveau-diagnostic")
    token = re.match(r"/a/([^/]+)/s/strategy$", response.location).group(1)
    follow = store.by_token(db, token)
    assert store.answers(db, follow["id"]) == earlier
    page = hdf.get(response.location).get_data(as_text=True)
    assert "Les réponses du diagnostic précédent sont déjà remplies" in page
    checked = [re.search(r'value="([^"]*)"', tag).group(1) for tag in re.findall(r"<input[^>]*>", page)
               if re.search(r"\schecked[\s>]", tag)]
    first_question = q.dimensions[0].questions[0]
    assert str(earlier[first_question.id]) in checked  # the section shows what was answered the first time
    assert "Des devis trop longs" in hdf.get(f"/a/{token}/s/data").get_data(as_text=True)


def test_a_company_taking_the_diagnostic_again_starts_afresh(app, client, db):
    """On its own, a company answers again without seeing its earlier answers: that measures progress."""
    q = questionnaire(app)
    _first_id, first_token = create_assessment(app, worst_answers(q), submit=True)
    token = re.match(r"/a/([^/]+)/", client.post(f"/a/{first_token}/suivi").location).group(1)
    assert store.answers(db, store.by_token(db, token)["id"]) == {}


def test_only_answers_that_still_fit_the_questionnaire_are_carried_over(app):
    q = questionnaire(app)
    single = next(question for question in q.questions if question.type != "text" and question.options
                  and question.type not in ("multiple",))
    good = single.options[0].value
    carried = carried_answers(q, {single.id: good, "gone.question": "yes", "data.wish": "",
                                  **{other.id: "no-such-option" for other in q.questions
                                     if other.id != single.id and other.type != "text" and other.options}})
    assert carried == {single.id: good}


# -- the observatory's charts and the CLI -------------------------------------------------------


@pytest.mark.parametrize(("label", "lines"), [
    ("Données", ["Données"]),
    ("Gouvernance, éthique et conformité", ["Gouvernance, éthique et", "conformité"]),
    ("Culture, conduite du changement et écosystème", ["Culture, conduite du", "changement et écosystème"]),
    ("Un très long intitulé de dimension qui ne tient pas sur deux lignes",
     ["Un très long intitulé de", "dimension qui ne tient…"]),
])
def test_long_bar_labels_wrap_on_two_lines(label, lines):
    assert charts.bar_label_lines(label) == lines
    svg = str(charts.bar_svg([(label, 50.0)], "t"))
    assert all(f">{line}</tspan>" in svg for line in lines)


def test_advisors_list_prints_a_header(app):
    make_advisor(app, "a@example.org", regions=["FR-HDF", "FR-OCC"], is_admin=True)
    make_advisor(app, "b@example.org")
    lines = app.test_cli_runner().invoke(args=["advisors", "list"]).output.splitlines()
    assert lines[0].split() == ["id", "email", "role", "state", "regions"]
    assert lines[1].split() == ["1", "a@example.org", "admin", "active", "FR-HDF,", "FR-OCC"]
    assert lines[2].split() == ["2", "b@example.org", "advisor", "active", "-"]


# -- one dimension table for the company and the advisor (issues 10 and 14) -------------------------


def _dimension_rows(html: str) -> list[list[str]]:
    """The rows of a page's dimension table, each cell's words (tags dropped, spaces squeezed)."""
    table = re.search(r'<table class="dims-table".*?</table>', html, re.S).group(0)
    body = table.split("<tbody>", 1)[1]
    return [[" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_the_results_page_and_the_file_show_the_same_dimension_rows(app, hdf):
    q = questionnaire(app)
    answers = best_answers(q)
    worst = worst_answers(q)  # a company strong in some dimensions, weak in one: levels and priorities differ
    answers.update({k: v for k, v in worst.items() if q.question(k).dimension == q.dimensions[0].id})
    assessment_id, token = create_assessment(app, answers, submit=True)
    page = _dimension_rows(app.test_client().get(f"/a/{token}/resultats").get_data(as_text=True))
    file = _dimension_rows(hdf.get(f"/conseiller/evaluations/{assessment_id}").get_data(as_text=True))
    assert [row[0].split(" Priorité")[0] for row in page] == [d.title.get("fr") for d in q.dimensions]
    # name (with its priority), score, level, confidence: the same; the advisor also counts « Je ne sais pas »
    assert [row[:4] for row in file] == [row[:4] for row in page]
    assert all(len(row) == 5 and row[4].isdigit() for row in file)
    assert any("Priorité 1" in row[0] for row in page)
    assert len({row[2] for row in page}) > 1


def test_the_file_names_the_weakest_dimension_beside_the_floor_level(app, hdf):
    q = questionnaire(app)
    answers = best_answers(q)
    weakest = q.dimensions[-1]
    answers.update({k: v for k, v in worst_answers(q).items() if q.question(k).dimension == weakest.id})
    assessment_id, _token = create_assessment(app, answers, submit=True)
    html = hdf.get(f"/conseiller/evaluations/{assessment_id}").get_data(as_text=True)
    floor = re.search(r'<div class="big-figure figure-floor">(.*?)</div>', html, re.S).group(1)
    assert "Dimension la plus faible" in floor and weakest.title.get("fr") in html_module.unescape(floor)


def test_no_weakest_dimension_is_named_when_all_score_the_same(app, hdf):
    q = questionnaire(app)
    assessment_id, token = create_assessment(app, best_answers(q), submit=True)
    for html in (app.test_client().get(f"/a/{token}/resultats").get_data(as_text=True),
                 hdf.get(f"/conseiller/evaluations/{assessment_id}").get_data(as_text=True)):
        floor = re.search(r'<div class="big-figure figure-floor">(.*?)</div>', html, re.S).group(1)
        assert "Dimension la plus faible" not in floor and "Niveau plancher" in floor
