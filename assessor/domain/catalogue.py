"""Load and validate the programme catalogue (YAML) into frozen dataclasses. Pure module."""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from .questionnaire import AUDIENCES, SIZE_BANDS, Questionnaire, QuestionnaireError, Text, _Checker, _parse_yaml
from . import i18n
from .referential import NAF_SECTIONS, OPCOS, REGIONS

KINDS = ("awareness", "training", "certified_training", "diagnostic", "support", "funding", "network",
         "event", "resource", "reading")
# Studies, barometers, podcasts and opinion papers: worth reading, never a recommended next step.
READING_KINDS = ("reading",)
# Calls, events and announced programmes end: they must say when (valid_until).
TIME_BOXED_KINDS = ("event",)
NATIONAL = "national"
# A source is re-read at least once a year; advisors are told a month ahead.
REVIEW_MAX_MONTHS = 12
REVIEW_NOTICE_DAYS = 30
_ENTRY_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_KEYS = {"id", "name", "operator", "kind", "description", "benefit", "regions", "sizes", "sectors",
         "dimensions", "levels", "cost", "url", "contact", "source_url", "verified_on", "review_by",
         "valid_until", "opco", "criteria", "audiences"}


@dataclass(frozen=True)
class Entry:
    id: str
    name: Text
    operator: Text  # a proper name is the same in both languages: written once in the file
    kind: str
    description: Text
    benefit: Text
    regions: tuple[str, ...]
    sizes: tuple[str, ...]
    sectors: tuple[str, ...]
    dimensions: tuple[str, ...]
    levels: tuple[str, ...]
    cost: Text | None
    url: str
    contact: str | None
    source_url: str
    verified_on: dt.date
    review_by: dt.date
    valid_until: dt.date | None
    # Eligibility beyond region, size and sector (see domain/eligibility.py): the OPCO whose branches
    # the entry serves (membership follows the collective agreement, so the sectors only make it
    # probable), and conditions the company checks itself ("organisme certifié Qualiopi").
    opco: str | None = None
    criteria: tuple[Text, ...] = ()
    # Whom the entry serves (questionnaire.AUDIENCES): companies, public bodies, or both.
    audiences: tuple[str, ...] = ("company",)

    def serves(self, audience: str) -> bool:
        return audience in self.audiences

    @property
    def national(self) -> bool:
        return NATIONAL in self.regions

    @property
    def is_reading(self) -> bool:
        return self.kind in READING_KINDS

    def is_valid_on(self, day: dt.date) -> bool:
        return self.valid_until is None or day <= self.valid_until

    def review_due(self, day: dt.date, notice_days: int = REVIEW_NOTICE_DAYS) -> bool:
        """Tell whether the entry's sources must be re-read by ``day`` + ``notice_days``."""
        return self.review_by <= day + dt.timedelta(days=notice_days)

    def as_dict(self) -> dict[str, Any]:
        """Return the entry as plain JSON-ready data."""
        def text(t: Text | None):
            return None if t is None else {"fr": t.fr, "en": t.en}
        return {
            "id": self.id, "name": text(self.name), "operator": text(self.operator), "kind": self.kind,
            "description": text(self.description), "benefit": text(self.benefit),
            "regions": list(self.regions), "sizes": list(self.sizes), "sectors": list(self.sectors),
            "dimensions": list(self.dimensions), "levels": list(self.levels), "cost": text(self.cost),
            "url": self.url, "contact": self.contact, "source_url": self.source_url,
            "verified_on": self.verified_on.isoformat(), "review_by": self.review_by.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "opco": self.opco, "criteria": [text(c) for c in self.criteria],
            "audiences": list(self.audiences),
        }


@dataclass(frozen=True)
class Catalogue:
    version: str
    entries: tuple[Entry, ...]

    def entry(self, entry_id: str) -> Entry | None:
        for entry in self.entries:
            if entry.id == entry_id:
                return entry
        return None

    def due_for_review(self, day: dt.date, notice_days: int = REVIEW_NOTICE_DAYS) -> tuple[Entry, ...]:
        """Return the entries still shown whose review date has passed or comes within the notice."""
        return tuple(sorted((e for e in self.entries if e.is_valid_on(day) and e.review_due(day, notice_days)),
                            key=lambda e: (e.review_by, e.id)))


def _url(c: _Checker, value: Any, path: str, hint: str, https: bool = False) -> str | None:
    if value is None:
        c.problem(path, "missing", hint)
        return None
    parsed = urlparse(str(value))
    schemes = ("https",) if https else ("http", "https")
    if parsed.scheme not in schemes or not parsed.netloc:
        c.problem(path, f"{value!r} is not an {'https' if https else 'http(s)'} URL",
                  "write the full address, https://…")
        return None
    return str(value)


def add_months(day: dt.date, months: int) -> dt.date:
    """Return the same day ``months`` later (the last day of the month when it has fewer days)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _date(c: _Checker, value: Any, path: str, required: bool) -> dt.date | None:
    if value is None:
        if required:
            c.problem(path, "missing", "write the date as YYYY-MM-DD")
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        c.problem(path, f"{value!r} is not a date", "write the date as YYYY-MM-DD")
        return None


def _codes(c: _Checker, value: Any, path: str, allowed: set[str], hint: str,
           all_value: tuple[str, ...] | None = None) -> tuple[str, ...]:
    if value == "all" and all_value is not None:
        return all_value
    if not isinstance(value, list) or not value:
        c.problem(path, f"expected a non-empty list, got {value!r}", hint)
        return ()
    for item in value:
        if str(item) not in allowed:
            c.problem(path, f"unknown code {item!r}", hint)
    return tuple(str(v) for v in value)


def _opco(c: _Checker, value: Any, path: str) -> str | None:
    if value is None:
        return None
    if str(value) not in OPCOS:
        c.problem(path, f"unknown OPCO {value!r}", f"use one of {', '.join(OPCOS)}")
    return str(value)


def _criteria(c: _Checker, value: Any, path: str) -> tuple[Text, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        c.problem(path, f"expected a list of {{fr, en}} texts, got {value!r}",
                  "each item is a condition the company checks itself")
        return ()
    return tuple(t for i, item in enumerate(value) if (t := c.text(item, f"{path}[{i}]")) is not None)


def parse_catalogue(data: Any, questionnaires: dict[str, Questionnaire],
                    source: str = "catalogue.yaml") -> Catalogue:
    """Validate a parsed catalogue against the questionnaires' dimensions and levels."""
    c = _Checker(source)
    data = c.mapping(data, "(top level)")
    c.unknown_keys(data, {"version", "entries"}, "")
    version = str(data.get("version") or "")
    if not version:
        c.problem("version", "missing catalogue version", "e.g. \"2026-11-22\", bumped on every change")
    dimensions = {d.id for q in questionnaires.values() for d in q.dimensions}
    levels = {lv.id for q in questionnaires.values() for lv in q.levels}
    raw_entries = data.get("entries")
    if not isinstance(raw_entries, list) or not raw_entries:
        c.problem("entries", "the catalogue has no entry")
        raw_entries = []
    entries, seen = [], set()
    for i, raw in enumerate(raw_entries):
        p = f"entries[{i}]"
        raw = c.mapping(raw, p)
        eid = raw.get("id")
        if not isinstance(eid, str) or not _ENTRY_ID.match(eid):
            c.problem(f"{p}.id", f"invalid entry id {eid!r}", "lowercase letters, digits and -")
            eid = str(eid)
        p = f"entries[{eid}]"
        if eid in seen:
            c.problem(f"{p}.id", f"duplicate entry id {eid!r}", "ids are unique and never reused")
        seen.add(eid)
        c.unknown_keys(raw, _KEYS, p)
        kind = raw.get("kind")
        if kind not in KINDS:
            c.problem(f"{p}.kind", f"unknown kind {kind!r}", f"use one of {', '.join(KINDS)}")
        operator = raw.get("operator")
        if isinstance(operator, dict):  # words around the name: "Région Occitanie", "avec l'État"
            operator = c.text(operator, f"{p}.operator") or Text("", "")
        elif isinstance(operator, str) and operator.strip():
            operator = Text(i18n.french_spacing(operator), operator)
        else:
            c.problem(f"{p}.operator", "missing operator", "who runs the offer: a name, or {fr: ..., en: ...}")
            operator = Text("", "")
        entry = Entry(
            id=eid,
            name=c.text(raw.get("name"), f"{p}.name") or Text("", ""),
            operator=operator,
            kind=str(kind),
            description=c.text(raw.get("description"), f"{p}.description") or Text("", ""),
            benefit=c.text(raw.get("benefit"), f"{p}.benefit") or Text("", ""),
            regions=_codes(c, raw.get("regions"), f"{p}.regions", set(REGIONS) | {NATIONAL},
                           "use national or ISO 3166-2:FR region codes such as FR-HDF, FR-OCC"),
            sizes=_codes(c, raw.get("sizes"), f"{p}.sizes", set(SIZE_BANDS),
                         f"use all or a list among {', '.join(SIZE_BANDS)}", all_value=SIZE_BANDS),
            sectors=_codes(c, raw.get("sectors"), f"{p}.sectors", set(NAF_SECTIONS),
                           "use all or NAF section letters A..U", all_value=tuple(NAF_SECTIONS)),
            dimensions=_codes(c, raw.get("dimensions"), f"{p}.dimensions", dimensions,
                              f"use dimension ids of the questionnaire: {', '.join(sorted(dimensions))}"),
            levels=_codes(c, raw.get("levels"), f"{p}.levels", levels,
                          f"use level ids: {', '.join(sorted(levels))}"),
            cost=c.text(raw.get("cost"), f"{p}.cost", required=False),
            url=_url(c, raw.get("url"), f"{p}.url", "the operator's own page where the company acts",
                     https=True) or "",
            contact=str(raw["contact"]) if raw.get("contact") else None,
            source_url=_url(c, raw.get("source_url"), f"{p}.source_url",
                            "every fact needs the URL of its source (may be the same as url)") or "",
            verified_on=_date(c, raw.get("verified_on"), f"{p}.verified_on", required=True) or dt.date.min,
            review_by=_date(c, raw.get("review_by"), f"{p}.review_by", required=True) or dt.date.min,
            valid_until=_date(c, raw.get("valid_until"), f"{p}.valid_until", required=False),
            opco=_opco(c, raw.get("opco"), f"{p}.opco"),
            criteria=_criteria(c, raw.get("criteria"), f"{p}.criteria"),
            audiences=_codes(c, raw.get("audiences", ["company"]), f"{p}.audiences", set(AUDIENCES),
                             f"use a list among {', '.join(AUDIENCES)}"),
        )
        if entry.national and len(entry.regions) > 1:
            c.problem(f"{p}.regions", "national cannot be combined with region codes")
        if (entry.verified_on != dt.date.min and entry.review_by != dt.date.min
                and not entry.verified_on <= entry.review_by <= add_months(entry.verified_on, REVIEW_MAX_MONTHS)):
            c.problem(f"{p}.review_by", f"{entry.review_by} is not within {REVIEW_MAX_MONTHS} months of "
                      f"verified_on {entry.verified_on}",
                      f"re-read the source by {add_months(entry.verified_on, REVIEW_MAX_MONTHS)} at the latest")
        if entry.kind in TIME_BOXED_KINDS and entry.valid_until is None:
            c.problem(f"{p}.valid_until", f"missing for a time-boxed {entry.kind}",
                      "write the last day it can be used, YYYY-MM-DD")
        entries.append(entry)
    if c.problems:
        raise QuestionnaireError(c.problems)
    return Catalogue(version, tuple(entries))


def catalogue_files(path: Path) -> list[Path]:
    """Return the catalogue file and the files that add to it (``catalogue-public.yaml``…), in order."""
    return [path] + sorted(path.parent.glob(f"{path.stem}-*{path.suffix}"))


def load_catalogue(path: Path, questionnaires: dict[str, Questionnaire]) -> Catalogue:
    """Load the catalogue file and the files beside it that add to it, raising QuestionnaireError with
    every problem found (entry ids are unique across the files)."""
    problems: list[str] = []
    parts: list[tuple[Path, Catalogue]] = []
    for part in catalogue_files(path):
        data, part_problems = _parse_yaml(part)
        if part_problems:
            problems.extend(part_problems)
            continue
        try:
            parts.append((part, parse_catalogue(data, questionnaires, part.name)))
        except QuestionnaireError as exc:
            problems.extend(exc.problems)
    seen: dict[str, str] = {}
    for part_path, part in parts:
        for entry in part.entries:
            if entry.id in seen:
                problems.append(f"{part_path.name}: entries[{entry.id}].id: also defined in {seen[entry.id]}")
            seen[entry.id] = part_path.name
    if problems:
        raise QuestionnaireError(problems)
    # The version names every file's version, so that a change in any of them changes it.
    return Catalogue("+".join(p.version for _path, p in parts), tuple(e for _path, p in parts for e in p.entries))
