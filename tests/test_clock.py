"""Days shown to people are those of the service's time zone (Europe/Paris), in their language,
while timestamps are stored in UTC."""
from __future__ import annotations

import datetime as dt

import pytest

from assessor import config
from assessor.domain import clock
from assessor.store.db import connect
from factories import MINI_DIR, best_answers, create_assessment, make_app

# 23:30 UTC on 20 November is 00:30 in Paris on the 21st (UTC+1 in winter).
LATE_EVENING_UTC = "2026-11-20T23:30:00+00:00"


@pytest.mark.parametrize(("timestamp", "day"), [
    (LATE_EVENING_UTC, dt.date(2026, 11, 21)),
    ("2026-07-01T22:30:00+00:00", dt.date(2026, 7, 2)),    # UTC+2 in summer
    ("2026-07-01T21:30:00+00:00", dt.date(2026, 7, 1)),
    ("2026-11-20T23:30:00", dt.date(2026, 11, 21)),         # no offset: UTC, as stored
    ("2026-11-20", dt.date(2026, 11, 20)),                  # a bare day stays as it is
    ("", None), (None, None),
])
def test_local_day_of_a_stored_timestamp(timestamp, day):
    assert clock.local_day(timestamp, clock.zone()) == day


def test_today_is_the_day_in_paris():
    assert clock.today(clock.zone(), dt.datetime(2026, 11, 21, 23, 30, tzinfo=dt.timezone.utc)) == dt.date(2026, 11, 22)
    assert clock.today(clock.zone(), dt.datetime(2026, 11, 21, 22, 30, tzinfo=dt.timezone.utc)) == dt.date(2026, 11, 21)


def test_another_zone_can_be_configured(tmp_path):
    app = make_app(tmp_path, TIMEZONE="America/Cayenne")  # UTC-3: still the 20th there
    with app.app_context():
        assert clock.local_day(LATE_EVENING_UTC, config.zone()) == dt.date(2026, 11, 20)
    assert config.zone().key == "Europe/Paris"  # outside the application


def test_an_unknown_zone_stops_the_start_with_a_clear_message(tmp_path):
    with pytest.raises(RuntimeError, match="ASSESSOR_TIMEZONE"):
        make_app(tmp_path, TIMEZONE="Europe/Lile")


def _submitted_late_in_the_evening(app) -> str:
    questionnaire = app.extensions["assessor.questionnaires"]["mini@1"]
    assessment_id, token = create_assessment(app, best_answers(questionnaire), submit=True)
    database = connect(app.config["DATABASE"])
    database["assessments"].update(assessment_id, {"submitted_at": LATE_EVENING_UTC})
    database.close()
    return token


def test_results_page_shows_the_local_day_in_words(tmp_path):
    app = make_app(tmp_path, QUESTIONNAIRES_DIR=str(MINI_DIR), QUESTIONNAIRE_ID="mini")
    token = _submitted_late_in_the_evening(app)
    client = app.test_client()
    page = client.get(f"/a/{token}/resultats").get_data(as_text=True)
    assert "diagnostic validé le 21 novembre 2026" in page
    client.get("/langue/en")
    page = client.get(f"/a/{token}/resultats").get_data(as_text=True)
    assert "November 21, 2026" in page
