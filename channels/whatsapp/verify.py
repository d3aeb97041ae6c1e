"""Meta's webhook checks: the GET subscribe handshake and the X-Hub-Signature-256 HMAC over raw bytes."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

SIGNATURE_HEADER = "X-Hub-Signature-256"


def sign(app_secret: str, body: bytes) -> str:
    """'sha256=' + lowercase hex HMAC-SHA256(app secret, the exact received bytes)."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def signature_ok(app_secret: str, body: bytes, header: str | None) -> bool:
    if not app_secret or not header:
        return False
    return hmac.compare_digest(sign(app_secret, body).encode(), header.strip().encode())


def challenge_answer(verify_token: str, query: Mapping[str, str]) -> str | None:
    """The challenge to echo when Meta's handshake names our token, else None (answer 403)."""
    if query.get("hub.mode") != "subscribe" or not verify_token:
        return None
    offered = query.get("hub.verify_token", "")
    if not hmac.compare_digest(offered.encode(), verify_token.encode()):
        return None
    return query.get("hub.challenge") or None
