#!/usr/bin/env bash
# The test command: set-up, services, lint, the whole suite on SQLite, the storage-level tests on PostgreSQL.
# Prints the time of each stage. Extra arguments go to both pytest runs (e.g. -k merge).
set -uo pipefail
cd "$(dirname "$0")/.."

declare -a summary=()
failed=0
stage() {  # stage NAME COMMAND...
  local name=$1; shift
  local t0=$(date +%s)
  echo "=== $name"
  "$@"
  local rc=$?
  # pytest exits 5 when a selection holds no test: that is a wiring fault here, never a pass.
  summary+=("$(printf '%-28s %4ss  %s' "$name" $(( $(date +%s) - t0 )) "$([ $rc = 0 ] && echo ok || echo "FAILED ($rc)")")")
  [ $rc = 0 ] || failed=1
  return $rc
}

stage "set-up" bash scripts/setup.sh || { printf '%s\n' "${summary[@]}"; exit 1; }
stage "services (PostgreSQL, Redis)" bash scripts/services.sh
stage "ruff" .venv/bin/ruff check .
stage "ruff format" .venv/bin/ruff format --check --quiet .
stage "mypy --strict" .venv/bin/mypy .
stage "tests on SQLite" .venv/bin/pytest -q "$@"
OKNO_TEST_DB=postgres stage "storage tests on PostgreSQL" .venv/bin/pytest -q -m storage "$@"

echo
echo "=== stage times"
printf '%s\n' "${summary[@]}"
exit $failed
