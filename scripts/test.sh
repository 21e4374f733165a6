#!/usr/bin/env bash
# Set everything up (Debian chromium included) and run the whole test suite, browser tests included.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
if [[ $status -eq 5 ]]; then
  echo "No test was collected: failing on purpose." >&2
  exit 1
fi
exit $status
