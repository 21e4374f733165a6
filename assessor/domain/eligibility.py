"""Eligibility of a catalogue entry, criterion by criterion. Pure module.

Each criterion is met (``True``), not met (``False``) or to be checked by the company (``None``),
with what the company answered. The status follows: one criterion not met and the entry is
``not_eligible`` (never shown); one to check and it is ``to_check``; otherwise ``eligible``.
Criteria come from the entry's own fields: where it is offered (``regions``), for which sizes
(``sizes``), sectors (``sectors``), until when (``valid_until``), the OPCO it belongs to (``opco``)
and the conditions the company checks itself (``criteria``). Mission Transition Écologique models
its programmes' eligibility the same way (eligible, partially eligible, not eligible, ended).

OPCO membership follows the collective agreement (its IDCC, on payslips), not the NAF code: when
the company said which OPCO it belongs to, that decides; when it did not, the sectors only make an
OPCO probable, and the criterion is to check.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable

from .catalogue import Entry
from .questionnaire import SIZE_BANDS, Text
from .referential import NAF_SECTIONS

ELIGIBLE, TO_CHECK, NOT_ELIGIBLE = "eligible", "to_check", "not_eligible"
STATUSES = (ELIGIBLE, TO_CHECK, NOT_ELIGIBLE)
# The profile's answer when the company does not know its OPCO (the form's "Je ne sais pas").
OPCO_UNKNOWN = "unknown"


@dataclass(frozen=True)
class Criterion:
    """One condition of an entry and what the company answered; put into words by the
    ``criterion_words`` macro (templates/_eligibility.html), the same for the page, the PDF and
    the ``recommend`` command.

    ``kind`` is one of: ``region`` (``codes``: the entry's regions, empty when national),
    ``size`` (``codes``: its size bands), ``sector`` (``codes``: its NAF sections), ``open``
    (``until``: its last day), ``opco`` (``codes``: its OPCO; ``probable``: guessed from the sector),
    ``other`` (``text``: a condition the company checks itself) and ``audience`` (``codes``: whom the
    entry serves; never met, since such an entry is never shown).
    """

    kind: str
    met: bool | None
    codes: tuple[str, ...] = ()
    answer: str | None = None  # the company's code: region, size band, sector, OPCO
    until: dt.date | None = None
    text: Text | None = None
    probable: bool = False
    audience: str = "company"  # whom the criterion is said to: "Entreprise située…" or "Structure située…"


@dataclass(frozen=True)
class Eligibility:
    status: str
    criteria: tuple[Criterion, ...]

    @property
    def shown(self) -> bool:
        return self.status != NOT_ELIGIBLE

    @property
    def opco_to_check(self) -> bool:
        """Whether the company should look up its OPCO (its IDCC) to know if the entry fits."""
        return any(c.kind == "opco" and c.met is None for c in self.criteria)


def status_of(criteria: tuple[Criterion, ...]) -> str:
    if any(c.met is False for c in criteria):
        return NOT_ELIGIBLE
    if any(c.met is None for c in criteria):
        return TO_CHECK
    return ELIGIBLE


def evaluate(entry: Entry, region: str | None, size_band: str | None, sector: str | None,
             today: dt.date, opco: str | None = None, audience: str = "company") -> Eligibility:
    """Return the entry's criteria, each with what the organisation answered, and the status.

    An entry that does not serve the audience is not eligible. For a public body the company
    criteria (size, sector, OPCO) do not apply: a body has none of them; its region still does."""
    if not entry.serves(audience):
        return Eligibility(NOT_ELIGIBLE, (Criterion("audience", False, entry.audiences, audience),))
    criteria = [Criterion("region", entry.national or region in entry.regions,
                          () if entry.national else entry.regions, region, audience=audience)]
    company = audience == "company"
    if company and entry.sizes != tuple(SIZE_BANDS):
        criteria.append(Criterion("size", size_band in entry.sizes, entry.sizes, size_band))
    if company and entry.opco:
        criteria.append(_opco_criterion(entry, sector, opco))
    elif company and entry.sectors != tuple(NAF_SECTIONS):
        criteria.append(Criterion("sector", sector in entry.sectors, entry.sectors, sector))
    if entry.valid_until is not None:
        criteria.append(Criterion("open", entry.is_valid_on(today), until=entry.valid_until))
    criteria.extend(Criterion("other", None, text=t) for t in entry.criteria)
    return Eligibility(status_of(tuple(criteria)), tuple(criteria))


def _opco_criterion(entry: Entry, sector: str | None, opco: str | None) -> Criterion:
    assert entry.opco is not None
    if opco and opco != OPCO_UNKNOWN:
        return Criterion("opco", opco == entry.opco, (entry.opco,), opco)
    if sector in entry.sectors:
        return Criterion("opco", None, (entry.opco,), None, probable=True)
    return Criterion("opco", False, (entry.opco,), None)


def as_dict(eligibility: Eligibility, words: Callable[[Criterion, bool], str]) -> dict[str, Any]:
    """Return the eligibility as JSON-ready data; ``words(criterion, answer)`` puts a criterion, or
    with ``answer`` what the company answered, into words."""
    return {"status": eligibility.status,
            "criteria": [{"label": words(c, False), "met": c.met, "answer": words(c, True)}
                         for c in eligibility.criteria]}
