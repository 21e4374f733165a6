"""Turn a :class:`~assessor.diagnosis.Diagnosis` into the context of a results page, an advisor's file
or a PDF report: the diagnosis' fields plus the words that depend on the request's language."""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlite_utils import Database

from ..domain import charts, clock, i18n
from ..domain.diagnosis import MAX_ADVICE, Diagnosis, DiagnosisInputs  # noqa: F401  (MAX_ADVICE: kept for its readers)
from ..domain.diagnosis import build as build_diagnosis
from ..domain.questionnaire import Questionnaire
from ..store import diagnoses
from .. import config as settings


def load(db: Database, assessment: dict[str, Any], questionnaire: Questionnaire,
         answers: dict[str, Any] | None = None) -> DiagnosisInputs:
    """Load everything an assessment's diagnosis needs from the store, in one place."""
    return diagnoses.load(db, assessment, [d.id for d in questionnaire.dimensions], answers)


def diagnose(db: Database, assessment: dict[str, Any], questionnaire: Questionnaire, lang: str,
             today: dt.date | None = None, answers: dict[str, Any] | None = None,
             inputs: DiagnosisInputs | None = None) -> Diagnosis:
    """Load an assessment's diagnosis (one load from the store, unless ``inputs`` were loaded) and build it."""
    inputs = inputs or load(db, assessment, questionnaire, answers)
    return build_diagnosis(inputs, questionnaire, current_app.extensions["assessor.catalogue"], lang,
                           today or clock.today(settings.zone()), current_app.extensions.get("assessor.ai_act"))


# The radar of a page: drawn smaller inside its labels than the default, so that the labels read
# at about 13 px in a 34rem column (11 px before) and the chart takes 60 px less height (issue 14).
RADAR_SIZE = 340


def context(diagnosis: Diagnosis) -> dict[str, Any]:
    """Return the template context of a diagnosis (needs a request or app context for the words).

    The keys ``previous`` / ``previous_result`` stand for the baseline, kept for the templates
    written before follow-ups.
    """
    baseline = diagnosis.baseline
    dimensions = diagnosis.dimensions
    radar = charts.radar_svg(
        diagnosis.radar_axes,
        title=_("Profil de maturité par dimension"),
        description="; ".join(_("%(label)s\u00a0: %(value)s", label=d["title"],
                                value=("–" if d["score"] is None else str(round(d["score"]))) + "/100")
                              for d in dimensions),
        previous=diagnosis.radar_previous,
        size=RADAR_SIZE,
        legend=(_("Aujourd'hui"), _("Premier diagnostic, %(date)s",
                                    date=i18n.day(baseline["submitted_at"], str(get_locale() or "fr"), "medium", settings.zone()))
                if baseline else _("Premier diagnostic")),
    )
    fields = {field.name: getattr(diagnosis, field.name) for field in dataclasses.fields(diagnosis)
              if field.name != "chain"}  # the advisor's file shows the chain its reader may see
    lang = str(get_locale() or "fr")
    shown = [p.text for p in diagnosis.plan.quick_wins + diagnosis.plan.next_months] + [
        i18n.text(part, lang) for r in diagnosis.recommendations
        for part in (r.entry.name, r.entry.operator, r.entry.description, r.entry.cost)] + [
        item.text.get(lang) for _question, item in diagnosis.advice]
    return fields | {
        "terms": i18n.terms_in(shown, lang),
        "diagnosis": diagnosis, "radar": radar,
        "dimensions": list(dimensions), "priorities": list(diagnosis.priorities),
        "advice": list(diagnosis.advice), "dont_know": list(diagnosis.dont_know),
        "recommendations": list(diagnosis.recommendations), "readings": list(diagnosis.readings),
        "previous": baseline, "previous_result": diagnosis.baseline_result,
        "recommendation_groups": recommendation_groups(diagnosis.recommendations),
        "weakest": weakest(dimensions),
    }


def weakest(dimensions) -> Any:
    """The floor level's dimension, named beside it: the first of the weakest, as scoring takes it;
    none when every dimension has the same score (there is no weakest to name)."""
    scored = [d for d in dimensions if d["score"] is not None]
    if len({round(d["score"]) for d in scored}) < 2:
        return None
    return min(scored, key=lambda d: d["score"])


def recommendation_groups(recommendations) -> list[tuple[Any, list[Any]]]:
    """Return the recommendations grouped by the answer they address (dimension and answer), each
    group with the reason of its first one, in the order of the ranking: the page says once what the
    company answered, then what each programme brings."""
    groups: dict[tuple, tuple[Any, list[Any]]] = {}
    for recommendation in recommendations:
        reason = recommendation.reason
        groups.setdefault((reason.dimension, reason.answer, reason.checklist), (reason, []))[1].append(recommendation)
    return list(groups.values())


def build(db: Database, assessment: dict[str, Any], questionnaire: Questionnaire, lang: str,
          today: dt.date | None = None, answers: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the template context describing a submitted assessment's results (load, build, words)."""
    return context(diagnose(db, assessment, questionnaire, lang, today, answers))

def text_helpers(language: str) -> dict[str, Any]:
    """Template helpers that pick the user's language: ``i18n.helpers`` (``label``, ``text`` or
    ``t``, ``day``) and ``kind_label`` (a catalogue entry's kind)."""
    return {**i18n.helpers(language, settings.zone()), "kind_label": lambda kind: str(KIND_LABELS.get(kind, kind))}

KIND_LABELS = {
    "awareness": _l("Sensibilisation"), "training": _l("Formation"),
    "certified_training": _l("Formation certifiante"), "diagnostic": _l("Diagnostic"),
    "support": _l("Accompagnement"), "funding": _l("Financement"), "network": _l("Réseau"),
    "event": _l("Événement"), "resource": _l("Ressource"), "reading": _l("À lire ou écouter"),
}
