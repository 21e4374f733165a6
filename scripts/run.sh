#!/usr/bin/env bash
# Set everything up, prepare the embedded SQLite database and serve the app on http://127.0.0.1:8000,
# with one render worker beside the web server; Ctrl+C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export FLASK_APP=assessor
.venv/bin/flask init-db
HOST=${ASSESSOR_HOST:-127.0.0.1}
PORT=${ASSESSOR_PORT:-8000}

pids=()
stop() {
  trap - INT TERM EXIT
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop INT TERM EXIT
# The PDF reports are rendered by this worker (Huey's consumer), at a lower CPU priority than the
# web workers: pages stay fast while reports render.
nice -n 10 .venv/bin/flask worker &
pids+=($!)
.venv/bin/gunicorn --config gunicorn.conf.py &
pids+=($!)
echo "==> assessor is served on http://$HOST:$PORT with a render worker (Ctrl+C to stop)"
# Either one stopping (a crash, a port in use) stops the other.
wait -n "${pids[@]}"
