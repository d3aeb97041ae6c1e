"""Where a reply's quoted history begins: what the sender wrote now is what the assistant judges, the page
shows unfolded and a rating is read from."""

from __future__ import annotations

import re

# The line that starts the quoted part of a reply, in the forms common mail clients write (ru, uk, en).
_QUOTE_HEADER = re.compile(
    r"^(-{2,}\s*(original message|исходное сообщение|пересылаемое сообщение|forwarded message)"
    r"|on .{3,120} wrote:\s*$"
    r"|.{3,160}(писал|писала|пише|написал|написала|написав|wrote)\(?а?\)?:\s*$"
    r"|from:\s.+|от:\s.+)",
    re.IGNORECASE,
)


def strip_email_quotes(text: str) -> str:
    """Keep what the sender wrote now: drop '>' lines and everything from a reply header on."""
    kept: list[str] = []
    for line in text.splitlines():
        if _QUOTE_HEADER.match(line.strip()):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept).strip()
