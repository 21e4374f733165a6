"""Every interface string has its English translation (French is the source language)."""
from __future__ import annotations

from pathlib import Path

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
