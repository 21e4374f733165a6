"""gunicorn settings for assessor, read by every way of starting it (`gunicorn -c gunicorn.conf.py`,
and gunicorn reads ./gunicorn.conf.py by default when started from the project root)."""
import os
import re

from gunicorn.glogging import Logger, SafeAtoms

from assessor.web.logs import install as redact_logger
from assessor.web.logs import redact

host = os.environ.get("ASSESSOR_HOST", "127.0.0.1")
port = os.environ.get("ASSESSOR_PORT", "8000")
bind = f"{host}:{port}"
workers = int(os.environ.get("ASSESSOR_WORKERS", "2"))
timeout = 60
max_requests = 500
max_requests_jitter = 50
accesslog = "-"
wsgi_app = "assessor:create_app()"

# gunicorn's control socket (for `gunicornc`) defaults to one path per user,
# ~/.gunicorn/gunicorn.ctl: a second instance on the machine took it over, and stopping either
# deleted the other's. Each instance gets its own, named after its address, in the instance folder
# next to the database: `gunicornc -s instance/gunicorn-127.0.0.1-8000.ctl -c "show workers"`.
_instance = os.environ.get("ASSESSOR_INSTANCE_PATH") or os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                                     "instance")
os.makedirs(_instance, exist_ok=True)
control_socket = os.path.join(_instance, "gunicorn-" + re.sub(r"[^A-Za-z0-9.]+", "-", bind).strip("-") + ".ctl")


class _RedactedAtoms(SafeAtoms):
    """Access log atoms in which a private link's token is cut to 4 characters and "…": the
    request line, path, query string, Referer and any header or environ value a format names."""

    def __getitem__(self, key):
        value = super().__getitem__(key)
        return redact(value) if isinstance(value, str) else value


class RedactingLogger(Logger):
    """gunicorn's logger, writing no private link in its access log nor in its error log (which
    also receives Flask's log through wsgi.errors, redacted by the app itself)."""

    atoms_wrapper_class = _RedactedAtoms

    def setup(self, cfg):
        super().setup(cfg)
        redact_logger(self.error_log)  # "Error handling request /a/<token>/…"


logger_class = RedactingLogger
