"""« Le règlement européen sur l'IA et vous » (issue 11): the rules as data, what applies to a company
now and when, from its answers, on the results page, in the PDF, in the plan and in the inventory
it downloads; and every shipped text that dates an AI Act obligation gives the current date."""
from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
import yaml

from assessor.domain import ai_act
from assessor.domain.questionnaire import QuestionnaireError, latest, load_directory
from tests.factories import ROOT, best_answers, create_assessment, worst_answers, report_html

QUESTIONNAIRES = load_directory(ROOT / "questionnaires")
AI = latest(QUESTIONNAIRES, "ai-maturity")
RULES_FILE = ROOT / "questionnaires" / ai_act.FILE_NAME
RULES = ai_act.load_rules(RULES_FILE, QUESTIONNAIRES)
TODAY = dt.date(2026, 12, 2)
NO_AI = worst_answers(AI)  # no AI used at all
CHATBOT = best_answers(AI) | {"use_cases.customer_relationship": "integrated_tool", "tools.genai_use": "allowed",
                              "tools.genai_tasks": ["writing", "marketing"], "use_cases.adoption_admin": "3"}


def statuses(section):
    return {f.obligation.id: f.status for f in section.findings}


def test_the_rules_give_the_dates_of_2026():
    dates = {o.id: o.since for o in RULES.obligations}
    assert dates["ai-literacy"] == dates["prohibited-practices"] == dt.date(2025, 2, 2)
    assert dates["transparency"] == dt.date(2026, 8, 2)  # not postponed by the Omnibus
    assert dates["high-risk-uses"] == dt.date(2027, 12, 2)  # postponed from 2 August 2026
    assert dates["regulated-products"] == dt.date(2028, 8, 2)  # postponed from 2 August 2027
    for o in RULES.obligations:
        assert o.source_url.startswith("https://") and o.verified_on <= o.review_by


@pytest.mark.parametrize("answers, size_band, sector, expected", [
    # No AI at all: only the bans, which apply to everyone.
    (NO_AI, "10-49", "M", {"ai-literacy": "not_concerned", "prohibited-practices": "applies",
                           "transparency": "not_concerned", "high-risk-uses": "not_concerned",
                           "cse-consultation": "not_concerned", "career-interview": "not_concerned"}),
    # A customer chatbot, generative AI, AI in admin tasks (recruitment among them), 12 staff.
    (CHATBOT, "10-49", "M", {"ai-literacy": "applies", "transparency": "applies", "high-risk-uses": "to_check",
                             "cse-consultation": "not_concerned", "career-interview": "applies"}),
    # The same with 80 staff: the works council is consulted before the pilot.
    (CHATBOT, "50-249", "M", {"cse-consultation": "applies"}),
    # An industrial firm whose offer changes with AI: AI in regulated products, to check.
    (best_answers(AI) | {"strategy.offer_impact": "yes"}, "10-49", "C", {"regulated-products": "to_check"}),
    (best_answers(AI) | {"strategy.offer_impact": "yes"}, "10-49", "M", {"regulated-products": "not_concerned"}),
])
def test_what_applies_to_a_company_follows_its_answers(answers, size_band, sector, expected):
    got = statuses(ai_act.assess(RULES, answers, size_band, sector, TODAY))
    assert {k: got[k] for k in expected} == expected


def test_an_obligation_to_come_says_so_and_the_plan_puts_it_in_order():
    before = ai_act.assess(RULES, CHATBOT, "10-49", "M", dt.date(2026, 6, 1))
    assert statuses(before)["transparency"] == "coming"
    after = ai_act.assess(RULES, CHATBOT, "10-49", "M", TODAY)
    order = [f.status for f in after.actions]
    assert order == sorted(order, key=["applies", "coming", "to_check"].index)
    assert {f.obligation.id for f in after.actions} == {f.obligation.id for f in after.concerned}


def test_the_uses_declared_make_the_inventory_rows():
    section = ai_act.assess(RULES, CHATBOT, "10-49", "M", TODAY)
    assert {"genai-accounts", "genai-marketing", "customer-chatbot", "admin-tasks"} <= {u.id for u in section.uses}
    assert ai_act.assess(RULES, NO_AI, "10-49", "M", TODAY).uses == ()


@pytest.mark.parametrize("change, problem", [
    (lambda d: d["obligations"][0]["when"].append({"question": "tools.nope", "in": ["x"]}), "unknown question"),
    (lambda d: d["obligations"][0]["when"].append({"question": "tools.genai_use", "in": ["sometimes"]}),
     "is not an option"),
    (lambda d: d["obligations"][0].pop("source_url"), "source_url: missing"),
    (lambda d: d["obligations"][0].update(review_by=dt.date(2030, 1, 1)), "not within 12 months"),
    (lambda d: d["uses"][0]["obligations"].append("nope"), "unknown obligation"),
    (lambda d: d["obligations"][0].update(law="tax"), "unknown law"),
])
def test_invalid_rules_are_refused_with_their_place(change, problem):
    data = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    change(data)
    with pytest.raises(QuestionnaireError) as exc:
        ai_act.parse_rules(data, QUESTIONNAIRES)
    assert any(problem in p and p.startswith("ai-act.yaml: ") for p in exc.value.problems), exc.value.problems


def _text(html: str) -> str:
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


def test_the_results_page_shows_the_section_the_plan_actions_and_the_inventory(app, client):
    _id, token = create_assessment(app, CHATBOT, submit=True, size_band="50-249", sector="M")
    text = _text(client.get(f"/a/{token}/resultats").get_data(as_text=True))
    assert "Le règlement européen sur l'IA et vous" in text
    assert "S'applique à vous depuis le 2 août 2026" in text  # Art. 50, the chatbot
    assert "Peut vous concerner, à vérifier (applicable à partir du 2 décembre 2027)" in text
    assert "obligation de moyens" in text  # Art. 4 as amended in 2026
    assert "Inscrivez votre projet d'IA à l'ordre du jour du CSE" in text  # in the plan
    assert "aiadopt.eu" in text and "vérifié le 2 décembre 2026" in text
    assert f"/a/{token}/inventaire-ia.csv" in client.get(f"/a/{token}/resultats").get_data(as_text=True)


def test_the_inventory_is_a_spreadsheet_file_prefilled_with_the_declared_uses(app, client):
    _id, token = create_assessment(app, CHATBOT, submit=True)
    response = client.get(f"/a/{token}/inventaire-ia.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"] and token not in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM: Excel reads the accents
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:2] == ["Outil ou service d'IA", "Usage (à quoi il sert)"]
    uses = {row[1]: row[6] for row in rows[1:]}
    assert "Chatbot ou assistant au contact des clients" in uses
    assert "article 50" in uses["Chatbot ou assistant au contact des clients"]
    assert "2 août 2026" in uses["Chatbot ou assistant au contact des clients"]
    blank = client.get("/inventaire-ia.csv")
    assert blank.status_code == 200
    assert list(csv.reader(io.StringIO(blank.data.decode("utf-8-sig")), delimiter=";")) == [rows[0]]
    english = client.get("/inventaire-ia.csv?lang=en", headers={"Accept-Language": "en"})
    assert english.status_code == 200


def test_the_report_has_the_section_without_the_private_link(app):
    assessment_id, token = create_assessment(app, CHATBOT, submit=True, size_band="50-249")
    html = report_html(app, assessment_id, AI)
    text = _text(html)
    assert "Le règlement européen sur l'IA et vous" in text
    assert "Consulter le CSE avant un projet pilote" in text
    assert "Règlement européen sur l'IA et droit du travail" in text  # the plan's actions
    assert token not in html and "inventaire-ia.csv" not in html


# -- the dates stated by every shipped text ---------------------------------------------------------

_HIGH_RISK = re.compile(r"haut risque|high[- ]risk|annexe? III", re.I)
_OLD_HIGH_RISK_DATE = re.compile(r"(2 )?(août|august) 202[67]", re.I)
_POSTPONED = re.compile(r"report|postpon|devai(en)?t|were due|was due|au lieu|instead of", re.I)
_LITERACY = re.compile(r"article 4|maîtrise suffisante|sufficient level of AI literacy", re.I)
_ENSURE = re.compile(r"veiller à ce que|to ensure|ensure their", re.I)
_AMENDED = re.compile(r"2026|omnibus|modifi|amend|assoupli|softened", re.I)
_TRANSPARENCY = re.compile(r"article 50|échangent avec une IA|interacting with an AI|deal(ing)? with an AI", re.I)
_DATE = re.compile(r"\d{1,2}(er)? \w+ 20\d\d|\w+ \d{1,2},? 20\d\d", re.I)


def ai_act_date_problems(text: str) -> list[str]:
    """Return what is outdated in a text that dates an AI Act obligation (2026 Omnibus included)."""
    problems = []
    if _HIGH_RISK.search(text) and _OLD_HIGH_RISK_DATE.search(text) and not _POSTPONED.search(text):
        problems.append("high-risk uses apply from 2 December 2027 (AI in regulated products: 2 August 2028)")
    if _LITERACY.search(text) and re.search(r"février 2025|February 2025", text) and _ENSURE.search(text) \
            and not _AMENDED.search(text):
        problems.append("article 4 was rewritten in 2026: take measures to support AI literacy (effort)")
    if _TRANSPARENCY.search(text):
        for date in [m.group(0) for m in _DATE.finditer(text)]:
            if not re.search(r"2 (août|august) 2026|august 2, 2026", date, re.I):
                problems.append(f"article 50 applies from 2 August 2026, not {date}")
    return problems


def _strings(node, path=""):
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _strings(value, f"{path}[{i}]")


@pytest.mark.parametrize("text, wrong", [
    ("Les usages à haut risque (recrutement) sont soumis à des obligations à partir du 2 août 2026.", True),
    ("Les usages à haut risque s'appliqueront à partir du 2 décembre 2027 (ils devaient le 2 août 2026).", False),
    ("Le règlement (article 4) demande, depuis février 2025, de veiller à ce que le personnel en ait une "
     "maîtrise suffisante.", True),
    ("Depuis février 2025, l'article 4, modifié en 2026, demande de prendre des mesures.", False),
    ("Article 50 : informez vos clients à partir du 2 août 2027.", True),
    ("Article 50 : informez vos clients, depuis le 2 août 2026.", False),
])
def test_the_date_checker_itself(text, wrong):
    assert bool(ai_act_date_problems(text)) is wrong


def _shipped_files():
    folder = ROOT / "questionnaires"
    params = []
    for path in sorted(folder.glob("*.yaml")):
        params.append(pytest.param(path, id=path.name))
    return params


@pytest.mark.parametrize("path", _shipped_files())
def test_every_shipped_text_that_dates_the_ai_act_gives_the_current_date(path: Path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    problems = [f"{path.name}: {where}: {problem}" for where, text in _strings(data)
                for problem in ai_act_date_problems(text)]
    assert not problems, "\n".join(problems)
