"""The questionnaire loader: valid files load, every mistake is reported with file, place and hint."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from assessor.domain.questionnaire import (QUESTION_TYPES, _Loader, QuestionnaireError, is_visible, load_directory, load_questionnaire, parse_questionnaire)

ROOT = Path(__file__).resolve().parent.parent
MINI = Path(__file__).parent / "data" / "mini" / "mini-v1.yaml"


def mini_data():
    with MINI.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_Loader)


def problems_of(data) -> list[str]:
    with pytest.raises(QuestionnaireError) as info:
        parse_questionnaire(data, "broken.yaml")
    return info.value.problems


def test_shipped_questionnaires_load():
    loaded = load_directory(ROOT / "questionnaires")
    ai = [q for q in loaded.values() if q.id == "ai-maturity"]
    assert ai, "the ai-maturity questionnaire ships with the app"
    latest = max(ai, key=lambda q: q.version)
    assert len(latest.dimensions) >= 7
    assert all(len(d.questions) >= 3 for d in latest.dimensions)
    for question in latest.questions:
        assert question.text.fr and question.text.en


def test_mini_questionnaire_loads_every_question_type():
    questionnaire = load_questionnaire(MINI)
    assert {q.type for q in questionnaire.questions} == set(QUESTION_TYPES)
    assert questionnaire.key == "mini@1"
    # yes/no values stay strings (YAML 1.2 booleans only)
    assert questionnaire.question("data.quality").option("yes").score == 1


@pytest.mark.parametrize("mutate, expected", [
    (lambda d: d["dimensions"][0]["questions"][0].pop("text"),
     "dimensions[strategy].questions[strategy.vision].text: missing text"),
    (lambda d: d["dimensions"][0]["questions"][0]["text"].pop("en"),
     "questions[strategy.vision].text.en: missing or empty translation"),
    (lambda d: d["dimensions"][0]["questions"][0].update(type="ranking"),
     "unknown question type 'ranking' (hint: use one of single, multiple"),
    (lambda d: d["dimensions"][1]["questions"].append(copy.deepcopy(d["dimensions"][1]["questions"][0])),
     "duplicate question id 'data.practices'"),
    (lambda d: d["dimensions"][0]["questions"][0]["options"][2].update(score=0.9),
     "scores range from 0.0 to 0.9 (hint: the worst answer must score 0 and the best 1)"),
    (lambda d: d["dimensions"][0]["questions"][0]["options"][1].pop("advice"),
     "options[some].advice: missing text"),
    (lambda d: d["dimensions"][1]["questions"][2]["show_if"].update(question="data.nothing"),
     "show_if.question: 'data.nothing' is not an earlier question"),
    (lambda d: d["dimensions"][1]["questions"][2]["show_if"].update({"in": ["maybe"]}),
     "show_if.in: 'maybe' is not a value of data.quality"),
    (lambda d: d["levels"][2].update(min=10),
     "levels[2].min: 10.0 is not above the previous level's 20.0"),
    (lambda d: d["targets"].pop("1-9"), "targets.1-9: missing target"),
    (lambda d: d["dimensions"][0]["questions"][0].update(colour="blue"),
     "questions[strategy.vision].colour: unknown key"),
    (lambda d: d["dimensions"][0]["questions"][0]["options"][0].update(value="dont_know"),
     "'dont_know' is reserved"),
    (lambda d: d.update(version="two"), "version: invalid version 'two'"),
    (lambda d: d.update(audience="citizens"), "audience: unknown audience 'citizens' (hint: use company, public)"),
    (lambda d: d.update(profile=["name", "region", "turnover"]), "profile[2]: unknown profile field 'turnover'"),
    (lambda d: d.update(profile=["name", "size_band"]), "profile: the profile must ask 'region'"),
    (lambda d: d["changelog"][0].update(version=7), "changelog[0].version: 7 does not match version 1"),
    (lambda d: d["dimensions"][0]["questions"][1]["advice"].pop("no"),
     "questions[strategy.budget].advice.no: missing text"),
])
def test_mistakes_are_reported_with_place_and_hint(mutate, expected):
    data = mini_data()
    mutate(data)
    problems = problems_of(data)
    assert any(expected in p for p in problems), problems
    assert all(p.startswith("broken.yaml: ") for p in problems)


def test_every_error_of_a_file_is_listed_at_once():
    data = mini_data()
    data["dimensions"][0]["questions"][0].pop("text")
    data["dimensions"][1]["questions"][0]["type"] = "nope"
    data["targets"].pop("250+")
    assert len(problems_of(data)) >= 3


def test_invalid_yaml_names_file_and_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("id: x\nversion: [1\n", encoding="utf-8")
    with pytest.raises(QuestionnaireError) as info:
        load_questionnaire(path)
    assert info.value.problems[0].startswith("bad.yaml: line ")


def test_two_files_with_the_same_version_are_refused(tmp_path):
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text(MINI.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(QuestionnaireError) as info:
        load_directory(tmp_path)
    assert "mini@1 is also defined in a.yaml" in str(info.value)


def test_the_app_refuses_to_start_on_an_invalid_file(tmp_path):
    from tests.factories import make_app

    (tmp_path / "q").mkdir()
    data = mini_data()
    data["dimensions"][0]["questions"][0].pop("text")
    (tmp_path / "q" / "mini-v1.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    (tmp_path / "q" / "catalogue.yaml").write_text((MINI.parent / "catalogue.yaml").read_text(), encoding="utf-8")
    with pytest.raises(QuestionnaireError, match="missing text"):
        make_app(tmp_path, QUESTIONNAIRES_DIR=str(tmp_path / "q"), QUESTIONNAIRE_ID="mini")


def test_show_if_hides_a_question_until_its_condition_holds():
    questionnaire = load_questionnaire(MINI)
    follow_up = questionnaire.question("data.governance")
    assert not is_visible(questionnaire, follow_up, {})
    assert not is_visible(questionnaire, follow_up, {"data.quality": "no"})
    assert is_visible(questionnaire, follow_up, {"data.quality": "yes"})


def test_documented_question_types_match_the_registry():
    readme = (ROOT / "questionnaires" / "README.md").read_text(encoding="utf-8")
    for name in QUESTION_TYPES:
        assert f"| `{name}` |" in readme, f"question type {name} is not documented"


def test_a_questionnaire_says_whom_it_is_written_for_and_what_its_profile_asks():
    company = load_questionnaire(MINI)
    assert company.audience == "company"
    assert company.profile_fields[:3] == ("name", "size_band", "sector")
    data = mini_data()
    data.update(audience="public", profile=["name", "body_kind", "region", "email"])
    data.pop("targets")  # a public body has no company size band to aim at
    body = parse_questionnaire(data, "public.yaml")
    assert (body.audience, body.profile_fields, body.targets) == ("public", ("name", "body_kind", "region", "email"), {})
    data = mini_data()
    data.pop("targets")
    with pytest.raises(QuestionnaireError, match="targets.1-9: missing target"):
        parse_questionnaire(data, "company.yaml")
