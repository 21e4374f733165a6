"""The counters of the journey agree (issue 14): the same total on every page and on the review.

Before, the total counted only the questions shown so far: "sur 39" on the first pages, "sur 41" on
the review once follow-up questions had appeared. And a diagnostic answered "Je ne sais pas"
everywhere was accepted by the review, then refused on validation.
"""
from __future__ import annotations

import re
from html import unescape

import pytest

from tests.factories import best_answers, worst_answers
from tests.test_journey import app, assessment_row, post_section, questionnaire, start, validate  # noqa: F401

COUNTER = re.compile(r"(\d+) questions répondues sur (\d+)")


def counter(client, url):
    html = unescape(client.get(url).get_data(as_text=True))
    return tuple(int(n) for n in COUNTER.search(html).groups()), html


@pytest.mark.parametrize("answers_of", [best_answers, worst_answers], ids=["follow-ups asked", "follow-ups skipped"])
def test_every_page_and_the_review_count_out_of_the_same_total(client, questionnaire, answers_of):  # noqa: F811
    answers = answers_of(questionnaire)
    total = sum(1 for q in questionnaire.questions if q.scored)
    token = start(client)
    seen = []
    for dimension in questionnaire.dimensions:
        (done, of), _html = counter(client, f"/a/{token}/s/{dimension.id}")
        seen.append((done, of))
        assert post_section(client, token, dimension, answers).status_code == 302
    (done, of), html = counter(client, f"/a/{token}/verification")
    assert {of for _done, of in seen} == {total} and of == total
    assert [d for d, _of in seen] == sorted(d for d, _of in seen)  # it only ever goes up
    assert done == total  # every question answered, or made pointless by an answer
    skipped = "questions de suivi ne vous concernent pas d'après vos réponses"
    assert (skipped in html) is (answers_of is worst_answers)


def test_dont_know_everywhere_is_told_on_the_review_not_refused_after(app, client, questionnaire):  # noqa: F811
    answers = {q.id: ["dont_know"] if q.type == "multiple" else "dont_know"
               for q in questionnaire.questions if q.scored and q.dont_know}
    token = start(client)
    for dimension in questionnaire.dimensions:
        post_section(client, token, dimension, answers)
    html = unescape(client.get(f"/a/{token}/verification").get_data(as_text=True))
    told = ("Toutes vos réponses sont «\u00a0Je ne sais pas\u00a0» ou «\u00a0Non concerné\u00a0»\u00a0: choisissez "
            "une autre réponse à au moins une question pour obtenir un score.")
    assert f'id="what-is-left">{told}' in html
    assert "répondez à au moins une de ses questions" not in html
    assert validate(client, token).headers["Location"].endswith("/verification")
    assert assessment_row(app, token)["status"] == "draft"

    first = questionnaire.dimensions[0]
    question = first.questions[0]
    post_section(client, token, first, answers | {question.id: question.options[0].value})
    assert 'id="what-is-left"' not in client.get(f"/a/{token}/verification").get_data(as_text=True)
    assert validate(client, token).headers["Location"].endswith("/resultats")
