#!/usr/bin/env bash
# System packages the project needs beyond Python, installed only when missing (idempotent):
#   postgresql      the index's PostgreSQL tests start a temporary server (initdb/pg_ctl)
#   chromium        the console's browser tests drive it headless (never a downloaded browser)
#   fonts-noto-cjk  Chinese text in the console renders in the browser
# Needs root (or sudo) only when something is missing; does nothing otherwise.
set -euo pipefail

missing=()
have_pg() { ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; }
have_pg || missing+=(postgresql)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fc-list :lang=zh 2>/dev/null | grep -q . || missing+=(fonts-noto-cjk)

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
echo "installing system packages: ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
