"""The sample report, built through the real code from reports/sample/."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml
from flask import Flask
from sqlite_utils import Database

from ..domain.questionnaire import Questionnaire, latest
from ..domain.scoring import check_answers, normalise_answer, score, to_record
from ..store import assessments as store
from .context import SAMPLE, build_context


class SampleError(ValueError):
    """The sample file does not fit the questionnaire."""


def load_sample(path: Path) -> dict[str, Any]:
    """Read a sample file: questionnaire id, submitted_at, profile and answers."""
    try:
        with path.open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        raise SampleError(f"{path}: invalid YAML: {exc}") from None
    if not isinstance(data, dict) or not {"questionnaire", "profile", "answers"} <= set(data):
        raise SampleError(f"{path}: expected the keys questionnaire, profile and answers")
    return data


def create_sample_assessment(db: Database, app: Flask, sample: dict[str, Any]) -> tuple[dict, Questionnaire, str]:
    """Store the sample as a submitted assessment of the latest questionnaire; return it and its token."""
    questionnaire = latest(app.extensions["assessor.questionnaires"], sample["questionnaire"])
    if questionnaire is None:
        raise SampleError(f"unknown questionnaire {sample['questionnaire']!r}")
    answers = sample["answers"]
    problems = check_answers(questionnaire, answers)
    if problems:
        raise SampleError(f"the sample does not fit {questionnaire.key}:\n" + "\n".join(problems))
    answers = {qid: normalise_answer(questionnaire.question(qid), value) for qid, value in answers.items()}
    stamp = str(sample.get("submitted_at") or store.now_iso())
    assessment_id, token = store.create(db, sample["profile"], questionnaire.id, questionnaire.version,
                                        created_at=stamp)
    store.save_answers(db, assessment_id, answers)
    result = score(questionnaire, answers, sample["profile"].get("size_band"))
    store.submit(db, assessment_id, result.summary(), result.scoring_version, submitted_at=stamp,
                 record=to_record(result, questionnaire))
    return store.get(db, assessment_id), questionnaire, token


def sample_context(app: Flask, lang: str, path: Path | None = None,
                   today: dt.date | None = None) -> dict[str, Any]:
    """Return the report context of the sample file, built on a throw-away in-memory database."""
    from ..store import migrations
    from ..store.db import connect

    sample = load_sample(path or Path(app.config["REPORTS_DIR"]) / SAMPLE)
    db = connect(":memory:")
    try:
        migrations.apply(db)
        with app.app_context():
            assessment, questionnaire, _token = create_sample_assessment(db, app, sample)
            return build_context(db, assessment, questionnaire, lang, today)
    finally:
        db.close()
