"""Advisors' accounts: logging out ends the session, even a copy of its cookie (issue 9)."""
from __future__ import annotations

import pytest

from assessor.store import advisors as workspace
from conftest import MINI_DIR, make_app
from test_advisor import FAST_ARGON2, PASSWORD, make_advisor

ADVISOR = "198.51.100.20"


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path, QUESTIONNAIRES_DIR=str(MINI_DIR), QUESTIONNAIRE_ID="mini",
                    ARGON2_TEST_PARAMS=FAST_ARGON2, WTF_CSRF_ENABLED=False)


def attempt(client, email: str, password: str = PASSWORD, address: str = ADVISOR):
    return client.post("/conseiller/connexion", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


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
    assert workspace.get_advisor(db, advisor_id)["session_version"] == 1
