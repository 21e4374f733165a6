"""One diagnosis: what the results page, the advisor's file and the PDF report show. Pure module.

:func:`assessor.store.diagnoses.load` reads everything a diagnosis needs in one place
(:class:`DiagnosisInputs`); :func:`build` turns it into a frozen :class:`Diagnosis`, without the
database, Flask or WeasyPrint. Words that depend on the request's language (the radar's title, the
dates) are put in by the templates and :mod:`assessor.results`.

The score a company was given at validation never changes silently: the figures shown are the ones
stored when the diagnostic was validated (overall, level, floor level, confidence and the score of
each dimension). The answers are scored again only for what is not stored (the advice, the "je ne
sais pas", the confidence of each dimension); when the scoring has changed since the validation
(another ``SCORING_VERSION``, or other figures), :attr:`Diagnosis.rescored` holds today's figures so
that the advisor's file can show them beside the stored ones.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from . import ai_act, recommend, scoring
from .catalogue import Catalogue
from .questionnaire import DONT_KNOW, NOT_APPLICABLE, Dimension, Level, Questionnaire, is_visible
from .scoring import DimensionScore, Result, _priorities, score

MAX_ADVICE = 8


@dataclass(frozen=True)
class Assessment:
    """One assessment as stored, its result at validation included (not its token's hash).

    Read like the row it comes from (``assessment["company_name"]``, ``.get``) as well as by
    attribute, so that templates and the code written for rows read it unchanged; a column added by
    a later migration is kept in ``extra``.
    """
    id: int
    questionnaire_id: str
    questionnaire_version: int
    status: str = "draft"
    company_name: str | None = None
    size_band: str | None = None
    sector: str | None = None
    region: str | None = None
    department: str | None = None
    role: str | None = None
    email: str | None = None
    consent_contact: int = 0
    consent_stats: int = 0
    lang: str | None = "fr"
    mode: str = "self"
    created_by: int | None = None
    previous_id: int | None = None
    is_demo: int = 0
    created_at: str | None = None
    updated_at: str | None = None
    submitted_at: str | None = None
    scoring_version: int | None = None
    overall: float | None = None
    level: str | None = None
    floor_level: str | None = None
    confidence: float | None = None
    dimension_scores: str | None = None
    scoring: str | None = None  # the whole result at validation (scoring.to_record), as JSON
    followup_status: str | None = None
    assigned_advisor_id: int | None = None
    extra: dict[str, Any] = dataclasses.field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_row(cls, row: dict[str, Any] | Assessment) -> Assessment:
        if isinstance(row, Assessment):
            return row
        names = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        return cls(**{k: v for k, v in row.items() if k in names},
                   extra={k: v for k, v in row.items() if k not in names and k != "token_hash"})

    def __getitem__(self, key: str) -> Any:
        if key != "extra" and key in self.__dataclass_fields__:
            return getattr(self, key)
        if key in self.extra:
            return self.extra[key]
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return (key != "extra" and key in self.__dataclass_fields__) or key in self.extra

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def __or__(self, changes: dict[str, Any]) -> Assessment:
        """Return a copy with some fields changed, as ``row | {...}`` does for a row."""
        return Assessment.from_row(self.as_row() | changes)

    def as_row(self) -> dict[str, Any]:
        row = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "extra"}
        return row | self.extra


@dataclass(frozen=True)
class DiagnosisInputs:
    """Everything a diagnosis is made of, as read from the store (see store.diagnoses.load).

    ``assessment``, ``baseline`` (the first submitted diagnostic of the follow-up chain, if not this
    one) and ``previous`` (the one this follows up) are assessment rows with their stored results.
    """
    assessment: Assessment
    answers: dict[str, Any]
    baseline: Assessment | None = None
    previous: Assessment | None = None
    peers: dict[str, Any] | None = None
    chain: tuple[dict[str, Any], ...] = ()  # the whole follow-up chain, first to latest


@dataclass(frozen=True)
class Diagnosis:
    assessment: Assessment
    questionnaire: Questionnaire
    answers: dict[str, Any]
    result: Result  # the figures shown: stored at validation
    rescored: Result | None  # today's scoring of the same answers, when it differs from the stored one
    stored: bool  # False: no stored figures (a draft, an old row), the figures are today's scoring
    overall_level: Level | None
    floor_level: Level | None
    dimensions: tuple[dict[str, Any], ...]
    priorities: tuple[dict[str, Any], ...]
    target: float | None
    advice: tuple[tuple[Any, Any], ...]
    dont_know: tuple[Any, ...]
    recommendations: tuple[Any, ...]
    readings: tuple[Any, ...]
    plan: Any
    baseline: Assessment | None
    baseline_result: Result | None
    overall_delta: float | None
    immediate_previous: Assessment | None
    immediate_previous_result: Result | None
    peers: dict[str, Any] | None
    catalogue: Catalogue
    chain: tuple[dict[str, Any], ...] = ()
    ai_act: ai_act.Section | None = None  # « Le règlement européen sur l'IA et vous » (issue 11)

    @property
    def scoring_changed(self) -> bool:
        """Whether today's scoring gives other figures than the ones stored at validation."""
        return self.rescored is not None

    @property
    def radar_axes(self) -> list[tuple[str | None, float | None]]:
        return [(d["title"], d["score"]) for d in self.dimensions]

    @property
    def radar_previous(self) -> list[float | None] | None:
        return [d["previous"] for d in self.dimensions] if self.baseline_result else None


def _delta(now: float | None, before: float | None) -> float | None:
    return now - before if now is not None and before is not None else None


def _stored_scores(row: dict[str, Any] | Assessment) -> dict[str, float | None] | None:
    """Return the dimension scores stored with a submitted assessment, or None if there are none."""
    if row.get("status") != "submitted" or row.get("overall") is None or not row.get("dimension_scores"):
        return None
    try:
        scores = json.loads(row["dimension_scores"])
    except (TypeError, ValueError):
        return None
    return scores if isinstance(scores, dict) else None


def stored_result(questionnaire: Questionnaire, row: dict[str, Any] | Assessment,
                  rescored: Result | None = None) -> Result | None:
    """Return the result stored with a submitted assessment, or None if it has none.

    ``rescored`` (today's scoring of its answers) brings what is not stored: the advice, the
    "je ne sais pas" and each dimension's confidence. Without it, only the figures are there.
    """
    scores = _stored_scores(row)
    if scores is None:
        return None
    dimensions = []
    for dimension in questionnaire.dimensions:
        value = scores.get(dimension.id)
        level = questionnaire.level_for(value).id if value is not None else None
        today = rescored.dimension(dimension.id) if rescored else None
        if today is not None:
            dimensions.append(dataclasses.replace(today, score=value, level=level))
        else:
            dimensions.append(DimensionScore(dimension.id, value, level, 1.0, 0, (), ()))
    return Result(
        questionnaire=questionnaire.key,
        scoring_version=row.get("scoring_version") or scoring.SCORING_VERSION,
        overall=row["overall"], level=row.get("level"), floor_level=row.get("floor_level"),
        confidence=row["confidence"] if row.get("confidence") is not None else 1.0,
        dimensions=tuple(dimensions),
        priorities=_priorities(questionnaire, dimensions, row.get("size_band")),
        advice=rescored.advice if rescored else (),
        dont_know=rescored.dont_know if rescored else (),
    )


def todays_result(questionnaire: Questionnaire, assessment: dict[str, Any] | Assessment,
                  answers: dict[str, Any]) -> Result:
    """Return what scoring the answers today gives: read from the result stored at validation when
    it was computed under today's scoring key (no scoring at all), else scored again."""
    record = None
    if assessment.get("scoring"):
        try:
            record = json.loads(assessment["scoring"])
        except (TypeError, ValueError):
            record = None
    return scoring.from_record(record, questionnaire) or score(questionnaire, answers, assessment["size_band"])


def shown_result(questionnaire: Questionnaire, assessment: dict[str, Any] | Assessment,
                 answers: dict[str, Any]) -> tuple[Result, Result | None, bool]:
    """Return ``(result, rescored, stored)``: the figures every surface shows (stored at validation,
    or today's scoring for a row without stored figures), today's figures when they differ from
    the stored ones, and whether the shown figures are the stored ones."""
    today_result = todays_result(questionnaire, assessment, answers)
    result = stored_result(questionnaire, assessment, today_result)
    if result is None:
        return today_result, None, False
    changed = result.scoring_version != scoring.SCORING_VERSION or _figures(result) != _figures(today_result)
    return result, (today_result if changed else None), True


def _figures(result: Result) -> tuple:
    rounded = (lambda v: None if v is None else round(v, 1))
    return (rounded(result.overall), result.level, result.floor_level, round(result.confidence, 3),
            tuple(rounded(d.score) for d in result.dimensions))


def build(inputs: DiagnosisInputs, questionnaire: Questionnaire, catalogue: Catalogue, lang: str,
          today: dt.date, ai_act_rules: ai_act.Rules | None = None) -> Diagnosis:
    """Return the diagnosis of a submitted assessment from what the store loaded.

    Follow-up: progress is measured since the FIRST submitted assessment of the chain
    (``baseline``); ``dimensions[i]["previous"]`` and ``["delta"]`` refer to it. The assessment
    directly followed up is ``immediate_previous`` (with ``delta_immediate`` per dimension) when the
    chain has more than two diagnostics. Earlier diagnostics show their stored results.
    """
    assessment, answers = inputs.assessment, inputs.answers
    result, rescored, stored = shown_result(questionnaire, assessment, answers)
    baseline = inputs.baseline
    baseline_result = stored_result(questionnaire, baseline) if baseline else None
    immediate = inputs.previous
    if immediate is not None and baseline is not None and immediate["id"] == baseline["id"]:
        immediate = None
    immediate_result = stored_result(questionnaire, immediate) if immediate else None
    if baseline_result is None:
        baseline = None
    if immediate_result is None:
        immediate = None
    dimensions = []
    for dim, dim_score in zip(questionnaire.dimensions, result.dimensions):
        before = baseline_result.dimension(dim.id) if baseline_result else None
        last = immediate_result.dimension(dim.id) if immediate_result else None
        dimensions.append({
            "id": dim.id, "title": dim.title.get(lang), "score": dim_score.score,
            "level": questionnaire.level(dim_score.level) if dim_score.level else None,
            "confidence": dim_score.confidence, "dont_know": dim_score.dont_know,
            "previous": before.score if before else None,
            "delta": _delta(dim_score.score, before.score if before else None),
            "previous_immediate": last.score if last else None,
            "delta_immediate": _delta(dim_score.score, last.score if last else None),
            "rescored": (rescored.dimension(dim.id).score if rescored else None),
        })
    audience = assessment.get("audience") or "company"
    profile = recommend.Profile(region=assessment["region"], size_band=assessment["size_band"],
                                sector=assessment["sector"], opco=assessment.get("opco"), audience=audience)
    advice_result = recommend.recommend(questionnaire, catalogue, profile, result, answers, lang, today=today)
    return Diagnosis(
        assessment=assessment, questionnaire=questionnaire, answers=answers,
        result=result, rescored=rescored, stored=stored,
        overall_level=questionnaire.level(result.level) if result.level else None,
        floor_level=questionnaire.level(result.floor_level) if result.floor_level else None,
        dimensions=tuple(dimensions),
        priorities=tuple(d for pid in result.priorities for d in dimensions if d["id"] == pid),
        target=scoring.target_for(questionnaire, assessment["size_band"]),
        advice=tuple((questionnaire.question(a.question_id), a) for a in result.advice[:MAX_ADVICE]),
        dont_know=tuple(questionnaire.question(qid) for qid in result.dont_know),
        recommendations=tuple(advice_result.recommendations),
        readings=tuple(advice_result.readings),
        plan=advice_result.plan,
        baseline=baseline, baseline_result=baseline_result,
        overall_delta=_delta(result.overall, baseline_result.overall if baseline_result else None),
        immediate_previous=immediate, immediate_previous_result=immediate_result,
        # Peers are companies of the same size band: a public body has none (no comparison shown).
        peers=inputs.peers if audience == "company" else None, catalogue=catalogue, chain=inputs.chain,
        # The AI Act rules (ai-act.yaml) are written for companies; a public body's questionnaire
        # asks about the law itself (its own dimension).
        ai_act=(ai_act.assess(ai_act_rules, answers, assessment["size_band"], assessment["sector"], today)
                if ai_act_rules and audience == "company" else None),
    )


@dataclass(frozen=True)
class AnswerWords:
    """An answer as the user read it."""
    status: str  # answered | unanswered | dont_know | not_applicable
    labels: tuple[str, ...] = ()  # the options chosen, in the questionnaire's order
    text: str | None = None  # a free-text answer

    @property
    def words(self) -> str | None:
        """The chosen options joined (" ; "), or the text typed; None for the special answers."""
        return " ; ".join(self.labels) if self.labels else self.text


def answer_words(question: Any, value: Any, lang: str) -> AnswerWords:
    """Put one answer into words: the one function the review page, the advisor's file, the data
    export and the PDF use. The special answers' words ("Je ne sais pas") are the templates'."""
    if value in (None, "", []):
        return AnswerWords("unanswered")
    if value == DONT_KNOW:
        return AnswerWords("dont_know")
    if value == NOT_APPLICABLE:
        return AnswerWords("not_applicable")
    if question.type == "text":
        return AnswerWords("answered", text=str(value))
    chosen = value if isinstance(value, list) else [value]
    return AnswerWords("answered", labels=tuple(
        option.label.get(lang) if (option := question.option(str(v))) else str(v) for v in chosen))


def answer_rows(questionnaire: Questionnaire, dimension: Dimension, answers: dict[str, Any],
                lang: str) -> list[dict[str, Any]]:
    """Return what was answered to each question asked in a dimension, in the user's words.

    Each row: ``question`` (its text), ``status`` (answered, unanswered, dont_know, not_applicable),
    ``labels`` (the options chosen) and ``text`` (a free-text answer).
    """
    rows = []
    for question in dimension.questions:
        if not is_visible(questionnaire, question, answers):
            continue
        words = answer_words(question, answers.get(question.id), lang)
        if words.status == "unanswered" and question.type == "text":
            continue  # an optional free-text question left empty says nothing
        rows.append({"question": question.text.get(lang), "status": words.status,
                     "labels": list(words.labels), "text": words.text})
    return rows
