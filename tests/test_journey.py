"""The SME journey through the Flask test client, with CSRF protection on as in production."""
from __future__ import annotations

import re
from html import escape, unescape

import pytest

from assessor.web.forms import field_name
from assessor.domain.questionnaire import latest
from assessor.domain.scoring import completeness
from assessor.store import assessments as store
from tests.factories import best_answers, make_app

VALID_PROFILE = {"company_name": "Menuiserie Dupont", "size_band": "10-49", "sector": "C",
                 "region": "FR-HDF", "department": "", "role": "dirigeant", "email": ""}


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path, WTF_CSRF_ENABLED=True)


@pytest.fixture
def questionnaire(app):
    return latest(app.extensions["assessor.questionnaires"], "ai-maturity")


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"',
                     html).group(1) or ""


def token_csrf(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    return match.group(1)


def start(client, **profile) -> str:
    page = client.get("/").get_data(as_text=True)
    response = client.post("/", data=VALID_PROFILE | profile | {"csrf_token": token_csrf(page)})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"].split("/")[2]


def section_data(dimension, answers: dict) -> dict:
    data = {}
    for question in dimension.questions:
        if question.id in answers:
            data[field_name(question.id)] = answers[question.id]
    return data


def post_section(client, token, dimension, answers, action="next"):
    page = client.get(f"/a/{token}/s/{dimension.id}").get_data(as_text=True)
    return client.post(f"/a/{token}/s/{dimension.id}",
                       data=section_data(dimension, answers) | {"csrf_token": token_csrf(page), "action": action})


def stored_answers(app, token):
    from assessor.store.db import connect
    db = connect(app.config["DATABASE"])
    try:
        return store.answers(db, store.by_token(db, token)["id"])
    finally:
        db.close()


def test_home_explains_the_diagnostic_in_french(client):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="fr">' in html
    assert "15 à 20 minutes" in html
    assert "Commencer le diagnostic" in html
    assert "Données personnelles" in html


def language_form(html: str) -> tuple[str, dict]:
    """Return the header's language switch: its action and the fields it sends."""
    form = re.search(r'<form method="post" action="(/langue/[^"]+)" class="nav-form">(.*?)</form>', html, re.S)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(2)))
    return form.group(1), {name: unescape(value) for name, value in fields.items()}


def test_language_switch_to_english_and_back(client, questionnaire):
    action, fields = language_form(client.get("/methodologie?x=1").get_data(as_text=True))
    assert action == "/langue/en" and fields["next"] == "/methodologie?x=1"
    response = client.post(action, data=fields)
    assert response.headers["Location"] == "/methodologie?x=1"
    html = client.get("/methodologie").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert questionnaire.levels[0].label.en in html
    action, fields = language_form(html)
    assert action == "/langue/fr"
    client.post(action, data=fields)
    assert '<html lang="fr">' in client.get("/").get_data(as_text=True)


def test_a_plain_link_to_the_language_opens_the_home_page(client):
    response = client.get("/langue/en?next=/methodologie")
    assert response.headers["Location"] == "/"  # a path in the URL is not followed (nor logged)
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)


def test_language_switch_refuses_an_external_redirect(client):
    _action, fields = language_form(client.get("/").get_data(as_text=True))
    for target in ("https://evil.example/", "//evil.example/"):
        assert client.post("/langue/en", data=fields | {"next": target}).headers["Location"] == "/"


def test_language_switch_without_its_form_token_changes_nothing(client):
    assert client.post("/langue/en", data={"next": "/methodologie"}).status_code == 400
    assert '<html lang="fr">' in client.get("/").get_data(as_text=True)


def test_language_switch_on_a_private_page_keeps_the_link_out_of_every_url(client, questionnaire):
    """Issue 9: /langue/en?next=/a/<token>/... wrote the private link into the access log."""
    token = start(client)
    page = f"/a/{token}/s/{questionnaire.dimensions[0].id}"
    html = client.get(page).get_data(as_text=True)
    urls = re.findall(r'(?:href|action|src)="([^"]*)"', html)
    assert not [url for url in urls if "langue" in url and token in url]
    assert not [url for url in urls if "next=" in url]
    action, fields = language_form(html)
    assert token not in action and fields["next"] == page
    response = client.post(action, data=fields)
    assert response.headers["Location"] == page
    assert '<html lang="en">' in client.get(page).get_data(as_text=True)


def test_profile_errors_are_shown_in_french_and_nothing_typed_is_lost(client):
    page = client.get("/").get_data(as_text=True)
    response = client.post("/", data={"company_name": "Boulangerie Martin", "email": "pas-une-adresse",
                                      "csrf_token": token_csrf(page)})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choisissez la taille de votre entreprise." in html
    assert "Choisissez votre secteur d'activité." in html
    assert "Choisissez votre région, ou votre département." in html
    assert "Cette adresse e-mail n'est pas valide" in unescape(html)
    assert 'value="Boulangerie Martin"' in html
    assert 'value="pas-une-adresse"' in html


def test_department_gives_the_region(app, client):
    token = start(client, region="", department="34")
    with app.app_context():
        from assessor.store.db import connect
        db = connect(app.config["DATABASE"])
        assert store.by_token(db, token)["region"] == "FR-OCC"
        db.close()


def test_department_outside_the_region_is_refused(client):
    page = client.get("/").get_data(as_text=True)
    html = client.post("/", data=VALID_PROFILE | {"department": "34", "csrf_token": token_csrf(page)}
                       ).get_data(as_text=True)
    assert "Ce département n'appartient pas à la région choisie." in unescape(html)


def test_contact_consent_needs_an_email(client):
    page = client.get("/").get_data(as_text=True)
    html = client.post("/", data=VALID_PROFILE | {"consent_contact": "y", "csrf_token": token_csrf(page)}
                       ).get_data(as_text=True)
    assert "indiquez une adresse e-mail" in html


def test_whole_journey_to_results(app, client, questionnaire):
    token = start(client, company_name="Menuiserie <Dupont> & Fils")
    answers = best_answers(questionnaire)
    steps = len(questionnaire.dimensions)
    for index, dimension in enumerate(questionnaire.dimensions, start=1):
        html = client.get(f"/a/{token}/s/{dimension.id}").get_data(as_text=True)
        assert f"Étape {index} sur {steps}" in html
        assert "Pourquoi cette question\u00a0?" in html
        assert f"/a/{token}" in html  # the resume link is shown
        response = post_section(client, token, dimension, answers)
        assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/a/{token}/verification")
    review = client.get(f"/a/{token}/verification").get_data(as_text=True)
    response = client.post(f"/a/{token}/valider", data={"csrf_token": token_csrf(review)})
    assert response.headers["Location"].endswith(f"/a/{token}/resultats")
    html = client.get(f"/a/{token}/resultats").get_data(as_text=True)
    assert "Menuiserie &lt;Dupont&gt; &amp; Fils" in html
    assert '<span class="figure-value">100</span>' in html
    assert questionnaire.levels[-1].label.fr in html
    assert "<svg" in html and "<title" in html  # radar with a text alternative
    for dimension in questionnaire.dimensions:
        assert escape(dimension.title.fr) in html
    assert f"/a/{token}/rapport.pdf" in html


def test_answers_are_saved_on_every_page_and_resume_goes_where_the_user_left(app, client, questionnaire):
    token = start(client)
    first, second = questionnaire.dimensions[:2]
    answers = best_answers(questionnaire)
    post_section(client, token, first, answers)
    assert set(stored_answers(app, token)) >= {q.id for q in first.questions if q.scored and not q.show_if}
    fresh = app.test_client()  # a new browser: no cookie, only the link
    response = fresh.get(f"/a/{token}")
    assert response.headers["Location"].endswith(f"/a/{token}/s/{second.id}")
    html = fresh.get(f"/a/{token}/s/{first.id}").get_data(as_text=True)
    some = next(q for q in first.questions if q.type == "single")
    assert re.search(rf'checked[^>]*value="{answers[some.id]}"|value="{answers[some.id]}"[^>]*checked', html)


def test_going_back_saves_and_shows_the_previous_page(client, questionnaire):
    token = start(client)
    second = questionnaire.dimensions[1]
    response = post_section(client, token, second, best_answers(questionnaire), action="previous")
    assert response.headers["Location"].endswith(f"/s/{questionnaire.dimensions[0].id}")


def test_save_and_resume_later_shows_the_private_link(client, questionnaire):
    token = start(client)
    response = post_section(client, token, questionnaire.dimensions[0], {}, action="later")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Vos réponses sont enregistrées" in html
    assert f"http://localhost/a/{token}" in html


def test_an_invalid_answer_keeps_the_other_answers(app, client, questionnaire):
    dimension = next(d for d in questionnaire.dimensions
                     if any(q.type == "multiple" and any(o.exclusive for o in q.options) for q in d.questions))
    checklist = next(q for q in dimension.questions if q.type == "multiple" and any(o.exclusive for o in q.options))
    single = next(q for q in dimension.questions if q.type == "single" and not q.show_if)
    token = start(client)
    exclusive = next(o.value for o in checklist.options if o.exclusive)
    other = next(o.value for o in checklist.options if not o.exclusive)
    best = max(single.options, key=lambda o: o.score).value
    response = post_section(client, token, dimension, {checklist.id: [exclusive, other], single.id: best})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "ne peut pas être cochée avec une autre" in html
    saved = stored_answers(app, token)
    assert saved[single.id] == best
    assert checklist.id not in saved
    assert re.search(rf'value="{other}"[^>]*checked|checked[^>]*value="{other}"', html)


def test_an_expired_form_token_loses_nothing(app, client, questionnaire):
    token = start(client)
    dimension = questionnaire.dimensions[0]
    single = next(q for q in dimension.questions if q.type == "single")
    value = single.options[1].value
    response = client.post(f"/a/{token}/s/{dimension.id}",
                           data={field_name(single.id): value, "csrf_token": "expired", "action": "next"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "le formulaire avait expiré\u00a0: rien n&#39;a été perdu" in html
    assert re.search(rf'checked[^>]*value="{value}"|value="{value}"[^>]*checked', html)
    # the page carries a fresh token: sending it again saves the answer
    response = client.post(f"/a/{token}/s/{dimension.id}",
                           data={field_name(single.id): value, "csrf_token": token_csrf(html), "action": "next"})
    assert response.status_code == 302
    assert stored_answers(app, token)[single.id] == value


def test_an_expired_token_on_the_profile_form_keeps_what_was_typed(client):
    response = client.post("/", data=VALID_PROFILE | {"company_name": "Garage Leroy", "csrf_token": "bad"})
    html = response.get_data(as_text=True)
    assert 'value="Garage Leroy"' in html
    assert "rien n&#39;a été perdu" in html


def test_autosave_saves_without_leaving_the_page(app, client, questionnaire):
    token = start(client)
    dimension = questionnaire.dimensions[0]
    single = next(q for q in dimension.questions if q.type == "single")
    page = client.get(f"/a/{token}/s/{dimension.id}").get_data(as_text=True)
    response = client.post(f"/a/{token}/s/{dimension.id}", headers={"X-Autosave": "1"},
                           data={field_name(single.id): single.options[0].value, "csrf_token": token_csrf(page)})
    assert response.status_code == 204
    assert stored_answers(app, token)[single.id] == single.options[0].value


def test_autosave_tells_the_truth_when_it_did_not_save(app, client, questionnaire):
    token = start(client)
    dimension = questionnaire.dimension("data")
    checklist = next(q for q in dimension.questions if q.type == "multiple" and any(o.exclusive for o in q.options))
    single = next(q for q in dimension.questions if q.type == "single" and not q.show_if)
    exclusive = next(o.value for o in checklist.options if o.exclusive)
    other = next(o.value for o in checklist.options if not o.exclusive)
    page = client.get(f"/a/{token}/s/{dimension.id}").get_data(as_text=True)
    form_token = token_csrf(page)
    url = f"/a/{token}/s/{dimension.id}"

    # an invalid field: 422, the valid answers are saved
    response = client.post(url, headers={"X-Autosave": "1"}, data={
        field_name(checklist.id): [exclusive, other], field_name(single.id): single.options[0].value,
        "csrf_token": form_token, "action": "autosave"})
    assert response.status_code == 422 and field_name(checklist.id) in response.get_json()["errors"]
    assert stored_answers(app, token) == {single.id: single.options[0].value}

    # an expired form token: 400, nothing saved, and no warning waiting on the next page
    response = client.post(url, headers={"X-Autosave": "1"}, data={
        field_name(single.id): single.options[1].value, "csrf_token": "expired", "action": "autosave"})
    assert response.status_code == 400
    assert stored_answers(app, token) == {single.id: single.options[0].value}
    assert "avait expiré" not in client.get(url).get_data(as_text=True)

    # validated in another tab: 409, nothing saved, no page
    with app.app_context():
        from assessor.store.db import connect
        db = connect(app.config["DATABASE"])
        from assessor.domain.scoring import score
        result = score(questionnaire, stored_answers(app, token))
        store.submit(db, store.by_token(db, token)["id"], result.summary(), result.scoring_version)
        db.close()
    response = client.post(url, headers={"X-Autosave": "1"}, data={
        field_name(single.id): single.options[1].value, "csrf_token": form_token, "action": "autosave"})
    assert response.status_code == 409
    assert stored_answers(app, token) == {single.id: single.options[0].value}


def test_the_section_page_carries_the_autosave_messages(client, questionnaire):
    token = start(client)
    html = client.get(f"/a/{token}/s/{questionnaire.dimensions[0].id}").get_data(as_text=True)
    status = re.search(r'<p class="autosave-status[^>]*>', html).group(0)
    assert 'role="status"' in status and 'aria-live="polite"' in status
    assert 'data-saved="Enregistré à {h} h {m}"' in status
    assert 'data-failed="Pas encore enregistré\u00a0: vos réponses seront enregistrées quand vous continuerez."' in status
    client.get("/langue/en")
    html = client.get(f"/a/{token}/s/{questionnaire.dimensions[0].id}").get_data(as_text=True)
    assert 'data-saved="Saved at {h}:{m}"' in html


def _submit(app, client, questionnaire):
    token = start(client)
    for dimension in questionnaire.dimensions:
        post_section(client, token, dimension, best_answers(questionnaire))
    review = client.get(f"/a/{token}/verification").get_data(as_text=True)
    return token, token_csrf(review)


def test_double_submit_is_harmless(app, client, questionnaire):
    token, form_token = _submit(app, client, questionnaire)
    first = client.post(f"/a/{token}/valider", data={"csrf_token": form_token})
    with app.app_context():
        from assessor.store.db import connect
        db = connect(app.config["DATABASE"])
        submitted_at = store.by_token(db, token)["submitted_at"]
        second = client.post(f"/a/{token}/valider", data={"csrf_token": form_token})
        assert store.by_token(db, token)["submitted_at"] == submitted_at
        db.close()
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"].endswith("/resultats")


def test_a_submitted_assessment_is_read_only(app, client, questionnaire):
    token, form_token = _submit(app, client, questionnaire)
    client.post(f"/a/{token}/valider", data={"csrf_token": form_token})
    before = stored_answers(app, token)
    dimension = questionnaire.dimensions[0]
    single = next(q for q in dimension.questions if q.type == "single")
    response = client.post(f"/a/{token}/s/{dimension.id}",
                           data={field_name(single.id): single.options[0].value, "csrf_token": form_token})
    assert response.headers["Location"].endswith("/resultats")
    assert stored_answers(app, token) == before
    assert client.get(f"/a/{token}").headers["Location"].endswith("/resultats")


def test_submitting_with_no_answer_is_refused_with_a_message(app, client):
    token = start(client)
    review = client.get(f"/a/{token}/verification").get_data(as_text=True)
    response = client.post(f"/a/{token}/valider", data={"csrf_token": token_csrf(review)}, follow_redirects=True)
    assert "Votre diagnostic ne peut pas encore être validé." in unescape(response.get_data(as_text=True))
    assert assessment_row(app, token)["status"] == "draft"


# -- a thin diagnostic does not become a report (issue 9) ------------------------------------------

def assessment_row(app, token):
    from assessor.store.db import connect
    db = connect(app.config["DATABASE"])
    try:
        return store.by_token(db, token)
    finally:
        db.close()


def answer_every_section(client, token, questionnaire, answers):
    for dimension in questionnaire.dimensions:
        assert post_section(client, token, dimension, answers).status_code == 302


def validate(client, token):
    review = client.get(f"/a/{token}/verification").get_data(as_text=True)
    return client.post(f"/a/{token}/valider", data={"csrf_token": token_csrf(review)})


def test_one_answer_out_of_the_questionnaire_gives_no_result_but_the_list_of_what_is_missing(app, client,
                                                                                           questionnaire):
    from assessor.domain.scoring import completeness

    token = start(client)
    first = questionnaire.dimensions[0]
    question = first.questions[0]
    answers = {question.id: question.options[0].value}
    post_section(client, token, first, answers)
    state = completeness(questionnaire, answers)

    html = unescape(client.get(f"/a/{token}/verification").get_data(as_text=True))
    assert "Il manque des réponses pour valider" in html
    for number, dimension in enumerate(questionnaire.dimensions, start=1):  # every step, with its link
        assert f'<a href="/a/{token}/s/{dimension.id}">Étape {number}\u00a0: {dimension.title.fr}</a>' in html
    for missing in first.questions[1:]:  # each missing question links to its place on its step
        if missing.scored and not missing.show_if:
            assert f'href="/a/{token}/s/{first.id}#question-{missing.id}"' in html
    assert html.count("(aucune réponse pour l'instant)") == len(questionnaire.dimensions) - 1
    titles = ", ".join(f"«\u00a0{d.title.fr}\u00a0»" for d in questionnaire.dimensions[1:])
    left = (f"Les étapes {titles} n'ont encore aucune réponse\u00a0: répondez à au moins une question de chacune. "
            f"Il faut répondre à au moins {state.required} questions sur {state.asked} (80\u00a0%)\u00a0; "
            f"vous avez répondu à 1, il en reste {state.required - 1}. "
            "«\u00a0Je ne sais pas\u00a0» et «\u00a0Non concerné\u00a0» comptent comme des réponses.")
    assert f'<p class="flash flash-warning" id="what-is-left">{left}</p>' in html
    assert 'aria-describedby="what-is-left">Valider et voir mes résultats' in html

    response = validate(client, token)
    assert response.headers["Location"].endswith(f"/a/{token}/verification")
    page = unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert f"Votre diagnostic ne peut pas encore être validé. {left}" in page
    row = assessment_row(app, token)
    assert row["status"] == "draft" and row["overall"] is None and row["submitted_at"] is None
    assert client.get(f"/a/{token}/resultats").headers["Location"].endswith("/verification")
    assert client.get(f"/a/{token}/rapport.pdf").headers["Location"].endswith("/verification")


def _without(questionnaire, answers, count):
    """Drop ``count`` answers, at most two per step, none that shows or hides another question."""
    controllers = {q.show_if.question for q in questionnaire.questions if q.show_if}
    dropped = []
    for dimension in questionnaire.dimensions:
        dropped += [q.id for q in dimension.questions
                    if q.scored and not q.show_if and q.id not in controllers][:2]
    dropped = dropped[:count]
    assert len(dropped) == count
    return {k: v for k, v in answers.items() if k not in dropped}, dropped


def test_validation_needs_80_percent_of_the_questions_asked(app, client, questionnaire):
    from assessor.domain.scoring import completeness

    best = best_answers(questionnaire)
    full = completeness(questionnaire, best)
    assert (full.asked, full.required) == (43, 35)  # version 3: 34/43 is 79.1 %, 35/43 is 81.4 %
    answers, dropped = _without(questionnaire, best, full.asked - full.required + 1)
    token = start(client)
    answer_every_section(client, token, questionnaire, answers)
    assert completeness(questionnaire, stored_answers(app, token)).answered == 34

    response = validate(client, token)
    assert response.headers["Location"].endswith("/verification")
    page = unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Il faut répondre à au moins 35 questions sur 43 (80\u00a0%)\u00a0; vous avez répondu à 34, il en reste 1." in page
    assert "n'a encore aucune réponse" not in page and "n'ont encore aucune réponse" not in page
    assert assessment_row(app, token)["status"] == "draft"

    # one more answer, and "Je ne sais pas" is one
    dimension = questionnaire.dimension(questionnaire.question(dropped[0]).dimension)
    post_section(client, token, dimension, answers | {dropped[0]: "dont_know"})
    html = unescape(client.get(f"/a/{token}/verification").get_data(as_text=True))
    assert "Il manque des réponses pour valider" not in html and 'id="what-is-left"' not in html
    assert validate(client, token).headers["Location"].endswith("/resultats")
    assert assessment_row(app, token)["status"] == "submitted"


def test_a_step_without_any_answer_blocks_validation(app, client, questionnaire):
    skills = questionnaire.dimension("skills")
    answers = {k: v for k, v in best_answers(questionnaire).items() if not k.startswith("skills.")}
    token = start(client)
    answer_every_section(client, token, questionnaire, answers)
    response = validate(client, token)
    assert response.headers["Location"].endswith("/verification")
    page = unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert ("Votre diagnostic ne peut pas encore être validé. L'étape «\u00a0Compétences et formation\u00a0» n'a encore "
            "aucune réponse\u00a0: répondez à au moins une de ses questions.") in page
    assert "Il faut répondre" not in page  # 38 of 43 answered: the share is reached
    assert assessment_row(app, token)["status"] == "draft"

    post_section(client, token, skills, {skills.questions[0].id: "not_applicable" if skills.questions[0].not_applicable
                                         else "dont_know"})
    assert validate(client, token).headers["Location"].endswith("/resultats")


def test_the_rule_and_the_missing_list_in_english(client, questionnaire):
    token = start(client)
    client.get("/langue/en")
    html = unescape(client.get(f"/a/{token}/verification").get_data(as_text=True))
    assert "Some answers are missing before you can submit" in html
    assert f"Step 1: {questionnaire.dimensions[0].title.en}" in html
    state = completeness(questionnaire, {})  # every scored question of the questionnaire, follow-ups included
    assert (f"At least {state.required} of the {state.asked} questions (80%) need an answer; "
            f"you have answered 0, {state.required} to go.") in html
    assert "“Don't know” and “Not applicable” count as answers." in html
    assert "Il manque" not in html and "Étape" not in html


@pytest.mark.parametrize("version", [1, 2])
def test_thin_results_stored_before_the_rule_keep_displaying(app, client, version):
    from tests.factories import create_assessment

    questionnaire = app.extensions["assessor.questionnaires"][f"ai-maturity@{version}"]
    question = questionnaire.questions[0]
    best = max(question.options, key=lambda o: o.score).value
    _, token = create_assessment(app, {question.id: best}, submit=True, questionnaire=questionnaire)
    response = client.get(f"/a/{token}/resultats")
    assert response.status_code == 200
    assert '<span class="figure-value">100</span>' in response.get_data(as_text=True)


def test_the_methodology_page_states_the_rule(client):
    html = unescape(client.get("/methodologie").get_data(as_text=True))
    assert ("Un diagnostic ne peut être validé que si chaque dimension a au moins une réponse, si au moins "
            "80\u00a0% des questions ont une réponse") in html
    assert "de même qu'une question de suivi rendue sans objet par une autre réponse" in html


@pytest.mark.parametrize("path", ["/a/unknown-token", "/a/unknown-token/s/strategy",
                                  "/a/unknown-token/resultats", "/a/unknown-token/rapport.pdf",
                                  "/a/" + "x" * 500 + "/verification"])
def test_unknown_token_gives_a_friendly_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "ce lien de diagnostic n&#39;est pas valide" in response.get_data(as_text=True)


def test_unknown_section_is_a_404(client):
    token = start(client)
    assert client.get(f"/a/{token}/s/nope").status_code == 404


def test_oversized_request_gets_a_friendly_page(client):
    token = start(client)
    response = client.post(f"/a/{token}/s/strategy", data={"x": "a" * 400_000})
    assert response.status_code == 413
    assert "trop volumineuses" in response.get_data(as_text=True)


def test_unexpected_errors_show_no_stack_trace(app, client, monkeypatch):
    token = start(client)

    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(store, "answers", boom)
    response = client.get(f"/a/{token}/s/strategy")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Une erreur inattendue" in html
    assert "secret internals" not in html and "Traceback" not in html


def test_security_headers(client):
    token = start(client)
    response = client.get(f"/a/{token}/s/strategy")
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_tokens_are_long_random_and_stored_hashed(app, client):
    token = start(client)
    assert len(token) >= 43  # 256 bits in base64url
    from assessor.store.db import connect
    db = connect(app.config["DATABASE"])
    row = store.by_token(db, token)
    db.close()
    assert row["token_hash"] != token and token not in str(row)


def test_every_asset_is_served_by_the_app(client):
    html = client.get("/").get_data(as_text=True)
    for url in re.findall(r'(?:href|src)="([^"]+\.(?:css|js))"', html):
        assert url.startswith("/static/")
        response = client.get(url)
        assert response.status_code == 200
        response.close()


def test_results_stored_with_an_older_questionnaire_version_still_display(app, client):
    from tests.factories import create_assessment

    questionnaires = app.extensions["assessor.questionnaires"]
    v1 = questionnaires["ai-maturity@1"]
    assert latest(questionnaires, "ai-maturity").version > 1
    _, token = create_assessment(app, best_answers(v1), submit=True, questionnaire=v1)
    html = client.get(f"/a/{token}/resultats").get_data(as_text=True)
    assert "version 1" in html
    assert '<span class="figure-value">100</span>' in html
    new_token = start(client)
    page = client.get(f"/a/{new_token}/verification").get_data(as_text=True)
    assert "Vérifiez vos réponses" in page
    from assessor.store.db import connect
    db = connect(app.config["DATABASE"])
    assert store.by_token(db, new_token)["questionnaire_version"] == latest(questionnaires, "ai-maturity").version
    db.close()


def test_results_in_english(app, client):
    from tests.factories import create_assessment

    questionnaire = latest(app.extensions["assessor.questionnaires"], "ai-maturity")
    _, token = create_assessment(app, best_answers(questionnaire), submit=True)
    client.get("/langue/en")
    html = client.get(f"/a/{token}/resultats").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Level:" in html and "Your results" in html
    for dimension in questionnaire.dimensions:
        assert escape(dimension.title.en) in html
    assert "Niveau" not in html


def test_behind_a_trusted_proxy_the_private_link_is_the_public_https_one(tmp_path):
    """The resume link a company copies must be the address it can open, not the internal one."""
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "diagnostic.example.fr",
                 "X-Forwarded-For": "203.0.113.7"}
    for proxies, expected in ((1, "https://diagnostic.example.fr/a/"), (0, "http://localhost/a/")):
        app = make_app(tmp_path / str(proxies), WTF_CSRF_ENABLED=False, TRUSTED_PROXIES=proxies,
                       TRUSTED_HOSTS=["diagnostic.example.fr", "localhost"])
        client = app.test_client()
        response = client.post("/", data=VALID_PROFILE, headers=forwarded, follow_redirects=True)
        link = re.search(r'id="resume-url"[^>]*value="([^"]+)"', response.get_data(as_text=True)).group(1)
        assert link.startswith(expected), link


def test_forms_work_over_https_although_pages_send_no_referer(tmp_path):
    """Pages send no Referer (a private link must not travel in one); Flask-WTF's strict HTTPS check
    wanted one, so behind HTTPS every form was refused with "Formulaire expiré"."""
    app = make_app(tmp_path, TRUSTED_HOSTS=["diagnostic.example.fr"])
    client = app.test_client()
    base = "https://diagnostic.example.fr"
    page = client.get("/", base_url=base)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)
    response = client.post("/", data=VALID_PROFILE | {"csrf_token": token}, base_url=base)
    assert response.status_code == 302
    assert "/a/" in response.headers["Location"]
