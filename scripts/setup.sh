#!/usr/bin/env bash
# Sets up what hairkg needs, from the project's own files:
#   scripts/setup.sh          Python in ./.venv (PyPI, from pyproject.toml): what running needs
#   scripts/setup.sh --test   also the test tools: Debian's Chromium and its WebDriver for the
#                             browser test (scripts/setup-system.sh, apt) and the npm packages
#                             of package-lock.json (to check the vendored query editor)
# Safe to run again: each step is skipped when what it installs is there and its input has
# not changed since its last successful run.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
with_tests=0
[ "${1:-}" = "--test" ] && with_tests=1
say() { echo "setup: $*" >&2; }

if [ "$with_tests" -eq 1 ]; then
  scripts/setup-system.sh
  npm_stamp=node_modules/.hairkg-installed
  npm_want="$(sha256sum package-lock.json | cut -d' ' -f1)"
  if [ ! -f "$npm_stamp" ] || [ "$(cat "$npm_stamp")" != "$npm_want" ]; then
    if command -v npm >/dev/null 2>&1; then
      say "installing the npm packages of package-lock.json"
      npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
      echo "$npm_want" > "$npm_stamp"
    else
      say "npm is missing; the check of the vendored query editor against npm will skip"
    fi
  fi
  scripts/setup-kgx.sh
fi

if [ ! -x .venv/bin/python ]; then
  say "creating the virtual environment .venv with $("$PYTHON" --version)"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.hairkg-installed
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ "$with_tests" -eq 1 ]; then
  extras="[test]"
else
  extras=""
fi
current="$(cat "$stamp" 2>/dev/null || true)"
# an install with the test extra also serves running
if [ "$current" != "$want[test]" ] && [ "$current" != "$want$extras" ]; then
  say "installing hairkg${extras} and its dependencies from PyPI into .venv (a minute or two)"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extras}"
  echo "$want$extras" > "$stamp"
fi

# Compute the OWL-RL inferences of the shipped graph once now (about 4 s), so that the
# server's first start reads them from the cache (keyed by the input files' bytes).
say "preparing the shipped graph's inferences (cached after the first time)"
.venv/bin/hairkg stats > /dev/null
