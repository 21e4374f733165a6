"""What advisors read and write: scope, the list and its filters, the export, notes, follow-up chains."""
from __future__ import annotations

from zoneinfo import ZoneInfo

import dataclasses
import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from ..domain import clock
from .db import write_transaction
from .assessments import delete_where, now_iso
from .accounts import _decode


FOLLOWUP_STATUSES = ("nouveau", "contacté", "en accompagnement", "clos")
PAGE_SIZE = 50
COUNT_CAP = 1000  # the list counts matches up to this, then says "more than"
CHAIN_MAX = 50  # a follow-up chain longer than this is a data error, not a company


@dataclass(frozen=True)
class Scope:
    """The assessments one signed-in advisor may see."""

    advisor_id: int
    is_admin: bool
    regions: tuple[str, ...] = ()

    @classmethod
    def of(cls, advisor: dict[str, Any]) -> Scope:
        return cls(advisor["id"], bool(advisor["is_admin"]), tuple(advisor.get("regions") or ()))

    def allows(self, assessment: dict[str, Any] | None) -> bool:
        if assessment is None:
            return False
        if self.is_admin or assessment.get("created_by") == self.advisor_id:
            return True
        return bool(assessment.get("consent_contact")) and assessment.get("region") in self.regions

    def sql(self, alias: str = "") -> tuple[str, list[Any]]:
        """Return the WHERE condition selecting the visible assessments, with its parameters."""
        if self.is_admin:
            return "1", []
        prefix = f"{alias}." if alias else ""
        if not self.regions:
            return f"{prefix}created_by = ?", [self.advisor_id]
        marks = ", ".join("?" * len(self.regions))
        return (f"(({prefix}region in ({marks}) and {prefix}consent_contact = 1) or {prefix}created_by = ?)",
                [*self.regions, self.advisor_id])


def visible(db: Database, scope: Scope, assessment_id: int) -> dict[str, Any] | None:
    """Return an assessment if the advisor may see it; None whether it is missing or hidden."""
    rows = list(db.query("select * from assessments where id = ?", [assessment_id]))
    return rows[0] if rows and scope.allows(rows[0]) else None


# « À relancer »: a company that agreed to be contacted and whose file still says "nouveau" is due
# a reminder 9, 21 and 45 days after its validation (the days of the service's time zone): the
# step shown is the latest one reached. A company whose latest check-in asks to be contacted is
# on the list too ('contact'), until the advisor changes its follow-up status after that check-in.
REMIND_DAYS = (45, 21, 9)
REMIND_STEPS = ("contact", *(f"J+{days}" for days in REMIND_DAYS))


def remind_step_sql(as_of: dt.date, tz: ZoneInfo, alias: str = "a") -> tuple[str, list[Any]]:
    """Return an SQL expression over ``alias`` giving why the company is to get back to on the day
    ``as_of`` ('contact', 'J+45', 'J+21', 'J+9'), or NULL, with its parameters.

    Validated on the day D, a company is due at J+9 from the day D + 9: validated before the
    start of the day ``as_of`` - 8.
    """
    wants_contact = (
        f"exists (select 1 from checkins as c where c.assessment_id = {alias}.id and c.wants_contact = 1 "
        f"and c.updated_at is not null and c.step = (select max(d.step) from checkins as d "
        f"where d.assessment_id = {alias}.id and d.updated_at is not null) "
        f"and ({alias}.followup_changed_at is null or {alias}.followup_changed_at <= c.updated_at))")
    due = f"{alias}.status = 'submitted' and {alias}.consent_contact = 1 and {alias}.followup_status = 'nouveau'"
    cases, params = [f"when {alias}.status = 'submitted' and {wants_contact} then 'contact'"], []
    for days in REMIND_DAYS:
        cases.append(f"when {due} and {alias}.submitted_at < ? then 'J+{days}'")
        params.append(clock.day_start(as_of - dt.timedelta(days=days - 1), tz))
    return f"case {' '.join(cases)} end", params


def remind_count(db: Database, scope: Scope, filters: Filters) -> int:
    """Return how many companies of the list are to get back to (capped like the list's count)."""
    where, params = dataclasses.replace(filters, remind=True).sql(scope)
    return db.execute(f"select count(*) from (select 1 from assessments as a where {where} limit ?)",
                      [*params, COUNT_CAP + 1]).fetchone()[0]


SORTS = {
    "date": "a.submitted_at", "created": "a.created_at", "company": "a.company_name collate nocase",
    "score": "a.overall", "region": "a.region",
}


@dataclass(frozen=True)
class Filters:
    """What the advisor asked the list for; every field optional."""

    region: str | None = None
    audience: str | None = None  # company | public (questionnaire.AUDIENCES)
    size_band: str | None = None
    sector: str | None = None
    level: str | None = None
    followup_status: str | None = None
    state: str | None = None  # submitted | draft
    mode: str | None = None  # self | interview
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    tz: ZoneInfo = clock.zone()  # the zone of date_from and date_to (the service's)
    include_demo: bool = False
    search: str | None = None
    sort: str = "date"
    descending: bool = True
    mine: bool = False  # assigned to the signed-in advisor
    remind: bool = False  # only the companies to get back to ("À relancer"), as of ``as_of``
    as_of: dt.date | None = None  # the day of the reminders (today in ``tz`` when None)

    def sql(self, scope: Scope) -> tuple[str, list[Any]]:
        where, params = scope.sql("a")
        clauses, values = [where], list(params)
        if self.remind:
            step, step_params = remind_step_sql(self.as_of or clock.today(self.tz), self.tz)
            clauses.append(f"({step}) is not null")
            values.extend(step_params)
        for column in ("region", "audience", "size_band", "sector", "level", "followup_status", "mode"):
            value = getattr(self, column)
            if value:
                clauses.append(f"a.{column} = ?")
                values.append(value)
        if self.state:
            clauses.append("a.status = ?")
            values.append(self.state)
        # Days are those of the service's time zone; timestamps are stored in UTC.
        if self.date_from:
            clauses.append("a.submitted_at >= ?")
            values.append(clock.day_start(self.date_from, self.tz))
        if self.date_to:
            clauses.append("a.submitted_at < ?")
            values.append(clock.day_start(self.date_to + dt.timedelta(days=1), self.tz))
        if not self.include_demo:
            clauses.append("a.is_demo = 0")
        if self.search:
            clauses.append("a.company_name like ? escape '\\'")
            escaped = self.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            values.append(f"%{escaped}%")
        if self.mine:
            clauses.append("a.assigned_advisor_id = ?")
            values.append(scope.advisor_id)
        return " and ".join(clauses), values

    def order_by(self) -> str:
        column = SORTS.get(self.sort, SORTS["date"])
        direction = "desc" if self.descending else "asc"
        return f"{column} {direction}, a.id {direction}"


LIST_COLUMNS = ("a.id, a.company_name, a.region, a.size_band, a.sector, a.status, a.mode, a.followup_status, "
                "a.overall, a.level, a.submitted_at, a.created_at, a.is_demo, a.previous_id, "
                "a.assigned_advisor_id, a.audience, a.body_kind, a.population_band, a.agents_band")


@dataclass
class Page:
    rows: list[dict[str, Any]]
    number: int
    has_next: bool
    total: int  # capped at COUNT_CAP + 1
    capped: bool = field(default=False)


def search(db: Database, scope: Scope, filters: Filters, page: int = 1, per_page: int = PAGE_SIZE) -> Page:
    """Return one page of the visible assessments matching the filters, with a capped count.

    Counting every match of a broad filter over 100,000 rows costs more than the page itself;
    counting up to COUNT_CAP is enough to say "1 000 et plus".
    """
    where, params = filters.sql(scope)
    step, step_params = remind_step_sql(filters.as_of or clock.today(filters.tz), filters.tz)
    page = max(1, page)
    keys = [c.split(".")[1] for c in LIST_COLUMNS.split(", ")] + ["remind_step"]
    rows = [dict(zip(keys, row)) for row in db.execute(
        f"select {LIST_COLUMNS}, {step} from assessments as a where {where} order by {filters.order_by()} "
        f"limit ? offset ?", [*step_params, *params, per_page + 1, (page - 1) * per_page]).fetchall()]
    has_next = len(rows) > per_page
    rows = rows[:per_page]
    total = db.execute(f"select count(*) from (select 1 from assessments as a where {where} limit ?)",
                       [*params, COUNT_CAP + 1]).fetchone()[0]
    names = advisor_names(db, {r["assigned_advisor_id"] for r in rows if r["assigned_advisor_id"]})
    for row in rows:
        row["assigned_name"] = names.get(row["assigned_advisor_id"])
    return Page(rows, page, has_next, total, total > COUNT_CAP)


def hidden_demo_count(db: Database, scope: Scope, filters: Filters) -> int:
    """Return how many demo assessments the list would add if they were included (capped at
    COUNT_CAP + 1, like the list's count); 0 when they are already shown.

    The partial index of the demo rows bounds the work by their number: left to itself, SQLite
    walks every real assessment of a region to find none (100,000 rows: 55 ms instead of 0.01).
    """
    if filters.include_demo:
        return 0
    where, params = dataclasses.replace(filters, include_demo=True).sql(scope)
    return db.execute(f"select count(*) from (select 1 from assessments as a indexed by idx_assessments_demo "
                      f"where {where} and a.is_demo = 1 limit ?)", [*params, COUNT_CAP + 1]).fetchone()[0]


EXPORT_COLUMNS = ("id", "created_at", "submitted_at", "company_name", "region", "department", "size_band",
                  "sector", "status", "followup_status", "mode", "overall", "level", "floor_level",
                  "confidence", "dimension_scores", "is_demo", "audience", "body_kind", "population_band",
                  "agents_band")


# The export ends with the company's latest answered check-in (issue 15): its step (months), the
# day it was saved, whether it asks for contact, and its statuses as "kind:status" separated by commas.
_LATEST_CHECKIN = ("select c.id from checkins as c where c.assessment_id = a.id and c.updated_at is not null "
                   "order by c.step desc limit 1")
_LATEST_CHECKIN_COLUMNS = ("lc.step, lc.updated_at, lc.wants_contact, (select group_concat(i.kind || ':' || "
                           "i.status) from checkin_items as i where i.checkin_id = lc.id)")


def export_rows(db: Database, scope: Scope, filters: Filters, batch: int = 500) -> Iterator[tuple]:
    """Yield the rows of the CSV export one by one, fetched from one cursor in batches."""
    where, params = filters.sql(scope)
    cursor = db.execute(f"select {', '.join('a.' + c for c in EXPORT_COLUMNS)}, {_LATEST_CHECKIN_COLUMNS} "
                        f"from assessments as a left join checkins as lc on lc.id = ({_LATEST_CHECKIN}) "
                        f"where {where} order by {filters.order_by()}", params)
    try:
        while True:
            rows = cursor.fetchmany(batch)
            if not rows:
                return
            yield from rows
    finally:
        cursor.close()


def advisor_names(db: Database, ids: Iterable[int]) -> dict[int, str]:
    ids = list(ids)
    if not ids:
        return {}
    return {row[0]: row[1] or row[2] for row in db.execute(
        f"select id, name, email from advisors where id in ({', '.join('?' * len(ids))})", ids).fetchall()}


def notes(db: Database, assessment_id: int) -> list[dict[str, Any]]:
    return list(db.query(
        "select n.id, n.body, n.created_at, n.author_id, coalesce(v.name, v.email) as author "
        "from notes as n left join advisors as v on v.id = n.author_id "
        "where n.assessment_id = ? order by n.created_at, n.id", [assessment_id]))


def add_note(db: Database, assessment_id: int, author_id: int, body: str) -> int:
    with write_transaction(db):
        return db["notes"].insert({"assessment_id": assessment_id, "author_id": author_id, "body": body,
                                   "created_at": now_iso()}).last_pk


def set_followup(db: Database, assessment_id: int, status: str, assigned_advisor_id: int | None) -> None:
    if status not in FOLLOWUP_STATUSES:
        raise ValueError(f"unknown follow-up status {status!r}")
    db.execute("update assessments set followup_changed_at = case when followup_status is ? "
               "then followup_changed_at else ? end, followup_status = ?, assigned_advisor_id = ? where id = ?",
               [status, now_iso(), status, assigned_advisor_id, assessment_id])


def assignable_advisors(db: Database, region: str | None, current: int | None = None) -> list[dict[str, Any]]:
    """Return the active advisors covering a region, the administrators, and the current assignee."""
    rows = [_decode(r) for r in db.query("select * from advisors where active = 1 or id = ? order by name, email",
                                         [current or 0])]
    return [r for r in rows if r["is_admin"] or region in r["regions"] or r["id"] == current]


# An assessment and the ones it follows up, walking previous_id upwards (depth 0 = itself).
_ANCESTORS = f"""with recursive up(id, previous_id, depth) as (
            select id, previous_id, 0 from assessments where id = ?
            union all
            select a.id, a.previous_id, up.depth + 1 from assessments as a join up on a.id = up.previous_id
            where up.depth < {CHAIN_MAX})"""


def chain(db: Database, assessment_id: int) -> list[dict[str, Any]]:
    """Return the assessments of a follow-up chain, from the first one to the latest.

    Walks up ``previous_id`` to the first assessment, then down to every later one.
    """
    root = db.execute(f"""
        {_ANCESTORS}
        select id from up order by depth desc limit 1""", [assessment_id]).fetchone()
    if root is None:
        return []
    return list(db.query(f"""
        with recursive down(id, depth) as (
            select ?, 0
            union all
            select a.id, down.depth + 1 from assessments as a join down on a.previous_id = down.id
            where down.depth < {CHAIN_MAX})
        select a.* from down join assessments as a on a.id = down.id
        order by coalesce(a.submitted_at, a.created_at), a.id""", [root[0]]))


def first_of_chain(db: Database, assessment: dict[str, Any]) -> dict[str, Any] | None:
    """Return the first submitted assessment of the chain this one belongs to, if not itself."""
    if not assessment.get("previous_id"):
        return None
    row = db.execute(f"""
        {_ANCESTORS}
        select a.id from up join assessments as a on a.id = up.id
        where a.status = 'submitted' and a.id != ? order by up.depth desc limit 1""",
        [assessment["id"], assessment["id"]]).fetchone()
    if row is None:
        return None
    return next(iter(db.query("select * from assessments where id = ?", [row[0]])), None)


def erase_chain(db: Database, assessment_id: int) -> list[int]:
    """Erase a company's whole follow-up chain (the first diagnostic and every follow-up) with
    their answers and notes; return the ids that went (the caller forgets their cached PDFs).

    The chain is read inside the write transaction, so a follow-up started meanwhile goes too.
    """
    with write_transaction(db):
        ids = [row["id"] for row in chain(db, assessment_id)]
        if ids:
            delete_where(db, f"id in ({','.join('?' * len(ids))})", ids)
    return ids
