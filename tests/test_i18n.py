"""Every interface string has its English translation (French is the source language)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
METHODS = [("assessor/**.py", "python"), ("assessor/templates/**.html", "jinja2"), ("reports/**.html", "jinja2")]


def test_every_string_shown_to_users_is_translated_into_english():
    with (ROOT / "assessor/translations/en/LC_MESSAGES/messages.po").open("rb") as fh:
        catalog = read_po(fh)
    missing = []
    for _filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), METHODS, keywords=KEYWORDS, options_map={"**.html": {"extensions": "jinja2.ext.i18n"}}):
        msgid = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(msgid)
        strings = entry.string if entry else None
        if not entry or not strings or (isinstance(strings, tuple) and not all(strings)):
            missing.append(f"{_filename}:{lineno}: {msgid}")
    assert not missing, "untranslated: " + "; ".join(missing[:20])


# -- one API for the words of the web pages and the report (issue 10) ------------------------------

def test_label_text_and_day_pick_the_language():
    import datetime as dt
    from zoneinfo import ZoneInfo

    from assessor.domain import i18n, referential
    from assessor.domain.questionnaire import Text

    assert i18n.label(referential.REGIONS, "FR-BRE", "fr") == "Bretagne"
    assert i18n.label(referential.REGIONS, "FR-BRE", "en") == "Brittany"
    assert i18n.label(referential.REGIONS, "FR-XXX", "en") == "FR-XXX"  # unknown code: shown as it is
    assert i18n.label(referential.REGIONS, None, "fr") == ""
    assert i18n.text(Text("Données", "Data"), "en") == "Data"
    assert i18n.text({"fr": "Données", "en": "Data"}, "fr") == "Données"
    assert i18n.text(None, "fr") == ""
    paris = ZoneInfo("Europe/Paris")
    # 23:30 UTC on 30 November is already 1 December in Paris: the French ordinal.
    assert i18n.day("2026-11-30T23:30:00+00:00", "fr", tz=paris) == "1er décembre 2026"
    assert i18n.day("2026-11-30T23:30:00+00:00", "en", tz=paris) == "December 1, 2026"
    assert i18n.day("2026-11-30T23:30:00+00:00", "fr", tz=ZoneInfo("UTC")) == "30 novembre 2026"
    assert i18n.day(dt.date(2026, 12, 11), "fr", "medium") == "11 déc. 2026"
    assert i18n.day(None, "fr") == ""
    assert i18n.moment("2026-12-01T18:44:00+00:00", "fr", paris) == "1er décembre 2026 à 19\u00a0h\u00a044"
    assert i18n.moment("2026-12-01T18:44:00+00:00", "en", paris) == "1 December 2026 at 7:44\u00a0pm"


def test_web_and_report_expose_the_same_helpers(app):
    from assessor.domain import i18n
    from assessor.web.language import text_helpers

    with app.app_context():
        web = text_helpers("en")
    assert set(i18n.helpers("en")) <= set(web)
    assert web["label"]("SIZE_BANDS", "1-9") == "1 to 9 employees"
    assert web["day"]("2026-12-02", "long") == "December 2, 2026"


def _script_literals(source: str) -> list[str]:
    """Return the string literals of a script, its comments left out."""
    import re

    source = re.sub(r"/\*.*?\*/", "", source, flags=re.S)
    literals, pattern = [], re.compile(r"""//[^\n]*|"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'""")
    for match in pattern.finditer(source):
        if not match.group(0).startswith("//"):
            literals.append(match.group(1) if match.group(1) is not None else match.group(2))
    return literals


def test_the_script_writes_no_word_shown_to_users():
    """app.js takes its messages from data-* attributes that the templates translate."""
    import re

    literals = _script_literals((ROOT / "assessor/static/app.js").read_text(encoding="utf-8"))
    assert "copy-status" in literals and "X-Autosave" in literals  # the grep sees the script's strings
    words = [s for s in literals if s != "use strict" and (
        not s.isascii() or re.search(r"[A-Za-z]{2,} [A-Za-z]{2,}", s) or re.fullmatch(r"[A-Z][a-z]+\b.*", s))]
    assert not words, f"words written in app.js instead of a data-* attribute: {words}"
    assert _script_literals('a = "Lien copié."; // "not this"\nb = \'Saved at\';') == ["Lien copié.", "Saved at"]


@pytest.mark.parametrize(("lang", "message"), [("fr", "Lien copié."), ("en", "Link copied.")])
def test_the_copy_message_comes_from_the_page_in_the_users_language(app, client, lang, message):
    from tests.factories import create_assessment

    _id, token = create_assessment(app)
    client.get(f"/langue/{lang}")
    page = client.get(f"/a/{token}/verification").get_data(as_text=True)
    assert f'data-copied="{message}"' in page


# Identical in both languages on purpose: names and acronyms.
SAME_IN_ENGLISH = {"Bpifrance", "France Num", "Cité de l'IA", "EDIH", "OPCO", "RNCP", "NAF", "SIRET"}
_FRENCH = re.compile(r"[àâçéèêëîïôûùüÿœæ«»]|\b(le|la|les|des|du|de|et|vous|votre|vos|un|une|pour|avec|sur|est)\b",
                     re.IGNORECASE)


def catalogue_problems(po_text: str) -> list[str]:
    """Return what a translator left undone in an English catalogue: fuzzy entries (gettext ignores
    them: the French shows), obsolete ones (#~) and French copied as the English translation."""
    import io

    catalog = read_po(io.BytesIO(po_text.encode("utf-8")))
    problems = [f"fuzzy: {m.id}" for m in catalog if m.id and m.fuzzy]
    problems += [f"obsolete: {msgid}" for msgid in catalog.obsolete]
    if "\n#~ " in "\n" + po_text and not catalog.obsolete:
        problems.append("obsolete entries (#~) left in the file")
    for message in catalog:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for msgid, msgstr in zip(ids, strings):
            if msgid and msgstr == msgid and msgid not in SAME_IN_ENGLISH and _FRENCH.search(msgid):
                problems.append(f"French left as the English translation: {msgid}")
    return problems


def test_the_english_catalogue_has_no_fuzzy_obsolete_or_french_entry():
    text = (ROOT / "assessor/translations/en/LC_MESSAGES/messages.po").read_text(encoding="utf-8")
    assert catalogue_problems(text) == []


def test_the_catalogue_check_finds_what_a_translator_left_undone():
    po = ('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
          '#, fuzzy\nmsgid "Lien copié !"\nmsgstr "Link copied."\n\n'
          'msgid "Vos réponses"\nmsgstr "Vos réponses"\n\n'
          'msgid "Score"\nmsgstr "Score"\n\n'
          'msgid "Cité de l\'IA"\nmsgstr "Cité de l\'IA"\n\n'
          '#~ msgid "Ancien"\n#~ msgstr "Old"\n')
    assert catalogue_problems(po) == ["fuzzy: Lien copié !", "obsolete: Ancien",
                                      "French left as the English translation: Vos réponses"]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_reasons_read_the_same_on_the_results_page_and_in_the_report(app, client, lang):
    """One macro puts a recommendation's reason into words, for the page and for the PDF."""
    from markupsafe import escape

    from assessor.domain import i18n
    from assessor.report import context as report_context, render as reporting
    from assessor.store.db import connect
    from assessor.domain.questionnaire import latest
    from assessor.store import assessments as store
    from tests.factories import create_assessment, worst_answers

    questionnaire = latest(app.extensions["assessor.questionnaires"], "ai-maturity")
    assessment_id, token = create_assessment(app, worst_answers(questionnaire), submit=True)
    client.get(f"/langue/{lang}")
    page = client.get(f"/a/{token}/resultats").get_data(as_text=True)
    with app.app_context():
        db = connect(app.config["DATABASE"])
        try:
            context = report_context.build_context(db, store.get(db, assessment_id), questionnaire, lang)
        finally:
            db.close()
        report = reporting.render_html(context, lang)
    reasons = [i18n.reason(r.reason, lang) for r in context["recommendations"]]
    assert reasons
    # The page and the report list programmes under the answer they address (issue 14: the same
    # answer was said once per programme): the same words, in two parts, what was answered, then
    # what each brings.
    benefit = " Cette offre vous aide à " if lang == "fr" else " This helps you "
    parts = [part for w in reasons for part in w.replace(benefit, "\n" + benefit.lstrip(), 1).split("\n")]
    assert [w for w in parts if str(escape(w)) not in page] == []
    assert [w for w in parts if str(escape(w)) not in report] == []
    assert all(("Cette offre vous aide à " if lang == "fr" else "This helps you ") in words for words in reasons)


# -- French typography at the source (issue 10) ----------------------------------------------------

_PLAIN_SPACE = re.compile(r".{0,30}(?: [?:;!»]|« ).{0,10}")


def plain_french_spaces(html: str) -> list[str]:
    """Return the places of a French page's text (not scripts, styles nor attribute values) where a
    plain space stands before ? : ; ! » or after «: a line may break there."""
    from html.parser import HTMLParser

    class Text(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.parts, self.skip = [], 0

        def handle_starttag(self, tag, attrs):
            self.skip += tag in ("script", "style")

        def handle_endtag(self, tag):
            self.skip -= tag in ("script", "style") and self.skip > 0

        def handle_data(self, data):
            if not self.skip:
                self.parts.append(data)

    parser = Text()
    parser.feed(html)
    text = re.sub(r"[ \t\n]+", " ", "".join(parser.parts))
    return [m.group(0) for m in _PLAIN_SPACE.finditer(text)]


def test_the_typography_check_finds_plain_spaces_in_text_only():
    html = ('<p title="a : b">Pourquoi ? Voilà\u00a0: «\u00a0bien\u00a0»</p><script>if (a ? b : c) {}</script>'
            '<style>a { b : c }</style><p>«  mal » !</p>')
    assert plain_french_spaces(html) == ["Pourquoi ? Voilà\u00a0: «\u00a0bien\u00a0»« mal » !"]


def test_french_pages_and_report_keep_punctuation_with_its_word(app, client):
    """No line of a French page or of the French PDF starts with « ? : ; ! » » or ends with «."""

    from assessor.report import context as report_context, render as reporting
    from assessor.store.db import connect
    from assessor.domain.questionnaire import latest
    from assessor.store import assessments as store
    from tests.factories import create_assessment, worst_answers

    questionnaire = latest(app.extensions["assessor.questionnaires"], "ai-maturity")
    draft_id, draft = create_assessment(app, {})
    done_id, done = create_assessment(app, worst_answers(questionnaire), submit=True)
    pages = ["/", "/methodologie", "/confidentialite", f"/a/{draft}/s/{questionnaire.dimensions[0].id}",
             f"/a/{draft}/verification", f"/a/{done}/resultats", f"/a/{done}/supprimer", "/conseiller/connexion"]
    problems = {}
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        problems[url] = plain_french_spaces(response.get_data(as_text=True))
    with app.app_context():
        db = connect(app.config["DATABASE"])
        try:
            context = report_context.build_context(db, store.get(db, done_id), questionnaire, "fr")
        finally:
            db.close()
        problems["report"] = plain_french_spaces(reporting.render_html(context, "fr"))
    found = {url: found for url, found in problems.items() if found}
    assert not found, "\n".join(f"{url}: {place!r}" for url, places in found.items() for place in places)


def test_french_advisor_pages_keep_punctuation_with_its_word(tmp_path):
    from tests.factories import create_assessment, make_app, worst_answers
    from tests.test_advisor import FAST_ARGON2, login, make_advisor

    app = make_app(tmp_path, ARGON2_TEST_PARAMS=FAST_ARGON2, WTF_CSRF_ENABLED=False)
    questionnaire = app.extensions["assessor.questionnaires"]
    questionnaire = max((q for q in questionnaire.values() if q.id == "ai-maturity"), key=lambda q: q.version)
    done_id, _token = create_assessment(app, worst_answers(questionnaire), submit=True)
    make_advisor(app, "hdf@example.org", regions=["FR-HDF"], name="Hugo HdF")
    client = app.test_client()
    assert login(client, "hdf@example.org").status_code == 302
    problems = {}
    for url in ("/conseiller/", f"/conseiller/evaluations/{done_id}", "/conseiller/observatoire",
                "/conseiller/entretien"):
        response = client.get(url)
        assert response.status_code == 200, url
        problems[url] = plain_french_spaces(response.get_data(as_text=True))
    found = {url: places for url, places in problems.items() if places}
    assert not found, "\n".join(f"{url}: {place!r}" for url, places in found.items() for place in places)
