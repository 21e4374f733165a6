"""Check-ins (issue 15): the company's consent, its check-ins at +3 and +6 months, and the outbox.

A check-in is created when it falls due (:func:`schedule_due`), in the same transaction as the
outbox row that will carry its message: the outbox's unique ``key`` (``checkin:<assessment>:<step>``)
makes deciding twice harmless. A sender then takes rows one at a time (:func:`claim`): taking sets
``claimed_at`` inside a write transaction, so two workers never take the same row; a row taken by a
process that died is taken again after ``lease_seconds``.

Statuses the company gives (``checkin_items.status``):
  actions of the plan (kind 'action', ref: the plan item's question id): :data:`ACTION_STATUSES`;
  recommended programmes (kind 'programme', ref: the catalogue entry id): :data:`PROGRAMME_STATUSES`.
"""
from __future__ import annotations

import calendar
import datetime as dt
import json
from collections.abc import Callable, Iterable
from typing import Any
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from ..domain import clock
from .assessments import hash_token, now_iso
from .db import write_transaction

ACTION_STATUSES = ("pas_commencee", "en_cours", "faite", "abandonnee")
PROGRAMME_STATUSES = ("pas_contacte", "contacte", "candidature", "obtenu", "refuse")
STATUSES = {"action": ACTION_STATUSES, "programme": PROGRAMME_STATUSES}
# The funnel's stages (observatory): which statuses say a company got at least that far.
STARTED = ("en_cours", "faite")
CONTACTED = ("contacte", "candidature", "obtenu", "refuse")
APPLIED = ("candidature", "obtenu", "refuse")
OBTAINED = ("obtenu",)

CHECKIN = "checkin"  # outbox kind of a check-in message


def outbox_key(assessment_id: int, step: int) -> str:
    return f"{CHECKIN}:{int(assessment_id)}:{int(step)}"


def add_months(day: dt.date, months: int) -> dt.date:
    """Return the same day ``months`` later (the month's last day when it has fewer days)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# -- consent ---------------------------------------------------------------------------------------


def subscription(db: Database, assessment_id: int) -> dict[str, Any] | None:
    """Return the company's consent to check-ins (active or withdrawn), or None if never given."""
    rows = list(db.query("select * from checkin_subscriptions where assessment_id = ?", [assessment_id]))
    return rows[0] if rows else None


def subscribe(db: Database, assessment_id: int, email: str, lang: str, unsubscribe_token_hash: str,
              now: str | None = None) -> None:
    """Record the consent, dated now (given again after a withdrawal: a new date, a new link)."""
    stamp = now or now_iso()
    with write_transaction(db):
        db.execute(
            "insert into checkin_subscriptions (assessment_id, email, lang, consented_at, withdrawn_at, "
            "unsubscribe_token_hash) values (?, ?, ?, ?, null, ?) on conflict (assessment_id) do update set "
            "email = excluded.email, lang = excluded.lang, consented_at = excluded.consented_at, "
            "withdrawn_at = null, unsubscribe_token_hash = excluded.unsubscribe_token_hash",
            [assessment_id, email, lang, stamp, unsubscribe_token_hash])


def by_unsubscribe_token(db: Database, token: str) -> dict[str, Any] | None:
    if not token or len(token) > 100:
        return None
    rows = list(db.query("select * from checkin_subscriptions where unsubscribe_token_hash = ?",
                         [hash_token(token)]))
    return rows[0] if rows else None


def withdraw(db: Database, assessment_id: int, now: str | None = None) -> bool:
    """Withdraw the consent; the messages not sent yet are cancelled. Return False if not active."""
    stamp = now or now_iso()
    with write_transaction(db):
        changed = db.execute(
            "update checkin_subscriptions set withdrawn_at = ? where assessment_id = ? and withdrawn_at is null",
            [stamp, assessment_id]).rowcount
        db.execute("update outbox set cancelled_at = ? where assessment_id = ? and kind = ? "
                   "and sent_at is null and cancelled_at is null", [stamp, assessment_id, CHECKIN])
    return changed > 0


def active(row: dict[str, Any] | None) -> bool:
    return bool(row) and not row.get("withdrawn_at")


# -- check-ins -------------------------------------------------------------------------------------


def by_token(db: Database, token: str) -> dict[str, Any] | None:
    """Return the check-in a private check-in link opens, or None."""
    if not token or len(token) > 100:
        return None
    rows = list(db.query("select * from checkins where token_hash = ?", [hash_token(token)]))
    return rows[0] if rows else None


def get(db: Database, checkin_id: int) -> dict[str, Any] | None:
    rows = list(db.query("select * from checkins where id = ?", [checkin_id]))
    return rows[0] if rows else None


def items(db: Database, checkin_id: int) -> dict[tuple[str, str], str]:
    """Return the statuses of a check-in: (kind, ref) → status."""
    return {(row["kind"], row["ref"]): row["status"] for row in db.query(
        "select kind, ref, status from checkin_items where checkin_id = ?", [checkin_id])}


def of_assessment(db: Database, assessment_id: int) -> list[dict[str, Any]]:
    """Return a diagnostic's check-ins, first step first, each with its ``items``."""
    rows = list(db.query("select * from checkins where assessment_id = ? order by step", [assessment_id]))
    by_checkin: dict[int, dict[tuple[str, str], str]] = {row["id"]: {} for row in rows}
    if rows:  # every check-in's statuses in one query
        for item in db.query("select i.checkin_id, i.kind, i.ref, i.status from checkin_items as i "
                             "join checkins as c on c.id = i.checkin_id where c.assessment_id = ?", [assessment_id]):
            by_checkin[item["checkin_id"]][(item["kind"], item["ref"])] = item["status"]
    for row in rows:
        row["items"] = by_checkin[row["id"]]
    return rows


def latest(db: Database, assessment_ids: Iterable[int] | None = None) -> dict[int, dict[str, Any]]:
    """Return, per diagnostic, its latest check-in the company answered (opened and saved), with its
    ``items``: where it stands today. ``assessment_ids`` None: every diagnostic."""
    where, params = "c.updated_at is not null", []
    if assessment_ids is not None:
        ids = [int(i) for i in assessment_ids]
        if not ids:
            return {}
        where += f" and c.assessment_id in ({','.join('?' * len(ids))})"
        params = ids
    rows = db.query(f"""select c.* from checkins as c where {where} and c.step = (
        select max(d.step) from checkins as d where d.assessment_id = c.assessment_id and d.updated_at is not null)""",
                    params)
    found = {row["assessment_id"]: row for row in rows}
    for row in found.values():
        row["items"] = items(db, row["id"])
    return found


def stages(checkin_items: dict[tuple[str, str], str]) -> dict[str, bool]:
    """How far a company got, from its statuses: the observatory funnel's stages."""
    actions = [s for (kind, _), s in checkin_items.items() if kind == "action"]
    programmes = [s for (kind, _), s in checkin_items.items() if kind == "programme"]
    return {"started": any(s in STARTED for s in actions),
            "contacted": any(s in CONTACTED for s in programmes),
            "applied": any(s in APPLIED for s in programmes),
            "obtained": any(s in OBTAINED for s in programmes)}


def contact_requests(db: Database) -> list[dict[str, Any]]:
    """Return the check-ins whose company asks to be contacted (« je souhaite être recontacté(e) »),
    latest first: assessment id, check-in id, step, when it was saved and submitted."""
    return list(db.query(
        "select assessment_id, id as checkin_id, step, updated_at, submitted_at from checkins "
        "where wants_contact = 1 order by coalesce(updated_at, created_at) desc"))


def relink(db: Database, checkin_id: int, token_hash: str, assessment_id: int, unsubscribe_token_hash: str) -> None:
    """Store the hashes of a message's links as they are made now (the same unless the secret key
    changed: then the earlier messages' links stop working)."""
    with write_transaction(db):
        db.execute("update checkins set token_hash = ? where id = ? and token_hash <> ?",
                   [token_hash, checkin_id, token_hash])
        db.execute("update checkin_subscriptions set unsubscribe_token_hash = ? where assessment_id = ? "
                   "and unsubscribe_token_hash <> ?", [unsubscribe_token_hash, assessment_id, unsubscribe_token_hash])


def mark_opened(db: Database, checkin_id: int, now: str | None = None) -> None:
    with write_transaction(db):
        db.execute("update checkins set opened_at = coalesce(opened_at, ?) where id = ?",
                   [now or now_iso(), checkin_id])


def save(db: Database, checkin_id: int, statuses: dict[tuple[str, str], str | None] | None = None, *,
         comment: str | None = None, wants_contact: bool | None = None, submit: bool = False,
         now: str | None = None) -> None:
    """Save what the company said (only what is given; a status None removes it); ``submit`` dates
    the check-in as sent (the final « Enregistrer »), and it can still be updated afterwards."""
    stamp = now or now_iso()
    with write_transaction(db):
        for (kind, ref), status in (statuses or {}).items():
            if status is None:
                db.execute("delete from checkin_items where checkin_id = ? and kind = ? and ref = ?",
                           [checkin_id, kind, ref])
            else:
                if status not in STATUSES[kind]:
                    raise ValueError(f"{kind} status {status!r}")
                db.execute("insert into checkin_items (checkin_id, kind, ref, status, updated_at) "
                           "values (?, ?, ?, ?, ?) on conflict (checkin_id, kind, ref) do update set "
                           "status = excluded.status, updated_at = excluded.updated_at",
                           [checkin_id, kind, ref, status, stamp])
        sets, params = ["updated_at = ?", "opened_at = coalesce(opened_at, ?)"], [stamp, stamp]
        if comment is not None:
            sets.append("comment = ?")
            params.append(comment.strip() or None)
        if wants_contact is not None:
            sets.append("wants_contact = ?")
            params.append(int(bool(wants_contact)))
        if submit:
            sets.append("submitted_at = ?")
            params.append(stamp)
        db.execute(f"update checkins set {', '.join(sets)} where id = ?", [*params, checkin_id])
        if wants_contact:
            # asking to be contacted is the consent to be contacted: the company's advisors (not only
            # an administrator) then see it, at the address the check-ins go to if it gave none before
            db.execute("update assessments set consent_contact = 1, email = coalesce(email, "
                       "(select s.email from checkin_subscriptions as s where s.assessment_id = assessments.id)) "
                       "where id = (select assessment_id from checkins where id = ?)", [checkin_id])


# -- deciding what is due, and the outbox ----------------------------------------------------------


def schedule_due(db: Database, as_of: dt.date, steps: Iterable[int], tz: ZoneInfo,
                 token_hash_for: Callable[[int, int], str], now: str | None = None) -> list[int]:
    """Create the check-ins due on ``as_of`` with their outbox rows, in one transaction; return the
    new outbox ids.

    Due: a submitted (non-demo) diagnostic whose company consented and did not withdraw, ``step``
    months after the day it was validated (in ``tz``). When several steps are due at once (a late
    run, a late consent), only the latest is sent; a step never comes after a later one. The new
    check-in starts from the statuses of the previous one. ``token_hash_for(assessment_id, step)``
    gives the hash of the check-in's private link.
    """
    stamp = now or now_iso()
    steps = sorted({int(s) for s in steps if int(s) > 0})
    created: list[int] = []
    if not steps:
        return created
    with write_transaction(db):
        rows = list(db.query(
            "select a.id, a.submitted_at, s.email, s.lang, (select max(c.step) from checkins as c "
            "where c.assessment_id = a.id) as last_step from checkin_subscriptions as s "
            "join assessments as a on a.id = s.assessment_id "
            "where s.withdrawn_at is null and a.status = 'submitted' and a.is_demo = 0"))
        for row in rows:
            validated = clock.local_day(row["submitted_at"], tz)
            if validated is None:
                continue
            due = [s for s in steps if add_months(validated, s) <= as_of and s > (row["last_step"] or 0)]
            if not due:
                continue
            step = max(due)
            key = outbox_key(row["id"], step)
            cursor = db.execute(
                "insert into outbox (key, kind, assessment_id, to_addr, lang, payload, created_at) "
                "values (?, ?, ?, ?, ?, ?, ?) on conflict (key) do nothing",
                [key, CHECKIN, row["id"], row["email"], row["lang"] or "fr",
                 json.dumps({"step": step}), stamp])
            if not cursor.rowcount:
                continue
            checkin_id = db.execute(
                "insert into checkins (assessment_id, step, due_on, token_hash, created_at) values (?, ?, ?, ?, ?)",
                [row["id"], step, add_months(validated, step).isoformat(), token_hash_for(row["id"], step),
                 stamp]).lastrowid
            if row["last_step"]:
                db.execute("insert into checkin_items (checkin_id, kind, ref, status, updated_at) "
                           "select ?, i.kind, i.ref, i.status, i.updated_at from checkin_items as i "
                           "join checkins as c on c.id = i.checkin_id where c.assessment_id = ? and c.step = ?",
                           [checkin_id, row["id"], row["last_step"]])
            created.append(db.execute("select id from outbox where key = ?", [key]).fetchone()[0])
    return created


def claim(db: Database, now: dt.datetime, max_attempts: int, *, lease_seconds: int = 600,
          only: Iterable[int] | None = None) -> dict[str, Any] | None:
    """Take the next message to send, or None: not sent, not cancelled, fewer than ``max_attempts``
    tries, its retry time come, and not taken by another sender in the last ``lease_seconds``.
    Taking it counts an attempt. ``only``: outbox ids to choose from."""
    stamp = now.isoformat(timespec="seconds")
    lease = (now - dt.timedelta(seconds=lease_seconds)).isoformat(timespec="seconds")
    where = ("sent_at is null and cancelled_at is null and attempts < ? "
             "and (next_attempt_at is null or next_attempt_at <= ?) and (claimed_at is null or claimed_at < ?)")
    params: list[Any] = [max_attempts, stamp, lease]
    if only is not None:
        ids = [int(i) for i in only]
        if not ids:
            return None
        where += f" and id in ({','.join('?' * len(ids))})"
        params += ids
    with write_transaction(db):
        rows = list(db.query(f"select * from outbox where {where} order by id limit 1", params))
        if not rows:
            return None
        row = rows[0]
        db.execute("update outbox set claimed_at = ?, attempts = attempts + 1 where id = ?", [stamp, row["id"]])
    row.update(claimed_at=stamp, attempts=row["attempts"] + 1)
    return row


def mark_sent(db: Database, outbox_id: int, now: str | None = None) -> None:
    with write_transaction(db):
        db.execute("update outbox set sent_at = ?, claimed_at = null, last_error = null where id = ?",
                   [now or now_iso(), outbox_id])


def mark_failed(db: Database, outbox_id: int, error: str, next_attempt_at: str | None) -> None:
    """Record a failed try (``error`` says what in general terms, never the message)."""
    with write_transaction(db):
        db.execute("update outbox set claimed_at = null, last_error = ?, next_attempt_at = ? where id = ?",
                   [error[:500], next_attempt_at, outbox_id])


def cancel(db: Database, outbox_id: int, reason: str, now: str | None = None) -> None:
    with write_transaction(db):
        db.execute("update outbox set cancelled_at = ?, claimed_at = null, last_error = ? where id = ?",
                   [now or now_iso(), reason, outbox_id])


def outbox(db: Database, *, unsent_only: bool = False, limit: int = 200) -> list[dict[str, Any]]:
    """The outbox for the administrator, latest first (without the addresses)."""
    where = "where sent_at is null and cancelled_at is null" if unsent_only else ""
    return list(db.query(
        "select id, key, kind, assessment_id, lang, created_at, claimed_at, sent_at, cancelled_at, attempts, "
        f"last_error, next_attempt_at from outbox {where} order by id desc limit ?", [limit]))


def failed(db: Database, max_attempts: int) -> list[dict[str, Any]]:
    """The messages that will not be tried again: every attempt failed."""
    return list(db.query(
        "select id, key, kind, assessment_id, created_at, attempts, last_error from outbox "
        "where sent_at is null and cancelled_at is null and attempts >= ? order by id", [max_attempts]))


# -- erasure and portability -----------------------------------------------------------------------


def delete_selected(db: Database, selected: str, params: list[Any]) -> None:
    """Delete the consent, check-ins, statuses and messages of the assessments ``selected`` (a
    ``select id from assessments ...`` of our own constant text). Call inside a write transaction,
    before the assessments go (foreign keys). A database not yet migrated to them has none."""
    if not db["checkins"].exists():
        return
    db.execute(f"delete from checkin_items where checkin_id in "
               f"(select id from checkins where assessment_id in ({selected}))", params)
    db.execute(f"delete from checkins where assessment_id in ({selected})", params)
    db.execute(f"delete from checkin_subscriptions where assessment_id in ({selected})", params)
    db.execute(f"delete from outbox where assessment_id in ({selected})", params)


def export(db: Database, assessment_id: int) -> dict[str, Any]:
    """What portability gives the company: its consent, check-ins with statuses, messages sent."""
    sub = subscription(db, assessment_id)
    return {
        "subscription": ({k: sub[k] for k in ("email", "lang", "consented_at", "withdrawn_at")}
                         if sub else None),
        "checkins": [{"step_months": c["step"], "due_on": c["due_on"], "opened_at": c["opened_at"],
                      "updated_at": c["updated_at"], "submitted_at": c["submitted_at"],
                      "wants_contact": bool(c["wants_contact"]), "comment": c["comment"],
                      "items": [{"kind": kind, "ref": ref, "status": status}
                                for (kind, ref), status in sorted(c["items"].items())]}
                     for c in of_assessment(db, assessment_id)],
        "messages": [{"kind": row["kind"], "to": row["to_addr"], "created_at": row["created_at"],
                      "sent_at": row["sent_at"], "cancelled_at": row["cancelled_at"]}
                     for row in db.query("select * from outbox where assessment_id = ? order by id",
                                         [assessment_id])],
    }
