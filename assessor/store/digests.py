"""The advisors' daily digest in the outbox (issue 15): one row per advisor and day, whose unique
key (``digest:<advisor>:<day>``) makes a second run of the day, or a second worker, send nothing."""
from __future__ import annotations

from sqlite_utils import Database

from .assessments import now_iso
from .db import write_transaction

KIND = "digest"


def enqueue(db: Database, key: str, to: str, lang: str) -> int:
    """Write the digest's outbox row unless it is there already; return its id either way."""
    with write_transaction(db):
        db.execute("insert into outbox (key, kind, assessment_id, to_addr, lang, created_at) "
                   "values (?, ?, null, ?, ?, ?) on conflict (key) do nothing",
                   [key, KIND, to, lang, now_iso()])
        return db.execute("select id from outbox where key = ?", [key]).fetchone()[0]


def sent_key(db: Database, key: str) -> bool:
    """Whether the digest of this key has gone already (nothing to compose again)."""
    row = db.execute("select sent_at from outbox where key = ?", [key]).fetchone()
    return bool(row and row[0])


def sent(db: Database, outbox_id: int) -> bool:
    """Whether an outbox row has gone (else it waits for a retry, or another sender has it)."""
    row = db.execute("select sent_at from outbox where id = ?", [outbox_id]).fetchone()
    return bool(row and row[0])
