"""Every advice reads on its own (issue 14): the action plan and the PDF print it without its question.

An advice that says "ces personnes", "ce budget" or "la solution" points back to the answer it was
written for; out of it, the company does not know whom or what it means.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from assessor.domain.questionnaire import load_questionnaire

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted((ROOT / "questionnaires").glob("ai-*-v*.yaml"))

# Pronoun uses ("ce que", "celles et ceux qui", "ceux des anciens salariés") name what they mean.
_POINTERS = {
    "fr": [
        r"\b(ces|cette|cet)\b",
        r"\bce\b(?!\s+(que\b|qui\b|qu['’]|dont\b|sont\b|trimestre\b))",
        r"\b(ceux|celles?|celui|celle)\b(?!\s+(qui|que|qu'|de|des|d['’]|du|dont|et)\b)",
        # a definite article on a thing named only by the answer: "le test", "la liste"
        (r"\b(le|la|du|au)\s+(test|prototype|déploiement|charte|référent|plan|solution|liste|rôle|budget|"
         r"partage)\b(?!\s+(de|des|du|d['’]))"),
    ],
    "en": [
        r"\bthese\b(?!\s+are\b)",
        r"\bthose\b(?!\s+(who|about|that|of)\b)",
        r"\bthis\b(?!\s+(is|quarter|month|year)\b)",
        (r"\bthe\s+(test|prototype|roll-out|policy|lead|plan|solution|list|role|budget|sharing)\b"
         r"(?!\s+(of|for)\b)"),
    ],
}


def dangling(text: str, lang: str) -> list[str]:
    """Return the words of an advice that point back to its question.

    "the plan" is not a pointer when the advice named the plan earlier ("your AI plan … the plan").
    """
    found = []
    for pattern in _POINTERS[lang]:
        for match in re.finditer(pattern, text, re.IGNORECASE):
            noun = match.group(0).split()[-1]
            if match.group(0) != noun and re.search(rf"\b{re.escape(noun)}\b", text[:match.start()], re.IGNORECASE):
                continue
            found.append(match.group(0))
    return found


def _advice(path: Path):
    questionnaire = load_questionnaire(path)
    for question in questionnaire.questions:
        for option in question.options:
            if option.advice:
                yield f"{path.name} {question.id}={option.value}", option.advice


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_advice_reads_without_its_question(path, lang):
    found = {where: words for where, advice in _advice(path) if (words := dangling(advice.get(lang), lang))}
    assert not found, found


@pytest.mark.parametrize("text, lang", [
    ("Demandez à ces personnes de partager leurs astuces lors d'un court atelier interne.", "fr"),
    ("Officialisez ce rôle : une mission écrite, du temps dédié.", "fr"),
    ("Testez la solution sur un vrai mois de données.", "fr"),
    ("Complétez la liste avec les fonctions d'IA intégrées à vos logiciels.", "fr"),
    ("Ask these people to share their tips in a short internal workshop.", "en"),
    ("Top up this budget with public funding.", "en"),
])
def test_the_check_catches_a_pointer_to_the_question(text, lang):
    assert dangling(text, lang)


@pytest.mark.parametrize("text, lang", [
    ("Consacrez une réunion d'une heure à l'IA : ce que font vos concurrents.", "fr"),
    ("Repérez celles et ceux qui veulent aller plus loin, notamment ceux des anciens services.", "fr"),
    ("Lancez-en une ce trimestre ; conservez la liste des participants.", "fr"),
    ("This is often the simplest starting point.", "en"),
])
def test_the_check_lets_self_contained_advice_pass(text, lang):
    assert not dangling(text, lang)
