#!/usr/bin/env bash
# One command for developers and CI: set everything up, then lint, type-check and test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
echo "== ruff" && .venv/bin/ruff check server tests bench scripts
echo "== ruff format" && .venv/bin/ruff format --check server tests bench scripts
echo "== mypy" && .venv/bin/mypy
echo "== turtle layout" && .venv/bin/hairkg fmt --check
# Two test processes: most tests wait on a server or a subprocess, so one process leaves the
# second core idle (on 2 cores, from a fresh clone: 9 min 40 s of pytest in one process,
# 7 min 15 s in two). A module stays in one process (--dist loadfile), so its fixtures start
# once. HAIRKG_TEST_PROCESSES=0 runs in one.
echo "== pytest" && .venv/bin/python -m pytest -n "${HAIRKG_TEST_PROCESSES:-2}" --dist loadfile "$@"
