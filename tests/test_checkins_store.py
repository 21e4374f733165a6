"""The check-ins' store (issue 15): what falls due when, never twice, erasure and retention."""
from __future__ import annotations

import datetime as dt

import pytest

from assessor.domain import clock
from assessor.store import assessments, checkins
from assessor.store.db import connect, write_transaction
from factories import create_assessment

TZ = clock.zone()
NOW = dt.datetime(2027, 3, 2, 8, tzinfo=dt.timezone.utc)


def _hash(assessment_id: int, step: int) -> str:
    return f"hash-{assessment_id}-{step}"


@pytest.fixture
def submitted(app, db):
    """A diagnostic validated on 2 December 2026 whose company asked for check-ins."""
    assessment_id, _ = create_assessment(app, submit=True)
    db.execute("update assessments set submitted_at = '2026-12-02T10:00:00+00:00' where id = ?", [assessment_id])
    checkins.subscribe(db, assessment_id, "contact@dupont.example", "fr", "unsubscribe-hash")
    return assessment_id


def test_a_check_in_falls_due_three_months_after_validation_once(db, submitted):
    assert checkins.schedule_due(db, dt.date(2027, 3, 1), (3, 6), TZ, _hash) == []
    created = checkins.schedule_due(db, dt.date(2027, 3, 2), (3, 6), TZ, _hash)
    assert len(created) == 1
    assert checkins.schedule_due(db, dt.date(2027, 3, 20), (3, 6), TZ, _hash) == []
    [checkin] = checkins.of_assessment(db, submitted)
    assert (checkin["step"], checkin["due_on"]) == (3, "2027-03-02")
    assert [row["key"] for row in checkins.outbox(db)] == [f"checkin:{submitted}:3"]


def test_a_late_run_sends_only_the_latest_step_and_never_goes_back(db, submitted):
    assert len(checkins.schedule_due(db, dt.date(2027, 7, 1), (3, 6), TZ, _hash)) == 1
    assert [c["step"] for c in checkins.of_assessment(db, submitted)] == [6]
    assert checkins.schedule_due(db, dt.date(2027, 8, 1), (3, 6), TZ, _hash) == []


def test_the_six_month_check_in_starts_from_what_the_company_said_at_three(db, submitted):
    checkins.schedule_due(db, dt.date(2027, 3, 2), (3, 6), TZ, _hash)
    [first] = checkins.of_assessment(db, submitted)
    checkins.save(db, first["id"], {("action", "q1"): "en_cours", ("programme", "bpi"): "contacte"})
    checkins.schedule_due(db, dt.date(2027, 6, 2), (3, 6), TZ, _hash)
    second = checkins.of_assessment(db, submitted)[1]
    assert second["items"] == {("action", "q1"): "en_cours", ("programme", "bpi"): "contacte"}


def test_no_check_in_after_a_withdrawal_and_the_unsent_message_is_cancelled(db, submitted):
    checkins.schedule_due(db, dt.date(2027, 3, 2), (3, 6), TZ, _hash)
    assert checkins.withdraw(db, submitted)
    assert checkins.claim(db, NOW, 3) is None
    assert checkins.schedule_due(db, dt.date(2027, 6, 2), (3, 6), TZ, _hash) == []


def test_a_message_is_taken_by_one_sender_only_and_again_after_its_lease(db, submitted):
    checkins.schedule_due(db, dt.date(2027, 3, 2), (3, 6), TZ, _hash)
    taken = checkins.claim(db, NOW, 3)
    assert taken["attempts"] == 1
    assert checkins.claim(db, NOW, 3) is None  # another worker finds nothing
    later = NOW + dt.timedelta(minutes=11)  # the first sender died: taken again
    assert checkins.claim(db, later, 3, lease_seconds=600)["id"] == taken["id"]
    checkins.mark_sent(db, taken["id"])
    assert checkins.claim(db, later + dt.timedelta(hours=1), 3) is None


def test_failed_tries_are_bounded_and_listed(db, submitted):
    checkins.schedule_due(db, dt.date(2027, 3, 2), (3, 6), TZ, _hash)
    for _ in range(2):
        taken = checkins.claim(db, NOW, 2)
        checkins.mark_failed(db, taken["id"], "the SMTP server refused", None)
    assert checkins.claim(db, NOW, 2) is None
    [failure] = checkins.failed(db, 2)
    assert (failure["attempts"], failure["last_error"]) == (2, "the SMTP server refused")


def test_statuses_outside_the_lists_are_refused(db, submitted):
    checkins.schedule_due(db, dt.date(2027, 3, 2), (3, 6), TZ, _hash)
    [checkin] = checkins.of_assessment(db, submitted)
    with pytest.raises(ValueError):
        checkins.save(db, checkin["id"], {("action", "q1"): "obtenu"})


def test_erasure_and_retention_take_the_check_ins_with_the_diagnostic(app, db, submitted):
    checkins.schedule_due(db, dt.date(2027, 3, 2), (3, 6), TZ, _hash)
    [checkin] = checkins.of_assessment(db, submitted)
    checkins.save(db, checkin["id"], {("action", "q1"): "faite"}, comment="Fait", wants_contact=True)
    other, _ = create_assessment(app, submit=True)
    checkins.subscribe(db, other, "b@example.org", "en", "other-hash")
    assert assessments.delete(db, submitted)
    assert assessments.purge_expired(db, "2000-01-01", "9999-01-01")  # the other one, past retention
    for table in ("checkin_subscriptions", "checkins", "checkin_items", "outbox"):
        assert db.execute(f"select count(*) from {table}").fetchone()[0] == 0, table


def test_add_months_keeps_the_day_or_takes_the_month_s_last():
    assert checkins.add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)
    assert checkins.add_months(dt.date(2026, 12, 2), 6) == dt.date(2027, 6, 2)
