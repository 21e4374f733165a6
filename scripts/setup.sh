#!/usr/bin/env bash
# Prepare a fresh machine: Debian packages (when root), the virtual environment at .venv/,
# the Python packages and the compiled translations. Safe to run again: it skips what is done.
# Usage: scripts/setup.sh [--test]   (--test also installs the browser and test tools)
set -euo pipefail
cd "$(dirname "$0")/.."

WITH_TEST=0
[[ "${1:-}" == "--test" ]] && WITH_TEST=1

apt_packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b)
# redis-server: the tests run the queue on a real Redis too (started by a fixture on a free port).
(( WITH_TEST )) && apt_packages+=(chromium fonts-dejavu-core poppler-utils redis-server)

missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if (( ${#missing[@]} )); then
  if [[ $(id -u) -eq 0 ]]; then
    echo "==> Installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "==> Missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
if [[ ! -x .venv/bin/python ]]; then
  echo "==> Creating the virtual environment .venv/ with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi

extras=""
(( WITH_TEST )) && extras="[test]"
stamp=".venv/.installed${extras}"
if [[ ! -f "$stamp" || pyproject.toml -nt "$stamp" ]]; then
  echo "==> Installing Python packages"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extras}"
  touch "$stamp"
fi

echo "==> Compiling translations"
.venv/bin/pybabel compile --use-fuzzy -d assessor/translations >/dev/null 2>&1 || \
  .venv/bin/pybabel compile -d assessor/translations
