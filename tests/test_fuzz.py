"""A bounded fuzz test: a few hundred malformed requests, and not one of them crashes the app.

The targets are read from the app itself, so that a new route or a new form is fuzzed without
anyone listing it: every rule of ``app.url_map`` (GET and POST, logged out, as an advisor and as an
administrator) and every form found on the pages those rules serve (their fields, values and CSRF
tokens). Each request is a valid one with one thing broken: a field missing, duplicated, of the
wrong type, 10,000 characters long or holding a NUL; a missing, forged or foreign CSRF token; a
JSON, text, XML or broken multipart body; a bogus private link; an id beyond SQLite's 64-bit
integers; a date out of any calendar. The seed is fixed: a failure replays.

Asserted: no 5xx; every 4xx is an HTML page of the app, in French, that logs at most one line and
never a stack trace (issue 9).
"""
from __future__ import annotations

import io
import json
import logging
import random
import re
import sys
import time
import types
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import pytest
from werkzeug.datastructures import MultiDict
from werkzeug.http import HTTP_STATUS_CODES

from assessor.web import auth
from assessor.store.db import connect
from assessor.store import accounts
from factories import MINI_DIR, best_answers, create_assessment, make_app

SEED = 20261201
REQUESTS = 300  # random cases, on top of one pass over every form field and every route
FAST_ARGON2 = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
PASSWORD = "un mot de passe solide"
ROLES = ("anonymous", "advisor", "admin")
ACCOUNTS = {"advisor": "hdf@example.org", "admin": "admin@example.org"}

HUGE = "x" * 10_000
WRONG_VALUES = ["", " ", "abc", "-1", "0", "1.5", "1e309", "NaN", str(2**63), str(2**64), "9" * 400, "[]", "{}",
                "null", "true", "é€😀", "<script>alert(1)</script>", "=1+1", "../../etc/passwd", "\x00",
                "a\x00b", HUGE, "2026-13-45"]
DATE_VALUES = ["0001-01-01", "9999-12-31", "1970-01-01", "2026-02-30", "20260101", "2026-1-1", "-2026-01-01",
               "+275760-09-13", "2026-01-01T00:00", "9" * 30]
BAD_IDS = ["0", str(2**63 - 1), str(2**63), str(2**64), str(10**30), "9" * 5000, "-1", "1.5", "abc"]
BAD_TOKENS = ["x" * 43, "a", "é", "..", "%00", "x" * 5000, "~!*()'"]
BAD_SEGMENTS = ["nope", "strategy%00", "x" * 3000, "..", "%C3%A9", "%FF"]
CONTENT_TYPES = ["json-invalid", "json-fields", "json-list", "json-string", "json-nested", "text", "xml",
                 "multipart-file", "multipart-no-boundary", "urlencoded-broken"]
CSRF_MUTATIONS = ["no-csrf", "forged-csrf", "foreign-csrf", "header-only-csrf"]
FIELD_MUTATIONS = ["missing", "all-missing", "duplicated", "wrong-type", "huge", "nul"]


# -- what the pages offer -----------------------------------------------------------------------


@dataclass
class FormSpec:
    """One HTML form as the page serves it: where it goes, and each field's possible values."""

    page: str
    action: str
    method: str
    fields: dict[str, dict[str, Any]] = field(default_factory=dict)  # name → {"type", "values"}

    def valid_data(self) -> list[tuple[str, str]]:
        """Return what a browser would send: hidden values kept, a box ticked, a choice made."""
        data = []
        for name, spec in self.fields.items():
            kind, values = spec["type"], [v for v in spec["values"] if v is not None]
            if kind in ("hidden", "radio", "select", "submit", "button"):
                chosen = next((v for v in values if v), values[0] if values else "")
            elif kind == "checkbox":
                chosen = values[0] if values else "y"
            elif kind == "date":
                chosen = "2026-01-15"
            elif kind == "email":
                chosen = "fuzz@example.org"
            elif kind == "password":
                chosen = PASSWORD
            else:
                chosen = "Entreprise test"
            data.append((name, chosen))
        return data


class FormParser(HTMLParser):
    """Collect the forms of a page: action, method, and each named field with its values."""

    def __init__(self, page: str):
        super().__init__()
        self.page, self.forms, self._form, self._select = page, [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = FormSpec(self.page, attrs.get("action") or self.page, (attrs.get("method") or "get").upper())
            self.forms.append(self._form)
        elif tag == "option" and self._select is not None:
            self._select["values"].append(attrs.get("value", ""))
        elif self._form is None or not attrs.get("name"):
            return
        elif tag in ("input", "button"):
            kind = attrs.get("type") or ("submit" if tag == "button" else "text")
            spec = self._form.fields.setdefault(attrs["name"], {"type": kind, "values": []})
            spec["values"].append(attrs.get("value"))
        elif tag == "textarea":
            self._form.fields.setdefault(attrs["name"], {"type": "textarea", "values": []})
        elif tag == "select":
            self._select = self._form.fields.setdefault(attrs["name"], {"type": "select", "values": []})

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def forms_of(page: str, html: str) -> list[FormSpec]:
    parser = FormParser(page)
    parser.feed(html)
    return parser.forms


# -- the world the requests run against ---------------------------------------------------------


@dataclass
class World:
    app: Any
    clients: dict[str, Any]
    drafts: list[str]
    submitted: list[str]
    assessment_ids: list[int]
    target_advisor: int
    forms: dict[str, list[FormSpec]] = field(default_factory=dict)  # per role


def login(client) -> None:
    """Sign in through the real form (CSRF on): an advisor whose session the fuzz ended comes back."""
    role = client.fuzz_role
    html = client.get("/conseiller/connexion").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    if token is None:  # already signed in
        return
    response = client.post("/conseiller/connexion", data={
        "email": ACCOUNTS[role], "password": PASSWORD, "csrf_token": token.group(1)})
    assert response.status_code == 302, f"{role} could not sign in again"


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    app = make_app(tmp_path_factory.mktemp("fuzz"), QUESTIONNAIRES_DIR=str(MINI_DIR), QUESTIONNAIRE_ID="mini",
                   ARGON2_TEST_PARAMS=FAST_ARGON2, WTF_CSRF_ENABLED=True, LOGIN_MAX_FAILURES=100_000,
                   LOGIN_MAX_FAILURES_PER_IP=100_000,
                   # A crash must come back as the 500 a visitor would get, to be counted, not raised.
                   PROPAGATE_EXCEPTIONS=False)
    questionnaire = app.extensions["assessor.questionnaires"]["mini@1"]
    drafts, submitted, ids = [], [], []
    for i in range(8):
        assessment_id, token = create_assessment(app, best_answers(questionnaire) if i % 2 else None,
                                                 company_name=f"Brouillon {i}")
        drafts.append(token)
        ids.append(assessment_id)
    for i in range(4):
        assessment_id, token = create_assessment(app, best_answers(questionnaire), submit=True,
                                                 company_name=f"Validé {i}")
        submitted.append(token)
        ids.append(assessment_id)
    with app.app_context():
        database = connect(app.config["DATABASE"])
        hashed = auth.hash_password(PASSWORD)
        accounts.create_advisor(database, ACCOUNTS["advisor"], hashed, regions=["FR-HDF"])
        accounts.create_advisor(database, ACCOUNTS["admin"], hashed, is_admin=True)
        target = accounts.create_advisor(database, "cible@example.org", hashed, regions=["FR-BRE"])
        database.close()
    clients = {}
    for role in ROLES:
        client = clients[role] = app.test_client()
        client.fuzz_role = role
        if role in ACCOUNTS:
            login(client)
    return World(app, clients, drafts, submitted, ids, target)


@pytest.fixture(autouse=True)
def fake_reports(monkeypatch):
    """PDF routes: the renderer is a stub (rendering is tested in test_report.py; here, the request)."""
    import assessor

    stub = types.ModuleType("assessor.report.cache")
    stub.report_for = lambda db, assessment, questionnaire, lang, **kw: b"%PDF-1.7 stub"
    stub.ReportCache = type("ReportCache", (), {"__init__": lambda self, d: None, "forget": lambda self, i: None})
    monkeypatch.setitem(sys.modules, "assessor.report.cache", stub)
    import assessor.report
    monkeypatch.setattr(assessor.report, "cache", stub, raising=False)
    from assessor.jobs import reports  # the download link asks the queue (jobs/reports.py)

    monkeypatch.setattr(reports, "prepare", lambda *args: reports.Report(reports.READY, b"%PDF-1.7 stub"))


# -- building requests --------------------------------------------------------------------------

_ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def valid_value(world: World, rng: random.Random, name: str, rule: str) -> str:
    if name == "token":
        return rng.choice(world.submitted if rule.endswith(("resultats", "rapport.pdf", "suivi"))
                          and rng.random() < 0.8 else world.drafts + world.submitted)
    if name == "dimension_id":
        return rng.choice(["strategy", "data"])
    if name == "assessment_id":
        return str(rng.choice(world.assessment_ids))
    if name == "advisor_id":
        return str(world.target_advisor)
    if name == "code":
        return rng.choice(["fr", "en"])
    if name == "filename":
        return rng.choice(["style.css", "app.js", "favicon.svg"])
    raise AssertionError(f"route {rule}: give the fuzz test a valid value for <{name}>")


def bad_value(rng: random.Random, name: str) -> str:
    if name == "token":
        return rng.choice(BAD_TOKENS)
    if name.endswith("_id") and name != "dimension_id":
        return rng.choice(BAD_IDS)
    return rng.choice(BAD_SEGMENTS)


def build_url(world: World, rng: random.Random, rule: str, break_one: bool) -> tuple[str, str]:
    names = [m.group(2) for m in _ARGUMENT.finditer(rule)]
    broken = rng.choice(names) if break_one and names else None
    values = {}
    for name in names:
        if name == broken:
            values[name] = bad_value(rng, name)
        else:
            values[name] = quote(valid_value(world, rng, name, rule), safe="")
    url = _ARGUMENT.sub(lambda m: values[m.group(2)], rule)
    return url, f"bad <{broken}>" if broken else "valid url"


def mutate_fields(rng: random.Random, form: FormSpec, data: list[tuple[str, str]],
                  mutation: str, name: str | None = None) -> tuple[list[tuple[str, str]], str]:
    names = [n for n, _v in data if n != "csrf_token"] or [n for n, _v in data]
    if not names:
        return data, mutation
    name = name or rng.choice(names)
    kind = form.fields.get(name, {}).get("type")
    if mutation == "missing":
        return [(n, v) for n, v in data if n != name], f"missing {name}"
    if mutation == "all-missing":
        return [(n, v) for n, v in data if n == "csrf_token"], mutation
    if mutation == "duplicated":
        return data + [(name, rng.choice(WRONG_VALUES))], f"duplicated {name}"
    if mutation == "huge":
        value = HUGE
    elif mutation == "nul":
        value = rng.choice(["\x00", "a\x00b", "\x00" * 100])
    else:
        value = rng.choice(DATE_VALUES if kind == "date" else WRONG_VALUES)
    return [(n, value if n == name else v) for n, v in data], f"{mutation} {name}={value[:20]!r}"


def request_kwargs(world: World, rng: random.Random, role: str, method: str, data: list[tuple[str, str]],
                   mutation: str) -> dict[str, Any]:
    """Return the test client's arguments: a form body (POST) or a query string (GET), mutated."""
    csrf = dict(data).get("csrf_token")
    if method == "GET":
        return {"query_string": urlencode(data)}
    if mutation in CSRF_MUTATIONS:
        rest = [(n, v) for n, v in data if n != "csrf_token"]
        if mutation == "no-csrf":
            return {"data": MultiDict(rest)}
        if mutation == "forged-csrf":
            return {"data": MultiDict(rest + [("csrf_token", rng.choice(["x", HUGE, "IjEi.aaaa.bbbb", "\x00"]))])}
        if mutation == "foreign-csrf":
            other = next(iter(world.forms[rng.choice([r for r in ROLES if r != role])]), None)
            foreign = dict(other.valid_data()).get("csrf_token", "x") if other else "x"
            return {"data": MultiDict(rest + [("csrf_token", foreign)])}
        return {"data": MultiDict(rest), "headers": {"X-CSRFToken": csrf or "x"}}
    headers = {"X-CSRFToken": csrf} if csrf and rng.random() < 0.7 else {}
    if mutation == "json-invalid":
        return {"data": rng.choice(["{not json", "", "\x00", '{"a": ']), "content_type": "application/json",
                "headers": headers}
    if mutation == "json-fields":
        return {"data": json.dumps(dict(data)), "content_type": "application/json", "headers": headers}
    if mutation == "json-list":
        return {"data": json.dumps([list(p) for p in data]), "content_type": "application/json", "headers": headers}
    if mutation == "json-string":
        return {"data": rng.choice(['"abc"', "3", "null", "true"]), "content_type": "application/json",
                "headers": headers}
    if mutation == "json-nested":
        return {"data": json.dumps({n: rng.choice([{"a": 1}, [1, 2], None, 3.5, True]) for n, _v in data}),
                "content_type": "application/json", "headers": headers}
    if mutation == "text":
        return {"data": urlencode(data), "content_type": "text/plain", "headers": headers}
    if mutation == "xml":
        return {"data": "<form><a>1</a></form>", "content_type": "application/xml", "headers": headers}
    if mutation == "multipart-file":
        files = {n: (io.BytesIO(b"\x00\x01fichier"), "fichier.bin") for n, _v in data if n != "csrf_token"}
        return {"data": {**{n: v for n, v in data if n == "csrf_token"}, **files},
                "content_type": "multipart/form-data"}
    if mutation == "multipart-no-boundary":
        return {"data": urlencode(data), "content_type": "multipart/form-data", "headers": headers}
    if mutation == "urlencoded-broken":
        return {"data": urlencode(data) + "&%zz=%ff&%=&==&q=%E9%00", "content_type":
                "application/x-www-form-urlencoded", "headers": headers}
    return {"data": MultiDict(data)}


# -- running them -------------------------------------------------------------------------------


@dataclass
class Outcome:
    label: str
    status: int
    problem: str


class Recorder(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


ENGLISH_ERRORS = [name for code, name in HTTP_STATUS_CODES.items() if code >= 400]


def check(response, records: list[logging.LogRecord]) -> str:
    """Return what is wrong with an answer, or ''."""
    status = response.status_code
    if status >= 500:
        return "server error"
    if status < 400:
        if response.mimetype == "text/csv" and "EXPORT INCOMPLET" in response.get_data(as_text=True):
            return "an export that broke off"
        return ""
    if response.mimetype != "text/html":
        return f"a 4xx that is not a page ({response.mimetype})"
    body = response.get_data(as_text=True)
    if '<html lang="fr">' not in body or "Diagnostic de maturité IA" not in body:
        return "a 4xx that is not a French page of the app"
    english = [name for name in ENGLISH_ERRORS if f">{name}<" in body or f"{name} –" in body]
    if english:
        return f"a 4xx in English: {english}"
    if any(r.exc_info for r in records):
        return "a 4xx that logs a stack trace"
    if len(records) > 1:
        return f"a 4xx that logs {len(records)} lines"
    return ""


def run(world: World, role: str, method: str, url: str, kwargs: dict, label: str,
        recorder: Recorder) -> Outcome:
    client = world.clients[role]
    recorder.records.clear()
    response = client.open(url, method=method, **kwargs)
    try:
        response.get_data()  # a streamed answer is read to its end
    except Exception as error:  # what broke the stream is the finding
        problem = f"the answer broke off mid-stream: {error!r}"
    else:
        problem = check(response, list(recorder.records))
    response.close()
    # Keep each client as it was: in French, and signed in.
    endpoint = _endpoint(world, url, method)
    if endpoint == "web.set_language":
        client.get("/langue/fr")
    if role in ACCOUNTS and (endpoint in ("auth.logout", "accounts.reset_password", "auth.login")
                             or response.status_code == 302 and "/connexion" in response.headers.get("Location", "")):
        login(client)
    return Outcome(f"{role} {method} {url[:120]} [{label}]", response.status_code, problem)


def _endpoint(world: World, url: str, method: str) -> str | None:
    adapter = world.app.url_map.bind("localhost")
    try:
        return adapter.match(urlsplit(url).path, method=method)[0]
    except Exception:
        return None


def discover_forms(world: World) -> None:
    """GET every page each role can open and keep the forms found there."""
    rng = random.Random(SEED)
    for role in ROLES:
        specs: list[FormSpec] = []
        for rule in world.app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint in ("static", "web.set_language", "auth.logout"):
                continue
            url, _label = build_url(world, rng, rule.rule, break_one=False)
            response = world.clients[role].get(url)
            if response.status_code == 200 and response.mimetype == "text/html":
                specs += forms_of(url, response.get_data(as_text=True))
            response.close()
        # The sign-out button is on every advisor page: once is enough.
        unique = {(f.method, f.action, tuple(sorted(f.fields))): f for f in specs}
        world.forms[role] = list(unique.values())


def cases(world: World, rng: random.Random):
    """Yield (role, method, url, kwargs, label): one pass over every field and route, then random ones."""
    rules = [r for r in world.app.url_map.iter_rules()]
    for role in ROLES:
        for form in world.forms[role]:
            for name in form.fields:
                mutation = rng.choice([m for m in FIELD_MUTATIONS if m != "all-missing"])
                data, label = mutate_fields(rng, form, form.valid_data(), mutation, name)
                yield role, form.method, form.action, request_kwargs(world, rng, role, form.method, data,
                                                                     mutation), label
        for rule in rules:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                url, label = build_url(world, rng, rule.rule, break_one=True)
                yield role, method, url, request_kwargs(world, rng, role, method, [], ""), label
    # Dates out of any calendar, in every filter, sent to the filter's page and to every page below
    # it without arguments (the list's export link carries its filters).
    plain_pages = [r.rule for r in rules if "GET" in r.methods and not r.arguments]
    seen = set()
    for role in ROLES:
        for form in world.forms[role]:
            if form.method != "GET" or form.action in seen:
                continue
            seen.add(form.action)
            for name, spec in form.fields.items():
                if spec["type"] != "date":
                    continue
                for value in DATE_VALUES:
                    data = [(n, value if n == name else v) for n, v in form.valid_data()]
                    for page in (p for p in plain_pages if p.startswith(urlsplit(form.action).path)):
                        yield role, "GET", page, {"query_string": urlencode(data)}, f"{name}={value}"
    everything = [(role, form) for role in ROLES for form in world.forms[role]]
    for _i in range(REQUESTS):
        role, form = rng.choice(everything)
        roll = rng.random()
        if roll < 0.35:
            mutation = rng.choice(FIELD_MUTATIONS)
            data, label = mutate_fields(rng, form, form.valid_data(), mutation)
            yield role, form.method, form.action, request_kwargs(world, rng, role, form.method, data,
                                                                 mutation), label
        elif roll < 0.55 and form.method == "POST":
            mutation = rng.choice(CSRF_MUTATIONS)
            yield role, "POST", form.action, request_kwargs(world, rng, role, "POST", form.valid_data(),
                                                            mutation), mutation
        elif roll < 0.8 and form.method == "POST":
            mutation = rng.choice(CONTENT_TYPES)
            yield role, "POST", form.action, request_kwargs(world, rng, role, "POST", form.valid_data(),
                                                            mutation), mutation
        else:
            rule = rng.choice(rules)
            method = rng.choice(sorted(rule.methods - {"HEAD", "OPTIONS"}) + ["PUT", "DELETE"])
            url, label = build_url(world, rng, rule.rule, break_one=rng.random() < 0.7)
            # The form's fields, sent to another route: a form of one page posted to another.
            data, mutation = mutate_fields(rng, form, form.valid_data(), rng.choice(FIELD_MUTATIONS))
            body = rng.choice(["", *CONTENT_TYPES])
            yield role, method, url, request_kwargs(world, rng, role, "GET" if method == "GET" else "POST",
                                                    data, body), f"{label}, {mutation}, {body or 'form'}"


def test_no_malformed_request_crashes_the_app(world):
    discover_forms(world)
    assert len(world.forms["admin"]) > len(world.forms["anonymous"]) > 3, "the pages' forms were not found"
    recorder = Recorder()
    world.app.logger.addHandler(recorder)
    started = time.perf_counter()
    outcomes = []
    try:
        for role, method, url, kwargs, label in cases(world, random.Random(SEED)):
            outcomes.append(run(world, role, method, url, kwargs, label, recorder))
    finally:
        world.app.logger.removeHandler(recorder)
    elapsed = time.perf_counter() - started
    failures = [o for o in outcomes if o.problem]
    assert len(outcomes) > 500
    assert not failures, f"{len(failures)} of {len(outcomes)} requests failed:\n" + "\n".join(
        f"{o.status} {o.problem}: {o.label}" for o in failures[:60])
    statuses = {o.status for o in outcomes}
    assert {200, 302, 400, 404, 405, 415, 422} <= statuses, statuses  # the fuzz reached every kind of answer
    assert elapsed < 60, f"the fuzz test took {elapsed:.0f} s"  # bounded: some 650 requests
    print(f"{len(outcomes)} requests in {elapsed:.1f} s: " + ", ".join(
        f"{status} × {sum(o.status == status for o in outcomes)}" for status in sorted(statuses)))
