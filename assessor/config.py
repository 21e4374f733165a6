"""Configuration: defaults, then environment variables prefixed ASSESSOR_."""
from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Environment variable → (config key, parser)
_ENV = {
    "ASSESSOR_SECRET_KEY": ("SECRET_KEY", str),
    "ASSESSOR_DATABASE": ("DATABASE", str),
    "ASSESSOR_QUESTIONNAIRES": ("QUESTIONNAIRES_DIR", str),
    "ASSESSOR_REPORT_CACHE": ("REPORT_CACHE_DIR", str),
    "ASSESSOR_SECURE_COOKIES": ("SESSION_COOKIE_SECURE", lambda v: v.lower() in ("1", "true", "yes")),
    "ASSESSOR_MAX_CONTENT_LENGTH": ("MAX_CONTENT_LENGTH", int),
    "ASSESSOR_TIMEZONE": ("TIMEZONE", str),
    "ASSESSOR_TRUSTED_PROXIES": ("TRUSTED_PROXIES", int),
}


def defaults(instance_path: str) -> dict:
    """Return the default settings, with files under the instance folder."""
    return {
        "DATABASE": os.path.join(instance_path, "assessor.sqlite3"),
        "QUESTIONNAIRES_DIR": str(PROJECT_ROOT / "questionnaires"),
        "REPORTS_DIR": str(PROJECT_ROOT / "reports"),
        "REPORT_CACHE_DIR": os.path.join(instance_path, "report-cache"),
        "QUESTIONNAIRE_ID": "ai-maturity",
        "MAX_CONTENT_LENGTH": 256 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        # Forms keep working for a whole working day; an expired token re-shows the form anyway.
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "BABEL_DEFAULT_LOCALE": "fr",
        # Days shown and printed are those of this zone; timestamps are stored in UTC (clock.py).
        "TIMEZONE": "Europe/Paris",
        # Reverse proxies in front of the app whose X-Forwarded-* headers are believed (0: none).
        # Behind one, set 1: the private links shown to companies then carry the public scheme
        # and host, and failed logins are counted per client address, not for the proxy.
        "TRUSTED_PROXIES": 0,
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent / "translations"),
        "LANGUAGES": ("fr", "en"),
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_LOCK_SECONDS": 15 * 60,
    }


def from_environment(environ=os.environ) -> dict:
    """Return the settings given by ASSESSOR_* environment variables."""
    settings = {}
    for variable, (key, parse) in _ENV.items():
        if environ.get(variable):
            settings[key] = parse(environ[variable])
    return settings


def instance_secret_key(instance_path: str) -> str:
    """Return the secret key kept in the instance folder, creating it on first use.

    gunicorn's workers start together: the key is written to a private temporary file, then
    linked into place, so that one of them wins and none reads it half-written (each worker
    failed, or signed with its own key, and a form sent by one was refused by the other).
    """
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret_key-")  # mode 0600
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
            with contextlib.suppress(FileExistsError):  # another process was first: its key holds
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    return path.read_text().strip()
