"""Assessments and their answers."""
from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlite_utils import Database

from .db import write_transaction

PROFILE_FIELDS = ("company_name", "size_band", "sector", "region", "department", "role", "email",
                  "consent_contact", "consent_stats", "lang", "opco")
# Added by a later migration (m007): written only when the profile gives it.
_LATER_PROFILE_FIELDS = ("opco",)


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def new_token() -> str:
    """Return a private link token: 256 random bits."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Return the stored form of a token; only the hash is kept, so a leaked database leaks no link."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create(db: Database, profile: dict[str, Any], questionnaire_id: str, questionnaire_version: int,
           *, mode: str = "self", created_by: int | None = None, previous_id: int | None = None,
           is_demo: bool = False, token: str | None = None, created_at: str | None = None) -> tuple[int, str]:
    """Create a draft assessment and return its id and private token."""
    token = token or new_token()
    stamp = created_at or now_iso()
    row = {key: profile.get(key) for key in PROFILE_FIELDS
           if key not in _LATER_PROFILE_FIELDS or profile.get(key) is not None}
    row.update(
        token_hash=hash_token(token), questionnaire_id=questionnaire_id,
        questionnaire_version=questionnaire_version, status="draft", mode=mode,
        created_by=created_by, previous_id=previous_id, is_demo=int(is_demo),
        consent_contact=int(bool(profile.get("consent_contact"))),
        consent_stats=int(bool(profile.get("consent_stats"))),
        created_at=stamp, updated_at=stamp,
    )
    with write_transaction(db):
        assessment_id = db["assessments"].insert(row).last_pk
    return assessment_id, token


def by_token(db: Database, token: str) -> dict[str, Any] | None:
    """Return the assessment a private token opens, or None."""
    if not token or len(token) > 100:
        return None
    rows = list(db.query("select * from assessments where token_hash = ?", [hash_token(token)]))
    return rows[0] if rows else None


def get(db: Database, assessment_id: int) -> dict[str, Any] | None:
    rows = list(db.query("select * from assessments where id = ?", [assessment_id]))
    return rows[0] if rows else None


def answers(db: Database, assessment_id: int) -> dict[str, Any]:
    """Return the answers of an assessment: question id → value (list for checklists)."""
    return {row["question_id"]: json.loads(row["value"]) for row in db.query(
        "select question_id, value from answers where assessment_id = ?", [assessment_id])}


def save_answers(db: Database, assessment_id: int, values: dict[str, Any]) -> bool:
    """Store answers (None removes one) on a draft; return False if the assessment is submitted."""
    stamp = now_iso()
    with write_transaction(db):
        status = db.execute("select status from assessments where id = ?", [assessment_id]).fetchone()
        if status is None or status[0] != "draft":
            return False
        removed = [qid for qid, value in values.items() if value is None]
        if removed:
            db.execute(
                f"delete from answers where assessment_id = ? and question_id in "
                f"({','.join('?' * len(removed))})", [assessment_id, *removed])
        rows = [{"assessment_id": assessment_id, "question_id": qid,
                 "value": json.dumps(value, ensure_ascii=False), "updated_at": stamp}
                for qid, value in values.items() if value is not None]
        if rows:
            db["answers"].upsert_all(rows, pk=("assessment_id", "question_id"))
        db["assessments"].update(assessment_id, {"updated_at": stamp})
    return True


def submit(db: Database, assessment_id: int, summary: dict[str, Any], scoring_version: int,
           submitted_at: str | None = None, record: dict[str, Any] | None = None) -> bool:
    """Mark a draft as submitted with its scores; return False if it was already submitted.

    ``record`` is the whole result (``scoring.to_record``), read back by the pages instead of
    scoring the answers again."""
    stamp = submitted_at or now_iso()
    with write_transaction(db):
        status = db.execute("select status from assessments where id = ?", [assessment_id]).fetchone()
        if status is None or status[0] != "draft":
            return False
        values = {
            "status": "submitted", "submitted_at": stamp, "updated_at": stamp,
            "scoring_version": scoring_version, "overall": summary["overall"],
            "level": summary["level"], "floor_level": summary["floor_level"],
            "confidence": summary["confidence"],
            "dimension_scores": json.dumps({k: v["score"] for k, v in summary["dimensions"].items()}),
        }
        if record is not None:
            values["scoring"] = json.dumps(record)
        db["assessments"].update(assessment_id, values)
    return True


def delete(db: Database, assessment_id: int) -> bool:
    """Erase an assessment with its answers and the advisors' notes on it; return False if it was
    already gone. The statistics triggers take it out of the figures."""
    with write_transaction(db):
        return delete_where(db, "id = ?", [assessment_id]) > 0


def delete_where(db: Database, condition: str, params: list[Any]) -> int:
    """Delete the assessments matching ``condition`` (SQL over ``assessments``, our own constant
    text) with their answers and notes; return how many went. Call inside a write transaction.

    A follow-up diagnostic that pointed to a deleted one stays, without the link (``previous_id``
    is a foreign key within the table, so links are cut before any row goes).
    """
    selected = f"select id from assessments where {condition}"
    count = db.execute(f"select count(*) from ({selected})", params).fetchone()[0]
    if count:
        db.execute(f"update assessments set previous_id = null where previous_id in ({selected})", params)
        db.execute(f"delete from answers where assessment_id in ({selected})", params)
        db.execute(f"delete from notes where assessment_id in ({selected})", params)
        db.execute(f"delete from assessments where {condition}", params)
    return count


def previous(db: Database, assessment: dict[str, Any]) -> dict[str, Any] | None:
    """Return the assessment this one follows up, if any."""
    if not assessment.get("previous_id"):
        return None
    return get(db, assessment["previous_id"])


_EXPIRED = ("is_demo = 0 and ((status = 'draft' and coalesce(updated_at, created_at) < ?) "
            "or (status = 'submitted' and submitted_at < ?))")


def purge_expired(db: Database, drafts_untouched_since: str, submitted_before: str, *,
                  dry_run: bool = False) -> list[dict[str, Any]]:
    """Delete the assessments past their retention, with their answers and notes; return them.

    Past their retention: drafts not saved since ``drafts_untouched_since`` and diagnostics
    submitted before ``submitted_before`` (stored UTC timestamps). A later follow-up loses its link
    to a deleted one and stays. Demo data is not personal data: ``demo purge`` removes it. The rows
    are read and deleted in one transaction, so a draft saved meanwhile is kept.
    """
    params = [drafts_untouched_since, submitted_before]
    select = ("select id, status, created_at, updated_at, submitted_at from assessments "
              f"where {_EXPIRED} order by id")
    if dry_run:
        return list(db.query(select, params))
    with write_transaction(db):
        rows = list(db.query(select, params))
        if rows:
            delete_where(db, _EXPIRED, params)
    return rows


LINK_MAIL_WAIT, LINK_MAIL_ADDRESS_FULL = "wait", "address"


def claim_link_mail(db: Database, assessment_id: int, now: datetime, interval_seconds: int,
                    per_address_hour: int = 0) -> tuple[bool | str, str | None]:
    """Record that the private link is mailed now, unless it was less than ``interval_seconds`` ago,
    or the links of ``per_address_hour`` diagnostics with the same address went in the last hour
    (so that nobody floods an address by starting diagnostics in its name; 0: no such limit).

    Return True, or why not (LINK_MAIL_WAIT, LINK_MAIL_ADDRESS_FULL), and the time it was last
    mailed (for :func:`release_link_mail` if the sending fails). One transaction, so two workers
    never both send."""
    with write_transaction(db):
        row = db.execute("select link_mailed_at, email from assessments where id = ?", [assessment_id]).fetchone()
        last, email = (row[0], row[1]) if row else (None, None)
        if last and (now - datetime.fromisoformat(last)).total_seconds() < interval_seconds:
            return LINK_MAIL_WAIT, last
        if per_address_hour and email:
            since = (now - timedelta(hours=1)).isoformat(timespec="seconds")
            recent = db.execute("select count(*) from assessments where lower(email) = lower(?) "
                                "and link_mailed_at >= ?", [email, since]).fetchone()[0]
            if recent >= per_address_hour:
                return LINK_MAIL_ADDRESS_FULL, last
        db.execute("update assessments set link_mailed_at = ? where id = ?",
                   [now.isoformat(timespec="seconds"), assessment_id])
    return True, last


def release_link_mail(db: Database, assessment_id: int, previous: str | None) -> None:
    """Give back a claim whose message could not be sent, so that the company may try again."""
    with write_transaction(db):
        db.execute("update assessments set link_mailed_at = ? where id = ?", [previous, assessment_id])
