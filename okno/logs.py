"""Logging set-up: one line per record, and a filter that keeps known secrets out of every line."""

from __future__ import annotations

import logging
import re

# Values after these words are masked wherever they appear in a log line.
_SECRET = re.compile(
    r"(?i)((?:token|secret|password|authorization|api[_-]?key)[\"']?\s*[:=]\s*[\"']?(?:bearer\s+)?)[^\s\"',}]+"
)


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _SECRET.sub(r"\1***", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def setup_logging(level: str = "INFO", *, jobs: bool = False) -> None:
    """`jobs`: keep arq's per-job lines (`→ okno:ingest:5:ingest(5)`, `← … ● accepted`) at INFO."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("aiohttp.access", "arq.worker", "arq.jobs", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    if jobs:
        logging.getLogger("arq.worker").setLevel(logging.INFO)
