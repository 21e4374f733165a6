"""Advisors' accounts and the login throttling counters."""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from .db import write_transaction
from .assessments import now_iso


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def _decode(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is not None:
        row = dict(row)
        row["regions"] = json.loads(row.get("regions") or "[]")
    return row


def get_advisor(db: Database, advisor_id: int) -> dict[str, Any] | None:
    rows = list(db.query("select * from advisors where id = ?", [advisor_id]))
    return _decode(rows[0]) if rows else None


def advisor_by_email(db: Database, email: str) -> dict[str, Any] | None:
    rows = list(db.query("select * from advisors where email = ?", [normalise_email(email)]))
    return _decode(rows[0]) if rows else None


def list_advisors(db: Database) -> list[dict[str, Any]]:
    return [_decode(row) for row in db.query("select * from advisors order by active desc, email")]


class DuplicateEmail(ValueError):
    """An account with this e-mail address already exists."""


def create_advisor(db: Database, email: str, password_hash: str, *, name: str | None = None,
                   regions: Iterable[str] = (), is_admin: bool = False) -> int:
    """Create an account and return its id; raise DuplicateEmail if the address is taken."""
    email = normalise_email(email)
    with write_transaction(db):
        if db.execute("select 1 from advisors where email = ?", [email]).fetchone():
            raise DuplicateEmail(email)
        return db["advisors"].insert({
            "email": email, "name": name or None, "password_hash": password_hash,
            "is_admin": int(bool(is_admin)), "regions": json.dumps(sorted(set(regions))),
            "active": 1, "session_version": 1, "created_at": now_iso(),
        }).last_pk


def update_advisor(db: Database, advisor_id: int, *, name: str | None, regions: Iterable[str],
                   is_admin: bool, active: bool) -> None:
    """Change an account; deactivating it, or removing its admin role, ends its sessions."""
    with write_transaction(db):
        row = db.execute("select active, is_admin from advisors where id = ?", [advisor_id]).fetchone()
        if row is None:
            return
        revoke = (row[0] and not active) or (row[1] and not is_admin)
        db.execute(
            "update advisors set name = ?, regions = ?, is_admin = ?, active = ?, "
            "session_version = session_version + ? where id = ?",
            [name or None, json.dumps(sorted(set(regions))), int(bool(is_admin)), int(bool(active)),
             1 if revoke else 0, advisor_id])


def set_password(db: Database, advisor_id: int, password_hash: str, *, end_sessions: bool = True) -> None:
    """Store a new password hash; by default every open session of the account ends."""
    db.execute("update advisors set password_hash = ?, session_version = session_version + ? where id = ?",
               [password_hash, 1 if end_sessions else 0, advisor_id])


def end_all_sessions(db: Database, advisor_id: int) -> None:
    """End every open session of an account (its cookies no longer match its version)."""
    db.execute("update advisors set session_version = session_version + 1 where id = ?", [advisor_id])


# Counters of failed logins: kind 'pair' per (e-mail typed, client address), kind 'address' per client
# address (its e-mail is ''). What they allow is decided in auth.py.


@dataclass(frozen=True)
class LoginCounter:
    kind: str  # pair | address
    email: str
    address: str
    failures: int
    last_failed_at: float  # seconds since the epoch


def _counters(rows) -> list[LoginCounter]:
    return [LoginCounter(*row) for row in rows]


def login_counters(db: Database, email: str, address: str, since: float) -> list[LoginCounter]:
    """Return the counters of a pair and of its address that had a failure since a time."""
    return _counters(db.execute(
        "select kind, email, address, failures, last_failed_at from login_throttles "
        "where ((kind = 'pair' and email = ?) or (kind = 'address' and email = '')) and address = ? "
        "and last_failed_at >= ?", [normalise_email(email), address, since]).fetchall())


def record_login_failure(db: Database, email: str, address: str, at: float, forget_before: float) -> None:
    """Count a failed login for the pair and for the address; prune the counters quiet since a time."""
    with write_transaction(db):
        db.execute("delete from login_throttles where last_failed_at < ?", [forget_before])
        for kind, key in (("pair", normalise_email(email)), ("address", "")):
            db.execute(
                "insert into login_throttles (kind, email, address, failures, last_failed_at) "
                "values (?, ?, ?, 1, ?) on conflict (kind, email, address) "
                "do update set failures = failures + 1, last_failed_at = excluded.last_failed_at",
                [kind, key, address, at])


def clear_login_failures(db: Database, email: str, address: str) -> None:
    """Forget the failures of one pair (after the right password); the address keeps its count."""
    db.execute("delete from login_throttles where kind = 'pair' and email = ? and address = ?",
               [normalise_email(email), address])


def failures_by_account(db: Database, since: float) -> dict[str, tuple[int, float]]:
    """Return, per account e-mail, the failures of its live counters and the time of the last one."""
    return {row[0]: (row[1], row[2]) for row in db.execute(
        "select t.email, sum(t.failures), max(t.last_failed_at) from login_throttles as t "
        "join advisors as v on v.email = t.email "
        "where t.kind = 'pair' and t.last_failed_at >= ? group by t.email", [since]).fetchall()}


def heavy_counters(db: Database, pair_failures: int, address_failures: int, since: float,
                   limit: int = 100) -> list[LoginCounter]:
    """Return the counters with enough failures to make logins wait whose last failure is recent
    enough for a wait to run still, the latest first."""
    return _counters(db.execute(
        "select kind, email, address, failures, last_failed_at from login_throttles "
        "where last_failed_at >= ? and failures >= (case kind when 'pair' then ? else ? end) "
        "order by last_failed_at desc limit ?", [since, pair_failures, address_failures, limit]).fetchall())


# -- the daily digest of the companies to get back to (issue 15) ---------------------------------

DIGEST_LANGUAGES = ("fr", "en")


def set_digest(db: Database, advisor_id: int, wanted: bool, lang: str) -> None:
    """Record whether an advisor wants the daily e-mail digest, and in which language."""
    if lang not in DIGEST_LANGUAGES:
        raise ValueError(f"unknown digest language {lang!r}")
    db.execute("update advisors set digest = ?, digest_lang = ? where id = ?", [int(bool(wanted)), lang, advisor_id])


def digest_advisors(db: Database) -> list[dict[str, Any]]:
    """Return the active advisors who asked for the daily digest."""
    return [_decode(row) for row in db.query("select * from advisors where active = 1 and digest = 1 order by id")]
