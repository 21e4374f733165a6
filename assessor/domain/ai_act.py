"""What the EU AI Act, and the labour law around it, asks of one company, from its answers. Pure module.

The rules are data (questionnaires/ai-act.yaml): each obligation says since when it applies, which
answers show the company concerned (``when``) or possibly concerned (``check``), in plain words,
the action it puts in the plan and its sources. :func:`assess` gives each obligation a status:

- ``applies``: the company is concerned and the obligation applies today;
- ``coming``: the company is concerned and the obligation applies later (its date is shown);
- ``to_check``: some answers make it possible, the company checks;
- ``not_concerned``: nothing in the answers points to it (listed apart, with its date).

It also lists the uses the company declared, each with the obligations that matter for it: the
rows of the AI inventory the company can download (a CSV, good practice rather than a legal duty).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .catalogue import REVIEW_MAX_MONTHS, _date, _url, add_months
from .questionnaire import SIZE_BANDS, Questionnaire, QuestionnaireError, Text, _Checker, _parse_yaml
from .referential import NAF_SECTIONS

FILE_NAME = "ai-act.yaml"
LAWS = ("ai_act", "labour")
APPLIES, COMING, TO_CHECK, NOT_CONCERNED = "applies", "coming", "to_check", "not_concerned"
_OBLIGATION_KEYS = {"id", "law", "reference", "title", "since", "always", "sizes", "summary", "action",
                    "when", "check", "source_url", "sources", "verified_on", "review_by"}
_CONDITION_KEYS = {"question", "in", "sizes", "sectors"}


@dataclass(frozen=True)
class Condition:
    """Every key given must hold: the answer to ``question`` is one of ``values`` (a checklist:
    one of its items), the size band is one of ``sizes``, the sector one of ``sectors``."""
    question: str | None = None
    values: tuple[str, ...] = ()
    sizes: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()

    def holds(self, answers: dict[str, Any], size_band: str | None, sector: str | None) -> bool:
        if self.sizes and size_band not in self.sizes:
            return False
        if self.sectors and sector not in self.sectors:
            return False
        if self.question is not None:
            value = answers.get(self.question)
            chosen = value if isinstance(value, list) else [value]
            return any(str(v) in self.values for v in chosen if v is not None)
        return True


@dataclass(frozen=True)
class Obligation:
    id: str
    law: str  # ai_act | labour
    reference: Text
    title: Text
    since: dt.date | None
    always: bool
    sizes: tuple[str, ...]
    summary: Text
    action: Text
    when: tuple[Condition, ...]
    check: tuple[Condition, ...]
    source_url: str
    sources: tuple[str, ...]
    verified_on: dt.date
    review_by: dt.date


@dataclass(frozen=True)
class Use:
    id: str
    label: Text
    when: tuple[Condition, ...]
    obligations: tuple[str, ...]


@dataclass(frozen=True)
class Rules:
    version: str
    obligations: tuple[Obligation, ...]
    uses: tuple[Use, ...]

    def obligation(self, obligation_id: str) -> Obligation | None:
        return next((o for o in self.obligations if o.id == obligation_id), None)


@dataclass(frozen=True)
class Finding:
    obligation: Obligation
    status: str
    future: bool = False  # the obligation applies later than today


@dataclass(frozen=True)
class Section:
    """The section « Le règlement européen sur l'IA et vous » of one company."""
    findings: tuple[Finding, ...]
    uses: tuple[Use, ...]  # the uses it declared: the prefilled rows of its inventory
    rules: Rules

    @property
    def concerned(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.status != NOT_CONCERNED)

    @property
    def not_concerned(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.status == NOT_CONCERNED)

    @property
    def actions(self) -> tuple[Finding, ...]:
        """The plan's actions: one per obligation that applies (oldest rule first), comes (soonest
        first) or is to check."""
        order = {APPLIES: 0, COMING: 1, TO_CHECK: 2}
        return tuple(sorted(self.concerned, key=lambda f: (order[f.status], f.obligation.since or dt.date.max,
                                                           f.obligation.id)))


def _matches(conditions: tuple[Condition, ...], answers: dict[str, Any], size_band: str | None,
             sector: str | None) -> bool:
    return any(c.holds(answers, size_band, sector) for c in conditions)


def assess(rules: Rules, answers: dict[str, Any], size_band: str | None, sector: str | None,
           today: dt.date) -> Section:
    """Return what applies to the company now and when, from its answers and profile."""
    findings = []
    for o in rules.obligations:
        if o.sizes and size_band not in o.sizes:
            status = NOT_CONCERNED
        elif o.always or _matches(o.when, answers, size_band, sector):
            status = APPLIES if o.since is None or o.since <= today else COMING
        elif _matches(o.check, answers, size_band, sector):
            status = TO_CHECK
        else:
            status = NOT_CONCERNED
        findings.append(Finding(o, status, o.since is not None and o.since > today))
    uses = tuple(u for u in rules.uses if _matches(u.when, answers, size_band, sector))
    return Section(tuple(findings), uses, rules)


# -- loading and validation -------------------------------------------------------------------------

def _conditions(c: _Checker, value: Any, path: str, questionnaires: dict[str, Questionnaire]) -> tuple[Condition, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        c.problem(path, "expected a list of conditions", "- {question: <id>, in: [<values>]}")
        return ()
    conditions = []
    for i, raw in enumerate(value):
        p = f"{path}[{i}]"
        raw = c.mapping(raw, p)
        c.unknown_keys(raw, _CONDITION_KEYS, p)
        question = raw.get("question")
        values = tuple(str(v) for v in (raw.get("in") or []))
        if question is not None:
            known = [q for qn in questionnaires.values() if (q := qn.question(str(question))) is not None]
            if not known:
                c.problem(f"{p}.question", f"unknown question {question!r}", "a question id of a questionnaire")
            elif not values:
                c.problem(f"{p}.in", "missing", "the answer values that match")
            else:
                allowed = {o.value for q in known for o in q.options}
                for v in values:
                    if v not in allowed:
                        c.problem(f"{p}.in", f"{v!r} is not an option of {question}",
                                  f"use one of {', '.join(sorted(allowed))}")
        sizes = tuple(str(s) for s in (raw.get("sizes") or []))
        sectors = tuple(str(s) for s in (raw.get("sectors") or []))
        for s in sizes:
            if s not in SIZE_BANDS:
                c.problem(f"{p}.sizes", f"unknown size band {s!r}", f"use {', '.join(SIZE_BANDS)}")
        for s in sectors:
            if s not in NAF_SECTIONS:
                c.problem(f"{p}.sectors", f"unknown NAF section {s!r}", "use letters A..U")
        if question is None and not sizes and not sectors:
            c.problem(p, "empty condition", "give a question (and its values), sizes or sectors")
        conditions.append(Condition(str(question) if question is not None else None, values, sizes, sectors))
    return tuple(conditions)


def parse_rules(data: Any, questionnaires: dict[str, Questionnaire], source: str = FILE_NAME) -> Rules:
    """Validate the parsed AI Act rules against the questionnaires' questions and options."""
    c = _Checker(source)
    data = c.mapping(data, "(top level)")
    c.unknown_keys(data, {"version", "obligations", "uses"}, "")
    version = str(data.get("version") or "")
    if not version:
        c.problem("version", "missing version", "e.g. \"2026-12-02\", bumped on every change")
    obligations, seen = [], set()
    for i, raw in enumerate(data.get("obligations") or []):
        raw = c.mapping(raw, f"obligations[{i}]")
        oid = str(raw.get("id") or "")
        p = f"obligations[{oid or i}]"
        if not oid or oid in seen:
            c.problem(f"{p}.id", f"missing or duplicate id {oid!r}", "ids are unique")
        seen.add(oid)
        c.unknown_keys(raw, _OBLIGATION_KEYS, p)
        if raw.get("law") not in LAWS:
            c.problem(f"{p}.law", f"unknown law {raw.get('law')!r}", f"use {' or '.join(LAWS)}")
        sizes = tuple(str(s) for s in (raw.get("sizes") or []))
        for s in sizes:
            if s not in SIZE_BANDS:
                c.problem(f"{p}.sizes", f"unknown size band {s!r}", f"use {', '.join(SIZE_BANDS)}")
        sources = raw.get("sources") or []
        obligation = Obligation(
            id=oid, law=str(raw.get("law")),
            reference=c.text(raw.get("reference"), f"{p}.reference") or Text("", ""),
            title=c.text(raw.get("title"), f"{p}.title") or Text("", ""),
            since=_date(c, raw.get("since"), f"{p}.since", required=raw.get("law") == "ai_act"),
            always=bool(raw.get("always")), sizes=sizes,
            summary=c.text(raw.get("summary"), f"{p}.summary") or Text("", ""),
            action=c.text(raw.get("action"), f"{p}.action") or Text("", ""),
            when=_conditions(c, raw.get("when"), f"{p}.when", questionnaires),
            check=_conditions(c, raw.get("check"), f"{p}.check", questionnaires),
            source_url=_url(c, raw.get("source_url"), f"{p}.source_url", "the source of the rule", https=True) or "",
            sources=tuple(u for j, s in enumerate(sources)
                          if (u := _url(c, s, f"{p}.sources[{j}]", "another source", https=True))),
            verified_on=_date(c, raw.get("verified_on"), f"{p}.verified_on", required=True) or dt.date.min,
            review_by=_date(c, raw.get("review_by"), f"{p}.review_by", required=True) or dt.date.min,
        )
        if not obligation.always and not obligation.when and not obligation.check:
            c.problem(p, "no when, check or always", "say which answers show the company concerned")
        if (obligation.verified_on != dt.date.min and obligation.review_by != dt.date.min
                and not obligation.verified_on <= obligation.review_by
                <= add_months(obligation.verified_on, REVIEW_MAX_MONTHS)):
            c.problem(f"{p}.review_by", f"not within {REVIEW_MAX_MONTHS} months of verified_on")
        obligations.append(obligation)
    if not obligations:
        c.problem("obligations", "no obligation")
    uses = []
    for i, raw in enumerate(data.get("uses") or []):
        raw = c.mapping(raw, f"uses[{i}]")
        p = f"uses[{raw.get('id') or i}]"
        c.unknown_keys(raw, {"id", "label", "when", "obligations"}, p)
        refs = tuple(str(r) for r in (raw.get("obligations") or []))
        for r in refs:
            if r not in seen:
                c.problem(f"{p}.obligations", f"unknown obligation {r!r}", "an id of the obligations above")
        when = _conditions(c, raw.get("when"), f"{p}.when", questionnaires)
        if not when:
            c.problem(f"{p}.when", "missing", "the answers that show this use")
        uses.append(Use(str(raw.get("id") or ""), c.text(raw.get("label"), f"{p}.label") or Text("", ""),
                        when, refs))
    if c.problems:
        raise QuestionnaireError(c.problems)
    return Rules(version, tuple(obligations), tuple(uses))


def load_rules(path: Path, questionnaires: dict[str, Questionnaire]) -> Rules:
    """Load the AI Act rules file, raising QuestionnaireError with every problem found."""
    data, problems = _parse_yaml(path)
    if problems:
        raise QuestionnaireError(problems)
    return parse_rules(data, questionnaires, path.name)
