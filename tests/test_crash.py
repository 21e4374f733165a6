"""kill -9 of the server mid-load loses no acknowledged answer (issue 9).

About 20 companies fill the diagnostic at once against gunicorn with 2 workers, started as
`make run` starts it (bench/load.py's harness) on a brand-new database; mid-load the master and
its workers are killed with SIGKILL, then gunicorn is started again on the same database.
An answer is acknowledged when its POST got the redirect: it must be there, as sent.
"""
from __future__ import annotations

import threading
import time

import pytest

from assessor.store.db import connect
from assessor.store import assessments as store
from bench.load import (Browser, Journey, Recorder, Server, integrity, location, lost_answers, questionnaire_in_use,
                        run_journey)
from tests.factories import PROFILE

pytestmark = pytest.mark.server
JOURNEYS = 20


@pytest.fixture
def server(tmp_path):
    served = Server(tmp_path / "instance", workers=2)
    yield served
    served.stop()


def test_kill_9_mid_load_loses_no_acknowledged_answer(server):
    questionnaire = questionnaire_in_use()
    sections = len(questionnaire.dimensions)
    url = server.start()  # a brand-new database: both workers create and migrate it at once
    recorder = Recorder()
    deadline = time.monotonic() + 40
    journeys = [Journey(number) for number in range(JOURNEYS)]
    threads = [threading.Thread(target=run_journey, args=(url, questionnaire, journey, recorder, deadline),
                                kwargs={"pdf": False}) for journey in journeys]
    for thread in threads:
        thread.start()
    # Half of all the sections the companies will send: mid-load, with requests in flight.
    while recorder.acknowledged < JOURNEYS * sections // 2 and time.monotonic() < deadline - 20:
        time.sleep(0.02)
    server.kill()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads)

    acknowledged = sum(len(journey.acknowledged) for journey in journeys)
    interrupted = [journey for journey in journeys if not journey.completed]
    assert recorder.acknowledged >= JOURNEYS, "the kill came before the load"
    assert interrupted and all(journey.failure and "deadline" not in journey.failure for journey in interrupted)

    url = server.start()  # the same database after the crash
    assert integrity(server.database) == "ok"
    checked, lost = lost_answers(server.database, journeys)
    assert checked == acknowledged and lost == []

    db = connect(str(server.database))
    try:
        for journey in interrupted:
            if journey.token is None or not journey.pending:
                continue
            # A section that was on its way when the server died is stored whole, or not at all.
            stored = store.answers(db, store.by_token(db, journey.token)["id"])
            kept = {qid: stored.get(qid) for qid in journey.pending}
            assert kept in (journey.pending, dict.fromkeys(journey.pending)), (journey.number, kept)
    finally:
        db.close()

    # Every company can carry on where it stopped, on the restarted server.
    resumed = Recorder()
    for journey in interrupted:
        if journey.token is not None:
            assert _resume_path(url, journey.token, resumed).startswith(f"/a/{journey.token}/")
    assert not [status for status in resumed.statuses if isinstance(status, str) or status >= 500]


def _resume_path(url: str, token: str, recorder: Recorder) -> str:
    _status, headers, _page = Browser(url, recorder, time.monotonic() + 20).request(
        "resume", "GET", f"/a/{token}", expect=(302, 303))
    return location(headers)


def test_the_check_finds_an_answer_that_is_not_as_sent(tmp_path):
    """The harness itself: a missing or different acknowledged answer is reported."""
    from tests.factories import make_app

    app = make_app(tmp_path)
    db = connect(app.config["DATABASE"])
    try:
        assessment_id, token = store.create(db, PROFILE, "ai-maturity", 2)
        store.save_answers(db, assessment_id, {"strategy.owner": "team", "data.protection_practices": ["backups"]})
    finally:
        db.close()
    journey = Journey(1, token=token, acknowledged={
        "strategy.owner": "team", "data.protection_practices": ["backups", "updates"], "data.quality": "poor"})
    checked, lost = lost_answers(tmp_path / "test.sqlite3", [journey, Journey(2)])
    assert checked == 3
    assert [line.split(":")[1].split()[0] for line in lost] == ["data.protection_practices", "data.quality"]
    assert lost_answers(tmp_path / "test.sqlite3", [Journey(3, token="no-such-token")])[1] == [
        "journey 3: its acknowledged assessment is missing"]
