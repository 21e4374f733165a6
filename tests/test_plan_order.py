"""The action plan's order (issue 14): what must come first, then what takes least effort.

The order is data, the questionnaire's ``plan_order`` block: ``after`` (an advice comes after the
advice of the questions listed) and ``quick`` (advice that takes days, not months).
"""
from __future__ import annotations

import copy
import random
from pathlib import Path

import pytest

from assessor.domain.questionnaire import load_questionnaire
from assessor.domain.recommend import action_plan
from assessor.domain.scoring import score
from factories import best_answers
from test_questionnaire import mini_data, problems_of

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted((ROOT / "questionnaires").glob("ai-*-v*.yaml"))
V2 = load_questionnaire(ROOT / "questionnaires" / "ai-maturity-v2.yaml")


def starting_company(questionnaire):
    """A company at its first steps: the second-lowest answer to every ladder, a few ideas, no project."""
    answers = best_answers(questionnaire)
    for question in questionnaire.questions:
        if question.type == "single":
            ladder = sorted(question.options, key=lambda o: o.score)
            answers[question.id] = ladder[1].value
        elif question.type == "adoption":
            answers[question.id] = "1"
        elif question.type == "yes_partial_no":
            answers[question.id] = "partial"
    answers.update({"use_cases.identification": "ideas", "use_cases.projects": "none",
                    "tools.genai_use": "personal_accounts"})
    return answers


def steps(plan):
    return [item.question_id for item in plan.quick_wins + plan.next_months]


def test_the_plan_ranks_ideas_before_testing_one_and_a_quick_win_early():
    plan = action_plan(V2, score(V2, starting_company(V2), "10-49"), "fr")
    texts = [item.text for item in plan.quick_wins + plan.next_months]
    estimate = next(i for i, t in enumerate(texts) if t.startswith("Pour chaque idée, estimez le temps"))
    test_one = next(i for i, t in enumerate(texts) if t.startswith("Choisissez un cas d'usage simple"))
    assert estimate < test_one
    assert any(item.text.startswith("Faites le point avec les équipes") for item in plan.quick_wins)
    # the weakest dimension's first step is within 3 months, the test it leads to after
    assert [i.question_id for i in plan.quick_wins].count("use_cases.identification") == 1
    assert "use_cases.projects" in [i.question_id for i in plan.next_months]


def random_answers(questionnaire, rng):
    answers = {}
    for question in questionnaire.questions:
        if not question.scored or rng.random() < 0.1:
            continue
        if question.type == "multiple":
            answers[question.id] = sorted(rng.sample([o.value for o in question.options if not o.exclusive],
                                                     rng.randint(0, 2)))
        else:
            answers[question.id] = rng.choice([o.value for o in question.options])
    return answers


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_action_comes_before_one_it_depends_on(path):
    questionnaire = load_questionnaire(path)
    assert questionnaire.plan_order.after, "the shipped questionnaires order their plan"
    rng = random.Random(14)
    for _ in range(300):
        plan = action_plan(questionnaire, score(questionnaire, random_answers(questionnaire, rng), "10-49"), "fr")
        order = steps(plan)
        assert len(order) == len(set(order))
        for position, question_id in enumerate(order):
            for earlier in questionnaire.plan_order.before(question_id):
                assert earlier not in order[position:], (question_id, earlier, order)


@pytest.mark.parametrize("mutate, expected", [
    (lambda d: d.update(plan_order={"after": {"strategy.budget": ["strategy.nope"]}}),
     "plan_order.after.strategy.budget[0]: unknown question 'strategy.nope'"),
    (lambda d: d.update(plan_order={"after": {"strategy.nope": ["strategy.vision"]}}),
     "plan_order.after.strategy.nope: unknown question"),
    (lambda d: d.update(plan_order={"after": {"strategy.budget": ["strategy.vision"],
                                              "strategy.vision": ["strategy.budget"]}}),
     "plan_order.after.strategy.budget: comes after itself (a cycle)"),
    (lambda d: d.update(plan_order={"quick": "strategy.vision"}), "plan_order.quick: expected a list"),
    (lambda d: d.update(plan_order={"first": []}), "plan_order.first: unknown key"),
])
def test_plan_order_mistakes_are_reported(mutate, expected):
    data = copy.deepcopy(mini_data())
    mutate(data)
    assert any(expected in problem for problem in problems_of(data)), problems_of(data)


@pytest.mark.parametrize("lang, words", [
    ("fr", ("D'abord ce qui doit venir en premier", "Ensuite l'effort", "à effort égal")),
    ("en", ("First what must come first", "Then effort", "for the same effort")),
])
def test_the_methodology_page_explains_the_plan_order(client, app, lang, words):
    """The public methodology says, in words, how the plan is ordered, and lists every step that
    waits for another, from the questionnaire's own ``plan_order``."""
    import html

    from assessor.domain.questionnaire import latest

    questionnaire = latest(app.extensions["assessor.questionnaires"], app.config["QUESTIONNAIRE_ID"])
    client.get(f"/langue/{lang}")
    page = html.unescape(client.get("/methodologie").get_data(as_text=True))
    section = page.split('id="plan"', 1)[1].split("<h2", 1)[0]
    for phrase in words:
        assert phrase in section
    rules = section.split('class="plan-waits"', 1)[1]
    assert rules.count("<li>") == len(questionnaire.plan_order.after) > 5
    for question_id, earlier in questionnaire.plan_order.after.items():
        assert questionnaire.question(question_id).text.get(lang) in rules
        for first in earlier:
            assert questionnaire.question(first).text.get(lang) in rules
