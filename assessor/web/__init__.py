"""The web layer: blueprints per audience, forms, errors, language, HTTP details.

``init_app`` sets up what every page shares; each blueprint is registered by ``create_app``.
"""
from __future__ import annotations

from flask import Flask

from ..domain import i18n
from ..domain.referential import REGIONS
from . import resume_mail
from .http import FormRequest, IdConverter, public_url, security_headers
from .language import format_day, format_moment, lang, text_helpers


def init_app(app: Flask) -> None:
    """Set the request class, the id converter, the security headers and the template helpers."""
    app.request_class = FormRequest
    app.url_map.converters["id"] = IdConverter
    app.after_request(security_headers)

    @app.context_processor
    def helpers():
        language = lang()
        return {"lang": language, **text_helpers(language)}

    app.add_template_filter(format_day, "day")
    app.add_template_filter(format_moment, "datetime")
    app.add_template_global(public_url)
    app.add_template_global(resume_mail.mail_to, "resume_mail_to")

    @app.template_filter("region_name")
    def region_name(code: str) -> str:
        return i18n.label(REGIONS, code, lang())
