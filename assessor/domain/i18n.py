"""Words on screen and on paper: one small API shared by the web pages and the PDF report.

Three kinds of words, one function each, all taking the language explicitly:

- ``label(table, code, lang)``: a code of a reference table (``referential``: regions, sizes…);
- ``text(bilingual, lang)``: a ``{fr, en}`` text of the questionnaires and the catalogue;
- ``day(value, lang, format)`` and ``moment(value, lang)``: a stored UTC timestamp (or a date) as the
  day, or the day and time, of the service's time zone, in words.

Interface sentences are gettext messages (``_()`` in the code and the templates, the catalogue in
``translations/``). No Flask here (Babel only, and the time zone is an argument), so that the domain,
the web and the report can all use it.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from babel.support import NullTranslations, Translations
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from . import audience, referential

LANGUAGES = ("fr", "en")
SOURCE_LANGUAGE = "fr"
DEFAULT_ZONE = ZoneInfo("Europe/Paris")  # clock.DEFAULT_TIMEZONE: the web passes the configured zone
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


class Bilingual(Protocol):
    fr: str
    en: str


def language(lang: str | None) -> str:
    """Return a supported language: anything else falls back to French, the language of record."""
    return lang if lang in LANGUAGES else SOURCE_LANGUAGE


def label(table: dict[str, tuple[str, ...]], code: str | None, lang: str) -> str:
    """Return the label of a reference table's code in the language (its first item is French, the
    second English), or the code itself when the table does not know it."""
    if code not in table:
        return code or ""
    return table[code][LANGUAGES.index(language(lang))]


def text(bilingual: Bilingual | dict[str, str] | None, lang: str) -> str:
    """Return a bilingual text (``{fr, en}``) in the language; an absent text is empty."""
    if bilingual is None:
        return ""
    key = "en" if lang == "en" else "fr"
    return bilingual.get(key, "") if isinstance(bilingual, dict) else getattr(bilingual, key)


# A plain space before French double punctuation (and a percent sign), or inside guillemets: a line
# could break there, leaving "?" or "»" alone at the start of a line. Not before "%(name)s" (a
# placeholder), "%}" (a template tag) or "!=".
_PLAIN_FRENCH_SPACE = re.compile(r" (?=[:;?»]|!(?!=)|%(?![({}\w]))|(?<=«) ")
NO_BREAK_SPACE = "\u00a0"


def french_spacing(words: str) -> str:
    """Return French text with a no-break space before ``: ; ? ! %`` and inside ``« »``.

    For the French texts of the data files, once, when they are loaded; the interface's messages and
    the templates are written that way (tests/test_i18n.py checks the rendered pages and report)."""
    return _PLAIN_FRENCH_SPACE.sub(NO_BREAK_SPACE, words)


@functools.cache
def translations(lang: str) -> NullTranslations:
    """Return the compiled gettext catalogue of a language (French, the source, has none)."""
    return Translations.load(str(TRANSLATIONS), [language(lang)])


def gettext(lang: str, message: str, **variables: Any) -> str:
    """Translate an interface message outside a request (Flask-Babel's ``_`` is the one in views)."""
    translated = translations(lang).gettext(message) if lang != SOURCE_LANGUAGE else message
    return translated % variables if variables else translated


def day(value: str | dt.date | None, lang: str, format: str = "long", tz: ZoneInfo | None = None) -> str:
    """'2026-11-20T23:30:00+00:00' -> '21 novembre 2026': the local day (in ``tz``) of a stored
    timestamp, or a date, in the language (``format``: a Babel date format, ``long`` or ``medium``)."""
    if isinstance(value, dt.date):
        local: dt.date | None = value
    elif value and len(value) == 10:  # a bare date is taken as it is
        local = dt.date.fromisoformat(value)
    else:
        local = _local(value, tz).date() if value else None
    if not local:
        return ""
    return _first_of_month(babel_dates.format_date(local, format, locale=language(lang)), local, lang)


def _local(value: str | dt.datetime, tz: ZoneInfo | None) -> dt.datetime:
    """Return a stored UTC timestamp (naive ones are UTC) as an aware datetime of the zone."""
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(tz or DEFAULT_ZONE)


def _first_of_month(words: str, local: dt.date, lang: str) -> str:
    """French writes the first day of a month as an ordinal: '1er décembre 2026'."""
    return "1er" + words[1:] if lang == "fr" and local.day == 1 and words.startswith("1 ") else words


# Day and time patterns of ``moment``, per language (CLDR syntax); English for any other. The spaces
# inside a time are no-break spaces: "19 h 44" never splits at the end of a line.
_MOMENT_PATTERNS = {"fr": ("d MMMM y", "H\u00a0'h'\u00a0mm"), "en": ("d MMMM y", "h:mm\u00a0a")}


def moment(value: str | dt.datetime | None, lang: str, tz: ZoneInfo | None = None) -> str:
    """'2026-12-01T18:44:00+00:00' -> '1er décembre 2026 à 19 h 44' / '1 December 2026 at 7:44 pm':
    a stored UTC timestamp as the time in the service's zone (``tz``), in words."""
    if not value:
        return ""
    local = _local(value, tz)
    day_pattern, time_pattern = _MOMENT_PATTERNS.get(lang, _MOMENT_PATTERNS["en"])
    locale = language(lang)
    words = _first_of_month(babel_dates.format_date(local.date(), day_pattern, locale=locale), local.date(), lang)
    time = babel_dates.format_time(local.time(), time_pattern, locale=locale)
    if lang == "en":
        time = time.lower()  # "7:44 pm"
    return gettext(lang, "%(day)s à %(time)s", day=words, time=time)


def terms_in(texts, lang: str) -> list[tuple[str, str]]:
    """Return (term, explanation) for each acronym of ``referential.TERMS`` used in the texts."""
    words = " ".join(t for t in texts if t)
    return [(term, label(referential.TERMS, term, lang)) for term in referential.TERMS
            if re.search(rf"\b{re.escape(term)}\b", words)]


# Punctuation put between two values by a template: French spaces it, English does not (issue 14).
PUNCTUATION = {
    "fr": {"colon": "\u00a0:", "semicolon": "\u00a0;", "open": "«\u00a0", "close": "\u00a0»", "percent": "\u00a0%"},
    "en": {"colon": ":", "semicolon": ";", "open": "“", "close": "”", "percent": "%"},
}


def helpers(lang: str, tz: ZoneInfo | None = None) -> dict[str, Any]:
    """The template helpers of a language, the same for the web pages and the report: ``label`` (a
    reference table named by its ``referential`` name, and a code), ``text`` (a bilingual text; ``t``
    is its short name) and ``day``."""

    def table_label(table: str | dict[str, tuple[str, ...]], code: str | None) -> str:
        return label(getattr(referential, table) if isinstance(table, str) else table, code, lang)

    def bilingual(value: Bilingual | dict[str, str] | None) -> str:
        return text(value, lang)

    return {"label": table_label, "text": bilingual, "t": bilingual,
            "day": lambda value, format="long": day(value, lang, format, tz), "punct": PUNCTUATION[language(lang)],
            # the organisation's words: org(assessment).your is "votre entreprise" or "votre commune"…
            "org": lambda assessment=None: audience.words_for(assessment, lang),
            "profile_lines": lambda assessment: audience.profile_lines(assessment, lang)}


@functools.cache
def _words(lang: str) -> Environment:
    """A plain-text Jinja environment with the catalogue and the helpers of a language, for the
    macros that put data into words outside a page (the ``recommend`` command)."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=False, undefined=StrictUndefined,
                      extensions=["jinja2.ext.i18n"])
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(helpers(lang))
    return env


def reason(why: Any, lang: str) -> str:
    """Return a recommendation's reason (``recommend.Reason``) in words, the words of the pages and
    the report (the ``reason_words`` macro of templates/_reason.html)."""
    return str(_words(lang).get_template("_reason.html").module.reason_words(why))  # type: ignore[attr-defined]


def criterion(c: Any, lang: str, answer: bool = False) -> str:
    """Return an eligibility criterion (``eligibility.Criterion``) in words, "Entreprise de moins de
    50 salariés", or with ``answer`` what the company answered, "oui", "non" or "à vérifier" (the
    macros of templates/_eligibility.html, as on the pages and in the report)."""
    module = _words(lang).get_template("_eligibility.html").module  # type: ignore[attr-defined]
    return str((module.met_words if answer else module.criterion_words)(c)).strip()
