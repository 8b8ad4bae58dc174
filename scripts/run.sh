#!/usr/bin/env bash
# One command for users: set everything up, then start hairkg on the embedded default store.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/hairkg stats "$@"
