#!/usr/bin/env bash
# Set everything up, prepare the embedded SQLite database and serve the app on http://127.0.0.1:8000
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export FLASK_APP=assessor
.venv/bin/flask init-db
HOST=${ASSESSOR_HOST:-127.0.0.1}
PORT=${ASSESSOR_PORT:-8000}
echo "==> assessor is served on http://$HOST:$PORT (Ctrl+C to stop)"
exec .venv/bin/gunicorn --config gunicorn.conf.py
