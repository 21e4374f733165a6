"""Command-line interface: ``flask --app assessor ...``.

The data commands (questionnaires, catalogue, score, recommend) do not need the application: they
are registered as Flask plugin commands so that ``questionnaires check`` can report an invalid file
that would stop the application from starting.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from ..domain import clock, i18n
from .. import config as settings
from ..domain.catalogue import Catalogue, load_catalogue
from ..domain.questionnaire import QUESTION_TYPES, Questionnaire, QuestionnaireError, latest, load_directory
from ..domain.eligibility import OPCO_UNKNOWN
from ..domain.referential import NAF_SECTIONS, OPCOS, REGIONS, SIZE_BANDS


def _data_dir() -> Path:
    conf = settings.defaults("instance") | settings.from_environment()
    return Path(conf["QUESTIONNAIRES_DIR"])


def _load_questionnaires() -> dict[str, Questionnaire]:
    try:
        return load_directory(_data_dir())
    except QuestionnaireError as exc:
        raise click.ClickException("invalid questionnaire file(s):\n" + "\n".join(exc.problems)) from None


def _load_catalogue(questionnaires: dict[str, Questionnaire]) -> Catalogue:
    try:
        return load_catalogue(_data_dir() / "catalogue.yaml", questionnaires)
    except QuestionnaireError as exc:
        raise click.ClickException("invalid catalogue:\n" + "\n".join(exc.problems)) from None


def _questionnaire(questionnaires: dict[str, Questionnaire], ref: str) -> Questionnaire:
    """Find 'ID' (latest version) or 'ID@VERSION'."""
    if "@" in ref:
        found = questionnaires.get(ref)
    else:
        found = latest(questionnaires, ref)
    if found is None:
        known = ", ".join(sorted(questionnaires))
        raise click.ClickException(f"unknown questionnaire {ref!r}; known: {known}")
    return found


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group("questionnaires")
def questionnaires_group() -> None:
    """Check and export the questionnaires."""


@questionnaires_group.command("check")
def questionnaires_check() -> None:
    """Validate every questionnaire file; exit non-zero listing every error."""
    loaded = _load_questionnaires()
    for key, q in sorted(loaded.items()):
        click.echo(f"ok  {q.source}: {key}, {len(q.dimensions)} dimensions, {len(q.questions)} questions")


def export_questionnaire(q: Questionnaire) -> dict[str, Any]:
    """Return the normalised questionnaire: every stored value with its 0..1 score."""
    def options(question):
        if not QUESTION_TYPES[question.type].scored:
            return []
        total = question.max_points if question.type == "multiple" else 1.0
        rows = [{"value": o.value, "score": round(o.score / total, 6)} for o in question.options]
        if question.dont_know:
            rows.append({"value": "dont_know", "score": None})
        if question.not_applicable:
            rows.append({"value": "not_applicable", "score": None})
        return rows
    return {
        "id": q.id, "version": q.version,
        "dimensions": [{
            "id": d.id, "weight": d.weight,
            "questions": [{"id": qu.id, "type": qu.type, "weight": qu.weight if qu.scored else 0,
                           "options": options(qu)} for qu in d.questions],
        } for d in q.dimensions],
    }


@questionnaires_group.command("export")
@click.argument("questionnaire_id")
def questionnaires_export(questionnaire_id: str) -> None:
    """Print a questionnaire (ID or ID@VERSION) as normalised JSON."""
    _echo_json(export_questionnaire(_questionnaire(_load_questionnaires(), questionnaire_id)))


def _read_answers(path: str, questionnaire: Questionnaire) -> dict[str, Any]:
    from ..domain.scoring import check_answers, normalise_answer

    try:
        with open(path, encoding="utf-8") as fh:
            answers = json.load(fh)
    except OSError as exc:
        raise click.ClickException(f"cannot read {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"{path} is not valid JSON: {exc.msg} (line {exc.lineno})") from None
    if not isinstance(answers, dict):
        raise click.ClickException(f"{path} must map question ids to values")
    problems = check_answers(questionnaire, answers)
    if problems:
        raise click.ClickException("invalid answers:\n" + "\n".join(problems))
    return {qid: normalise_answer(questionnaire.question(qid), v) for qid, v in answers.items()}


@click.command("score")
@click.argument("questionnaire_id")
@click.argument("answers_file", type=click.Path(dir_okay=False))
@click.option("--size", "size_band", type=click.Choice(list(SIZE_BANDS)), help="Company size band.")
def score_command(questionnaire_id: str, answers_file: str, size_band: str | None) -> None:
    """Score ANSWERS_FILE (JSON: question id → value, a list for checklists)."""
    from ..domain.scoring import score

    questionnaire = _questionnaire(_load_questionnaires(), questionnaire_id)
    answers = _read_answers(answers_file, questionnaire)
    _echo_json(score(questionnaire, answers, size_band).summary())


@click.group("catalogue")
def catalogue_group() -> None:
    """Check and export the programme catalogue."""


@catalogue_group.command("check")
def catalogue_check() -> None:
    """Validate the catalogue and the AI Act rules; exit non-zero listing every error."""
    from ..domain import ai_act

    questionnaires = _load_questionnaires()
    catalogue = _load_catalogue(questionnaires)
    today = clock.today(settings.zone())
    expired = [e.id for e in catalogue.entries if not e.is_valid_on(today)]
    click.echo(f"ok  catalogue {catalogue.version}: {len(catalogue.entries)} entries"
               + (f", {len(expired)} expired (never shown): {', '.join(expired)}" if expired else ""))
    overdue = [e for e in catalogue.entries if e.is_valid_on(today) and e.review_by < today]
    if overdue:
        click.echo(f"{len(overdue)} entries past their review date (re-read their source):")
        for entry in overdue:
            click.echo(f"  {entry.id}: review_by {entry.review_by}, source {entry.source_url}")
    path = _data_dir() / ai_act.FILE_NAME
    if path.exists():
        try:
            rules = ai_act.load_rules(path, questionnaires)
        except QuestionnaireError as exc:
            raise click.ClickException("invalid AI Act rules:\n" + "\n".join(exc.problems)) from None
        click.echo(f"ok  {path.name} {rules.version}: {len(rules.obligations)} obligations, {len(rules.uses)} uses")
        for o in rules.obligations:
            if o.review_by < today:
                click.echo(f"  {o.id}: review_by {o.review_by}, source {o.source_url} (re-read it)")


@catalogue_group.command("export")
def catalogue_export() -> None:
    """Print the catalogue as JSON."""
    _echo_json([e.as_dict() for e in _load_catalogue(_load_questionnaires()).entries])


@click.command("recommend")
@click.argument("questionnaire_id")
@click.argument("answers_file", type=click.Path(dir_okay=False))
@click.option("--region", required=True, type=click.Choice(list(REGIONS)), help="ISO 3166-2:FR region code.")
@click.option("--size", "size_band", required=True, type=click.Choice(list(SIZE_BANDS)), help="Size band.")
@click.option("--sector", required=True, type=click.Choice(list(NAF_SECTIONS)), help="NAF section letter.")
@click.option("--opco", type=click.Choice([*OPCOS, OPCO_UNKNOWN]), default=None,
              help="The company's OPCO (or unknown); without it the OPCO is guessed from the sector, to check.")
@click.option("--lang", default="fr", type=click.Choice(["fr", "en"]), show_default=True)
def recommend_command(questionnaire_id: str, answers_file: str, region: str, size_band: str, sector: str,
                      opco: str | None, lang: str) -> None:
    """Print the recommended programmes, each with its eligibility, and the action plan for ANSWERS_FILE."""
    from ..domain import eligibility
    from ..domain.recommend import Profile, recommend
    from ..domain.scoring import score

    questionnaires = _load_questionnaires()
    questionnaire = _questionnaire(questionnaires, questionnaire_id)
    catalogue = _load_catalogue(questionnaires)
    answers = _read_answers(answers_file, questionnaire)
    result = score(questionnaire, answers, size_band)
    advice = recommend(questionnaire, catalogue, Profile(region, size_band, sector, opco), result, answers, lang,
                       today=clock.today(settings.zone()))
    _echo_json({
        "recommendations": [{
            "id": r.entry.id, "name": r.entry.name.get(lang), "kind": r.entry.kind,
            "regions": list(r.entry.regions), "dimension": r.dimension,
            "reason": i18n.reason(r.reason, lang),
            "url": r.entry.url, "contact": r.entry.contact, "source_url": r.entry.source_url,
            "eligibility": eligibility.as_dict(r.eligibility, lambda c, answer: i18n.criterion(c, lang, answer)),
        } for r in advice.recommendations],
        "readings": [{"id": e.id, "name": e.name.get(lang), "regions": list(e.regions), "url": e.url,
                      "source_url": e.source_url} for e in advice.readings],
        "action_plan": {
            "quick_wins": [{"dimension": p.dimension, "question": p.question_id, "action": p.text}
                           for p in advice.plan.quick_wins],
            "next_12_months": [{"dimension": p.dimension, "question": p.question_id, "action": p.text}
                               for p in advice.plan.next_months],
            "to_clarify": [{"question": qid, "text": text} for qid, text in advice.plan.to_clarify],
        },
    })


# -- commands that need the application ---------------------------------------------------------


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or migrate the database (create_app already does it; this reports where it is)."""
    click.echo(f"database ready: {current_app.config['DATABASE']}")


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(target: str) -> None:
    """Copy the live database to TARGET with SQLite's online backup API."""
    from ..store.db import backup

    backup(current_app.config["DATABASE"], target)
    click.echo(f"backup written to {target}")


@click.group("retention")
def retention_group() -> None:
    """Enforce the retention periods stated on the privacy page."""


@retention_group.command("purge")
@click.option("--dry-run", is_flag=True, help="List what would be deleted, delete nothing.")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Count the periods back from this day (YYYY-MM-DD) instead of today.")
@with_appcontext
def retention_purge_command(dry_run: bool, as_of: Any) -> None:
    """Delete drafts untouched for ASSESSOR_RETENTION_DRAFT_DAYS and diagnostics validated more than
    ASSESSOR_RETENTION_DAYS ago, with their answers, notes and cached PDFs (what the render worker
    also does daily)."""
    from ..jobs import retention

    done = retention.purge(current_app.config, as_of.date() if as_of else None, dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    for row in done.rows:
        if row["status"] == "draft":
            click.echo(f"{verb} draft {row['id']} (last saved {row['updated_at']})")
        else:
            click.echo(f"{verb} diagnostic {row['id']} (validated {row['submitted_at']})")
    click.echo(f"{verb} {done.drafts} draft(s) untouched since {done.drafts_day} and {len(done.rows) - done.drafts} "
               f"diagnostic(s) validated before {done.submitted_day}"
               + ("" if dry_run else f", {done.reports} cached report(s)"))


# -- translations ---------------------------------------------------------------------------------

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
POT = Path("assessor/translations/messages.pot")
PO_WIDTH = 100  # the catalogues' line width: one width, so that updates do not re-wrap every entry
TRANSLATIONS_DIR = Path("assessor/translations")
_root_option = click.option("--root", type=click.Path(file_okay=False, exists=True, path_type=Path),
                            default=PROJECT_ROOT, show_default=False,
                            help="The project folder holding babel.cfg (default: this checkout).")


def _pybabel(root: Path, *args: str) -> None:
    """Run a pybabel command from the project folder, as ``pybabel ARGS`` would."""
    import contextlib

    from babel.messages.frontend import CommandLineInterface

    with contextlib.chdir(root):
        try:
            CommandLineInterface().run(["pybabel", "-q", *args])
        except SystemExit as exc:  # pybabel's own error (a bad option, a broken catalogue)
            if exc.code:
                raise click.ClickException(f"pybabel {args[0]} failed") from None
        except OSError as exc:  # a missing folder or file
            raise click.ClickException(f"pybabel {args[0]} failed: {exc}") from None


@click.group("translate")
def translate_group() -> None:
    """Keep the interface's translations up to date (French is the source language)."""


@translate_group.command("extract")
@_root_option
def translate_extract_command(root: Path) -> None:
    """Collect every message of the code and the templates into messages.pot."""
    _pybabel(root, "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext",
             "-o", str(POT), ".")
    click.echo(f"extracted {POT}")


@translate_group.command("update")
@_root_option
def translate_update_command(root: Path) -> None:
    """Bring every catalogue (.po) in line with messages.pot: new messages come in untranslated (never
    guessed from a similar one: no fuzzy entries), messages gone from the code are dropped."""
    _pybabel(root, "update", "-i", str(POT), "-d", str(TRANSLATIONS_DIR), "--no-fuzzy-matching",
             "--ignore-obsolete", "-w", str(PO_WIDTH))
    click.echo(f"updated the catalogues of {TRANSLATIONS_DIR}")


@translate_group.command("compile")
@_root_option
def translate_compile_command(root: Path) -> None:
    """Compile the catalogues (.po) into the .mo files the application reads."""
    _pybabel(root, "compile", "-d", str(TRANSLATIONS_DIR))
    click.echo(f"compiled the catalogues of {TRANSLATIONS_DIR}")

