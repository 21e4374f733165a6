"""French typography written in the questionnaire file itself, from version 3 on (issue 11).

Typographic apostrophes, "…" rather than "...", a no-break space (U+00A0) before « ? : ; ! » and
inside « », in every French text of the file, so that a line never breaks before a "?" whatever
displays the text (page, PDF, export, another tool reading the YAML)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
# ai-maturity from version 3 on; every other questionnaire (ai-public…) from its first version
FILES = [path for path in sorted((ROOT / "questionnaires").glob("ai-*-v*.yaml"))
         if not path.name.startswith("ai-maturity-") or int(path.stem.rsplit("v", 1)[1]) >= 3]
NBSP = "\u00a0"
NO_BREAK = {NBSP, "\u202f"}


def french_texts(node, path=""):
    """Yield (path, French text) for every bilingual text of a questionnaire file."""
    if isinstance(node, dict):
        if isinstance(node.get("fr"), str) and isinstance(node.get("en"), str):
            yield path, node["fr"]
            return
        for key, value in node.items():
            yield from french_texts(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            here = value.get("id", value.get("value", index)) if isinstance(value, dict) else index
            yield from french_texts(value, f"{path}[{here}]")


def problems(text: str) -> list[str]:
    """Return what breaks French typography in a text (empty when it is correct)."""
    found = []
    if "'" in text:
        found.append("straight apostrophe (use ’)")
    if "..." in text:
        found.append('"..." (use …)')
    for match in re.finditer(r"[?;!:»]", text):
        before = text[match.start() - 1] if match.start() else ""
        if before not in NO_BREAK and not (match.group() == ":" and before.isdigit()):
            found.append(f"no no-break space before {match.group()!r} at {match.start()}")
    for match in re.finditer(r"«", text):
        if text[match.end():match.end() + 1] not in NO_BREAK:
            found.append(f"no no-break space after « at {match.start()}")
    if re.search(r" [?;!:»]|« ", text):
        found.append("plain space next to double punctuation")
    return found


TEXTS = [pytest.param(where, text, id=f"{path.stem}:{where}") for path in FILES
         for where, text in french_texts(yaml.safe_load(path.read_text(encoding="utf-8")))]


def test_version_3_onwards_are_checked():
    assert {"ai-maturity-v3.yaml", "ai-public-v1.yaml"} <= {path.name for path in FILES}
    assert len(TEXTS) > 300


@pytest.mark.parametrize("where, text", TEXTS)
def test_a_french_text_follows_french_typography(where, text):
    assert problems(text) == []


@pytest.mark.parametrize("text, expected", [
    ("Qu'en pensez-vous ?", 3), ("Attendez...", 1), ("Oui\u00a0: «\u00a0non\u00a0»", 0),
    ("Vous répondez « oui »", 3), ("Vraiment\u00a0?", 0), ("Réunion à 10:30\u00a0!", 0),
])
def test_the_checker_finds_what_a_reader_would_see(text, expected):
    assert len({p.split(" at ")[0] for p in problems(text)}) == expected


def test_no_text_names_cite_de_l_ia_outside_hauts_de_france():
    for param in TEXTS:
        where, text = param.values
        if "Cité de l’IA" in text:
            assert "Hauts-de-France" in text, where
