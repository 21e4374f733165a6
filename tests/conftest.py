"""Shared fixtures, in the flaskr way: ``app``, ``client``, ``runner``, ``auth``, plus ``db`` and
``mini_app``. Plain helpers (make_app, create_assessment, make_advisor...) are in factories.py."""
from __future__ import annotations

import re

import pytest

from assessor.store.db import connect
from factories import MINI_DIR, PASSWORD, login, make_advisor, make_app, make_public_app


@pytest.fixture
def app(tmp_path):
    """The application with the real questionnaires and catalogue."""
    return make_app(tmp_path)


@pytest.fixture
def mini_app(tmp_path):
    """The application with the tiny test questionnaire and catalogue (tests/data/mini)."""
    return make_app(tmp_path, QUESTIONNAIRES_DIR=str(MINI_DIR), QUESTIONNAIRE_ID="mini")


@pytest.fixture
def public_app(tmp_path):
    """The application with the real files plus a public-body questionnaire and catalogue."""
    return make_public_app(tmp_path)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db(app):
    database = connect(app.config["DATABASE"])
    yield database
    database.close()


@pytest.fixture
def runner(app):
    """The application's command-line runner (``flask --app assessor ...``)."""
    return app.test_cli_runner()


class AuthActions:
    """Sign an advisor in and out through the login form, as a person does."""

    def __init__(self, app, client):
        self._app, self._client = app, client

    def login(self, email: str = "admin@example.org", password: str = PASSWORD, *, is_admin: bool = True,
              regions=()):
        """Create the account if needed, then sign in; return the login response."""
        from assessor.store import accounts

        with self._app.app_context():
            database = connect(self._app.config["DATABASE"])
            try:
                exists = accounts.advisor_by_email(database, email) is not None
            finally:
                database.close()
        if not exists:
            make_advisor(self._app, email, regions=regions, is_admin=is_admin, password=password)
        return login(self._client, email, password, csrf_token=self._token("/conseiller/connexion"))

    def logout(self):
        return self._client.post("/conseiller/deconnexion", data={"csrf_token": self._token("/conseiller/")})

    def _token(self, path: str) -> str:
        """The form token of a page (CSRF is on in the default ``app``)."""
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', self._client.get(path).get_data(as_text=True))
        return match.group(1) if match else ""


@pytest.fixture
def auth(app, client):
    """``auth.login()`` signs an administrator in on ``client``; ``auth.logout()`` signs out."""
    return AuthActions(app, client)
