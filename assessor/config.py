"""Configuration: defaults, then environment variables prefixed ASSESSOR_."""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

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
    "ASSESSOR_PUBLIC_URL": ("PUBLIC_URL", str),
    "ASSESSOR_TRUSTED_HOSTS": ("TRUSTED_HOSTS", lambda v: [h.strip() for h in v.split(",") if h.strip()]),
}

# Host names accepted when neither ASSESSOR_PUBLIC_URL nor ASSESSOR_TRUSTED_HOSTS is set.
LOCAL_HOSTS = ("127.0.0.1", "localhost")


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
        # The address the public reaches the app at (https://diagnostic.example.org): every private
        # link shown is built from it, never from the request's Host header. Without it, requests
        # for a host outside TRUSTED_HOSTS (Flask's setting) get a 400 page (see public_settings).
        "PUBLIC_URL": None,
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


def public_settings(config: dict) -> dict:
    """Return PUBLIC_URL checked and without its final '/', and the TRUSTED_HOSTS that follow from it.

    A private link built from a forged Host header (``Host: evil.example``) would send the company's
    key elsewhere: links come from PUBLIC_URL when it is set; otherwise only the hosts of
    TRUSTED_HOSTS (by default this machine's own names) are served.
    """
    public_url, trusted_hosts = config.get("PUBLIC_URL") or None, config.get("TRUSTED_HOSTS")
    if public_url:
        parts = urlsplit(public_url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise RuntimeError(f"ASSESSOR_PUBLIC_URL must be the site's address, such as "
                               f"https://diagnostic.example.org (got {public_url!r})")
        public_url = public_url.rstrip("/")
    elif trusted_hosts is None:
        trusted_hosts = list(LOCAL_HOSTS)
    return {"PUBLIC_URL": public_url, "TRUSTED_HOSTS": trusted_hosts}


def instance_secret_key(instance_path: str) -> str:
    """Return the secret key kept in the instance folder, creating it on first use."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
