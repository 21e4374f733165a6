"""Advisors' accounts: failed logins slow down the address they come from, never the account's owner
elsewhere (issue 9), and logging out ends the session, even a copy of its cookie."""
from __future__ import annotations

import re

import datetime as dt

import pytest

from assessor.web import auth
from assessor.store import accounts
from factories import MINI_DIR, make_app
from test_advisor import FAST_ARGON2, PASSWORD, make_advisor

ATTACKER = "203.0.113.7"
ADVISOR = "198.51.100.20"
ACCOUNTS_PAGE = "/conseiller/admin/comptes"


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path, QUESTIONNAIRES_DIR=str(MINI_DIR), QUESTIONNAIRE_ID="mini",
                    ARGON2_TEST_PARAMS=FAST_ARGON2, WTF_CSRF_ENABLED=False)


class Clock:
    """The time the throttles read, moved by hand."""

    def __init__(self, start: dt.datetime):
        self.now = start.timestamp()

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    fake = Clock(dt.datetime(2026, 11, 20, 23, 30, tzinfo=dt.timezone.utc))  # 00:30 on the 21st in Paris
    monkeypatch.setattr(auth, "_now", lambda: fake.now)
    return fake


def attempt(client, email: str, password: str = PASSWORD, address: str = ATTACKER):
    return client.post("/conseiller/connexion", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


@pytest.mark.parametrize("tries", [5, 50])
def test_wrong_passwords_for_someone_else_do_not_lock_them_out(app, clock, tries):
    make_advisor(app, "hdf@example.org")
    attacker = app.test_client()
    failures = 0
    while failures < tries:  # the attacker waits as long as told, so that every try counts
        response = attempt(attacker, "hdf@example.org", "wrong password")
        if response.status_code == 429:
            clock.advance(int(response.headers["Retry-After"]))
        else:
            assert response.status_code == 200
            failures += 1
    assert attempt(attacker, "hdf@example.org").status_code == 429  # even the right password, from there
    advisor = app.test_client()
    assert attempt(advisor, "hdf@example.org", address=ADVISOR).status_code == 302
    assert advisor.get("/conseiller/").status_code == 200


def test_failures_for_many_accounts_from_one_address_do_not_lock_out_another(app, clock):
    emails = [f"advisor{n}@example.org" for n in range(4)]
    for email in emails:
        make_advisor(app, email)
    attacker = app.test_client()
    for email in emails:  # 20 failures from one address, 5 for each account
        for _try in range(5):
            assert attempt(attacker, email, "wrong password").status_code == 200
    # The address is slowed down for every account, the right password included...
    fresh = attempt(attacker, "someone.else@example.org", "x")
    assert fresh.status_code == 429 and "réessayez dans" in fresh.get_data(as_text=True)
    # ...but no one logging in from elsewhere notices.
    for email in emails:
        assert attempt(app.test_client(), email, address=ADVISOR).status_code == 302


def test_the_wait_doubles_with_each_failure_up_to_fifteen_minutes(app, clock):
    make_advisor(app, "hdf@example.org")
    client = app.test_client()
    for _try in range(5):
        assert attempt(client, "hdf@example.org", "wrong password").status_code == 200
    waits = []
    for _try in range(14):
        refused = attempt(client, "hdf@example.org", "wrong password")
        assert refused.status_code == 429
        wait = int(refused.headers["Retry-After"])
        waits.append(wait)
        clock.advance(wait - 0.5)
        assert attempt(client, "hdf@example.org", "wrong password").status_code == 429  # not yet
        clock.advance(0.5)
        assert attempt(client, "hdf@example.org", "wrong password").status_code == 200  # counted
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900, 900]
    page = attempt(client, "hdf@example.org").get_data(as_text=True)
    assert "réessayez dans 15 minutes" in page
    clock.advance(900)
    assert attempt(client, "hdf@example.org").status_code == 302


def test_the_message_says_how_long_to_wait_and_not_whether_the_account_exists(app, clock):
    make_advisor(app, "hdf@example.org")
    known, unknown = app.test_client(), app.test_client()
    for _try in range(6):
        attempt(known, "hdf@example.org", "wrong password")
        attempt(unknown, "nobody@example.org", "wrong password", address="192.0.2.1")
        clock.advance(1)
    clock.advance(-1)
    a = attempt(known, "hdf@example.org")
    b = attempt(unknown, "nobody@example.org", address="192.0.2.1")
    assert a.status_code == b.status_code == 429
    assert a.headers["Retry-After"] == b.headers["Retry-After"] == "2"
    for response in (a, b):
        assert "Trop de tentatives de connexion depuis votre réseau" in response.get_data(as_text=True)
        assert "réessayez dans 2 secondes" in response.get_data(as_text=True)
    def page(response):  # each session has its own form token (the language switch's form)
        return re.sub(r'name="csrf_token" value="[^"]+"', "", response.get_data(as_text=True))

    assert page(a) == page(b).replace("nobody@", "hdf@")


def test_the_right_password_clears_its_pair_but_not_the_address(app, clock, db):
    make_advisor(app, "hdf@example.org")
    client = app.test_client()
    for n in range(20):
        attempt(client, "hdf@example.org" if n < 4 else f"guess{n}@example.org", "wrong password")
    assert attempt(client, "hdf@example.org").status_code == 429  # the address has had 20 failures
    clock.advance(1)
    assert attempt(client, "hdf@example.org").status_code == 302
    counters = accounts.login_counters(db, "hdf@example.org", ATTACKER, 0)
    assert [(c.kind, c.failures) for c in counters] == [("address", 20)]


def test_counters_are_forgotten_after_a_quiet_day(app, clock, db):
    make_advisor(app, "hdf@example.org")
    for _try in range(12):
        attempt(app.test_client(), "hdf@example.org", "wrong password")
        clock.advance(600)
    assert db.execute("select count(*) from login_throttles").fetchone()[0] == 2
    clock.advance(app.config["LOGIN_FORGET_SECONDS"] + 1)
    # The next failure, from anywhere, prunes the old counters.
    attempt(app.test_client(), "other@example.org", "wrong password", address="192.0.2.1")
    rows = db.execute("select kind, email, address, failures from login_throttles order by kind").fetchall()
    assert rows == [("address", "", "192.0.2.1", 1), ("pair", "other@example.org", "192.0.2.1", 1)]
    for _try in range(4):  # the attacker's address starts afresh
        assert attempt(app.test_client(), "hdf@example.org", "wrong password").status_code == 200


def test_an_ipv6_client_is_counted_by_its_64_network(app):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "2001:db8:1:2:aaaa::1"}):
        assert auth.client_address() == "2001:db8:1:2::/64"
    with app.test_request_context(environ_base={"REMOTE_ADDR": "::ffff:203.0.113.7"}):
        assert auth.client_address() == "203.0.113.7"
    with app.test_request_context(environ_base={"REMOTE_ADDR": ATTACKER}):
        assert auth.client_address() == ATTACKER


@pytest.mark.parametrize("failures, wait", [(0, 0), (4, 0), (5, 1), (6, 2), (10, 32), (14, 512), (15, 900),
                                            (10_000, 900)])
def test_wait_after(failures, wait):
    assert auth.wait_after(failures, 5, 900) == wait


def test_the_admin_sees_the_refused_logins(app, clock, client):
    make_advisor(app, "admin@example.org", is_admin=True)
    make_advisor(app, "hdf@example.org")
    make_advisor(app, "calm@example.org")
    attacker = app.test_client()
    for _try in range(7):  # 5 failures, then 2 refusals that are not counted
        attempt(attacker, "hdf@example.org", "Tr0ub4dor&3")
    for n in range(21):  # 5 for an e-mail without an account (the 6th is refused), then 15 others
        attempt(attacker, "ghost@example.org" if n < 6 else f"guess{n}@example.org", "x", address="192.0.2.9")
    assert attempt(client, "admin@example.org", address=ADVISOR).status_code == 302
    page = client.get(ACCOUNTS_PAGE).get_data(as_text=True)
    assert "Connexions refusées" in page
    # Per account: the failures still counted, the last one in Paris time, in words.
    row = page[page.index('>hdf@example.org</a>'):]
    row = row[:row.index("</tr>")]
    assert "5 échecs" in row and "le dernier le 21 novembre 2026 à 00:30" in row
    calm = page[page.index('>calm@example.org</a>'):]
    assert "échec" not in calm[:calm.index("</tr>")]
    # The waits in force, per address; an e-mail without an account is not named.
    throttles = page[page.index('id="throttles-title"'):]
    assert ATTACKER in throttles and "hdf@example.org" in throttles
    assert "192.0.2.9" in throttles and "Tous les comptes" in throttles
    assert "Adresse e-mail sans compte" in throttles and "ghost@" not in page and "guess" not in page
    assert "Tr0ub4dor" not in page
    clock.advance(3600)
    later = client.get(ACCOUNTS_PAGE).get_data(as_text=True)
    assert "Aucune connexion n'est suspendue." in later and "5 échecs" in later


def test_the_accounts_page_speaks_english(app, clock, client):
    make_advisor(app, "admin@example.org", is_admin=True)
    for _try in range(5):
        attempt(app.test_client(), "admin@example.org", "wrong password")
    assert attempt(client, "admin@example.org", address=ADVISOR).status_code == 302
    client.get("/langue/en")
    page = client.get(ACCOUNTS_PAGE).get_data(as_text=True)
    assert "5 failures, the last one on November 21, 2026 at 00:30" in page
    assert "Logins suspended right now" in page


# -- logout ends the session --------------------------------------------------------------------


def _copied_session(app, email: str):
    """Log in, and return the client with a fresh client carrying a copy of its session cookie."""
    client = app.test_client()
    assert attempt(client, email, address=ADVISOR).status_code == 302
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    assert copy.get("/conseiller/").status_code == 200
    return client, copy


def test_a_cookie_copied_before_logout_opens_nothing_after(app):
    make_advisor(app, "hdf@example.org")
    client, copy = _copied_session(app, "hdf@example.org")
    response = client.post("/conseiller/deconnexion")
    assert response.status_code == 302
    assert "sur cet appareil comme sur les autres" in client.get(response.location).get_data(as_text=True)
    page = copy.get("/conseiller/")
    assert page.status_code == 302 and page.location.startswith("/conseiller/connexion")
    # Logging in again works, with a new cookie; the old copy stays dead.
    assert attempt(app.test_client(), "hdf@example.org", address=ADVISOR).status_code == 302
    assert copy.get("/conseiller/").status_code == 302


def test_a_cookie_copied_before_a_password_reset_opens_nothing_after(app):
    make_advisor(app, "hdf@example.org")
    _client, copy = _copied_session(app, "hdf@example.org")
    result = app.test_cli_runner().invoke(args=["advisors", "reset-password", "hdf@example.org"])
    assert result.exit_code == 0, result.output
    assert copy.get("/conseiller/").status_code == 302


def test_logging_out_without_a_session_changes_nothing(app, db):
    advisor_id = make_advisor(app, "hdf@example.org")
    response = app.test_client().post("/conseiller/deconnexion")
    assert response.status_code == 302
    assert accounts.get_advisor(db, advisor_id)["session_version"] == 1


def test_signing_in_and_out_through_the_forms(auth, client, runner):
    """The flaskr-style fixtures, end to end: the login form opens the workspace, logout closes it,
    and the account the fixture made is listed by `advisors list`."""
    assert auth.login().status_code == 302
    assert client.get("/conseiller/").status_code == 200
    assert auth.logout().status_code == 302
    assert client.get("/conseiller/").headers["Location"].startswith("/conseiller/connexion")
    assert "admin@example.org" in runner.invoke(args=["advisors", "list"]).output
