#!/usr/bin/env bash
# Copies the query editor's build from the npm package pinned in package-lock.json into the
# Python package (server/hairkg/web/static/yasgui/). Run after changing the pinned version.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
cp node_modules/@zazuko/yasgui/build/yasgui.min.js node_modules/@zazuko/yasgui/build/yasgui.min.css \
  server/hairkg/web/static/yasgui/
echo "update-yasgui: copied @zazuko/yasgui $(node -p "require('@zazuko/yasgui/package.json').version")"
