"""Recommend catalogue entries and an action plan from a profile and a result. Pure module.

Matching: an entry is shown when no criterion of its eligibility (domain/eligibility.py: region,
size, sector or OPCO, end date) is known to fail; each recommendation carries its criteria, met or to
check, with what the company answered. It is considered for a priority dimension when it helps that dimension
and fits the company's level in it. Candidates are ranked by the gap they address, regional offers
before national ones, then picked greedily so that kinds vary. Readings (studies, barometers,
podcasts) are never a next step: they are listed apart, "Pour aller plus loin".
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from . import eligibility as eligibility_rules
from .catalogue import Catalogue, Entry
from .questionnaire import PlanOrder, Questionnaire, Text
from .scoring import AdviceItem, Result, target_for

MAX_RECOMMENDATIONS = 8
REGIONAL_BONUS = 1.5
KIND_REPEAT_PENALTY = 0.6
QUICK_WIN_MAX_VALUE = 0.34
MAX_QUICK_WINS = 4
MAX_LATER_STEPS = 6
MAX_PER_DIMENSION = 3
MAX_READINGS = 4
# What an SME can act on first comes first: hands-on offers before networks, events and documents.
KIND_FACTOR = {"diagnostic": 1.0, "support": 1.0, "training": 1.0, "certified_training": 0.95,
               "funding": 0.95, "awareness": 0.9, "network": 0.85, "event": 0.8, "resource": 0.7}


@dataclass(frozen=True)
class Profile:
    region: str
    size_band: str | None  # None for a public body (no size band, no sector, no OPCO)
    sector: str | None
    opco: str | None = None  # an OPCO code, eligibility.OPCO_UNKNOWN ("je ne sais pas") or not asked
    audience: str = "company"  # questionnaire.AUDIENCES: an entry reaches only the audiences it serves


@dataclass(frozen=True)
class Reason:
    """Why an entry is recommended, as data: the ``reason`` macro (templates/_reason.html) puts it
    into words, on the results page, in the PDF and in the ``recommend`` command."""

    dimension: str  # the dimension's id
    dimension_title: Text
    score: float  # the dimension's score, 0-100
    answer: Text | None  # the answer that costs the dimension most, if any
    checklist: bool  # that answer is a checklist item not in place (not an answer given)
    benefit: Text  # the entry's benefit: "discover AI", completing "this helps you …"


@dataclass(frozen=True)
class Recommendation:
    entry: Entry
    dimension: str
    reason: Reason
    rank_score: float
    eligibility: eligibility_rules.Eligibility | None = None


@dataclass(frozen=True)
class PlanItem:
    dimension: str
    dimension_title: str
    question_id: str
    text: str


@dataclass(frozen=True)
class ActionPlan:
    quick_wins: tuple[PlanItem, ...]
    next_months: tuple[PlanItem, ...]
    to_clarify: tuple[tuple[str, str], ...]  # (question id, question text)


@dataclass(frozen=True)
class Advice:
    recommendations: tuple[Recommendation, ...]
    plan: ActionPlan
    readings: tuple[Entry, ...] = ()


def eligibility(entry: Entry, profile: Profile, today: dt.date) -> eligibility_rules.Eligibility:
    """Return the entry's criteria for this company and its status (eligible, to check, not)."""
    return eligibility_rules.evaluate(entry, profile.region, profile.size_band, profile.sector, today,
                                      profile.opco, profile.audience)


def eligible(entry: Entry, profile: Profile, today: dt.date) -> bool:
    """Tell whether the entry may concern a company with this profile today (eligible or to check)."""
    return eligibility(entry, profile, today).shown  # the audience is one of its criteria


def _focus_dimensions(questionnaire: Questionnaire, result: Result, size_band: str) -> list[tuple[str, float]]:
    """Return (dimension id, gap) for the priorities, or the two weakest dimensions if none."""
    target = target_for(questionnaire, size_band)  # the page's priorities measure to the same target
    scores = {d.id: d.score for d in result.dimensions if d.score is not None}
    if result.priorities:
        return [(pid, target - scores[pid]) for pid in result.priorities]
    weakest = sorted(scores.items(), key=lambda kv: (kv[1], kv[0]))[:2]
    return [(did, max(1.0, 100 - s)) for did, s in weakest if s < 100]


def _situation(result: Result, dimension: str) -> AdviceItem | None:
    items = [a for a in result.advice if a.dimension == dimension]
    return max(items, key=lambda a: a.loss) if items else None


def reason(questionnaire: Questionnaire, result: Result, dimension: str, entry: Entry) -> Reason:
    """Return why an entry is recommended: the dimension, its score, the situation and the benefit."""
    situation = _situation(result, dimension)
    return Reason(dimension, questionnaire.dimension(dimension).title, result.dimension(dimension).score,
                  situation.answer_label if situation else None,
                  situation is not None and _is_checklist(questionnaire, situation), entry.benefit)


def _is_checklist(questionnaire: Questionnaire, item: AdviceItem) -> bool:
    question = questionnaire.question(item.question_id)
    return question is not None and question.type == "multiple"


def recommend_entries(questionnaire: Questionnaire, catalogue: Catalogue, profile: Profile, result: Result,
                      lang: str, today: dt.date) -> tuple[Recommendation, ...]:
    """Return at most MAX_RECOMMENDATIONS eligible entries for the priority dimensions, best first."""
    # ``lang`` is unused since the reasons are data (put into words by a template); kept for the callers.
    candidates: dict[str, tuple[float, str]] = {}
    for dimension, gap in _focus_dimensions(questionnaire, result, profile.size_band):
        level = result.dimension(dimension).level
        for entry in catalogue.entries:
            if entry.is_reading or dimension not in entry.dimensions or level not in entry.levels:
                continue
            if not eligible(entry, profile, today):
                continue
            rank = gap * (1.0 if entry.national else REGIONAL_BONUS) * KIND_FACTOR.get(entry.kind, 0.8)
            if entry.id not in candidates or candidates[entry.id][0] < rank:
                candidates[entry.id] = (rank, dimension)
    ordered = sorted(candidates.items(), key=lambda kv: (-kv[1][0], kv[0]))
    chosen: list[Recommendation] = []
    kinds: dict[str, int] = {}
    pool = [(catalogue.entry(eid), rank, dim) for eid, (rank, dim) in ordered]
    while pool and len(chosen) < MAX_RECOMMENDATIONS:
        best = max(pool, key=lambda c: (c[1] * KIND_REPEAT_PENALTY ** kinds.get(c[0].kind, 0), -pool.index(c)))
        pool.remove(best)
        entry, rank, dim = best
        kinds[entry.kind] = kinds.get(entry.kind, 0) + 1
        chosen.append(Recommendation(entry, dim, reason(questionnaire, result, dim, entry), rank,
                                     eligibility(entry, profile, today)))
    return tuple(chosen)


def readings(questionnaire: Questionnaire, catalogue: Catalogue, profile: Profile, result: Result,
             today: dt.date) -> tuple[Entry, ...]:
    """Return at most MAX_READINGS readings on the priority dimensions, regional ones first."""
    focus = [dim for dim, _gap in _focus_dimensions(questionnaire, result, profile.size_band)]
    found = [e for e in catalogue.entries
             if e.is_reading and eligible(e, profile, today) and any(d in e.dimensions for d in focus)]
    found.sort(key=lambda e: (e.national, min(focus.index(d) for d in e.dimensions if d in focus), e.id))
    return tuple(found[:MAX_READINGS])


def action_plan(questionnaire: Questionnaire, result: Result, lang: str) -> ActionPlan:
    """Build the plan from the advice of the weakest answers, each tied to its dimension.

    The advice that costs the overall score most is chosen (one per question, at most
    MAX_PER_DIMENSION per dimension). It is then ordered by what must come first (the
    questionnaire's ``plan_order.after``), then by effort (``plan_order.quick`` first), then by what
    it costs. The 3-month quick wins are first steps (answers that start from little or nothing, or
    quick advice), one per dimension, those of the priority dimensions first, never ahead of an advice
    they depend on; the rest makes the 12-month steps, in the same order.
    """
    order = questionnaire.plan_order
    chosen: list[AdviceItem] = []
    per_dim: dict[str, int] = {}
    for item in result.advice:  # sorted by what each answer costs the overall score
        if len(chosen) == MAX_QUICK_WINS + MAX_LATER_STEPS:
            break
        if per_dim.get(item.dimension, 0) < MAX_PER_DIMENSION and all(c.question_id != item.question_id for c in chosen):
            chosen.append(item)
            per_dim[item.dimension] = per_dim.get(item.dimension, 0) + 1
    ordered = _first_things_first(chosen, order)
    quick: list[AdviceItem] = []
    # The priority dimensions get their first step within 3 months, then the other quick wins.
    for in_priorities in (True, False):
        for item in ordered:
            if (item not in quick and len(quick) < MAX_QUICK_WINS
                    and (item.dimension in result.priorities or not in_priorities)
                    and (item.value <= QUICK_WIN_MAX_VALUE or item.question_id in order.quick)
                    and all(q.dimension != item.dimension for q in quick)
                    and all(q in quick for q in ordered if q.question_id in order.before(item.question_id))):
                quick.append(item)
    later = [item for item in ordered if item not in quick]
    quick.sort(key=ordered.index)
    clarify = tuple((qid, questionnaire.question(qid).text.get(lang)) for qid in result.dont_know)
    return ActionPlan(tuple(_plan_item(questionnaire, i, lang) for i in quick),
                      tuple(_plan_item(questionnaire, i, lang) for i in later), clarify)


def _first_things_first(items: list[AdviceItem], order: PlanOrder) -> list[AdviceItem]:
    """Order advice so that none comes before one it depends on; ties: quick first, then costliest."""
    pending = list(items)
    done: list[AdviceItem] = []
    while pending:
        ids = {i.question_id for i in pending}
        ready = [i for i in pending if not (order.before(i.question_id) & ids)] or pending  # no cycle: checked at load
        best = min(ready, key=lambda i: (i.question_id not in order.quick, pending.index(i)))
        pending.remove(best)
        done.append(best)
    return done


def _plan_item(questionnaire: Questionnaire, item: AdviceItem, lang: str) -> PlanItem:
    dim = questionnaire.dimension(item.dimension)
    return PlanItem(dim.id, dim.title.get(lang), item.question_id, item.text.get(lang))


def recommend(questionnaire: Questionnaire, catalogue: Catalogue, profile: Profile, result: Result,
              answers: dict[str, Any], lang: str, today: dt.date) -> Advice:
    """Return the recommendations and the action plan for one assessment."""
    return Advice(recommend_entries(questionnaire, catalogue, profile, result, lang, today),
                  action_plan(questionnaire, result, lang),
                  readings(questionnaire, catalogue, profile, result, today))

