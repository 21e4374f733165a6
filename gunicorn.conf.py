"""gunicorn settings for assessor, read by every way of starting it (`gunicorn -c gunicorn.conf.py`,
and gunicorn reads ./gunicorn.conf.py by default when started from the project root)."""
import os

bind = f"{os.environ.get('ASSESSOR_HOST', '127.0.0.1')}:{os.environ.get('ASSESSOR_PORT', '8000')}"
workers = int(os.environ.get("ASSESSOR_WORKERS", "2"))
timeout = 60
max_requests = 500
max_requests_jitter = 50
accesslog = "-"
wsgi_app = "assessor:create_app()"
