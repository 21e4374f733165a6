"""A company sees the questionnaire's title and the day of its version, not "ai-maturity, version 2"
(issue 14): on the results page and in the PDF report (cover and versions)."""
from __future__ import annotations

import datetime as dt
from html import unescape

import pytest

from assessor.domain.questionnaire import latest
from assessor.report import render as reporting
from assessor.report import sample
from tests.factories import best_answers, create_assessment

from assessor.domain.i18n import day


def _version_words(questionnaire, lang: str) -> str:
    """« version 3 du 2 décembre 2026 »: the version and the day of its changelog entry, in words."""
    return (f"version {questionnaire.version} du {day(questionnaire.date, 'fr')}" if lang == "fr"
            else f"version {questionnaire.version} of {day(questionnaire.date, 'en')}")


def test_the_version_day_comes_from_the_changelog(app):
    questionnaire = latest(app.extensions["assessor.questionnaires"], "ai-maturity")
    assert questionnaire.date == next(e.date for e in questionnaire.changelog if e.version == questionnaire.version)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_results_name_the_questionnaire_by_its_title_and_day(app, client, lang):
    questionnaire = latest(app.extensions["assessor.questionnaires"], "ai-maturity")
    _, token = create_assessment(app, best_answers(questionnaire), submit=True)
    client.get(f"/langue/{lang}")
    html = unescape(client.get(f"/a/{token}/resultats").get_data(as_text=True))
    words = {"fr": f"Questionnaire «\u00a0{questionnaire.title.fr}\u00a0», {_version_words(questionnaire, 'fr')}.",
             "en": f"Questionnaire “{questionnaire.title.en}”, {_version_words(questionnaire, 'en')}."}
    assert words[lang] in html
    assert f"{questionnaire.id}, version" not in html and f"Questionnaire {questionnaire.id}" not in html


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_report_names_the_questionnaire_by_its_title_and_day(app, lang):
    with app.app_context():
        context = sample.sample_context(app, lang, today=dt.date(2026, 12, 2))
        html = unescape(reporting.render_html(context, lang))
    questionnaire = context["questionnaire"]
    title = questionnaire.title.get(lang)
    assert html.count(f"{title}, {_version_words(questionnaire, lang)}") == 2  # the cover and the versions
    assert f"{questionnaire.id}, version" not in html
