"""Scoring: table-driven cases on the tiny questionnaire, properties on every shipped questionnaire."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

import yaml

from assessor.domain.questionnaire import load_directory, load_questionnaire, parse_questionnaire
from assessor.domain.scoring import check_answers, completeness, score
from tests.factories import best_answers, worst_answers

ROOT = Path(__file__).resolve().parent.parent
MINI = load_questionnaire(Path(__file__).parent / "data" / "mini" / "mini-v1.yaml")
SHIPPED = sorted(load_directory(ROOT / "questionnaires").values(), key=lambda q: q.key)


@pytest.mark.parametrize("answers, dimension, expected_score, expected_confidence", [
    # strategy: vision (weight 2), budget (yes/partial/no, n/a allowed), use (adoption 0-5)
    ({"strategy.vision": "clear", "strategy.budget": "yes", "strategy.use": "5"}, "strategy", 100.0, 1.0),
    ({"strategy.vision": "none", "strategy.budget": "no", "strategy.use": "0"}, "strategy", 0.0, 1.0),
    ({"strategy.vision": "some", "strategy.budget": "partial", "strategy.use": "3"}, "strategy",
     100 * (2 * 0.5 + 0.5 + 0.6) / 4, 1.0),
    # "Je ne sais pas" leaves the mean and lowers the confidence
    ({"strategy.vision": "clear", "strategy.budget": "dont_know", "strategy.use": "5"}, "strategy", 100.0, 3 / 4),
    # "Non concerné" leaves the mean and does not lower the confidence
    ({"strategy.vision": "clear", "strategy.budget": "not_applicable", "strategy.use": "5"}, "strategy", 100.0, 1.0),
    # an unanswered question is not a zero either, but lowers the confidence
    ({"strategy.vision": "clear"}, "strategy", 100.0, 2 / 4),
    # checklist: points of ticked practices over all points
    ({"data.practices": ["backup"], "data.quality": "no"}, "data", 100 * (1 / 3 + 0) / 2, 1.0),
    ({"data.practices": ["backup", "catalogue"], "data.quality": "yes", "data.governance": "owner"}, "data", 100.0, 1.0),
    ({"data.practices": ["none"], "data.quality": "no"}, "data", 0.0, 1.0),
    # the follow-up question only counts once it is shown
    ({"data.practices": ["backup", "catalogue"], "data.quality": "no", "data.governance": "nobody"}, "data", 50.0, 1.0),
    ({"data.practices": ["backup", "catalogue"], "data.quality": "yes", "data.governance": "nobody"}, "data",
     100 * 2 / 3, 1.0),
])
def test_dimension_scores(answers, dimension, expected_score, expected_confidence):
    result = score(MINI, answers)
    dim = result.dimension(dimension)
    assert dim.score == pytest.approx(expected_score)
    assert dim.confidence == pytest.approx(expected_confidence)


@pytest.mark.parametrize("overall, level", [(0, "decouverte"), (19.9, "decouverte"), (20, "exploration"),
                                            (59.99, "experimentation"), (60, "deploiement"),
                                            (80, "transformation"), (100, "transformation")])
def test_levels_follow_the_thresholds_of_the_data(overall, level):
    assert MINI.level_for(overall).id == level


def test_overall_is_the_weighted_mean_and_floor_is_the_weakest_dimension():
    result = score(MINI, {"strategy.vision": "clear", "data.practices": ["none"], "data.quality": "no"})
    assert result.overall == pytest.approx(50.0)
    assert result.level == "experimentation"
    assert result.floor_level == "decouverte"


def test_a_dimension_with_only_dont_know_has_no_score_and_does_not_count_as_zero():
    result = score(MINI, {"strategy.vision": "clear", "data.practices": "dont_know", "data.quality": "dont_know"})
    assert result.dimension("data").score is None
    assert result.overall == pytest.approx(100.0)
    assert set(result.dont_know) == {"data.practices", "data.quality"}
    assert result.confidence < 1


def test_priorities_depend_on_the_size_target():
    answers = {"strategy.vision": "some", "strategy.budget": "partial", "strategy.use": "3",
               "data.practices": ["backup"], "data.quality": "yes", "data.governance": "nobody"}
    # strategy 52.5, data 44.4; targets 40 / 50 / 70
    assert score(MINI, answers, "1-9").priorities == ()
    assert score(MINI, answers, "10-49").priorities == ("data",)
    assert score(MINI, answers, "250+").priorities == ("data", "strategy")


def test_advice_of_the_weakest_answers_comes_first():
    result = score(MINI, {"strategy.vision": "none", "strategy.budget": "partial", "data.quality": "yes",
                          "data.practices": ["catalogue"]})
    assert result.advice[0].question_id == "strategy.vision"
    assert result.advice[0].text.fr == "Parlez-en en comité."
    unticked = [a for a in result.advice if a.question_id == "data.practices"]
    assert [a.answer_label.fr for a in unticked] == ["Sauvegardes"]


@pytest.mark.parametrize("answers, message", [
    ({"strategy.unknown": "x"}, "unknown question id 'strategy.unknown'"),
    ({"strategy.vision": "excellent"}, "unknown value 'excellent'"),
    ({"data.practices": ["none", "backup"]}, "cannot be combined"),
    ({"data.practices": "backup"}, "must be a list"),
    ({"data.quality": "not_applicable"}, "unknown value 'not_applicable'"),
])
def test_invalid_answers_are_reported(answers, message):
    problems = check_answers(MINI, answers)
    assert problems and message in problems[0]


# -- properties of every shipped questionnaire ------------------------------------------------------

@pytest.mark.parametrize("questionnaire", SHIPPED, ids=lambda q: q.key)
def test_all_best_answers_give_100_and_the_top_level(questionnaire):
    result = score(questionnaire, best_answers(questionnaire))
    assert result.overall == pytest.approx(100.0)
    assert result.level == questionnaire.levels[-1].id
    assert result.floor_level == questionnaire.levels[-1].id
    assert all(d.score == pytest.approx(100.0) for d in result.dimensions)


@pytest.mark.parametrize("questionnaire", SHIPPED, ids=lambda q: q.key)
def test_all_worst_answers_give_0_and_the_lowest_level(questionnaire):
    result = score(questionnaire, worst_answers(questionnaire))
    assert result.overall == pytest.approx(0.0)
    assert result.level == questionnaire.levels[0].id
    assert result.floor_level == questionnaire.levels[0].id


def _ladder(question):
    """Answers of a question from worst to best."""
    if question.type == "multiple":
        ordered = sorted((o for o in question.options if not o.exclusive), key=lambda o: o.score)
        return [[o.value for o in ordered[:k]] or [o.value for o in question.options if o.exclusive][:1]
                for k in range(len(ordered) + 1)]
    return [o.value for o in sorted(question.options, key=lambda o: o.score)]


@pytest.mark.parametrize("questionnaire", SHIPPED, ids=lambda q: q.key)
def test_improving_one_answer_never_lowers_a_score(questionnaire):
    rng = random.Random(42)
    # Questions that decide whether another is shown may reveal a weak follow-up: they are
    # checked by the show_if tests, not here.
    controllers = {q.show_if.question for q in questionnaire.questions if q.show_if}
    for _ in range(30):
        base = {}
        for question in questionnaire.questions:
            if question.scored:
                base[question.id] = rng.choice(_ladder(question) + ["dont_know"] * question.dont_know)
        if check_answers(questionnaire, base):
            continue
        for question in questionnaire.questions:
            if not question.scored or question.id in controllers:
                continue
            ladder = _ladder(question)
            for worse, better in zip(ladder, ladder[1:]):
                low = score(questionnaire, base | {question.id: worse})
                high = score(questionnaire, base | {question.id: better})
                dim_low = low.dimension(question.dimension).score
                dim_high = high.dimension(question.dimension).score
                assert dim_high >= dim_low - 1e-9, (question.id, worse, better)
                assert high.overall >= low.overall - 1e-9, (question.id, worse, better)


@pytest.mark.parametrize("questionnaire", SHIPPED, ids=lambda q: q.key)
def test_dont_know_takes_the_question_out_of_its_dimension(questionnaire):
    best = best_answers(questionnaire)
    for dimension in questionnaire.dimensions:
        candidates = [q for q in dimension.questions if q.scored and q.dont_know and not q.show_if]
        if not candidates or len([q for q in dimension.questions if q.scored]) < 2:
            continue
        question = candidates[0]
        result = score(questionnaire, best | {question.id: "dont_know"})
        dim = result.dimension(dimension.id)
        assert dim.score == pytest.approx(100.0), "'Je ne sais pas' must not count as zero"
        assert dim.confidence < 1
        assert result.confidence < 1
        assert question.id in result.dont_know


def test_scoring_is_deterministic():
    answers = {"strategy.vision": "some", "data.practices": ["backup"], "data.quality": "dont_know"}
    assert score(MINI, answers) == score(MINI, dict(reversed(list(answers.items()))))


# -- completeness: what a diagnostic needs before it becomes a result (issue 9) --------------------

def _hundred_questions() -> object:
    """The mini questionnaire with 95 yes/partial/no questions in "a" and 5 in "b"."""
    data = yaml.safe_load((Path(__file__).parent / "data" / "mini" / "mini-v1.yaml").read_text(encoding="utf-8"))
    data["dimensions"] = [
        {"id": dim, "weight": 1, "title": {"fr": dim, "en": dim}, "questions": [
            {"id": f"{dim}.q{i}", "type": "yes_partial_no", "text": {"fr": f"Q{i} ?", "en": f"Q{i}?"},
             "advice": {v: {"fr": "Conseil.", "en": "Advice."} for v in ("partial", "no")}}
            for i in range(count)]}
        for dim, count in (("a", 95), ("b", 5))]
    return parse_questionnaire(data)


HUNDRED = _hundred_questions()


@pytest.mark.parametrize("answered_in_a, answered_in_b, complete, short_by", [
    (75, 5, True, 0),    # 80 % exactly
    (74, 5, False, 1),   # 79 %
    (79, 1, True, 0),    # 80 %, one answer is enough for a dimension
    (78, 1, False, 1),   # 79 %
    (95, 0, False, 0),   # 95 %, but "b" has no answer
])
def test_validation_needs_80_percent_and_every_dimension(answered_in_a, answered_in_b, complete, short_by):
    answers = {f"a.q{i}": "yes" for i in range(answered_in_a)} | {f"b.q{i}": "no" for i in range(answered_in_b)}
    state = completeness(HUNDRED, answers)
    assert (state.asked, state.answered, state.required) == (100, answered_in_a + answered_in_b, 80)
    assert state.complete is complete
    assert state.short_by == short_by
    assert state.empty_dimensions == (() if answered_in_b else ("b",))


def test_dont_know_and_not_applicable_are_answers_hidden_and_free_text_questions_are_not_asked():
    # mini: strategy (3 questions), data (checklist, quality, governance shown when quality is yes, free text)
    answers = {"strategy.vision": "dont_know", "strategy.budget": "not_applicable", "strategy.use": "2",
               "data.quality": "no", "data.wish": "Un souhait"}
    state = completeness(MINI, answers)
    # the follow-up that "no" makes pointless counts as done (issue 14: the total never moves)
    assert (state.asked, state.answered, state.required, state.skipped) == (6, 5, 5, 1)
    assert state.complete
    assert [d.missing for d in state.dimensions] == [(), ("data.practices",)]
    shown = completeness(MINI, answers | {"data.quality": "yes"})  # the follow-up question is now asked
    assert (shown.asked, shown.answered, shown.complete, shown.skipped) == (6, 4, False, 0)
    assert shown.dimensions[1].missing == ("data.practices", "data.governance")


def test_the_total_is_the_same_before_and_after_follow_up_questions_appear():
    """Issue 14: "sur 39" on the first pages, "sur 41" on the review, as follow-ups appeared."""
    questionnaire = max(SHIPPED, key=lambda q: q.version)
    follow_ups = [q for q in questionnaire.questions if q.show_if and q.scored]
    assert follow_ups
    totals = {completeness(questionnaire, {}).asked, completeness(questionnaire, best_answers(questionnaire)).asked,
              completeness(questionnaire, worst_answers(questionnaire)).asked}
    assert totals == {sum(1 for q in questionnaire.questions if q.scored)}
    empty = completeness(questionnaire, {})
    assert (empty.answered, empty.skipped) == (0, 0)  # waiting follow-ups are not done yet


def test_only_dont_know_is_not_enough_for_a_score_and_says_so_before_validation():
    questionnaire = max(SHIPPED, key=lambda q: q.version)
    answers = {q.id: "dont_know" for q in questionnaire.questions if q.scored and q.dont_know}
    state = completeness(questionnaire, answers)
    assert not state.short_by and not state.empty_dimensions
    assert not state.scorable and not state.complete
    one = next(q for q in questionnaire.questions if q.type == "single" and not q.show_if)
    assert completeness(questionnaire, answers | {one.id: one.options[0].value}).complete


def test_one_answer_out_of_the_whole_questionnaire_is_not_a_diagnostic():
    questionnaire = max(SHIPPED, key=lambda q: q.version)
    first = questionnaire.questions[0]
    state = completeness(questionnaire, {first.id: first.options[0].value})
    assert not state.complete
    assert state.answered == 1 and state.short_by == state.required - 1
    assert len(state.empty_dimensions) == len(questionnaire.dimensions) - 1
    assert completeness(questionnaire, best_answers(questionnaire)).complete
