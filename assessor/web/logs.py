"""Logs never carry a private link: a token is written as its first 4 characters and "…".

A private link (``/a/<token>``, and a check-in's ``/p/<token>`` and ``/desinscription/<token>``) is a
company's only key to its diagnostic. The same redaction is
applied by the Flask and werkzeug loggers (installed by :func:`init_app`) and by gunicorn's access
and error logs (``gunicorn.conf.py``).
"""
from __future__ import annotations

import logging
import re

from flask import Flask

KEPT = 4
# A private-link segment, in a path, a full URL (Referer) or a query string (plain or %-encoded).
_PRIVATE_LINK = re.compile(r"((?:/|%2[Ff])(?:a|p|desinscription)(?:/|%2[Ff]))([A-Za-z0-9_-]{" + str(KEPT)
                           + r"})[A-Za-z0-9_-]+")
# Anything shaped like a token wherever it appears (secrets.token_urlsafe(32) gives 43 characters
# of base64), so that a private link of another route, or a token pasted into a query string or a
# Referer, is not written either. Mixed case tells it from a long snake_case name in a traceback.
_TOKEN_LIKE = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{32,}(?![A-Za-z0-9_-])")


def _cut(match: re.Match) -> str:
    word = match.group(0)
    if word.lower() == word or word.upper() == word:
        return word
    return word[:KEPT] + "…"


def redact(text: str) -> str:
    """Return ``text`` with every private token cut to its first 4 characters and "…"."""
    text = _PRIVATE_LINK.sub(r"\1\2…", text)
    return _TOKEN_LIKE.sub(_cut, text)


class RedactingFilter(logging.Filter):
    """Redact private tokens from a record: its message, its arguments and its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            # Formatted once here (as a handler's Formatter would) so that the text can be redacted.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install(logger: logging.Logger) -> None:
    """Add the redacting filter to ``logger`` (once)."""
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(RedactingFilter())


def init_app(app: Flask) -> None:
    # Flask's own "Exception on /a/<token>/… [GET]" goes through app.logger; the development
    # server writes its request lines through werkzeug's logger.
    install(app.logger)
    install(logging.getLogger("werkzeug"))
