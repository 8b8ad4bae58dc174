#!/usr/bin/env bash
# Installs the system packages hairkg needs when they are missing: Node.js/npm (to install the
# query editor's YASGUI files), Debian's Chromium and its WebDriver (for the browser test),
# Virtuoso Open Source (a remote store for the --store sparql tests) and HAProxy (the load
# balancer of the replica tests).
# Safe to run again. Needs root, or sudo without a password.
# Without either it prints what to install and exits 0, so that the rest of the setup goes on
# (the browser test then skips, naming the reason).
set -euo pipefail
packages=()
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
[ -x /usr/bin/chromium ] || packages+=(chromium)
[ -x /usr/bin/chromedriver ] || packages+=(chromium-driver)
[ -x /usr/bin/virtuoso-t ] || packages+=(virtuoso-opensource)
[ -x /usr/sbin/haproxy ] || packages+=(haproxy)
if [ "${#packages[@]}" -eq 0 ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-system: apt-get not found; install ${packages[*]} by hand to run the" \
    "tests that need them (they skip, naming the reason, without)" >&2
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "setup-system: ${packages[*]} missing, and this user" \
    "can neither install packages nor use sudo without a password. Run as root:" >&2
  echo "  apt-get update && apt-get install -y --no-install-recommends ${packages[*]}" >&2
  exit 0
fi
echo "setup-system: installing ${packages[*]} with apt-get"
export DEBIAN_FRONTEND=noninteractive
if ! { "${as_root[@]}" apt-get update -qq &&
  "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null; }; then
  echo "setup-system: apt-get could not install ${packages[*]}" >&2
  exit 0
fi
