"""Header access that never raises: policy.default first, the compat32 view of the same bytes as fallback."""

from __future__ import annotations

import email
import email.header
import email.policy
import email.utils
import re
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from channels.email.charsets import decode_bytes, repair_header

MSG_ID = re.compile(r"<([^<>\s]+)>")


@dataclass
class Headers:
    """One message's headers, read leniently. `modern` is policy.default, `legacy` compat32 (lazy)."""

    modern: Message
    raw: bytes
    _legacy: Message | None = field(default=None, repr=False)

    @property
    def legacy(self) -> Message:
        if self._legacy is None:
            self._legacy = email.message_from_bytes(self.raw, policy=email.policy.compat32)
        return self._legacy

    def get(self, name: str) -> str | None:
        try:
            value = self.modern.get(name)
            text = None if value is None else str(value)
        except Exception:  # the modern header parser gives up on some broken values
            text = _legacy_value(self.legacy.get(name))
        if text is None:
            return None
        return " ".join(repair_header(text).split()) or None

    def addresses(self, name: str) -> list[tuple[str, str]]:
        """(display name, address) pairs; broken groups and 8-bit names survive."""
        try:
            header: Any = self.modern.get(name)
            if header is None:
                return []
            pairs = [(a.display_name, a.addr_spec) for a in header.addresses]
        except Exception:
            value = self.get(name)
            pairs = email.utils.getaddresses([value]) if value else []
        return [(repair_header(n or ""), repair_header(a).strip()) for n, a in pairs if a and "@" in a]

    def ids(self, name: str) -> list[str]:
        value = self.get(name)
        return message_ids(value) if value else []


def message_ids(value: str) -> list[str]:
    """Message-IDs in a header value, without angle brackets, in order, without repeats."""
    found = MSG_ID.findall(value) or [w for w in value.split() if "@" in w]
    return list(dict.fromkeys(f.strip("<>") for f in found if f.strip("<>")))


def _legacy_value(value: Any) -> str | None:
    if value is None:
        return None
    try:
        pieces = email.header.decode_header(value)
    except Exception:
        return str(value)
    out = []
    for chunk, charset in pieces:
        out.append(decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk)
    return "".join(out)


def open_message(raw: bytes) -> Headers:
    return Headers(email.message_from_bytes(raw, policy=email.policy.default), raw)


def decode_words(value: str) -> str:
    """Encoded-words left in a value (compat32 filenames): decoded, mojibake repaired."""
    if "=?" in value:
        value = _legacy_value(value) or value
    return repair_header(value)
