"""Where the shared corpus of real platform payloads lives: ../shared/corpus beside the repository
(OKNO_CORPUS overrides). Tests fail, never skip, when it is missing."""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("OKNO_CORPUS", ROOT.parent / "shared" / "corpus"))


def corpus_files(pattern: str) -> list[Path]:
    """Sorted files matching a glob under the corpus, e.g. 'telegram/*.json'."""
    if not CORPUS.is_dir():
        raise FileNotFoundError(f"corpus not found at {CORPUS}: set OKNO_CORPUS")
    return sorted(CORPUS.glob(pattern))


def indexed_count(channel_path: str) -> int:
    """The file count the corpus INDEX.md gives for a path such as 'telegram/*.json'."""
    index = (CORPUS / "INDEX.md").read_text(encoding="utf-8")
    match = re.search(rf"\|\s*`{re.escape(channel_path)}`\s*\|\s*(\d+)\s*\|", index)
    if match is None:
        raise LookupError(f"{channel_path} is not counted in {CORPUS / 'INDEX.md'}")
    return int(match.group(1))
