"""HTTP details every page shares: security headers, the id converter, form-only request bodies, safe redirects."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Request, current_app, request, url_for
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import UnsupportedMediaType
from werkzeug.routing import IntegerConverter, ValidationError



CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


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


def security_headers(response):
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
