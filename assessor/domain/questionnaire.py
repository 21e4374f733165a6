"""Load and validate questionnaires (YAML) into frozen dataclasses.

Pure module: no Flask, no database. Every problem found in a file is collected, so that one run of
the checker lists them all, each with the file, the place in the file and a hint.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import i18n

LANGS = i18n.LANGUAGES
SIZE_BANDS = ("1-9", "10-49", "50-249", "250+")
DONT_KNOW = "dont_know"
NOT_APPLICABLE = "not_applicable"
SPECIAL_VALUES = (DONT_KNOW, NOT_APPLICABLE)
TEXT_MAX_LENGTH = 2000

_ID = re.compile(r"^[a-z][a-z0-9_-]*$")
_QUESTION_ID = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
_VALUE = re.compile(r"^[a-z0-9][a-z0-9_]*$")


class QuestionnaireError(Exception):
    """Raised with every problem found in one or more questionnaire files."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Text:
    """A user-facing text in French and English."""

    fr: str
    en: str

    def get(self, lang: str) -> str:
        return i18n.text(self, lang)


@dataclass(frozen=True)
class Option:
    value: str
    score: float
    label: Text
    advice: Text | None = None
    exclusive: bool = False


@dataclass(frozen=True)
class ShowIf:
    question: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    weight: float
    text: Text
    help: Text | None
    options: tuple[Option, ...]
    dont_know: bool
    not_applicable: bool
    show_if: ShowIf | None
    dimension: str

    @property
    def scored(self) -> bool:
        return QUESTION_TYPES[self.type].scored

    def option(self, value: str) -> Option | None:
        for option in self.options:
            if option.value == value:
                return option
        return None

    @property
    def max_points(self) -> float:
        return sum(o.score for o in self.options)


@dataclass(frozen=True)
class Dimension:
    id: str
    weight: float
    title: Text
    intro: Text | None
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Level:
    id: str
    min: float
    label: Text
    description: Text


@dataclass(frozen=True)
class ChangelogEntry:
    version: int
    date: str
    changes: Text


@dataclass(frozen=True)
class PlanOrder:
    """The order of the action plan, as data: what must come first, then what takes least effort.

    ``after`` maps a question to the questions whose advice must come before its own (only ever
    between advice that is in the plan, transitively); ``quick`` lists the questions whose advice
    takes days rather than months (a meeting, a rule, a list, a setting).
    """

    after: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    quick: frozenset[str] = frozenset()

    def before(self, question_id: str) -> frozenset[str]:
        """Return every question whose advice must come before this one's, directly or not."""
        seen: set[str] = set()
        todo = list(self.after.get(question_id, ()))
        while todo:
            earlier = todo.pop()
            if earlier not in seen:
                seen.add(earlier)
                todo.extend(self.after.get(earlier, ()))
        return frozenset(seen)


@dataclass(frozen=True)
class Questionnaire:
    id: str
    version: int
    title: Text
    levels: tuple[Level, ...]
    targets: dict[str, float] = field(hash=False)
    dimensions: tuple[Dimension, ...]
    changelog: tuple[ChangelogEntry, ...]
    source: str = ""
    plan_order: PlanOrder = PlanOrder()
    # Who answers it (AUDIENCES) and which profile fields its form asks, in order (PROFILE_FIELDS).
    audience: str = "company"
    profile: tuple[str, ...] = ()

    @property
    def profile_fields(self) -> tuple[str, ...]:
        """Return the profile fields asked before this questionnaire (the audience's default when unsaid)."""
        return self.profile or DEFAULT_PROFILES[self.audience]

    @property
    def date(self) -> str:
        """Return the day of this version, from the changelog (ISO 8601), or ""."""
        for entry in self.changelog:
            if entry.version == self.version:
                return entry.date
        return ""

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for d in self.dimensions for q in d.questions)

    def question(self, question_id: str) -> Question | None:
        return self._index().get(question_id)

    def dimension(self, dimension_id: str) -> Dimension | None:
        for dimension in self.dimensions:
            if dimension.id == dimension_id:
                return dimension
        return None

    def level_for(self, score: float) -> Level:
        """Return the highest level whose threshold the score reaches."""
        chosen = self.levels[0]
        for level in self.levels:
            if score >= level.min:
                chosen = level
        return chosen

    def level(self, level_id: str) -> Level | None:
        for level in self.levels:
            if level.id == level_id:
                return level
        return None

    def _index(self) -> dict[str, Question]:
        index = self.__dict__.get("_question_index")
        if index is None:
            index = {q.id: q for q in self.questions}
            object.__setattr__(self, "_question_index", index)
        return index


# Audiences: a questionnaire is written for companies or for public bodies (collectivités and public
# establishments); the catalogue's entries say whom they serve with the same words.
AUDIENCES = ("company", "public")
# The profile fields a questionnaire may ask (the code knows how to ask and store each).
PROFILE_FIELDS = ("name", "size_band", "sector", "opco", "body_kind", "population_band", "agents_band",
                  "region", "department", "role", "email")
DEFAULT_PROFILES = {
    "company": ("name", "size_band", "sector", "region", "department", "role", "opco", "email"),
    "public": ("name", "body_kind", "population_band", "agents_band", "region", "department", "role", "email"),
}


# -- question types -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionType:
    name: str
    scored: bool
    multiple: bool
    shared_options: tuple[tuple[str, float, Text], ...] | None  # for scale types


ADOPTION_SCALE = (
    ("0", 0.0, Text("0 – Pas utilisé", "0 – Not used")),
    ("1", 0.2, Text("1 – Envisagé", "1 – Considering")),
    ("2", 0.4, Text("2 – Prototype en cours", "2 – Prototyping")),
    ("3", 0.6, Text("3 – En test", "3 – Testing")),
    ("4", 0.8, Text("4 – En cours de déploiement", "4 – Implementing")),
    ("5", 1.0, Text("5 – Opérationnel", "5 – Operational")),
)
YES_PARTIAL_NO_SCALE = (
    ("yes", 1.0, Text("Oui", "Yes")),
    ("partial", 0.5, Text("En partie", "Partly")),
    ("no", 0.0, Text("Non", "No")),
)

QUESTION_TYPES: dict[str, QuestionType] = {
    "single": QuestionType("single", scored=True, multiple=False, shared_options=None),
    "multiple": QuestionType("multiple", scored=True, multiple=True, shared_options=None),
    "adoption": QuestionType("adoption", scored=True, multiple=False, shared_options=ADOPTION_SCALE),
    "yes_partial_no": QuestionType(
        "yes_partial_no", scored=True, multiple=False, shared_options=YES_PARTIAL_NO_SCALE
    ),
    "text": QuestionType("text", scored=False, multiple=False, shared_options=()),
}


# -- loading ------------------------------------------------------------------------------------


class _Checker:
    """Collect problems while reading a parsed YAML document."""

    def __init__(self, source: str):
        self.source = source
        self.problems: list[str] = []

    def problem(self, path: str, message: str, hint: str = "") -> None:
        line = f"{self.source}: {path}: {message}"
        if hint:
            line += f" (hint: {hint})"
        self.problems.append(line)

    def mapping(self, value: Any, path: str) -> dict:
        if not isinstance(value, dict):
            self.problem(path, f"expected a mapping, got {type(value).__name__}")
            return {}
        return value

    def text(self, value: Any, path: str, required: bool = True) -> Text | None:
        if value is None:
            if required:
                self.problem(path, "missing text", "write {fr: ..., en: ...}")
            return None
        if not isinstance(value, dict):
            self.problem(path, "expected {fr: ..., en: ...}", "texts are bilingual mappings")
            return None
        for lang in LANGS:
            if not isinstance(value.get(lang), str) or not value.get(lang).strip():
                self.problem(f"{path}.{lang}", "missing or empty translation", f"add the {lang} text")
        unknown = set(value) - set(LANGS)
        if unknown:
            self.problem(path, f"unknown language(s) {sorted(unknown)}", "use fr and en")
        return Text(i18n.french_spacing(str(value.get("fr", ""))), str(value.get("en", "")))

    def number(self, value: Any, path: str, default: float | None = None, low: float = 0.0,
               high: float | None = None, strict_low: bool = False) -> float:
        if value is None and default is not None:
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.problem(path, f"expected a number, got {value!r}")
            return default if default is not None else 0.0
        if value < low or (strict_low and value == low) or (high is not None and value > high):
            bound = f"> {low}" if strict_low else f">= {low}"
            if high is not None:
                bound += f" and <= {high}"
            self.problem(path, f"{value} is out of range", f"must be {bound}")
        return float(value)

    def unknown_keys(self, data: dict, allowed: set[str], path: str) -> None:
        for key in data:
            if key not in allowed:
                self.problem(f"{path}.{key}" if path else str(key), "unknown key",
                             f"allowed keys: {', '.join(sorted(allowed))}")


# libyaml's parser when PyYAML was built with it: about 6 times faster at start-up.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):
    """YAML 1.2 booleans: only true/false, so that answers "yes", "no", "on" stay strings."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))


def _parse_yaml(path: Path) -> tuple[Any, list[str]]:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_Loader), []
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "?"
        return None, [f"{path.name}: {where}: invalid YAML: {getattr(exc, 'problem', exc)}"]
    except OSError as exc:
        return None, [f"{path}: cannot read file: {exc.strerror}"]


def load_questionnaire(path: Path) -> Questionnaire:
    """Load one questionnaire file, raising QuestionnaireError with every problem found."""
    data, problems = _parse_yaml(path)
    if problems:
        raise QuestionnaireError(problems)
    return parse_questionnaire(data, path.name)


def parse_questionnaire(data: Any, source: str = "<questionnaire>") -> Questionnaire:
    """Validate a parsed questionnaire document and build the dataclasses."""
    c = _Checker(source)
    data = c.mapping(data, "(top level)")
    c.unknown_keys(data, {"id", "version", "title", "audience", "profile", "changelog", "levels", "targets",
                          "dimensions", "plan_order"}, "")
    qid = data.get("id")
    if not isinstance(qid, str) or not _ID.match(qid):
        c.problem("id", f"invalid questionnaire id {qid!r}", "lowercase letters, digits and -")
        qid = str(qid)
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        c.problem("version", f"invalid version {version!r}", "a positive integer, bumped on change")
        version = 0
    title = c.text(data.get("title"), "title") or Text("", "")

    changelog = []
    raw_changelog = data.get("changelog")
    if not isinstance(raw_changelog, list) or not raw_changelog:
        c.problem("changelog", "missing changelog", "list the changes of each version, newest first")
        raw_changelog = []
    for i, entry in enumerate(raw_changelog):
        p = f"changelog[{i}]"
        entry = c.mapping(entry, p)
        changes = c.text(entry.get("changes"), f"{p}.changes") or Text("", "")
        changelog.append(ChangelogEntry(int(entry.get("version") or 0), str(entry.get("date", "")), changes))
    if changelog and changelog[0].version != version:
        c.problem("changelog[0].version", f"{changelog[0].version} does not match version {version}",
                  "the first changelog entry describes the current version")

    audience = data.get("audience", "company")
    if audience not in AUDIENCES:
        c.problem("audience", f"unknown audience {audience!r}", f"use {', '.join(AUDIENCES)}")
        audience = "company"
    profile = _parse_profile(c, data.get("profile"))
    levels = _parse_levels(c, data.get("levels"))
    # Targets are per company size band: a company questionnaire must give them; a public body's may not.
    targets = (_parse_targets(c, data.get("targets"))
               if audience == "company" or data.get("targets") is not None else {})
    dimensions = _parse_dimensions(c, data.get("dimensions"))
    plan_order = _parse_plan_order(c, data.get("plan_order"), {q.id for d in dimensions for q in d.questions})

    if c.problems:
        raise QuestionnaireError(c.problems)
    return Questionnaire(qid, version, title, levels, targets, dimensions, tuple(changelog), source, plan_order,
                         audience, profile)


def _parse_profile(c: _Checker, raw: Any) -> tuple[str, ...]:
    """Read ``profile``: the profile fields asked, in order (omitted: the audience's default)."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        c.problem("profile", "profile must be a non-empty list", f"use fields among {', '.join(PROFILE_FIELDS)}")
        return ()
    fields = []
    for i, name in enumerate(raw):
        if name not in PROFILE_FIELDS:
            c.problem(f"profile[{i}]", f"unknown profile field {name!r}", f"use {', '.join(PROFILE_FIELDS)}")
        elif name in fields:
            c.problem(f"profile[{i}]", f"{name!r} is listed twice")
        else:
            fields.append(name)
    for required in ("name", "region"):
        if fields and required not in fields:
            c.problem("profile", f"the profile must ask {required!r}")
    return tuple(fields)


def _parse_plan_order(c: _Checker, raw: Any, known: set[str]) -> PlanOrder:
    """Read ``plan_order``: ``after`` (question → questions that come first) and ``quick``."""
    if raw is None:
        return PlanOrder()
    raw = c.mapping(raw, "plan_order")
    c.unknown_keys(raw, {"after", "quick"}, "plan_order")

    def question_ids(value: Any, path: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            c.problem(path, "expected a list of question ids", "e.g. [use_cases.identification]")
            return ()
        for i, question_id in enumerate(value):
            if question_id not in known:
                c.problem(f"{path}[{i}]", f"unknown question {question_id!r}", "use a question id of this file")
        return tuple(v for v in value if v in known)

    after: dict[str, tuple[str, ...]] = {}
    for question_id, earlier in c.mapping(raw.get("after") or {}, "plan_order.after").items():
        path = f"plan_order.after.{question_id}"
        if question_id not in known:
            c.problem(path, f"unknown question {question_id!r}", "use a question id of this file")
            continue
        after[str(question_id)] = question_ids(earlier, path)
    order = PlanOrder(after, frozenset(question_ids(raw.get("quick") or [], "plan_order.quick")))
    for question_id in after:
        if question_id in order.before(question_id):
            c.problem(f"plan_order.after.{question_id}", "comes after itself (a cycle)",
                      "an advice cannot have to come before itself: remove one link")
    return order


def _parse_levels(c: _Checker, raw: Any) -> tuple[Level, ...]:
    if not isinstance(raw, list) or len(raw) < 2:
        c.problem("levels", "at least two levels are required", "e.g. Découverte → Transformation")
        return ()
    levels: list[Level] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        p = f"levels[{i}]"
        item = c.mapping(item, p)
        c.unknown_keys(item, {"id", "min", "label", "description"}, p)
        lid = item.get("id")
        if not isinstance(lid, str) or not _ID.match(lid):
            c.problem(f"{p}.id", f"invalid level id {lid!r}", "lowercase letters, digits and -")
        elif lid in seen:
            c.problem(f"{p}.id", f"duplicate level id {lid!r}")
        seen.add(str(lid))
        minimum = c.number(item.get("min"), f"{p}.min", high=100)
        if levels and minimum <= levels[-1].min:
            c.problem(f"{p}.min", f"{minimum} is not above the previous level's {levels[-1].min}",
                      "levels are listed in ascending order")
        label = c.text(item.get("label"), f"{p}.label") or Text("", "")
        description = c.text(item.get("description"), f"{p}.description") or Text("", "")
        levels.append(Level(str(lid), minimum, label, description))
    if levels and levels[0].min != 0:
        c.problem("levels[0].min", "the first level must start at 0")
    return tuple(levels)


def _parse_targets(c: _Checker, raw: Any) -> dict[str, float]:
    raw = c.mapping(raw, "targets")
    targets = {}
    for band in SIZE_BANDS:
        if band not in raw:
            c.problem(f"targets.{band}", "missing target", f"give a target score for size band {band}")
        else:
            targets[band] = c.number(raw[band], f"targets.{band}", high=100)
    for band in raw:
        if band not in SIZE_BANDS:
            c.problem(f"targets.{band}", "unknown size band", f"use {', '.join(SIZE_BANDS)}")
    return targets


def _parse_dimensions(c: _Checker, raw: Any) -> tuple[Dimension, ...]:
    if not isinstance(raw, list) or not raw:
        c.problem("dimensions", "at least one dimension is required")
        return ()
    dimensions = []
    seen_dims: set[str] = set()
    questions_so_far: dict[str, Question] = {}
    for i, item in enumerate(raw):
        p = f"dimensions[{i}]"
        item = c.mapping(item, p)
        c.unknown_keys(item, {"id", "weight", "title", "intro", "questions"}, p)
        did = item.get("id")
        if not isinstance(did, str) or not re.match(r"^[a-z][a-z0-9_]*$", did):
            c.problem(f"{p}.id", f"invalid dimension id {did!r}", "lowercase letters, digits and _")
            did = str(did)
        elif did in seen_dims:
            c.problem(f"{p}.id", f"duplicate dimension id {did!r}")
        seen_dims.add(did)
        p = f"dimensions[{did}]"
        weight = c.number(item.get("weight"), f"{p}.weight", default=1.0, strict_low=True)
        title = c.text(item.get("title"), f"{p}.title") or Text("", "")
        intro = c.text(item.get("intro"), f"{p}.intro", required=False)
        raw_questions = item.get("questions")
        if not isinstance(raw_questions, list) or not raw_questions:
            c.problem(f"{p}.questions", "a dimension needs at least one question")
            raw_questions = []
        questions = []
        for j, q in enumerate(raw_questions):
            question = _parse_question(c, q, f"{p}.questions[{j}]", did, questions_so_far)
            if question is not None:
                questions_so_far[question.id] = question
                questions.append(question)
        if questions and not any(q.scored for q in questions):
            c.problem(f"{p}.questions", "a dimension needs at least one scored question")
        dimensions.append(Dimension(did, weight, title, intro, tuple(questions)))
    return tuple(dimensions)


_QUESTION_KEYS = {"id", "type", "weight", "text", "help", "options", "advice", "dont_know",
                  "not_applicable", "show_if"}


def _parse_question(c: _Checker, raw: Any, p: str, dimension: str,
                    earlier: dict[str, Question]) -> Question | None:
    raw = c.mapping(raw, p)
    qid = raw.get("id")
    if not isinstance(qid, str) or not _QUESTION_ID.match(qid):
        c.problem(f"{p}.id", f"invalid question id {qid!r}",
                  f"write '{dimension}.<name>' in lowercase letters, digits and _")
        return None
    p = f"{p.rsplit('.questions', 1)[0]}.questions[{qid}]"
    c.unknown_keys(raw, _QUESTION_KEYS, p)
    if qid in earlier:
        c.problem(f"{p}.id", f"duplicate question id {qid!r}", "question ids are never reused")
    if not qid.startswith(dimension + "."):
        c.problem(f"{p}.id", f"question id {qid!r} does not start with its dimension '{dimension}.'")
    qtype = raw.get("type")
    if qtype not in QUESTION_TYPES:
        c.problem(f"{p}.type", f"unknown question type {qtype!r}",
                  f"use one of {', '.join(QUESTION_TYPES)}")
        return None
    kind = QUESTION_TYPES[qtype]
    weight = c.number(raw.get("weight"), f"{p}.weight", default=1.0, strict_low=True)
    text = c.text(raw.get("text"), f"{p}.text") or Text("", "")
    help_text = c.text(raw.get("help"), f"{p}.help", required=False)
    dont_know = raw.get("dont_know", kind.scored)
    not_applicable = raw.get("not_applicable", False)
    for key, value in (("dont_know", dont_know), ("not_applicable", not_applicable)):
        if not isinstance(value, bool):
            c.problem(f"{p}.{key}", f"expected true or false, got {value!r}")
    if not kind.scored and (dont_know is True or not_applicable is True) and (
            "dont_know" in raw or "not_applicable" in raw):
        c.problem(p, "a free-text question cannot offer 'Je ne sais pas' or 'Non concerné'",
                  "remove dont_know / not_applicable")
        dont_know = not_applicable = False

    if kind.shared_options is None:
        options = _parse_options(c, raw.get("options"), f"{p}.options", qtype)
        if "advice" in raw:
            c.problem(f"{p}.advice", "advice goes on each option for this type", "move it to the options")
    else:
        if "options" in raw:
            c.problem(f"{p}.options", f"type {qtype} uses a shared scale", "remove options")
        advice = c.mapping(raw.get("advice") or {}, f"{p}.advice")
        options = []
        known = {value for value, _, _ in kind.shared_options}
        for value in advice:
            if str(value) not in known:
                c.problem(f"{p}.advice.{value}", "advice for an unknown value", f"use {', '.join(sorted(known))}")
        for value, score, label in kind.shared_options:
            text_advice = advice.get(value, advice.get(int(value)) if value.isdigit() else None)
            option_advice = c.text(text_advice, f"{p}.advice.{value}", required=score < 1)
            options.append(Option(value, score, label, option_advice))
        options = tuple(options)

    show_if = None
    if raw.get("show_if") is not None:
        show_if = _parse_show_if(c, raw["show_if"], f"{p}.show_if", earlier)
    return Question(qid, qtype, weight, text, help_text, options, bool(dont_know),
                    bool(not_applicable), show_if, dimension)


def _parse_options(c: _Checker, raw: Any, p: str, qtype: str) -> tuple[Option, ...]:
    if not isinstance(raw, list) or len(raw) < 2:
        c.problem(p, "at least two options are required")
        return ()
    options = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        op = f"{p}[{i}]"
        item = c.mapping(item, op)
        c.unknown_keys(item, {"value", "score", "label", "advice", "exclusive"}, op)
        value = item.get("value")
        if isinstance(value, bool) or not isinstance(value, (str, int)) or not _VALUE.match(str(value)):
            c.problem(f"{op}.value", f"invalid option value {value!r}", "lowercase letters, digits and _")
        value = str(value)
        op = f"{p}[{value}]"
        if value in seen:
            c.problem(f"{op}.value", f"duplicate option value {value!r}")
        if value in SPECIAL_VALUES:
            c.problem(f"{op}.value", f"{value!r} is reserved", "use dont_know: / not_applicable: flags")
        seen.add(value)
        high = 1.0 if qtype == "single" else None
        score = c.number(item.get("score"), f"{op}.score", high=high)
        label = c.text(item.get("label"), f"{op}.label") or Text("", "")
        exclusive = item.get("exclusive", False)
        if exclusive and qtype != "multiple":
            c.problem(f"{op}.exclusive", "only checklist (multiple) options can be exclusive")
        if exclusive and score != 0:
            c.problem(f"{op}.score", "an exclusive 'none of these' option must score 0")
        # A ladder answer below the top, or a checklist practice left unticked, gets advice.
        needs_advice = score < 1 if qtype == "single" else (score > 0 and not exclusive)
        advice = c.text(item.get("advice"), f"{op}.advice", required=needs_advice)
        options.append(Option(value, score, label, advice, bool(exclusive)))
    if qtype == "single" and options:
        scores = [o.score for o in options]
        if min(scores) != 0 or max(scores) != 1:
            c.problem(p, f"scores range from {min(scores)} to {max(scores)}",
                      "the worst answer must score 0 and the best 1")
    if qtype == "multiple" and options and sum(o.score for o in options) <= 0:
        c.problem(p, "no option scores any point", "give points to the good practices")
    return tuple(options)


def _parse_show_if(c: _Checker, raw: Any, p: str, earlier: dict[str, Question]) -> ShowIf | None:
    raw = c.mapping(raw, p)
    c.unknown_keys(raw, {"question", "in"}, p)
    target = raw.get("question")
    values = raw.get("in")
    if target not in earlier:
        c.problem(f"{p}.question", f"{target!r} is not an earlier question",
                  "show_if can only depend on a question asked before")
        return None
    if not isinstance(values, list) or not values:
        c.problem(f"{p}.in", "expected a non-empty list of values")
        return None
    known = {o.value for o in earlier[target].options}
    for value in values:
        if str(value) not in known:
            c.problem(f"{p}.in", f"{value!r} is not a value of {target}",
                      f"use {', '.join(sorted(known))}")
    return ShowIf(str(target), tuple(str(v) for v in values))


# The other data files of the questionnaires folder: the programme catalogue and the AI Act rules.
DATA_FILES = ("catalogue.yaml", "ai-act.yaml")
# Further catalogue files (catalogue-public.yaml…) add entries to catalogue.yaml.
CATALOGUE_PREFIX = "catalogue-"


def load_directory(directory: Path) -> dict[str, Questionnaire]:
    """Load every questionnaire file of a folder, keyed 'id@version'.

    :raises QuestionnaireError: listing the problems of every invalid file.
    """
    problems: list[str] = []
    loaded: dict[str, Questionnaire] = {}
    files = sorted(p for p in directory.glob("*.yaml")
                   if p.name not in DATA_FILES and not p.name.startswith(CATALOGUE_PREFIX))
    if not files:
        raise QuestionnaireError([f"{directory}: no questionnaire (*.yaml) found"])
    for path in files:
        try:
            questionnaire = load_questionnaire(path)
        except QuestionnaireError as exc:
            problems.extend(exc.problems)
            continue
        if questionnaire.key in loaded:
            problems.append(f"{path.name}: version: {questionnaire.key} is also defined in "
                            f"{loaded[questionnaire.key].source} (hint: bump the version)")
        loaded[questionnaire.key] = questionnaire
    if problems:
        raise QuestionnaireError(problems)
    return loaded


def latest(questionnaires: dict[str, Questionnaire], questionnaire_id: str) -> Questionnaire | None:
    """Return the highest version of a questionnaire."""
    versions = [q for q in questionnaires.values() if q.id == questionnaire_id]
    return max(versions, key=lambda q: q.version) if versions else None


def is_visible(questionnaire: Questionnaire, question: Question, answers: dict[str, Any]) -> bool:
    """Tell whether a question is asked, given the answers so far.

    A question depending on a hidden question is hidden too.
    """
    while question.show_if is not None:
        answer = answers.get(question.show_if.question)
        chosen = answer if isinstance(answer, list) else [answer]
        if not any(value in question.show_if.values for value in chosen):
            return False
        question = questionnaire.question(question.show_if.question)
    return True
