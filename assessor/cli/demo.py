"""Synthetic demonstration data: ``flask --app assessor demo seed N`` and ``demo purge``.

The generator is pure (a questionnaire and a seeded random generator in, rows out) so that the same
seed always gives the same companies, answers and scores. Scores come from the real scoring module,
so a demo assessment looks exactly like a real one everywhere (list, detail, PDF, observatory).
Demo rows carry ``is_demo = 1``; their token hash is not a SHA-256 digest, so no link opens them.
"""
from __future__ import annotations

import bisect
import datetime as dt
import json
import multiprocessing
import os
import random
import re
import secrets
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from ..domain.questionnaire import DONT_KNOW, NOT_APPLICABLE, Question, Questionnaire, is_visible
from ..domain.referential import DEPARTMENTS
from ..domain.scoring import score, to_record

BATCH = 2000
_PLAIN = re.compile(r"[a-z0-9_]+\Z")

# Rough weights: where French SMEs are (INSEE), sizes, sectors, respondents.
REGION_WEIGHTS = {
    "FR-IDF": 20, "FR-ARA": 13, "FR-HDF": 9, "FR-OCC": 9, "FR-NAQ": 9, "FR-PAC": 8, "FR-GES": 7,
    "FR-PDL": 6, "FR-BRE": 5, "FR-NOR": 4, "FR-BFC": 3, "FR-CVL": 3, "FR-20R": 0.6, "FR-971": 0.5,
    "FR-972": 0.5, "FR-973": 0.3, "FR-974": 0.9, "FR-976": 0.2,
}
SIZE_WEIGHTS = {"1-9": 45, "10-49": 35, "50-249": 15, "250+": 5}
SIZE_BONUS = {"1-9": -0.05, "10-49": 0.0, "50-249": 0.08, "250+": 0.15}
SECTOR_WEIGHTS = {
    "G": 18, "C": 15, "M": 14, "F": 12, "J": 8, "I": 7, "N": 6, "H": 5, "Q": 5, "K": 3, "S": 3,
    "L": 2, "A": 2, "P": 2, "R": 1, "E": 1, "D": 0.5, "B": 0.3,
}
SECTOR_BONUS = {"J": 0.15, "M": 0.08, "K": 0.1, "D": 0.05, "A": -0.08, "F": -0.05, "I": -0.05}
ROLE_WEIGHTS = {"dirigeant": 55, "direction": 15, "it": 12, "metier": 10, "salarie": 3, "conseiller": 3,
                "autre": 2}
FOLLOWUP_WEIGHTS = {"nouveau": 70, "contacté": 15, "en accompagnement": 10, "clos": 5}
TRADES = {
    "A": ["Ferme", "EARL", "Vergers", "Domaine"], "B": ["Carrières", "Sablières"],
    "C": ["Menuiserie", "Atelier", "Fonderie", "Imprimerie", "Plasturgie", "Mécanique de précision"],
    "D": ["Énergies", "Solaire"], "E": ["Recyclage", "Environnement"],
    "F": ["Bâtiment", "Charpentes", "Électricité", "Plomberie"],
    "G": ["Boutique", "Négoce", "Distribution", "Garage"], "H": ["Transports", "Logistique"],
    "I": ["Hôtel", "Restaurant", "Brasserie"], "J": ["Agence web", "Logiciels", "Studio"],
    "K": ["Courtage", "Assurances"], "L": ["Immobilier", "Agence immobilière"],
    "M": ["Cabinet", "Bureau d'études", "Laboratoire", "Architectes"], "N": ["Nettoyage", "Intérim"],
    "P": ["École", "Formations"], "Q": ["Clinique", "Cabinet médical", "Pharmacie"],
    "R": ["Théâtre", "Salle de sport"], "S": ["Pressing", "Salon de coiffure"],
}
NAMES = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
         "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
         "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet",
         "François", "Martinez", "Legrand", "Garnier", "Faure", "Rousseau", "Blanc", "Guérin", "Muller",
         "Henry", "Roussel", "Nicolas", "Perrin", "Morin", "Mathieu", "Clément", "Gauthier", "Dumont",
         "Lopez", "Fontaine", "Chevalier", "Robin", "Masson", "du Nord", "de l'Étang", "des Trois Ponts",
         "du Littoral", "des Flandres", "du Midi", "de la Garonne", "Occitane", "Alpine", "Atlantique"]
LEGAL_FORMS = ["SARL", "SAS", "SASU", "EURL", "SA", "", "", ""]
WISHES = ["Automatiser les devis.", "Mieux prévoir les stocks.", "Gagner du temps sur l'administratif.",
          "Comprendre ce que l'IA peut apporter à notre métier.", "Former l'équipe aux outils d'IA."]

_REGION_DEPARTMENTS: dict[str, list[str]] = {}
for _code, (_name, _region) in DEPARTMENTS.items():
    _REGION_DEPARTMENTS.setdefault(_region, []).append(_code)


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _clamp(value: float) -> float:
    return max(0.0, min(1.0, value))


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join("".join(c if c.isalnum() else " " for c in ascii_text.lower()).split())[:40]


@dataclass(frozen=True)
class Company:
    profile: dict[str, Any]
    maturity: float


def company(rng: random.Random) -> Company:
    """Return a plausible company profile and its underlying AI maturity (0..1)."""
    region = _weighted(rng, REGION_WEIGHTS)
    size = _weighted(rng, SIZE_WEIGHTS)
    sector = _weighted(rng, SECTOR_WEIGHTS)
    name = f"{rng.choice(TRADES.get(sector, ['Société']))} {rng.choice(NAMES)}"
    form = rng.choice(LEGAL_FORMS)
    if form:
        name = f"{name} {form}"
    consent_contact = rng.random() < 0.6
    maturity = _clamp(rng.betavariate(2.0, 3.0) + SIZE_BONUS[size] + SECTOR_BONUS.get(sector, 0.0))
    profile = {
        "company_name": name, "size_band": size, "sector": sector, "region": region,
        "department": rng.choice(_REGION_DEPARTMENTS[region]) if rng.random() < 0.8 else None,
        "role": _weighted(rng, ROLE_WEIGHTS),
        "email": f"contact@{_slug(name)}.example" if consent_contact or rng.random() < 0.3 else None,
        "consent_contact": int(consent_contact), "consent_stats": int(rng.random() < 0.8),
        "lang": "en" if rng.random() < 0.05 else "fr",
    }
    return Company(profile, maturity)


@dataclass(frozen=True)
class _Plan:
    """What the generator needs to know about one question, worked out once per questionnaire."""

    question: Question
    kind: str  # single | multiple | text
    values: tuple[str, ...] = ()  # options by increasing score (single) or scored options (multiple)
    cuts: tuple[float, ...] = ()  # midpoints between successive scores (single)
    odds: tuple[float, ...] = ()  # relative weight of each scored option (multiple)
    fallback: str = ""


_PLANS: dict[str, tuple[tuple[tuple[_Plan, ...], ...], Questionnaire]] = {}


def _plans(questionnaire: Questionnaire) -> tuple[tuple[_Plan, ...], ...]:
    cached = _PLANS.get(questionnaire.key)
    if cached and cached[1] is questionnaire:
        return cached[0]
    dimensions = []
    for dimension in questionnaire.dimensions:
        plans = []
        for question in dimension.questions:
            if question.type == "text":
                plans.append(_Plan(question, "text"))
            elif question.type == "multiple":
                top = max(o.score for o in question.options) or 1.0
                scored = [o for o in question.options if o.score > 0]
                exclusive = [o.value for o in question.options if o.exclusive and o.score == 0]
                plans.append(_Plan(question, "multiple", tuple(o.value for o in scored),
                                   odds=tuple(0.6 + 0.8 * o.score / top for o in scored),
                                   fallback=(exclusive or [min(question.options, key=lambda o: o.score).value])[0]))
            else:
                ranked = sorted(question.options, key=lambda o: o.score)
                plans.append(_Plan(question, "single", tuple(o.value for o in ranked),
                                   cuts=tuple((a.score + b.score) / 2 for a, b in zip(ranked, ranked[1:]))))
        dimensions.append(tuple(plans))
    _PLANS[questionnaire.key] = (tuple(dimensions), questionnaire)
    return tuple(dimensions)


def answers_for(rng: random.Random, questionnaire: Questionnaire, maturity: float,
                completeness: float = 1.0) -> dict[str, Any]:
    """Draw an answer to every visible question from a maturity, with some "je ne sais pas"."""
    answers: dict[str, Any] = {}
    dont_know_rate = 0.03 + 0.08 * (1 - maturity)
    draw, gauss = rng.random, rng.gauss
    for plans in _plans(questionnaire):
        level = _clamp(maturity + gauss(0, 0.12))
        for plan in plans:
            question = plan.question
            if (completeness < 1 and draw() > completeness) \
                    or (question.show_if and not is_visible(questionnaire, question, answers)):
                continue
            if plan.kind == "text":
                if draw() < 0.1:
                    answers[question.id] = rng.choice(WISHES)
                continue
            if question.dont_know and draw() < dont_know_rate:
                answers[question.id] = DONT_KNOW
            elif question.not_applicable and draw() < 0.03:
                answers[question.id] = NOT_APPLICABLE
            elif plan.kind == "multiple":
                ticked = [value for value, odds in zip(plan.values, plan.odds) if draw() < level * odds]
                answers[question.id] = ticked or [plan.fallback]
            else:
                answers[question.id] = plan.values[bisect.bisect(plan.cuts, level + gauss(0, 0.2))]
    return answers


def _stamp(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _value(value: Any) -> str:
    # Option values are validated identifiers ([a-z0-9_]): no escaping needed, and much faster.
    if isinstance(value, str) and _PLAIN.match(value):
        return f'"{value}"'
    return json.dumps(value, ensure_ascii=False)


def generate(questionnaire: Questionnaire, count: int, rng: random.Random, until: dt.datetime,
             first_id: int) -> Iterator[tuple[dict[str, Any], list[tuple[int, str, str]]]]:
    """Yield (assessment row, answer rows) for ``count`` assessments with ids from ``first_id``.

    About 4 % are follow-ups of an earlier company of the same run (linked by ``previous_id``,
    a few months later, a little more mature); about 5 % are still drafts.
    """
    span = 730 * 86400
    earlier: list[tuple[int, Company, dt.datetime]] = []
    for index in range(count):
        assessment_id = first_id + index
        previous_id = None
        if earlier and rng.random() < 0.04:
            previous_id, base, base_moment = earlier.pop(rng.randrange(len(earlier)))
            firm = Company(base.profile, _clamp(base.maturity + rng.uniform(0.05, 0.2)))
            submitted = min(until, base_moment + dt.timedelta(days=rng.uniform(90, 365)))
        else:
            firm = company(rng)
            # More diagnostics in recent months: the service grows.
            submitted = until - dt.timedelta(seconds=span * (1 - rng.random() ** 0.7))
        draft = rng.random() < 0.05
        answers = answers_for(rng, questionnaire, firm.maturity, rng.uniform(0.2, 0.8) if draft else 1.0)
        started = submitted - dt.timedelta(minutes=rng.uniform(8, 45))
        row = dict(firm.profile)
        row.update(
            id=assessment_id, token_hash=f"demo:{secrets.token_hex(12)}",
            questionnaire_id=questionnaire.id, questionnaire_version=questionnaire.version,
            mode="self", created_by=None, previous_id=previous_id, is_demo=1,
            created_at=_stamp(started), updated_at=_stamp(submitted),
            followup_status=_weighted(rng, FOLLOWUP_WEIGHTS) if firm.profile["consent_contact"] else "nouveau",
            assigned_advisor_id=None,
        )
        result = score(questionnaire, answers, firm.profile["size_band"])
        if draft or result.overall is None:
            row.update(status="draft", submitted_at=None, scoring_version=None, overall=None, level=None,
                       floor_level=None, confidence=None, dimension_scores=None, scoring=None)
        else:
            summary = result.summary()
            row.update(
                status="submitted", submitted_at=_stamp(submitted), scoring_version=result.scoring_version,
                overall=summary["overall"], level=summary["level"], floor_level=summary["floor_level"],
                confidence=summary["confidence"],
                dimension_scores=json.dumps({k: v["score"] for k, v in summary["dimensions"].items()}),
                scoring=json.dumps(to_record(result, questionnaire)),
            )
            if previous_id is None and rng.random() < 0.3:
                earlier.append((assessment_id, firm, submitted))
        # (assessment id, question id, JSON value); answer timestamps stay empty: nothing shows them.
        yield row, [(assessment_id, qid, _value(value)) for qid, value in answers.items()]


def chunk(questionnaire: Questionnaire, seed_value: int, index: int, count: int, until: dt.datetime,
          first_id: int) -> tuple[list[dict[str, Any]], list[tuple[int, str, str]]]:
    """Return the rows of one batch; each batch has its own generator, so batches can run in parallel
    and the same seed still gives the same data."""
    rng = random.Random(f"assessor-demo:{seed_value}:{index}")
    rows: list[dict[str, Any]] = []
    answers: list[tuple[int, str, str]] = []
    for row, answer_rows in generate(questionnaire, count, rng, until, first_id):
        rows.append(row)
        answers.extend(answer_rows)
    return rows, answers


_WORKER_QUESTIONNAIRE: Questionnaire | None = None


def _init_worker(questionnaire: Questionnaire) -> None:
    global _WORKER_QUESTIONNAIRE
    _WORKER_QUESTIONNAIRE = questionnaire


def _worker_chunk(args: tuple) -> tuple[list[dict[str, Any]], list[tuple[int, str, str]]]:
    assert _WORKER_QUESTIONNAIRE is not None
    return chunk(_WORKER_QUESTIONNAIRE, *args)


def seed(db, questionnaire: Questionnaire, count: int, seed_value: int | None = None,
         until: dt.datetime | None = None, batch: int = BATCH, processes: int | None = None) -> int:
    """Insert ``count`` demo assessments in batches; return how many were inserted.

    Scoring dominates the cost, so batches are generated in worker processes while this one
    inserts the previous batch (one write transaction per batch).
    """
    from ..store import stats

    if seed_value is None:
        seed_value = secrets.randbits(63)
    until = until or dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    first_id = stats.next_assessment_id(db)
    tasks = [(seed_value, index, min(batch, count - start), until, first_id + start)
             for index, start in enumerate(range(0, count, batch))]
    if processes is None:
        # This process inserts while the others generate: one core for each (measured on 2 cores:
        # a third process slows the inserts down more than it speeds the generation up).
        processes = min(len(tasks) - 1, max(1, (os.cpu_count() or 1) - 1))
    inserted = 0
    if processes < 1:
        for task in tasks:
            inserted += stats.insert_demo(db, *chunk(questionnaire, *task))
    else:
        context = multiprocessing.get_context("fork")
        with context.Pool(processes, initializer=_init_worker, initargs=(questionnaire,)) as pool:
            for rows, answers in pool.imap(_worker_chunk, tasks):
                inserted += stats.insert_demo(db, rows, answers)
    stats.optimise(db)
    return inserted


demo_cli = AppGroup("demo", help="Create or remove synthetic demonstration data.")


@demo_cli.command("seed")
@click.argument("count", type=click.IntRange(1, 1_000_000))
@click.option("--seed", "seed_value", type=int, default=None, help="Random seed, for the same data every time.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Latest submission date (default: now); dates spread over the two years before.")
def seed_command(count: int, seed_value: int | None, until: dt.datetime | None) -> None:
    """Create COUNT synthetic assessments (is_demo = 1)."""
    from ..store.db import get_db
    from ..web.content import current_questionnaire

    questionnaire = current_questionnaire()
    if questionnaire is None:
        raise click.ClickException(f"no questionnaire {current_app.config['QUESTIONNAIRE_ID']!r} loaded")
    if until is not None:
        until = until.replace(hour=18, tzinfo=dt.timezone.utc)
    started = time.perf_counter()
    inserted = seed(get_db(), questionnaire, count, seed_value, until)
    click.echo(f"{inserted} demo assessments created in {time.perf_counter() - started:.1f} s "
               f"({questionnaire.key}).")


@demo_cli.command("purge")
def purge_command() -> None:
    """Delete every demo assessment, with its answers, notes and cached PDF reports."""
    from ..store.db import get_db
    from ..jobs.queue import report_cache
    from ..store import stats

    db = get_db()
    ids = stats.demo_ids(db)
    removed = stats.purge_demo(db)
    reports = report_cache().forget_many(ids)
    click.echo(f"{removed} demo assessments deleted ({reports} cached reports).")

