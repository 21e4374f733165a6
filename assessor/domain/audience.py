"""The words of an audience: what a page, the PDF or an e-mail calls the organisation. Pure module.

A company reads "votre entreprise" and "salariés"; a public body reads "votre collectivité" (or its
kind: "votre commune", "votre département"…) and "agents", never "entreprise" (issue 12). French
genders differ ("la commune", "le département", "de l'intercommunalité", "du département"), so each
kind carries its own forms; templates put them into sentences with gettext variables.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import referential

COMPANY, PUBLIC = "company", "public"


@dataclass(frozen=True)
class Words:
    """The words of one organisation in one language."""

    audience: str
    your: str     # "votre entreprise", "votre commune", "your company"
    of_the: str   # "de l'entreprise", "du département", "of the company"

    @property
    def public(self) -> bool:
        return self.audience == PUBLIC

    @property
    def Your(self) -> str:  # noqa: N802  (a sentence's first word)
        return self.your[:1].upper() + self.your[1:]


# (your, of the) per kind of referential.PUBLIC_KINDS and language; None: a public body's generic words
# (tests/test_public_path.py checks that every kind has its forms).
_KIND_FORMS: dict[str | None, dict[str, tuple[str, str]]] = {
    None: {"fr": ("votre collectivité", "de la collectivité"), "en": ("your public body", "of the public body")},
    "commune": {"fr": ("votre commune", "de la commune"), "en": ("your municipality", "of the municipality")},
    "epci": {"fr": ("votre intercommunalité", "de l'intercommunalité"),
             "en": ("your intermunicipal body", "of the intermunicipal body")},
    "departement": {"fr": ("votre département", "du département"), "en": ("your département", "of the département")},
    "region": {"fr": ("votre région", "de la région"), "en": ("your region", "of the region")},
    "etablissement": {"fr": ("votre établissement", "de l'établissement"),
                      "en": ("your establishment", "of the establishment")},
}
_COMPANY = {"fr": ("votre entreprise", "de l'entreprise"), "en": ("your company", "of the company")}


def words(audience: str | None, kind: str | None = None, lang: str = "fr") -> Words:
    """Return the words of an audience (``company`` or ``public``) and, for a public body, of its kind
    (``referential.PUBLIC_KINDS``; unknown or absent: "collectivité") in the language."""
    lang = "en" if lang == "en" else "fr"
    if audience != PUBLIC:
        return Words(COMPANY, *_COMPANY[lang])
    return Words(PUBLIC, *_KIND_FORMS.get(kind, _KIND_FORMS[None])[lang])


def words_for(assessment: Any, lang: str) -> Words:
    """Return the words of an assessment's organisation (a row, an ``Assessment`` or None)."""
    if assessment is None:
        return words(COMPANY, None, lang)
    return words(assessment.get("audience"), assessment.get("body_kind"), lang)


def profile_lines(assessment: Any, lang: str) -> list[tuple[str, str]]:
    """Return the profile as (label, value) pairs in the organisation's own words: for a company its
    size and sector, for a public body its kind, population and number of agents."""
    label = (lambda table, code: referential_label(table, assessment.get(code), lang))
    en = lang == "en"
    if assessment.get("audience") == PUBLIC:
        return [(("Kind" if en else "Nature"), label(referential.PUBLIC_KINDS, "body_kind")),
                (("Population" if en else "Population"), label(referential.POPULATION_BANDS, "population_band")),
                (("Staff" if en else "Agents"), label(referential.AGENT_BANDS, "agents_band"))]
    return [(("Size" if en else "Effectif"), label(referential.SIZE_BANDS, "size_band")),
            (("Sector" if en else "Secteur"), label(referential.NAF_SECTIONS, "sector"))]


def referential_label(table: dict[str, tuple[str, str]], code: str | None, lang: str) -> str:
    if code not in table:
        return code or "–"
    return table[code][1 if lang == "en" else 0]
