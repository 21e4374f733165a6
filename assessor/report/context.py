"""The report's template context: what the PDF shows of one diagnosis."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from flask_babel import force_locale
from markupsafe import Markup
from sqlite_utils import Database

from ..domain import audience, clock, i18n, referential
from . import results
from ..domain.diagnosis import Diagnosis, answer_rows  # answer_rows: kept for its readers
from ..domain.questionnaire import Questionnaire
from .results import text_helpers
from .. import config as settings


LANGS = i18n.LANGUAGES
ADVICE_PER_DIMENSION = 3
RUNNING_NAME_MAX = 64
SAMPLE = Path("sample") / "ai-maturity.yaml"  # inside the reports folder



def report_lang(lang: str | None) -> str:
    """Return a supported report language: anything else (a query string, say) falls back to French."""
    return lang if lang in LANGS else "fr"


def format_date(day: dt.date, lang: str) -> str:
    """Return '22 novembre 2026' / 'November 22, 2026' ('1er décembre 2026': i18n.day)."""
    return i18n.day(day, report_lang(lang))


def build_context(db: Database, assessment: dict[str, Any], questionnaire: Questionnaire, lang: str,
                  today: dt.date | None = None, answers: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the results page's context (results.context) plus the answers and the report date.

    Needs an application context (the catalogue is the app's).
    """
    lang = report_lang(lang)
    today = today or clock.today(settings.zone())
    with force_locale(lang):
        return diagnosis_context(results.diagnose(db, assessment, questionnaire, lang, today, answers), today)


def diagnosis_context(diagnosis: Diagnosis, today: dt.date) -> dict[str, Any]:
    """Return the report context of a diagnosis built in the report's language (inside force_locale)."""
    context = results.context(diagnosis)
    context["answers"] = diagnosis.answers
    context["report_date"] = today
    return context


def _version_day(questionnaire: Questionnaire, lang: str) -> str:
    """Return the date of the questionnaire's version, in words ('' when its changelog has none)."""
    for change in questionnaire.changelog:
        if change.version == questionnaire.version:
            try:
                return format_date(dt.date.fromisoformat(str(change.date)), lang)
            except ValueError:
                return ""
    return ""


def view(context: dict[str, Any], lang: str, radar_css: str = "") -> dict[str, Any]:
    """Return the template variables: the context plus per-dimension details and labels.

    The radar is styled from inside (an SVG ``<style>`` holding ``radar_css``, our own constant
    file): WeasyPrint does not apply the page's stylesheet to inline SVG.
    """
    questionnaire: Questionnaire = context["questionnaire"]
    result = context["result"]
    assessment = context["assessment"]
    plan = context["plan"]
    # The plan prints its steps once; a dimension adds only the advice the plan does not give.
    planned = {item.text for item in (*plan.quick_wins, *plan.next_months)}
    details = {}
    for dim in questionnaire.dimensions:
        advice = [a.text.get(lang) for a in result.advice if a.dimension == dim.id]
        details[dim.id] = {
            "intro": dim.intro.get(lang) if dim.intro else None,
            "answers": answer_rows(questionnaire, dim, context["answers"], lang),
            "advice": [text for text in list(dict.fromkeys(advice))[:ADVICE_PER_DIMENSION] if text not in planned],
        }
    name = assessment["company_name"] or ""
    running_name = name if len(name) <= RUNNING_NAME_MAX else name[:RUNNING_NAME_MAX - 1].rstrip() + "…"
    submitted = assessment.get("submitted_at") or ""
    department = assessment.get("department")
    return context | {
        "lang": lang,
        "details": details,
        "running_name": running_name,
        "submitted_on": format_date(clock.local_day(submitted, settings.zone()), lang) if submitted else "",
        "report_on": format_date(context["report_date"], lang),
        "profile": {
            # the profile in the organisation's own words: size and sector, or kind, population, agents
            "summary": " · ".join(value for _label, value in audience.profile_lines(assessment, lang)),
            "size": i18n.label(referential.SIZE_BANDS, assessment.get("size_band"), lang),
            "sector": i18n.label(referential.NAF_SECTIONS, assessment.get("sector"), lang),
            "region": i18n.label(referential.REGIONS, assessment.get("region"), lang),
            "department": f"{department} {referential.DEPARTMENTS[department][0]}"
            if department in referential.DEPARTMENTS else (department or ""),
            "role": i18n.label(referential.PUBLIC_ROLES if assessment.get("audience") == "public"
                               else referential.ROLES, assessment.get("role"), lang),
        },
        "questionnaire_on": _version_day(questionnaire, lang),
        "punct": i18n.PUNCTUATION[lang],
        "radar": Markup(str(context["radar"]).replace("</desc>", f"</desc><style>{radar_css}</style>", 1)),
        **text_helpers(lang),
        "date": lambda day: format_date(day, lang),
    }
