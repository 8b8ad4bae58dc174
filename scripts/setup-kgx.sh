#!/usr/bin/env bash
# The kgx validator in its own virtual environment, .venv-kgx, for tests/test_kgx_export.py.
#
# kgx 2.7.0 cannot share .venv with hairkg: it pins click<8.2 while the newest linkml,
# linkml-runtime and linkml-map it pulls in need click>=8.2, so pip finds no solution
# unless those three are held back (the pins below); they would also downgrade packages
# hairkg's own tools use. hairkg writes KGX itself (server/hairkg/export/kgx.py); this
# environment only checks the files. Safe to run again (skipped when up to date).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
pins=(kgx==2.7.0 "click<8.2" linkml-map==0.5.1 "linkml<1.11" "linkml-runtime<1.11")
want="${pins[*]}"
stamp=.venv-kgx/.hairkg-installed
if [ -x .venv-kgx/bin/python ] && [ "$(cat "$stamp" 2>/dev/null || true)" = "$want" ]; then
  exit 0
fi
echo "setup: installing the kgx validator into .venv-kgx (isolated from .venv)" >&2
"$PYTHON" -m venv .venv-kgx
.venv-kgx/bin/python -m pip install --quiet --disable-pip-version-check "${pins[@]}"
echo "$want" > "$stamp"
