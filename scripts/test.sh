#!/usr/bin/env bash
# One command for developers and CI: set everything up, then lint, type-check and test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
echo "== ruff" && .venv/bin/ruff check server tests bench scripts
echo "== ruff format" && .venv/bin/ruff format --check server tests bench scripts
echo "== mypy" && .venv/bin/mypy
echo "== turtle layout" && .venv/bin/hairkg fmt --check
echo "== pytest" && .venv/bin/python -m pytest "$@"
