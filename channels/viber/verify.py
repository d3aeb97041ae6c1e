"""Viber's webhook check: X-Viber-Content-Signature, the hex HMAC-SHA256 of the raw body keyed by the bot's
auth token (Viber has no separate signing secret)."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Viber-Content-Signature"


def sign(auth_token: str, body: bytes) -> str:
    """Lowercase hex HMAC-SHA256(auth token, the exact received bytes), as Viber sends it."""
    return hmac.new(auth_token.encode(), body, hashlib.sha256).hexdigest()


def signature_ok(auth_token: str, body: bytes, header: str | None) -> bool:
    if not auth_token or not header:
        return False
    return hmac.compare_digest(sign(auth_token, body).encode(), header.strip().encode())
