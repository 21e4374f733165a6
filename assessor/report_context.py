"""What the PDF report shows: the results page's context plus the report's own details.

No WeasyPrint here: :mod:`assessor.reporting` turns these contexts into PDFs. The sample report of
the CLI and the benchmark is loaded through the real code path (store → diagnosis → results.context)
on a private in-memory database.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml
from babel import dates
from flask import Flask
from flask_babel import force_locale
from markupsafe import Markup
from sqlite_utils import Database

from . import clock, i18n, referential, results
from .diagnosis import Diagnosis, answer_rows  # answer_rows: kept for its readers
from .questionnaire import Questionnaire, latest
from .scoring import check_answers, normalise_answer, score
from .store import assessments as store
from .web import text_helpers

LANGS = i18n.LANGUAGES
ADVICE_PER_DIMENSION = 3
RUNNING_NAME_MAX = 64
SAMPLE = Path("sample") / "ai-maturity.yaml"  # inside the reports folder

# Punctuation the template writes itself, outside translated sentences.
_PUNCTUATION = {
    "fr": {"colon": "\u00a0:", "semicolon": "\u00a0;", "open": "«\u00a0", "close": "\u00a0»"},
    "en": {"colon": ":", "semicolon": ";", "open": "“", "close": "”"},
}


def report_lang(lang: str | None) -> str:
    """Return a supported report language: anything else (a query string, say) falls back to French."""
    return lang if lang in LANGS else "fr"


def format_date(day: dt.date, lang: str) -> str:
    """Return '22 novembre 2026' / 'November 22, 2026'."""
    return dates.format_date(day, format="long", locale=report_lang(lang))


def build_context(db: Database, assessment: dict[str, Any], questionnaire: Questionnaire, lang: str,
                  today: dt.date | None = None, answers: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the results page's context (results.context) plus the answers and the report date.

    Needs an application context (the catalogue is the app's).
    """
    lang = report_lang(lang)
    today = today or clock.today()
    with force_locale(lang):
        return diagnosis_context(results.diagnose(db, assessment, questionnaire, lang, today, answers), today)


def diagnosis_context(diagnosis: Diagnosis, today: dt.date) -> dict[str, Any]:
    """Return the report context of a diagnosis built in the report's language (inside force_locale)."""
    context = results.context(diagnosis)
    context["answers"] = diagnosis.answers
    context["report_date"] = today
    return context


def view(context: dict[str, Any], lang: str, radar_css: str = "") -> dict[str, Any]:
    """Return the template variables: the context plus per-dimension details and labels.

    The radar is styled from inside (an SVG ``<style>`` holding ``radar_css``, our own constant
    file): WeasyPrint does not apply the page's stylesheet to inline SVG.
    """
    questionnaire: Questionnaire = context["questionnaire"]
    result = context["result"]
    assessment = context["assessment"]
    details = {}
    for dim in questionnaire.dimensions:
        advice = [a.text.get(lang) for a in result.advice if a.dimension == dim.id]
        details[dim.id] = {
            "intro": dim.intro.get(lang) if dim.intro else None,
            "answers": answer_rows(questionnaire, dim, context["answers"], lang),
            "advice": list(dict.fromkeys(advice))[:ADVICE_PER_DIMENSION],
        }
    name = assessment["company_name"] or ""
    running_name = name if len(name) <= RUNNING_NAME_MAX else name[:RUNNING_NAME_MAX - 1].rstrip() + "…"
    submitted = assessment.get("submitted_at") or ""
    scored = [d for d in context["dimensions"] if d["score"] is not None]
    department = assessment.get("department")
    return context | {
        "lang": lang,
        "details": details,
        "running_name": running_name,
        "submitted_on": format_date(clock.local_day(submitted), lang) if submitted else "",
        "report_on": format_date(context["report_date"], lang),
        "profile": {
            "size": i18n.label(referential.SIZE_BANDS, assessment.get("size_band"), lang),
            "sector": i18n.label(referential.NAF_SECTIONS, assessment.get("sector"), lang),
            "region": i18n.label(referential.REGIONS, assessment.get("region"), lang),
            "department": f"{department} {referential.DEPARTMENTS[department][0]}"
            if department in referential.DEPARTMENTS else (department or ""),
        },
        "weakest": min(scored, key=lambda d: d["score"]) if scored else None,
        "punct": _PUNCTUATION[lang],
        "radar": Markup(str(context["radar"]).replace("</desc>", f"</desc><style>{radar_css}</style>", 1)),
        **text_helpers(lang),
        "date": lambda day: format_date(day, lang),
    }


# -- the sample report ----------------------------------------------------------------------------


class SampleError(ValueError):
    """The sample file does not fit the questionnaire."""


def load_sample(path: Path) -> dict[str, Any]:
    """Read a sample file: questionnaire id, submitted_at, profile and answers."""
    try:
        with path.open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        raise SampleError(f"{path}: invalid YAML: {exc}") from None
    if not isinstance(data, dict) or not {"questionnaire", "profile", "answers"} <= set(data):
        raise SampleError(f"{path}: expected the keys questionnaire, profile and answers")
    return data


def create_sample_assessment(db: Database, app: Flask, sample: dict[str, Any]) -> tuple[dict, Questionnaire, str]:
    """Store the sample as a submitted assessment of the latest questionnaire; return it and its token."""
    questionnaire = latest(app.extensions["assessor.questionnaires"], sample["questionnaire"])
    if questionnaire is None:
        raise SampleError(f"unknown questionnaire {sample['questionnaire']!r}")
    answers = sample["answers"]
    problems = check_answers(questionnaire, answers)
    if problems:
        raise SampleError(f"the sample does not fit {questionnaire.key}:\n" + "\n".join(problems))
    answers = {qid: normalise_answer(questionnaire.question(qid), value) for qid, value in answers.items()}
    stamp = str(sample.get("submitted_at") or store.now_iso())
    assessment_id, token = store.create(db, sample["profile"], questionnaire.id, questionnaire.version,
                                        created_at=stamp)
    store.save_answers(db, assessment_id, answers)
    result = score(questionnaire, answers, sample["profile"].get("size_band"))
    store.submit(db, assessment_id, result.summary(), result.scoring_version, submitted_at=stamp)
    return store.get(db, assessment_id), questionnaire, token


def sample_context(app: Flask, lang: str, path: Path | None = None,
                   today: dt.date | None = None) -> dict[str, Any]:
    """Return the report context of the sample file, built on a throw-away in-memory database."""
    from . import migrations
    from .db import connect

    sample = load_sample(path or Path(app.config["REPORTS_DIR"]) / SAMPLE)
    db = connect(":memory:")
    try:
        migrations.apply(db)
        with app.app_context():
            assessment, questionnaire, _token = create_sample_assessment(db, app, sample)
            return build_context(db, assessment, questionnaire, lang, today)
    finally:
        db.close()
