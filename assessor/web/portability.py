"""Right to data portability (GDPR article 20): a company downloads its answers and results.

The same data, built once by :func:`export_data`, is written as JSON (for a program) and as CSV
(for a spreadsheet: UTF-8 with a BOM, ``;`` between cells, one row per question).
"""
from __future__ import annotations

import csv
import io
import json
from typing import Any

from flask_babel import gettext as _

from ..domain import i18n, referential
from ..domain.diagnosis import answer_words
from .forms import special_labels
from ..domain.questionnaire import SPECIAL_VALUES, Question, Questionnaire
from ..domain.scoring import Result
from ..store.assessments import now_iso

FORMAT_VERSION = 1


def _answer_words(question: Question, value: Any, lang: str) -> str | list[str] | None:
    """Return an answer as the user read it: the option's label (a list for a checklist), or the text."""
    words = answer_words(question, value, lang)
    if words.status == "unanswered":
        return None if value is None else value
    if words.status in SPECIAL_VALUES:
        return special_labels()[words.status]
    if words.text is not None:
        return words.text
    return list(words.labels) if isinstance(value, list) else words.labels[0]


def _coded(table: dict[str, tuple[str, str]], code: str | None, lang: str) -> dict[str, str] | None:
    return {"code": code, "label": i18n.label(table, code, lang)} if code else None


def _level(questionnaire: Questionnaire, level_id: str | None, lang: str) -> dict[str, str] | None:
    level = questionnaire.level(level_id) if level_id else None
    return {"id": level.id, "label": level.label.get(lang)} if level else None


def export_data(assessment: dict[str, Any], questionnaire: Questionnaire, answers: dict[str, Any],
                result: Result | None, lang: str, checkins: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return everything the company gave and got, in its language; ``result`` is None for a draft;
    ``checkins``: its consent to check-ins, its check-ins and their messages (store.checkins.export).

    Dates are ISO 8601 in UTC, as stored.
    """
    department = assessment.get("department")
    profile = {
        "company_name": assessment.get("company_name"),
        "size_band": _coded(referential.SIZE_BANDS, assessment.get("size_band"), lang),
        "sector": _coded(referential.NAF_SECTIONS, assessment.get("sector"), lang),
        "region": _coded(referential.REGIONS, assessment.get("region"), lang),
        "department": {"code": department, "label": referential.DEPARTMENTS.get(department, (department,))[0]}
        if department else None,
        "role": _coded(referential.PUBLIC_ROLES if assessment.get("audience") == "public" else referential.ROLES,
                       assessment.get("role"), lang),
        "email": assessment.get("email"),
        "consent_contact": bool(assessment.get("consent_contact")),
        "consent_stats": bool(assessment.get("consent_stats")),
        "language": assessment.get("lang"),
    }
    if assessment.get("audience") == "public":  # a public body: its kind and bands, no size nor sector
        profile |= {
            "audience": "public",
            "body_kind": _coded(referential.PUBLIC_KINDS, assessment.get("body_kind"), lang),
            "population_band": _coded(referential.POPULATION_BANDS, assessment.get("population_band"), lang),
            "agents_band": _coded(referential.AGENT_BANDS, assessment.get("agents_band"), lang),
        }
    questions = []
    for dimension in questionnaire.dimensions:
        for question in dimension.questions:
            value = answers.get(question.id)
            questions.append({
                "dimension_id": dimension.id, "dimension": dimension.title.get(lang),
                "question_id": question.id, "question": question.text.get(lang), "type": question.type,
                "value": value, "answer": _answer_words(question, value, lang),
            })
    results = None
    if result is not None and assessment["status"] == "submitted":
        results = {
            "overall": result.overall, "level": _level(questionnaire, result.level, lang),
            "floor_level": _level(questionnaire, result.floor_level, lang),
            "confidence": result.confidence, "scoring_version": result.scoring_version,
            "dimensions": [{
                "id": dim.id, "title": questionnaire.dimension(dim.id).title.get(lang), "score": dim.score,
                "level": _level(questionnaire, dim.level, lang), "confidence": dim.confidence,
            } for dim in result.dimensions],
        }
    return {
        "format": "assessor-export", "format_version": FORMAT_VERSION,
        "exported_at": now_iso(),
        "assessment": {
            "number": assessment["id"], "status": assessment["status"],
            "created_at": assessment.get("created_at"), "updated_at": assessment.get("updated_at"),
            "submitted_at": assessment.get("submitted_at"),
            "follows_up": assessment.get("previous_id"),
        },
        "questionnaire": {"id": questionnaire.id, "version": questionnaire.version,
                          "title": questionnaire.title.get(lang)},
        "profile": profile,
        "answers": questions,
        "results": results,
        "checkins": _checkins_words(checkins),
    }


def _checkins_words(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """The check-ins with each status in words beside its code."""
    if not data:
        return data
    from .checkins import LABELS

    for checkin in data["checkins"]:
        for item in checkin["items"]:
            item["label"] = str(LABELS[item["kind"]].get(item["status"], item["status"]))
    return data


def as_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _cell(value: Any) -> str:
    from .export import csv_cell  # the advisors' export rules: decimal comma, no formula

    if isinstance(value, list):
        value = " ; ".join(str(v) for v in value)
    return csv_cell(value)


def as_csv(data: dict[str, Any]) -> str:
    """Return the export as CSV text: a BOM, a header, one row per question of the questionnaire.

    Each row repeats the diagnostic's number, questionnaire, dates and scores, so that a row copied
    elsewhere still says where it comes from.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([_cell(h) for h in (
        _("Diagnostic n°"), _("Questionnaire"), _("Version du questionnaire"), _("État"), _("Commencé le"),
        _("Validé le"), _("Thème"), _("Identifiant de la question"), _("Question"), _("Valeur de la réponse"),
        _("Réponse"), _("Score du thème"), _("Score global"), _("Niveau"), _("Indice de confiance (%)"))])
    info, questionnaire, results = data["assessment"], data["questionnaire"], data["results"] or {}
    scores = {d["id"]: d["score"] for d in results.get("dimensions", [])}
    level = (results.get("level") or {}).get("label")
    confidence = results.get("confidence")
    for row in data["answers"]:
        writer.writerow([_cell(v) for v in (
            info["number"], questionnaire["title"], questionnaire["version"],
            _("validé") if info["status"] == "submitted" else _("en cours"),
            info["created_at"], info["submitted_at"], row["dimension"], row["question_id"], row["question"],
            row["value"], row["answer"], scores.get(row["dimension_id"]), results.get("overall"), level,
            confidence * 100 if confidence is not None else None)])
    kinds = {"action": _("Action du plan"), "programme": _("Programme recommandé")}
    for checkin in (data.get("checkins") or {}).get("checkins", []):
        theme = _("Point d'étape à %(months)d mois", months=checkin["step_months"])
        rows = [(f"{item['kind']}:{item['ref']}", kinds[item["kind"]], item["status"], item["label"])
                for item in checkin["items"]]
        rows.append(("comment", _("Commentaire"), checkin["comment"], checkin["comment"]))
        rows.append(("wants_contact", _("Je souhaite être recontacté(e) par un conseiller."),
                     int(checkin["wants_contact"]), _("oui") if checkin["wants_contact"] else _("non")))
        for ref, question, value, words in rows:
            writer.writerow([_cell(v) for v in (
                info["number"], questionnaire["title"], questionnaire["version"],
                _("validé") if info["status"] == "submitted" else _("en cours"),
                info["created_at"], info["submitted_at"], theme, ref, question, value, words,
                None, None, None, None)])
    return "\ufeff" + buffer.getvalue()
