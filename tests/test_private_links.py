"""Private links never leave the browser (issue 9): not in a log, not in the session cookie, not
built from a forged Host header, not in a URL of the language switch.

The last tests serve the app with gunicorn through gunicorn.conf.py, as `make run` does, and read
the log files it writes after a whole journey, an error and a language switch.
"""
from __future__ import annotations

import http.cookiejar
import json
import logging
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from html import unescape
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from assessor.web import auth
from assessor import config
from assessor.store.db import connect
from assessor.web.forms import field_name
from assessor.web.logs import redact
from assessor.domain.questionnaire import latest, load_directory
from assessor.store import accounts
from assessor.store import assessments as store
from tests.factories import MINI_DIR, PROFILE, ROOT, best_answers, create_assessment, make_app

FAST_ARGON2 = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
PASSWORD = "un mot de passe solide"


def leaks(token: str, text: str) -> bool:
    """True when ``text`` holds the token or any 20 characters of it."""
    return any(token[i:i + 20] in text for i in range(len(token) - 19))


# -- redaction ----------------------------------------------------------------------------------


TOKEN = "Zq3x_7Ab-kPq0LmNoR8sTuVwXyZ12345abcdEFGHijk"  # the shape of secrets.token_urlsafe(32)


@pytest.mark.parametrize("line, expected", [
    (f"GET /a/{TOKEN}/s/strategy HTTP/1.1", "GET /a/Zq3x…/s/strategy HTTP/1.1"),
    (f"/langue/en?next=/a/{TOKEN}/resultats", "/langue/en?next=/a/Zq3x…/resultats"),
    (f"/langue/en?next=%2Fa%2F{TOKEN}%2Fresultats", "/langue/en?next=%2Fa%2FZq3x…%2Fresultats"),
    (f"http://127.0.0.1:8000/a/{TOKEN}", "http://127.0.0.1:8000/a/Zq3x…"),
    (f"/suivi/{TOKEN}?k={TOKEN}", "/suivi/Zq3x…?k=Zq3x…"),  # any route, any query string
    (f"Exception on /a/{TOKEN}/supprimer [POST]", "Exception on /a/Zq3x…/supprimer [POST]"),
    ("/a/Zq3x…/resultats", "/a/Zq3x…/resultats"),  # twice is once
    ("GET /conseiller/evaluations/12 HTTP/1.1", "GET /conseiller/evaluations/12 HTTP/1.1"),
    ('File "site-packages/__editable___assessor_0_1_0_finder.py"',  # a long name in a traceback
     'File "site-packages/__editable___assessor_0_1_0_finder.py"'),
])
def test_a_token_is_written_as_its_first_four_characters(line, expected):
    assert redact(line) == expected


def test_flask_and_werkzeug_logs_carry_no_private_link(app, caplog):
    """Flask's "Exception on /a/<token>/supprimer", the app's own error log with its traceback,
    and the development server's request lines."""
    caplog.set_level(logging.INFO)
    token = secrets.token_urlsafe(32)

    def fails(token):
        raise RuntimeError(f"could not open /a/{token}")

    app.add_url_rule("/a/<token>/panne", "broken", fails)
    assert app.test_client().get(f"/a/{token}/panne").status_code == 500
    with app.test_request_context(f"/a/{token}/supprimer", method="POST"):
        try:
            raise ValueError(token)
        except ValueError:
            app.log_exception(sys.exc_info())

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/a/{token}/resultats", timeout=10)
    finally:
        server.shutdown()
        thread.join(5)

    logged = caplog.text + "".join(r.getMessage() for r in caplog.records)
    assert not leaks(token, logged), logged
    assert "Unhandled error on GET /a/<token>/panne" in logged  # the route, not the link
    assert f"RuntimeError: could not open /a/{token[:4]}…" in logged
    assert f"Exception on /a/{token[:4]}…/supprimer [POST]" in logged
    assert f"GET /a/{token[:4]}…/resultats HTTP/1.1" in logged  # werkzeug's request line


# -- the session cookie -------------------------------------------------------------------------


def session_contents(app, client) -> str:
    """Return the session cookie's contents as the browser holds them (signed, not encrypted)."""
    cookie = client.get_cookie("session")
    if cookie is None:
        return ""
    return json.dumps(app.session_interface.get_signing_serializer(app).loads(cookie.value))


@pytest.fixture
def mini(tmp_path):
    return make_app(tmp_path, QUESTIONNAIRES_DIR=str(MINI_DIR), QUESTIONNAIRE_ID="mini",
                    ARGON2_TEST_PARAMS=FAST_ARGON2, WTF_CSRF_ENABLED=False)


def test_following_up_keeps_every_private_link_out_of_the_session(mini):
    q = mini.extensions["assessor.questionnaires"]["mini@1"]
    _id, first = create_assessment(mini, best_answers(q), submit=True)
    client = mini.test_client()
    location = client.post(f"/a/{first}/suivi").location
    new = re.match(r"/a/([^/]+)/", location).group(1)
    contents = session_contents(mini, client)  # with the flashed message, before it is shown
    assert "_flashes" in contents
    assert not leaks(new, contents) and not leaks(first, contents), contents
    # The page shows the new link; a second click still comes back to the same draft.
    assert f"http://localhost/a/{new}" in client.get(location).get_data(as_text=True)
    assert client.post(f"/a/{first}/suivi").location == location
    assert not leaks(new, session_contents(mini, client))


def test_interview_mode_puts_no_company_link_in_the_advisor_cookie(mini):
    with mini.app_context():
        database = connect(mini.config["DATABASE"])
        accounts.create_advisor(database, "hdf@example.org", auth.hash_password(PASSWORD),
                                 regions=["FR-HDF"], is_admin=False, name="Hugo")
        database.close()
    advisor = mini.test_client()
    assert advisor.post("/conseiller/connexion",
                        data={"email": "hdf@example.org", "password": PASSWORD}).status_code == 302
    profile = {"company_name": "Boulangerie Martin", "size_band": "1-9", "sector": "C", "region": "FR-HDF",
               "department": "", "role": "dirigeant", "email": ""}
    response = advisor.post("/conseiller/entretien", data=profile)
    token = re.match(r"/a/([^/]+)/", response.location).group(1)
    assert not leaks(token, session_contents(mini, advisor))
    assert f"/a/{token}" in advisor.get(response.location).get_data(as_text=True)  # shown on the page

    q = mini.extensions["assessor.questionnaires"]["mini@1"]
    first_id, _t = create_assessment(mini, best_answers(q), submit=True)
    response = advisor.post(f"/conseiller/evaluations/{first_id}/nouveau-diagnostic")
    token = re.match(r"/a/([^/]+)/", response.location).group(1)
    assert not leaks(token, session_contents(mini, advisor))
    assert f"/a/{token}" in advisor.get(response.location).get_data(as_text=True)


# -- the address of a private link --------------------------------------------------------------


VALID_PROFILE = {"company_name": "Menuiserie Dupont", "size_band": "10-49", "sector": "C",
                 "region": "FR-HDF", "department": "", "role": "dirigeant", "email": ""}


def resume_link(html: str) -> str:
    return unescape(re.search(r'id="resume-url"[^>]*value="([^"]+)"', html).group(1))


def test_a_forged_host_gets_a_400_page_not_a_link(tmp_path):
    app = make_app(tmp_path, WTF_CSRF_ENABLED=False)
    _id, token = create_assessment(app)
    client = app.test_client()
    for response in (client.get(f"/a/{token}/s/strategy", headers={"Host": "evil.example"}),
                     client.post("/", data=VALID_PROFILE, headers={"Host": "evil.example"}),
                     client.get("/", headers={"Host": "evil.example:8000"})):
        html = response.get_data(as_text=True)
        assert response.status_code == 400
        assert "Requête invalide" in html and "evil.example" not in html
        assert not re.search(r"//[^\"]*/a/", html)  # no full link to a diagnostic
    database = connect(app.config["DATABASE"])
    assert database["assessments"].count == 1  # the forged request created nothing
    database.close()
    # This machine's own names are served as before.
    for host in ("localhost", "127.0.0.1:8000"):
        html = client.get(f"/a/{token}/s/strategy", headers={"Host": host}).get_data(as_text=True)
        assert resume_link(html) == f"http://{host}/a/{token}"


def test_trusted_hosts_are_configured_in_the_environment(tmp_path):
    settings = config.from_environment({"ASSESSOR_TRUSTED_HOSTS": "diagnostic.example.org, .example.net"})
    assert settings["TRUSTED_HOSTS"] == ["diagnostic.example.org", ".example.net"]
    app = make_app(tmp_path, WTF_CSRF_ENABLED=False, **settings)
    _id, token = create_assessment(app)
    client = app.test_client()
    assert client.get("/", headers={"Host": "localhost"}).status_code == 400
    html = client.get(f"/a/{token}/s/strategy", headers={"Host": "cci.example.net"}).get_data(as_text=True)
    assert resume_link(html) == f"http://cci.example.net/a/{token}"


@pytest.mark.parametrize("public_url, expected", [
    ("https://diagnostic.example.org", "https://diagnostic.example.org/a/"),
    ("https://example.org/diagnostic/", "https://example.org/diagnostic/a/"),
])
def test_with_a_public_url_every_private_link_is_built_from_it(tmp_path, public_url, expected):
    assert config.from_environment({"ASSESSOR_PUBLIC_URL": public_url}) == {"PUBLIC_URL": public_url}
    app = make_app(tmp_path, WTF_CSRF_ENABLED=False, PUBLIC_URL=public_url)
    client = app.test_client()
    response = client.post("/", data=VALID_PROFILE, headers={"Host": "evil.example"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    token = re.search(r"/a/([^/]+)/", response.request.path).group(1)
    assert resume_link(html) == expected + token
    assert "evil.example" not in html
    later = client.post(f"/a/{token}/s/strategy", data={"action": "later"}, headers={"Host": "evil.example"},
                        follow_redirects=True).get_data(as_text=True)
    assert resume_link(later) == expected + token


@pytest.mark.parametrize("public_url", ["diagnostic.example.org", "ftp://example.org", "https://",
                                        "https://example.org/?a=1"])
def test_a_public_url_that_is_not_an_address_stops_the_start(tmp_path, public_url):
    with pytest.raises(RuntimeError, match="ASSESSOR_PUBLIC_URL"):
        make_app(tmp_path, PUBLIC_URL=public_url)


# -- gunicorn through gunicorn.conf.py ----------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """gunicorn started as `make run` does (gunicorn.conf.py), its logs in files."""

    def __init__(self, instance: Path, logs: Path, secret: str = "gunicorn-test-secret"):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.access_log, self.error_log = logs / f"access-{self.port}.log", logs / f"error-{self.port}.log"
        self.socket = instance / f"gunicorn-127.0.0.1-{self.port}.ctl"
        env = {key: value for key, value in os.environ.items() if not key.startswith("ASSESSOR_")}
        env.update(ASSESSOR_HOST="127.0.0.1", ASSESSOR_PORT=str(self.port), ASSESSOR_WORKERS="1",
                   ASSESSOR_INSTANCE_PATH=str(instance), ASSESSOR_SECRET_KEY=secret,
                   ASSESSOR_REPORT_CACHE=str(instance / "cache"),
                   ASSESSOR_QUEUE_IMMEDIATE="1")  # no render worker here: the PDF is rendered in the request
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
             "--access-logfile", str(self.access_log), "--error-logfile", str(self.error_log)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(self.base + "/confidentialite", timeout=5).close()
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("gunicorn did not start: " + self.error_log.read_text()[-2000:])
                time.sleep(0.2)
        while not self.socket.exists() and time.monotonic() < deadline:  # opened after the workers
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


class Browser:
    """Enough of a browser for the journey: cookies, redirects, forms with their CSRF token."""

    def __init__(self, base: str):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def open(self, path: str, data: dict | None = None, headers: dict | None = None):
        from urllib.parse import urlencode

        body = urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        try:
            response = self.opener.open(request, timeout=60)
        except urllib.error.HTTPError as error:
            return error.code, error.url[len(self.base):], error.read()
        with response:
            return response.status, response.url[len(self.base):], response.read()

    def get(self, path: str, **kwargs) -> tuple[int, str, str]:
        status, url, body = self.open(path, **kwargs)
        return status, url, body.decode("utf-8", "replace")

    def post_form(self, path: str, page: str, data: dict) -> tuple[int, str, str]:
        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        status, url, body = self.open(path, data=data | {"csrf_token": csrf})
        return status, url, body.decode("utf-8", "replace")


@pytest.fixture
def instance():
    # A short path: a Unix socket's path is limited to about 100 bytes.
    with tempfile.TemporaryDirectory(prefix="assessor-") as folder:
        yield Path(folder)


def test_gunicorn_logs_hold_no_private_link_after_a_journey_an_error_and_a_language_switch(instance, tmp_path):
    questionnaire = latest(load_directory(ROOT / "questionnaires"), "ai-maturity")
    server = Gunicorn(instance, tmp_path)
    try:
        assert server.socket.exists()  # its own control socket, next to its database
        browser = Browser(server.base)
        _status, _url, home = browser.get("/")
        status, url, page = browser.post_form("/", home, VALID_PROFILE)
        token = re.match(r"/a/([^/]+)/s/", url).group(1)
        assert status == 200 and resume_link(page) == f"{server.base}/a/{token}"
        answers = best_answers(questionnaire)
        for dimension in questionnaire.dimensions:
            data = {field_name(q.id): answers[q.id] for q in dimension.questions if q.id in answers}
            status, url, page = browser.post_form(f"/a/{token}/s/{dimension.id}", page, data | {"action": "next"})
            assert status == 200, page
        assert url == f"/a/{token}/verification"
        status, url, results = browser.post_form(f"/a/{token}/valider", page, {})
        assert url == f"/a/{token}/resultats" and "Vos résultats" in results
        status, _url, pdf = browser.open(f"/a/{token}/rapport.pdf",
                                         headers={"Referer": f"{server.base}/a/{token}/resultats"})
        assert status == 200 and pdf.startswith(b"%PDF")

        # the language switch brings the company back to its results, in English
        switch = re.search(r'<form method="post" action="(/langue/en)" class="nav-form">(.*?)</form>', results, re.S)
        fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', switch.group(2)))
        status, url, page = browser.get(switch.group(1), data={k: unescape(v) for k, v in fields.items()})
        assert url == f"/a/{token}/resultats" and "Your results" in page

        # a follow-up (its link goes through a flashed message and a redirect)
        status, url, page = browser.post_form(f"/a/{token}/suivi", page, {})
        followup = re.match(r"/a/([^/]+)/s/", url).group(1)
        assert followup != token

        # an error on a private-link route: a diagnostic of a questionnaire version that is gone
        database = connect(str(instance / "assessor.sqlite3"))
        try:
            _id, broken = store.create(database, PROFILE, "ai-maturity", 999)
        finally:
            database.close()
        status, _url, page = browser.get(f"/a/{broken}/supprimer")
        assert status == 500 and "An unexpected error" in page
        unknown = secrets.token_urlsafe(32)
        assert browser.get(f"/a/{unknown}?next=/a/{unknown}")[0] == 404
        forged = browser.get(f"/a/{token}/verification", headers={"Host": "evil.example"})
        assert forged[0] == 400 and "evil.example" not in forged[2]

        cookie = next(c for c in browser.cookies if c.name == "session").value
        app = make_app(tmp_path / "reader", SECRET_KEY="gunicorn-test-secret")
        contents = json.dumps(app.session_interface.get_signing_serializer(app).loads(cookie))
    finally:
        server.stop()

    access, errors = server.access_log.read_text("utf-8"), server.error_log.read_text("utf-8")
    for secret in (token, followup, broken, unknown):
        assert not leaks(secret, access), access
        assert not leaks(secret, errors), errors
        assert not leaks(secret, contents), contents
    assert "/langue/" in access and "next=" not in access.split("/langue/")[1].split('"')[0]
    assert f'"GET /a/{token[:4]}…/resultats HTTP/1.1" 200' in access
    assert f'"GET /a/{token[:4]}…/rapport.pdf HTTP/1.1" 200' in access
    assert f'"{server.base}/a/{token[:4]}…/resultats"' in access  # the Referer
    assert f'"GET /a/{broken[:4]}…/supprimer HTTP/1.1" 500' in access
    assert f"/a/{unknown[:4]}…?next=/a/{unknown[:4]}…" in access
    # the app's log goes to gunicorn's error log (wsgi.errors), traceback included
    assert "Unhandled error on GET /a/<token>/supprimer" in errors  # the route, not the link
    assert "KeyError: 'ai-maturity@999'" in errors


def test_each_gunicorn_instance_keeps_its_own_control_socket(instance, tmp_path):
    """Two instances on one machine used to share ~/.gunicorn/gunicorn.ctl: stopping one removed
    the socket of the other."""
    first = Gunicorn(instance, tmp_path)
    try:
        second = Gunicorn(instance, tmp_path)
        try:
            assert first.socket.exists() and second.socket.exists() and first.socket != second.socket
            first.stop()
            assert not first.socket.exists()
            assert second.socket.exists()
            shown = subprocess.run([sys.executable, "-m", "gunicorn.ctl.cli", "-s", str(second.socket),
                                    "-c", "show workers", "-j"], capture_output=True, text=True, timeout=30)
            assert shown.returncode == 0 and str(second.port) not in shown.stderr, shown.stderr
            assert "pid" in shown.stdout, shown.stdout
        finally:
            second.stop()
    finally:
        first.stop()
