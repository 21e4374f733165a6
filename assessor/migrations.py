"""Schema changes, append-only: never edit a migration that has shipped, add a new one."""
from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("assessor")


@migrations()
def m001_initial(db: Database) -> None:
    db["advisors"].create({
        "id": int, "email": str, "name": str, "password_hash": str, "is_admin": int,
        "regions": str, "active": int, "session_version": int, "created_at": str,
    }, pk="id", not_null={"email", "password_hash"}, defaults={
        "is_admin": 0, "active": 1, "session_version": 1, "regions": "[]"})
    db["advisors"].create_index(["email"], unique=True)

    db["assessments"].create({
        "id": int, "token_hash": str, "questionnaire_id": str, "questionnaire_version": int,
        "company_name": str, "size_band": str, "sector": str, "region": str, "department": str,
        "role": str, "email": str, "consent_contact": int, "consent_stats": int, "lang": str,
        "status": str, "mode": str, "created_by": int, "previous_id": int, "is_demo": int,
        "created_at": str, "updated_at": str, "submitted_at": str,
        "scoring_version": int, "overall": float, "level": str, "floor_level": str,
        "confidence": float, "dimension_scores": str,
        "followup_status": str, "assigned_advisor_id": int,
    }, pk="id", not_null={"token_hash", "company_name", "status"}, defaults={
        "status": "draft", "mode": "self", "is_demo": 0, "consent_contact": 0, "consent_stats": 0,
        "lang": "fr", "followup_status": "nouveau"},
        foreign_keys=[("created_by", "advisors", "id"), ("previous_id", "assessments", "id"),
                      ("assigned_advisor_id", "advisors", "id")])
    db["assessments"].create_index(["token_hash"], unique=True)
    db["assessments"].create_index(["status", "region", "submitted_at"])
    db["assessments"].create_index(["submitted_at"])
    db["assessments"].create_index(["previous_id"])

    db["answers"].create({
        "assessment_id": int, "question_id": str, "value": str, "updated_at": str,
    }, pk=("assessment_id", "question_id"), foreign_keys=[("assessment_id", "assessments", "id")])

    db["notes"].create({
        "id": int, "assessment_id": int, "author_id": int, "body": str, "created_at": str,
    }, pk="id", foreign_keys=[("assessment_id", "assessments", "id"), ("author_id", "advisors", "id")])
    db["notes"].create_index(["assessment_id"])

    db["login_failures"].create({"key": str, "failed_at": float}, pk=None)
    db["login_failures"].create_index(["key", "failed_at"])


def apply(db: Database) -> None:
    """Bring the schema up to date."""
    migrations.apply(db)
