"""What the diagnostics led to (issue 15): the observatory's funnel and the maturity gain.

The funnel counts companies (their first diagnostic: a follow-up diagnostic is the same company),
validated and consenting to statistics, and how far their check-ins say they went: at least one
action of the plan started (in progress or done), a recommended programme contacted, an
application filed, a programme obtained. A stage is reached when any check-in of the diagnostic
said so (a company that started an action, then gave it up, did start one).

The maturity gain compares a company's first diagnostic (T0) with its follow-up (T1, the first
follow-up validated on the same questionnaire), both consenting to statistics, for the companies
accompanied (an advisor's follow-up status of T0 other than "nouveau") against the others.

Figures come out raw; :func:`shown` and :func:`comparable` apply the small-cell rule: no figure
from fewer than ``SMALL_CELL`` companies, no comparison with fewer than ``COMPARE_MIN`` in a group.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from .checkins import APPLIED, CONTACTED, OBTAINED, STARTED
# The observatory's rules: no figure from fewer than 5 companies, comparisons from 10 per group.
from .stats import PEERS_MIN as COMPARE_MIN, SMALL_CELL

KINDS = ("region", "size_band", "sector")
STAGES = ("diagnosed", "started", "contacted", "applied", "obtained")


@dataclass(frozen=True)
class Funnel:
    """The companies of one category at each stage (before any suppression)."""

    diagnosed: int
    started: int
    contacted: int
    applied: int
    obtained: int

    def stage(self, name: str) -> int:
        return getattr(self, name)


@dataclass(frozen=True)
class Gain:
    """The T0 → T1 gains of one category: (companies, total of their gains) per group."""

    accompanied: tuple[int, float]
    alone: tuple[int, float]


def _where(regions: list[str] | None, include_demo: bool, alias: str = "a") -> tuple[str, list[Any]]:
    where = (f"{alias}.status = 'submitted' and {alias}.consent_stats = 1 and {alias}.previous_id is null")
    params: list[Any] = []
    if not include_demo:
        where += f" and {alias}.is_demo = 0"
    if regions is not None:
        where += f" and {alias}.region in ({', '.join('?' * len(regions))})" if regions else " and 0"
        params.extend(regions)
    return where, params


def _reached(kind: str, statuses: tuple[str, ...]) -> str:
    marks = ", ".join(f"'{s}'" for s in statuses)  # constants of store.checkins, not user input
    return (f"exists (select 1 from checkins as c join checkin_items as i on i.checkin_id = c.id "
            f"where c.assessment_id = a.id and i.kind = '{kind}' and i.status in ({marks}))")


def _by_kind(select: str, columns: str) -> str:
    """Group the rows of ``f`` by each kind, and all together (kind 'all', key '')."""
    parts = [f"select '{kind}', coalesce({kind}, ''), {columns} from f group by {kind}" for kind in KINDS]
    parts.append(f"select 'all', '', {columns} from f")
    return f"with f as ({select}) " + " union all ".join(parts)


def funnel(db: Database, regions: list[str] | None, include_demo: bool = False) -> dict[str, dict[str, Funnel]]:
    """Return the funnel per kind (region, size_band, sector, and 'all' under the key '') and key."""
    where, params = _where(regions, include_demo)
    select = (f"select a.region, a.size_band, a.sector, {_reached('action', STARTED)} as started, "
              f"{_reached('programme', CONTACTED)} as contacted, {_reached('programme', APPLIED)} as applied, "
              f"{_reached('programme', OBTAINED)} as obtained from assessments as a where {where}")
    found: dict[str, dict[str, Funnel]] = {kind: {} for kind in (*KINDS, "all")}
    for kind, key, *counts in db.execute(_by_kind(select, "count(*), coalesce(sum(started), 0), "
                                                          "coalesce(sum(contacted), 0), coalesce(sum(applied), 0), "
                                                          "coalesce(sum(obtained), 0)"), params):
        if counts[0]:
            found[kind][key] = Funnel(*counts)
    return found


def gains(db: Database, regions: list[str] | None, include_demo: bool = False) -> dict[str, dict[str, Gain]]:
    """Return the T0 → T1 maturity gains per kind and key, accompanied companies against the others."""
    where, params = _where(regions, include_demo, "a")
    select = (f"select a.region, a.size_band, a.sector, a.followup_status != 'nouveau' as accompanied, "
              f"t1.overall - a.overall as gain from assessments as a join assessments as t1 on t1.id = ("
              f"select x.id from assessments as x where x.previous_id = a.id and x.status = 'submitted' "
              f"and x.consent_stats = 1 and x.questionnaire_id = a.questionnaire_id and x.overall is not null "
              f"order by x.submitted_at, x.id limit 1) where {where} and a.overall is not null")
    columns = ("coalesce(sum(accompanied), 0), coalesce(sum(case when accompanied then gain end), 0), "
               "coalesce(sum(1 - accompanied), 0), coalesce(sum(case when accompanied then 0 else gain end), 0)")
    found: dict[str, dict[str, Gain]] = {kind: {} for kind in (*KINDS, "all")}
    for kind, key, n_with, total_with, n_alone, total_alone in db.execute(_by_kind(select, columns), params):
        if n_with or n_alone:
            found[kind][key] = Gain((n_with, total_with), (n_alone, total_alone))
    return found


def average(group: tuple[int, float]) -> float | None:
    """A group's average gain, rounded to 0.1, or None below ``SMALL_CELL`` companies."""
    count, total = group
    return round(total / count, 1) if count >= SMALL_CELL else None


def comparable(gain: Gain) -> bool:
    """Whether the two groups may be compared: ``COMPARE_MIN`` companies in each."""
    return gain.accompanied[0] >= COMPARE_MIN and gain.alone[0] >= COMPARE_MIN
