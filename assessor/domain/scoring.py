"""Score a questionnaire's answers. Pure and deterministic: see the methodology page.

- A question's value is normalised to 0..1 and weighted; a dimension's score (0-100) is the
  weighted mean over its answered questions; the overall score is the weighted mean of the
  dimensions that have a score.
- "Je ne sais pas" and "Non concerné" are answers, not gaps: both leave the mean. "Je ne sais pas"
  (and a question left blank) lowers the confidence index, the share of the applicable weight that
  was actually answered; "Non concerné" does not, since the question does not apply.
- The level comes from the thresholds in the questionnaire; the floor level is the level of the
  weakest dimension.
- Priorities are the dimensions furthest below the target for the company's size, weighted.
- A diagnostic is complete enough to be validated when every dimension has at least one answer, at
  least 80 % of the scored questions have one ("Je ne sais pas" and "Non concerné" count, and so
  does a follow-up question that an answer makes pointless), and one answer at least describes the
  company's situation (a score needs one): a result built on a handful of answers would say nothing
  about the company. The count is over every scored question, follow-ups included, so that it does
  not change from page to page as follow-up questions appear.
"""
from __future__ import annotations

import hashlib
import json
import weakref
from dataclasses import dataclass
from typing import Any

from .questionnaire import (DONT_KNOW, NOT_APPLICABLE, QUESTION_TYPES, TEXT_MAX_LENGTH, Question, Questionnaire, Text, is_visible)

SCORING_VERSION = 1
MAX_PRIORITIES = 3
MIN_ANSWERED_PERCENT = 80

ANSWERED = "answered"
UNANSWERED = "unanswered"


class AnswerError(ValueError):
    """An answer that does not fit the questionnaire."""


@dataclass(frozen=True)
class QuestionScore:
    question_id: str
    status: str  # answered | dont_know | not_applicable | unanswered | hidden
    value: float | None


@dataclass(frozen=True)
class DimensionScore:
    id: str
    score: float | None
    level: str | None
    confidence: float
    answered: int
    dont_know: tuple[str, ...]
    unanswered: tuple[str, ...]


@dataclass(frozen=True)
class AdviceItem:
    question_id: str
    dimension: str
    value: float
    loss: float
    text: Text
    answer_label: Text
    option: str = ""  # the option the advice belongs to: how a stored result finds its words again


@dataclass(frozen=True)
class Result:
    questionnaire: str
    scoring_version: int
    overall: float | None
    level: str | None
    floor_level: str | None
    confidence: float
    dimensions: tuple[DimensionScore, ...]
    priorities: tuple[str, ...]
    advice: tuple[AdviceItem, ...]
    dont_know: tuple[str, ...]

    def dimension(self, dimension_id: str) -> DimensionScore | None:
        for dimension in self.dimensions:
            if dimension.id == dimension_id:
                return dimension
        return None

    def summary(self) -> dict[str, Any]:
        """Return the figures printed by the CLI and stored with a submitted assessment."""
        return {
            "overall": _round(self.overall),
            "level": self.level,
            "floor_level": self.floor_level,
            "confidence": round(self.confidence, 3),
            "dimensions": {
                d.id: {"score": _round(d.score), "level": d.level, "confidence": round(d.confidence, 3)}
                for d in self.dimensions
            },
        }


@dataclass(frozen=True)
class DimensionCompleteness:
    id: str
    asked: int  # visible scored questions
    answered: int  # of which have an answer, "Je ne sais pas" and "Non concerné" included
    missing: tuple[str, ...]  # ids of the asked questions without an answer, in questionnaire order
    skipped: int = 0  # follow-up questions that an answer makes pointless (not asked, counted as done)
    pending: int = 0  # follow-up questions waiting for the answer they depend on


@dataclass(frozen=True)
class Completeness:
    """How far a diagnostic is from the validation rule (see :func:`completeness`)."""

    asked: int  # every scored question, follow-ups included: the same total on every page
    answered: int  # answers given, plus the follow-ups that an answer makes pointless
    required: int  # answers needed for the share rule
    dimensions: tuple[DimensionCompleteness, ...]
    scorable: bool = True  # at least one answer is neither "Je ne sais pas" nor "Non concerné"

    @property
    def skipped(self) -> int:
        """Return how many follow-up questions do not apply, given the answers."""
        return sum(d.skipped for d in self.dimensions)

    @property
    def empty_dimensions(self) -> tuple[str, ...]:
        """Return the dimensions that ask something and have no answer yet."""
        return tuple(d.id for d in self.dimensions if d.asked and not d.answered)

    @property
    def short_by(self) -> int:
        """Return how many more answers the share rule needs."""
        return max(0, self.required - self.answered)

    @property
    def complete(self) -> bool:
        return not self.short_by and not self.empty_dimensions and self.scorable


def has_answer(value: Any) -> bool:
    return value not in (None, "", [])


def completeness(questionnaire: Questionnaire, answers: dict[str, Any]) -> Completeness:
    """Tell whether the answers are enough to validate the diagnostic, and what is missing.

    The rule: every dimension has at least one answer, at least ``MIN_ANSWERED_PERCENT`` % of the
    scored questions have one, and one answer at least is not "Je ne sais pas" or "Non concerné".
    "Je ne sais pas" and "Non concerné" are answers; free text is not scored and not counted; a
    follow-up question that an answer makes pointless counts as answered (its condition was
    answered); one waiting for the answer it depends on counts as not answered yet.
    """
    dimensions = []
    for dimension in questionnaire.dimensions:
        scored = [q for q in dimension.questions if q.scored]
        asked = [q for q in scored if is_visible(questionnaire, q, answers)]
        missing = tuple(q.id for q in asked if not has_answer(answers.get(q.id)))
        waiting = sum(1 for q in scored if q not in asked and _waiting(questionnaire, q, answers))
        dimensions.append(DimensionCompleteness(dimension.id, len(asked), len(asked) - len(missing), missing,
                                                len(scored) - len(asked) - waiting, waiting))
    total = sum(d.asked + d.skipped + d.pending for d in dimensions)
    required = -(-total * MIN_ANSWERED_PERCENT // 100)  # rounded up, in integers: no float edge
    scorable = any(has_answer(answers.get(q.id)) and answers.get(q.id) not in (DONT_KNOW, NOT_APPLICABLE)
                   for d in questionnaire.dimensions for q in d.questions
                   if q.scored and is_visible(questionnaire, q, answers))
    return Completeness(total, sum(d.answered + d.skipped for d in dimensions), required, tuple(dimensions),
                        scorable)


def _waiting(questionnaire: Questionnaire, question: Question, answers: dict[str, Any]) -> bool:
    """Tell whether a hidden follow-up question waits for the answer it depends on (none yet)."""
    while question.show_if is not None:
        controller = questionnaire.question(question.show_if.question)
        if is_visible(questionnaire, controller, answers):  # then its answer hides the question, or its lack
            return not has_answer(answers.get(controller.id))
        question = controller
    return False


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def check_answers(questionnaire: Questionnaire, answers: dict[str, Any]) -> list[str]:
    """Return a message for every answer that does not fit the questionnaire."""
    problems = []
    for question_id, answer in answers.items():
        question = questionnaire.question(question_id)
        if question is None:
            problems.append(f"unknown question id {question_id!r} in {questionnaire.key}")
            continue
        try:
            normalise_answer(question, answer)
        except AnswerError as exc:
            problems.append(f"{question_id}: {exc}")
    return problems


def normalise_answer(question: Question, answer: Any) -> Any:
    """Return the answer in its stored form, or raise AnswerError."""
    if answer is None or answer == "" or answer == []:
        return None
    allowed_special = {v for v, ok in ((DONT_KNOW, question.dont_know),
                                       (NOT_APPLICABLE, question.not_applicable)) if ok}
    if question.type == "text":
        if not isinstance(answer, str):
            raise AnswerError("a free-text answer must be a string")
        if len(answer) > TEXT_MAX_LENGTH:
            raise AnswerError(f"the text is longer than {TEXT_MAX_LENGTH} characters")
        return answer
    values = {o.value for o in question.options}
    if QUESTION_TYPES[question.type].multiple:
        if isinstance(answer, str) and answer in allowed_special:
            return answer
        if isinstance(answer, list) and len(answer) == 1 and answer[0] in allowed_special:
            return answer[0]
        if not isinstance(answer, list):
            raise AnswerError("a checklist answer must be a list of values")
        chosen = [str(v) for v in answer]
        unknown = [v for v in chosen if v not in values]
        if unknown:
            raise AnswerError(f"unknown value(s) {unknown}; expected among {sorted(values)}")
        exclusive = {o.value for o in question.options if o.exclusive}
        if len(chosen) > 1 and exclusive & set(chosen):
            raise AnswerError(f"{sorted(exclusive & set(chosen))} cannot be combined with other answers")
        return sorted(set(chosen), key=[o.value for o in question.options].index)
    answer = str(answer)
    if answer not in values and answer not in allowed_special:
        raise AnswerError(f"unknown value {answer!r}; expected one of "
                          f"{sorted(values | allowed_special)}")
    return answer


def question_score(questionnaire: Questionnaire, question: Question,
                   answers: dict[str, Any]) -> QuestionScore:
    """Return the status and normalised value of one question."""
    if not is_visible(questionnaire, question, answers):
        return QuestionScore(question.id, "hidden", None)
    answer = answers.get(question.id)
    if answer in (None, "", []):
        return QuestionScore(question.id, UNANSWERED, None)
    if answer in (DONT_KNOW, NOT_APPLICABLE):
        return QuestionScore(question.id, answer, None)
    if question.type == "multiple":
        ticked = set(answer)
        points = sum(o.score for o in question.options if o.value in ticked)
        return QuestionScore(question.id, ANSWERED, min(1.0, points / question.max_points))
    option = question.option(str(answer))
    return QuestionScore(question.id, ANSWERED, option.score if option else None)


def score(questionnaire: Questionnaire, answers: dict[str, Any], size_band: str | None = None) -> Result:
    """Score the answers (question id → value) against the questionnaire.

    Answers are assumed valid (see :func:`check_answers`); unknown ids are ignored.
    """
    dimensions = []
    advice: list[AdviceItem] = []
    all_dont_know: list[str] = []
    total_dim_weight = sum(d.weight for d in questionnaire.dimensions)
    for dimension in questionnaire.dimensions:
        answered_weight = applicable_weight = weighted_sum = 0.0
        answered = 0
        dont_know, unanswered = [], []
        scored_questions = [q for q in dimension.questions if q.scored]
        dim_question_weight = sum(q.weight for q in scored_questions) or 1.0
        for question in scored_questions:
            qs = question_score(questionnaire, question, answers)
            if qs.status in ("hidden", NOT_APPLICABLE):
                continue
            applicable_weight += question.weight
            if qs.status == DONT_KNOW:
                dont_know.append(question.id)
            elif qs.status == UNANSWERED or qs.value is None:
                unanswered.append(question.id)
            else:
                answered += 1
                answered_weight += question.weight
                weighted_sum += question.weight * qs.value
                advice.extend(_advice_for(question, answers[question.id], qs.value,
                                          dimension.weight / total_dim_weight * question.weight
                                          / dim_question_weight))
        dim_score = 100.0 * weighted_sum / answered_weight if answered_weight else None
        confidence = answered_weight / applicable_weight if applicable_weight else 1.0
        dimensions.append(DimensionScore(
            dimension.id, dim_score,
            questionnaire.level_for(dim_score).id if dim_score is not None else None,
            confidence, answered, tuple(dont_know), tuple(unanswered)))
        all_dont_know.extend(dont_know)

    scored_dims = [(d, qd) for d, qd in zip(dimensions, questionnaire.dimensions) if d.score is not None]
    overall = None
    if scored_dims:
        overall = sum(d.score * qd.weight for d, qd in scored_dims) / sum(qd.weight for _, qd in scored_dims)
    confidence = sum(d.confidence * qd.weight for d, qd in zip(dimensions, questionnaire.dimensions)) \
        / total_dim_weight
    floor = min((d for d, _ in scored_dims), key=lambda d: d.score, default=None)
    advice.sort(key=lambda a: (-a.loss, a.question_id))
    return Result(
        questionnaire=questionnaire.key,
        scoring_version=SCORING_VERSION,
        overall=overall,
        level=questionnaire.level_for(overall).id if overall is not None else None,
        floor_level=floor.level if floor else None,
        confidence=confidence,
        dimensions=tuple(dimensions),
        priorities=_priorities(questionnaire, dimensions, size_band),
        advice=tuple(advice),
        dont_know=tuple(all_dont_know),
    )


def _advice_for(question: Question, answer: Any, value: float, share: float) -> list[AdviceItem]:
    """Return the advice attached to an answer below the top, weighted by what it costs."""
    items = []
    if question.type == "multiple":
        ticked = set(answer)
        for option in question.options:
            if option.value not in ticked and option.score > 0 and option.advice:
                loss = share * option.score / question.max_points
                items.append(AdviceItem(question.id, question.dimension, value, loss,
                                        option.advice, option.label, option.value))
        return items
    option = question.option(str(answer))
    if option is not None and option.score < 1 and option.advice:
        items.append(AdviceItem(question.id, question.dimension, value, share * (1 - option.score),
                                option.advice, option.label, option.value))
    return items


def target_for(questionnaire: Questionnaire, size_band: str | None) -> float:
    """Return the target score of a size band; without one (a public body has no size band, its
    questionnaire may have no targets), the median target, or 50."""
    targets = questionnaire.targets
    target = targets.get(size_band) if size_band else None
    if target is None:
        target = sorted(targets.values())[len(targets) // 2] if targets else 50.0
    return target


def _priorities(questionnaire: Questionnaire, dimensions: list[DimensionScore],
                size_band: str | None) -> tuple[str, ...]:
    target = target_for(questionnaire, size_band)
    weights = {d.id: d.weight for d in questionnaire.dimensions}
    gaps = [((target - d.score) * weights[d.id], d.id) for d in dimensions
            if d.score is not None and d.score < target]
    gaps.sort(key=lambda g: (-g[0], g[1]))
    return tuple(dimension_id for _, dimension_id in gaps[:MAX_PRIORITIES])


# --- A result stored at validation, read back without scoring again ---------------------------------

_keys: dict[tuple[int, int], str] = {}


def scoring_key(questionnaire: Questionnaire) -> str:
    """Return a hash of what shapes a score: ``SCORING_VERSION`` and the questionnaire's figures
    (weights, options' scores, conditions, levels, targets), not its words.

    A result stored with today's key is what scoring its answers again would give: pages read it
    instead of scoring (see :func:`from_record`). A new key (another scoring version, a changed
    weight) means the stored figures may be out of date, and the answers are scored again.
    """
    cache = (id(questionnaire), SCORING_VERSION)
    key = _keys.get(cache)
    if key is None:
        shape = [
            SCORING_VERSION, questionnaire.key,
            [(level.id, level.min) for level in questionnaire.levels],
            sorted(questionnaire.targets.items()),
            [(d.id, d.weight, [(q.id, q.type, q.weight, q.dont_know, q.not_applicable,
                                [q.show_if.question, list(q.show_if.values)] if q.show_if else None,
                                [(o.value, o.score, o.exclusive, o.advice is not None) for o in q.options])
                               for q in d.questions])
             for d in questionnaire.dimensions],
        ]
        key = hashlib.sha256(json.dumps(shape, default=str).encode("utf-8")).hexdigest()[:32]
        _keys[cache] = key
        weakref.finalize(questionnaire, _keys.pop, cache, None)
    return key


def to_record(result: Result, questionnaire: Questionnaire) -> dict[str, Any]:
    """Return everything a result holds, as JSON-ready data stored with a validated assessment.

    Advice is stored by reference (question, option, weight), its words are read from the
    questionnaire when shown, so that a corrected wording reaches stored results too.
    """
    return {
        "key": scoring_key(questionnaire),
        "scoring_version": result.scoring_version,
        "overall": result.overall, "level": result.level, "floor_level": result.floor_level,
        "confidence": result.confidence,
        "dimensions": [[d.id, d.score, d.level, d.confidence, d.answered, list(d.dont_know), list(d.unanswered)]
                       for d in result.dimensions],
        "priorities": list(result.priorities),
        "advice": [[a.question_id, a.option, a.value, a.loss] for a in result.advice],
        "dont_know": list(result.dont_know),
    }


def from_record(record: Any, questionnaire: Questionnaire) -> Result | None:
    """Return the result stored by :func:`to_record`, or None when it cannot stand for today's
    scoring (no record, another key, a malformed one): the caller then scores the answers."""
    if not isinstance(record, dict) or record.get("key") != scoring_key(questionnaire):
        return None
    try:
        dimensions = tuple(DimensionScore(i, score, level, confidence, answered, tuple(dk), tuple(un))
                           for i, score, level, confidence, answered, dk, un in record["dimensions"])
        advice = []
        for question_id, option_id, value, loss in record["advice"]:
            question = questionnaire.question(question_id)
            option = question.option(option_id) if question else None
            if option is None or option.advice is None:
                return None
            advice.append(AdviceItem(question_id, question.dimension, value, loss,
                                     option.advice, option.label, option_id))
        return Result(
            questionnaire=questionnaire.key, scoring_version=record["scoring_version"],
            overall=record["overall"], level=record["level"], floor_level=record["floor_level"],
            confidence=record["confidence"], dimensions=dimensions,
            priorities=tuple(record["priorities"]), advice=tuple(advice),
            dont_know=tuple(record["dont_know"]))
    except (KeyError, TypeError, ValueError):
        return None
