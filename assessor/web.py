"""Cross-cutting web concerns: security headers, language switch, template helpers."""
from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Request, current_app, redirect, request, session, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import UnsupportedMediaType
from werkzeug.routing import IntegerConverter, ValidationError

from . import clock, i18n
from .questionnaire import Questionnaire, latest
from .referential import REGIONS

bp = Blueprint("web", __name__)

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def questionnaires() -> dict[str, Questionnaire]:
    return current_app.extensions["assessor.questionnaires"]


def questionnaire_for(assessment: dict) -> Questionnaire:
    """Return the questionnaire version an assessment was started with."""
    return questionnaires()[f"{assessment['questionnaire_id']}@{assessment['questionnaire_version']}"]


def current_questionnaire() -> Questionnaire:
    """Return the version used for new assessments: the highest one."""
    return latest(questionnaires(), current_app.config["QUESTIONNAIRE_ID"])


def lang() -> str:
    return str(get_locale() or "fr")


def is_safe_next(target: str | None) -> bool:
    """Accept only a path on this site as a redirect target."""
    if not target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//") \
        and "\\" not in target


def public_url(endpoint: str, **values: Any) -> str:
    """Return the full address of a page (a private link shown to a company) as the public reaches
    it: from PUBLIC_URL when it is set, else from this request, whose host is a trusted one."""
    base = current_app.config.get("PUBLIC_URL")
    if not base:
        return url_for(endpoint, _external=True, **values)
    return base + current_app.url_map.bind("localhost").build(endpoint, values)


@bp.route("/langue/<code>", methods=["GET", "POST"])
def set_language(code: str):
    """Switch the interface language and go back to the page the user was on.

    The switch in the header is a form (POST, CSRF) carrying that page in a hidden field: in the
    URL, a private link would be written to every access log. A plain link (GET) switches too and
    opens the home page: ``/langue/en`` is the site in English.
    """
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    target = request.form.get("next") if request.method == "POST" else None
    return redirect(target if is_safe_next(target) else url_for("assess.home"))


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    # Private links carry their token in the URL: never leak it through the Referer header.
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if request.endpoint and request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def format_day(value: str | dt.date | None, format: str = "long") -> str:
    """'2026-11-20T23:30:00+00:00' -> '21 novembre 2026': ``i18n.day`` in the user's language; the
    ``day`` filter of the templates."""
    return i18n.day(value, lang(), format, clock.zone())


def format_moment(value: str | dt.datetime | None) -> str:
    """'2026-12-01T18:44:00+00:00' -> '1er décembre 2026 à 19 h 44': ``i18n.moment`` in the user's
    language and the service's time zone; the ``datetime`` filter of the templates."""
    return i18n.moment(value, lang(), clock.zone())


def text_helpers(language: str) -> dict[str, Any]:
    """Template helpers that pick the user's language: ``i18n.helpers`` (``label``, ``text`` or
    ``t``, ``day``) and ``kind_label`` (a catalogue entry's kind)."""
    return {**i18n.helpers(language, clock.zone()), "kind_label": lambda kind: str(KIND_LABELS.get(kind, kind))}


class IdConverter(IntegerConverter):
    """``<id:name>``, the converter of every database id in a URL: 1 to 2**63 - 1, SQLite's integers.

    Anything else is a 404 when the URL is matched, not an OverflowError in a query (``<int:>``
    takes ``/evaluations/9223372036854775808``).
    """

    MAX = 2**63 - 1

    def __init__(self, map, *args, **kwargs):
        super().__init__(map, min=1, max=self.MAX)

    def to_python(self, value: str) -> int:
        if len(value) > len(str(self.MAX)):  # int() of 5,000 digits raises a ValueError
            raise ValidationError()
        return super().to_python(value)


class FormRequest(Request):
    """A request whose body is read as an HTML form, and only as one.

    Every form of the app is an HTML form, but Flask-WTF reads a JSON body as the form (a malformed
    one raised inside the form, a list or a nested value crashed the field that got it) and an
    uploaded file as a field's value. So a body of any other type (JSON, text, XML) is refused with a
    415 page as soon as anything reads the form (the CSRF check does, first), and uploaded files are
    dropped: the app takes none.
    """

    FORM_TYPES = frozenset({"", "application/x-www-form-urlencoded", "multipart/form-data"})

    def _load_form_data(self) -> None:
        if "form" in self.__dict__:
            return
        if self.method not in ("GET", "HEAD") and self.mimetype not in self.FORM_TYPES:
            raise UnsupportedMediaType()
        super()._load_form_data()
        for upload in self.__dict__["files"].values():
            upload.close()
        self.__dict__["files"] = ImmutableMultiDict()


def init_app(app: Flask) -> None:
    app.request_class = FormRequest
    app.url_map.converters["id"] = IdConverter
    app.register_blueprint(bp)
    app.after_request(_security_headers)

    @app.context_processor
    def helpers():
        language = lang()
        return {"lang": language, **text_helpers(language)}

    app.add_template_filter(format_day, "day")
    app.add_template_filter(format_moment, "datetime")
    app.add_template_global(public_url)

    @app.template_filter("region_name")
    def region_name(code: str) -> str:
        return i18n.label(REGIONS, code, lang())


KIND_LABELS = {
    "awareness": _l("Sensibilisation"), "training": _l("Formation"),
    "certified_training": _l("Formation certifiante"), "diagnostic": _l("Diagnostic"),
    "support": _l("Accompagnement"), "funding": _l("Financement"), "network": _l("Réseau"),
    "event": _l("Événement"), "resource": _l("Ressource"), "reading": _l("À lire ou écouter"),
}
