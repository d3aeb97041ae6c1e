#!/usr/bin/env bash
# Idempotent set-up: Debian packages, .venv at the repo root, the locked Python packages, okno itself.
# A second run with nothing changed takes well under a second.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
STAMP=.venv/.okno-setup-stamp
want=$(cat requirements.lock pyproject.toml scripts/apt-packages.txt scripts/setup.sh | sha256sum | cut -d' ' -f1)

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && [ -x .venv/bin/okno ]; then
  exit 0
fi

started=$(date +%s)
packages=$( (grep -v '^\s*#' scripts/apt-packages.txt || true) | xargs -r echo)
if [ -n "$packages" ]; then
  missing=$(for p in $packages; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done | xargs -r echo)
  if [ -n "$missing" ]; then
    echo "setup: installing Debian packages: $missing"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check "uv>=0.4" 2>&1 | grep -v '^WARNING: Location' || true
echo "setup: installing locked Python packages"
.venv/bin/uv pip install -q --python .venv/bin/python -r requirements.lock
.venv/bin/uv pip install -q --python .venv/bin/python --no-deps -e .
echo "$want" > "$STAMP"
echo "setup: done in $(( $(date +%s) - started ))s"
