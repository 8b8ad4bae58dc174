#!/usr/bin/env bash
# Sets up everything hairkg needs: the system packages of the browser test (Chromium and its
# WebDriver, see setup-system.sh), the query UI's browser assets in ./node_modules (npm, from
# package-lock.json) and Python in ./.venv (PyPI). Safe to run again: each step is skipped
# when what it installs is there and its input (package-lock.json, pyproject.toml) has not
# changed since its last successful run.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"

scripts/setup-system.sh

npm_stamp=node_modules/.hairkg-installed
npm_want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -f "$npm_stamp" ] || [ "$(cat "$npm_stamp")" != "$npm_want" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "setup: npm is missing; install Node.js and npm (Debian: apt-get install nodejs npm)," \
      "then run this script again: the query UI needs the YASGUI files it installs" >&2
    exit 1
  fi
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
  echo "$npm_want" > "$npm_stamp"
fi

if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.hairkg-installed
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[test]"
  echo "$want" > "$stamp"
fi

# Compute the OWL-RL inferences of the shipped graph once now (about 4 s), so that the
# server's first start reads them from the cache (keyed by the input files' bytes).
.venv/bin/hairkg stats > /dev/null
