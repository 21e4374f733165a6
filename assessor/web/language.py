"""The interface language and the words of dates and labels, for pages and the PDF."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, has_request_context, redirect, request, session, url_for
from flask_babel import get_locale

from ..domain import i18n
from ..report.results import KIND_LABELS, text_helpers  # noqa: F401  (the pages' helpers)
from .http import is_safe_next
from .. import config as settings


bp = Blueprint("web", __name__)

# The switch is remembered for a year in its own cookie: the session cookie ends with the browser.
LANGUAGE_COOKIE = "lang"
LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600


def lang() -> str:
    return str(get_locale() or "fr")


def picked_language() -> str | None:
    """Return the language the reader picked with the switch (this visit, or remembered), or None."""
    picked = session.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
    return picked if picked in i18n.LANGUAGES else None


def chosen_language() -> str:
    """Return the language of the request: the one picked with the switch (this visit, then
    remembered), else the browser's first supported one (``Accept-Language``), else French."""
    if not has_request_context():
        return i18n.SOURCE_LANGUAGE
    picked = picked_language()
    if picked:
        return picked
    return request.accept_languages.best_match(i18n.LANGUAGES, default=i18n.SOURCE_LANGUAGE)


@bp.after_app_request
def _vary_on_language(response):
    """A page's language depends on these headers: caches must not serve one reader's to another."""
    response.vary.update(("Accept-Language", "Cookie"))
    return response


@bp.route("/langue/<code>", methods=["GET", "POST"])
def set_language(code: str):
    """Switch the interface language and go back to the page the user was on.

    The switch in the header is a form (POST, CSRF) carrying that page in a hidden field: in the
    URL, a private link would be written to every access log. A plain link (GET) switches too and
    opens the home page: ``/langue/en`` is the site in English.
    """
    target = request.form.get("next") if request.method == "POST" else None
    response = redirect(target if is_safe_next(target) else url_for("assess.home"))
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
        response.set_cookie(LANGUAGE_COOKIE, code, max_age=LANGUAGE_COOKIE_MAX_AGE, httponly=True, samesite="Lax",
                            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
    return response


def format_day(value: str | dt.date | None, format: str = "long") -> str:
    """'2026-11-20T23:30:00+00:00' -> '21 novembre 2026': ``i18n.day`` in the user's language; the
    ``day`` filter of the templates."""
    return i18n.day(value, lang(), format, settings.zone())


def format_moment(value: str | dt.datetime | None) -> str:
    """'2026-12-01T18:44:00+00:00' -> '1er décembre 2026 à 19 h 44': ``i18n.moment`` in the user's
    language and the service's time zone; the ``datetime`` filter of the templates."""
    return i18n.moment(value, lang(), settings.zone())



