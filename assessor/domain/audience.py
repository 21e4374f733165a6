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
    the: str      # "l'entreprise", "le département", "the company"
    of_the: str   # "de l'entreprise", "du département", "of the company"
    noun: str     # "entreprise", "collectivité" (the audience's generic noun)
    nouns: str    # "entreprises", "collectivités"
    staff: str    # "salariés", "agents"

    @property
    def public(self) -> bool:
        return self.audience == PUBLIC

    @property
    def Your(self) -> str:  # noqa: N802  (a sentence's first word)
        return self.your[:1].upper() + self.your[1:]


# (your, the, of the) per kind and language; None: the generic words of a public body.
_KIND_FORMS: dict[str | None, dict[str, tuple[str, str, str]]] = {
    None: {"fr": ("votre collectivité", "la collectivité", "de la collectivité"),
           "en": ("your public body", "the public body", "of the public body")},
    "commune": {"fr": ("votre commune", "la commune", "de la commune"),
                "en": ("your municipality", "the municipality", "of the municipality")},
    "epci": {"fr": ("votre intercommunalité", "l'intercommunalité", "de l'intercommunalité"),
             "en": ("your intermunicipal body", "the intermunicipal body", "of the intermunicipal body")},
    "departement": {"fr": ("votre département", "le département", "du département"),
                    "en": ("your département", "the département", "of the département")},
    "region": {"fr": ("votre région", "la région", "de la région"),
               "en": ("your region", "the region", "of the region")},
    "etablissement": {"fr": ("votre établissement", "l'établissement", "de l'établissement"),
                      "en": ("your establishment", "the establishment", "of the establishment")},
}
_COMPANY = {"fr": ("votre entreprise", "l'entreprise", "de l'entreprise", "entreprise", "entreprises", "salariés"),
            "en": ("your company", "the company", "of the company", "company", "companies", "employees")}
_PUBLIC = {"fr": ("collectivité", "collectivités", "agents"),
           "en": ("public body", "public bodies", "staff")}


def words(audience: str | None, kind: str | None = None, lang: str = "fr") -> Words:
    """Return the words of an audience (``company`` or ``public``) and, for a public body, of its kind
    (``referential.PUBLIC_KINDS``; unknown or absent: "collectivité") in the language."""
    lang = "en" if lang == "en" else "fr"
    if audience != PUBLIC:
        return Words(COMPANY, *_COMPANY[lang])
    your, the, of_the = _KIND_FORMS[kind if kind in referential.PUBLIC_KINDS else None][lang]
    return Words(PUBLIC, your, the, of_the, *_PUBLIC[lang])


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
