#!/usr/bin/env bash
# One command for users: set up what running needs (Python packages only), then validate the
# graph and serve it on the embedded default store (Oxigraph): query UI at
# http://127.0.0.1:8000/, endpoint at /sparql. Extra arguments go to `hairkg serve`
# (e.g. --port 9000, --data more.trig); relative paths are read from where you ran this.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/setup.sh"
exec "$root/.venv/bin/hairkg" serve "$@"
