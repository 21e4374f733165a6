"""The command-line interface, as advisors and scripts use it."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from assessor.cli import data as cli

ROOT = Path(__file__).resolve().parent.parent
MINI = Path(__file__).parent / "data" / "mini"


@pytest.fixture
def run(monkeypatch):
    def invoke(command, args, data_dir=MINI):
        monkeypatch.setenv("ASSESSOR_QUESTIONNAIRES", str(data_dir))
        return CliRunner().invoke(command, args)
    return invoke


def write_answers(tmp_path, answers) -> str:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers), encoding="utf-8")
    return str(path)


def test_check_lists_the_valid_files(run):
    result = run(cli.questionnaires_group, ["check"])
    assert result.exit_code == 0
    assert "mini-v1.yaml: mini@1, 2 dimensions, 7 questions" in result.output


def test_check_fails_with_every_error(run, tmp_path):
    data = yaml.safe_load((MINI / "mini-v1.yaml").read_text(encoding="utf-8"))
    data["dimensions"][0]["questions"][0].pop("text")
    data["levels"][0]["min"] = 5
    (tmp_path / "mini-v1.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = run(cli.questionnaires_group, ["check"], data_dir=tmp_path)
    assert result.exit_code == 1
    assert "questions[strategy.vision].text: missing text" in result.output
    assert "levels[0].min: the first level must start at 0" in result.output


def test_export_gives_normalised_scores(run):
    result = run(cli.questionnaires_group, ["export", "mini"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["id"] == "mini" and data["version"] == 1
    questions = {q["id"]: q for d in data["dimensions"] for q in d["questions"]}
    assert {o["value"]: o["score"] for o in questions["strategy.vision"]["options"]} == {
        "none": 0.0, "some": 0.5, "clear": 1.0, "dont_know": None}
    practices = {o["value"]: o["score"] for o in questions["data.practices"]["options"]}
    assert practices["catalogue"] == pytest.approx(2 / 3) and practices["none"] == 0.0
    budget = {o["value"]: o["score"] for o in questions["strategy.budget"]["options"]}
    assert budget == {"yes": 1.0, "partial": 0.5, "no": 0.0, "dont_know": None, "not_applicable": None}


def test_export_of_an_unknown_questionnaire_is_a_clear_error(run):
    result = run(cli.questionnaires_group, ["export", "nope"])
    assert result.exit_code == 1
    assert "unknown questionnaire 'nope'; known: mini@1" in result.output


def test_score_prints_the_result(run, tmp_path):
    path = write_answers(tmp_path, {"strategy.vision": "clear", "strategy.budget": "dont_know",
                                    "data.practices": ["backup", "catalogue"], "data.quality": "no"})
    result = run(cli.score_command, ["mini", path])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"overall", "level", "floor_level", "confidence", "dimensions"}
    assert data["dimensions"]["strategy"] == {"score": 100.0, "level": "transformation", "confidence": 0.5}
    assert data["dimensions"]["data"]["score"] == 50.0
    assert data["overall"] == 75.0 and data["level"] == "deploiement" and data["floor_level"] == "experimentation"


@pytest.mark.parametrize("answers, message", [
    ({"nope.q": "x"}, "unknown question id 'nope.q'"),
    ({"strategy.vision": "perfect"}, "strategy.vision: unknown value 'perfect'"),
    (["not", "a", "mapping"], "must map question ids to values"),
])
def test_score_rejects_bad_answers_with_a_message(run, tmp_path, answers, message):
    result = run(cli.score_command, ["mini", write_answers(tmp_path, answers)])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_score_rejects_invalid_json(run, tmp_path):
    path = tmp_path / "answers.json"
    path.write_text("{oops", encoding="utf-8")
    result = run(cli.score_command, ["mini", str(path)])
    assert result.exit_code == 1 and "is not valid JSON" in result.output


def test_flask_command_line_reports_an_invalid_file(tmp_path):
    (tmp_path / "broken.yaml").write_text("id: broken\nversion: 1\n", encoding="utf-8")
    env = os.environ | {"ASSESSOR_QUESTIONNAIRES": str(tmp_path)}
    process = subprocess.run([sys.executable, "-m", "flask", "--app", "assessor", "questionnaires", "check"],
                             capture_output=True, text=True, env=env, cwd=ROOT)
    assert process.returncode != 0
    assert "broken.yaml: title: missing text" in process.stderr
    assert "Traceback" not in process.stderr


def _command_paths(group, prefix=""):
    import click as _click
    for name, command in sorted(group.commands.items()):
        if isinstance(command, _click.Group):
            yield from _command_paths(command, f"{prefix}{name} ")
        else:
            yield f"{prefix}{name}"


def test_every_command_is_documented_in_the_readme(app):
    """A new command without a line in the README fails here (docs enforced by tests)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    groups = [app.cli, cli.questionnaires_group, cli.catalogue_group]
    paths = set(_command_paths(app.cli))
    paths |= {f"questionnaires {p}" for p in _command_paths(cli.questionnaires_group)}
    paths |= {f"catalogue {p}" for p in _command_paths(cli.catalogue_group)}
    paths |= {"score", "recommend"}
    assert groups and paths
    missing = [p for p in sorted(paths) if f"flask --app assessor {p}" not in readme]
    assert not missing, f"commands missing from README.md: {missing}"


# -- flask translate (issue 10): on a copy of the project, never on the real catalogues -------------

@pytest.fixture()
def project_copy(tmp_path):
    import shutil

    root = Path(__file__).resolve().parent.parent
    copy = tmp_path / "project"
    shutil.copytree(root / "assessor", copy / "assessor",
                    ignore=shutil.ignore_patterns("__pycache__", "static", "*.mo"))
    shutil.copytree(root / "reports", copy / "reports", ignore=shutil.ignore_patterns("fonts", "sample"))
    shutil.copy(root / "babel.cfg", copy / "babel.cfg")
    return copy


def test_translate_extract_update_compile(app, project_copy):
    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    po = project_copy / "assessor/translations/en/LC_MESSAGES/messages.po"
    # A message new in the code, close to a translated one ("Lien copié."), and one the code no longer has.
    (project_copy / "assessor/extra.py").write_text(
        'from flask_babel import gettext as _\n\n\ndef f():\n    return _("Lien copié !")\n', encoding="utf-8")
    po.write_text(po.read_text(encoding="utf-8") + '\nmsgid "Plus dans le code"\nmsgstr "No longer in the code"\n',
                  encoding="utf-8")
    runner = app.test_cli_runner()
    for step in ("extract", "update", "compile"):
        result = runner.invoke(args=["translate", step, "--root", str(project_copy)])
        assert result.exit_code == 0, result.output
    pot = (project_copy / "assessor/translations/messages.pot").read_text(encoding="utf-8")
    assert 'msgid "Lien copié !"' in pot and "#: assessor/extra.py:5" in pot
    text = po.read_text(encoding="utf-8")
    assert "fuzzy" not in text and "#~" not in text and "Plus dans le code" not in text
    with po.open("rb") as fh:
        catalog = read_po(fh)
    assert catalog["Lien copié !"].string == ""  # to translate, not guessed from "Lien copié."
    assert catalog["Lien copié."].string == "Link copied."  # the translations are kept
    with (po.parent / "messages.mo").open("rb") as fh:
        assert read_mo(fh)["Lien copié."].string == "Link copied."


def test_translate_reports_pybabel_errors(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["translate", "compile", "--root", str(tmp_path)])
    assert result.exit_code != 0 and "pybabel compile failed" in result.output
