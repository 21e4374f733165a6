"""Configuration: defaults, then environment variables prefixed ASSESSOR_."""
from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
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
    "ASSESSOR_CONTROLLER_NAME": ("CONTROLLER_NAME", str),
    "ASSESSOR_CONTROLLER_CONTACT": ("CONTROLLER_CONTACT", str),
    "ASSESSOR_DPO_CONTACT": ("DPO_CONTACT", str),
    "ASSESSOR_RETENTION_DRAFT_DAYS": ("RETENTION_DRAFT_DAYS", int),
    "ASSESSOR_RETENTION_DAYS": ("RETENTION_DAYS", int),
    "ASSESSOR_PUBLIC_URL": ("PUBLIC_URL", str),
    "ASSESSOR_TRUSTED_HOSTS": ("TRUSTED_HOSTS", lambda v: [h.strip() for h in v.split(",") if h.strip()]),
    "ASSESSOR_SMTP_HOST": ("SMTP_HOST", str),
    "ASSESSOR_SMTP_PORT": ("SMTP_PORT", int),
    "ASSESSOR_SMTP_USER": ("SMTP_USER", str),
    "ASSESSOR_SMTP_PASSWORD": ("SMTP_PASSWORD", str),
    "ASSESSOR_SMTP_FROM": ("SMTP_FROM", str),
    "ASSESSOR_SMTP_TLS": ("SMTP_TLS", str),
    "ASSESSOR_REDIS_URL": ("REDIS_URL", str),
    "ASSESSOR_QUEUE_IMMEDIATE": ("QUEUE_IMMEDIATE", lambda v: v.lower() in ("1", "true", "yes")),
}

# The data controller (GDPR article 13): the organisation that deploys assessor, shown on the
# privacy page. Without them the page says they are missing and the start-up logs a warning.
CONTROLLER_SETTINGS = ("CONTROLLER_NAME", "CONTROLLER_CONTACT", "DPO_CONTACT")

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
        # Over HTTPS, Flask-WTF also wants a Referer from this site; pages send none
        # (Referrer-Policy: no-referrer: a private link must not travel in a Referer), so every form
        # was refused behind HTTPS. The CSRF token and SameSite cookies remain the protection.
        "WTF_CSRF_SSL_STRICT": False,
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
        # Failed advisor logins (auth.py): past LOGIN_MAX_FAILURES for one e-mail from one client
        # address (LOGIN_MAX_FAILURES_PER_IP for the address, whatever the e-mail), each attempt from
        # there waits 1, 2, 4... seconds after the last failure, at most LOGIN_LOCK_SECONDS. A counter
        # is forgotten LOGIN_FORGET_SECONDS after its last failure.
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_MAX_FAILURES_PER_IP": 20,
        "LOGIN_LOCK_SECONDS": 15 * 60,
        "LOGIN_FORGET_SECONDS": 24 * 3600,
        "CONTROLLER_NAME": "",
        "CONTROLLER_CONTACT": "",
        "DPO_CONTACT": "",
        # Retention, enforced by ``flask retention purge``: a draft nobody touched for six months is
        # abandoned; a diagnostic is kept three years, the time of a support programme and of the
        # follow-ups that measure its effect (CNIL: no longer than the purpose needs).
        "RETENTION_DRAFT_DAYS": 183,
        "RETENTION_DAYS": 3 * 365,
        # Mail (jobs/mail.py): off while SMTP_HOST or SMTP_FROM is empty; then no page offers to send.
        "SMTP_HOST": "",
        "SMTP_PORT": None,  # 587, or 465 with SMTP_TLS = "ssl"
        "SMTP_USER": "",
        "SMTP_PASSWORD": "",
        "SMTP_FROM": "",
        "SMTP_TLS": "starttls",
        # Sent in the request for now: a server that does not answer must not hold the page long.
        "SMTP_TIMEOUT": 10,
        # The private link is mailed at most once in this many seconds per diagnostic, so that the
        # button cannot flood the company's mailbox.
        "RESUME_MAIL_INTERVAL": 60,
        "RESUME_MAIL_PER_ADDRESS_HOUR": 5,
        # The task queue (jobs/queue.py): Huey on this SQLite file, or on Redis when REDIS_URL is set
        # (render workers on other machines; rendered reports then go through Redis too).
        "QUEUE_DATABASE": os.path.join(instance_path, "queue.sqlite3"),
        "REDIS_URL": None,
        # Run each job inside the request that asks for it, without a worker. None: on when TESTING.
        "QUEUE_IMMEDIATE": None,
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


def zone():
    """Return the service's time zone: the application's ``TIMEZONE`` (``ASSESSOR_TIMEZONE``), or
    Europe/Paris outside an application. The layers above the store call this; the domain and the
    store are given the zone as an argument."""
    from flask import current_app, has_app_context

    from .domain import clock

    return clock.zone(current_app.config.get("TIMEZONE", clock.DEFAULT_TIMEZONE) if has_app_context()
                      else clock.DEFAULT_TIMEZONE)
