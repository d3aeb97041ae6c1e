"""`okno serve` starts without the assistant's heavy libraries: langchain and chromadb load with the first
model or index (in workers), not on every web process's start-up (seconds and ~50 MB each)."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("langchain_core", "langchain_community", "chromadb")
PROBE = f"""
import sys, okno.app
print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})[:5])
"""


def test_the_web_app_does_not_import_langchain_or_chromadb() -> None:
    out = subprocess.run(  # noqa: S603 (this interpreter, a fixed probe)
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]", out.stdout
