#!/usr/bin/env bash
# One command for users: set everything up, then validate the graph and serve it on the
# embedded default store (Oxigraph): query UI at http://127.0.0.1:8000/, endpoint at /sparql.
# Extra arguments go to `hairkg serve` (e.g. --port 9000, --data more.trig).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/hairkg serve "$@"
