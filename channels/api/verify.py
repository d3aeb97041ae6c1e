"""Bearer tokens in, HMAC-SHA256 signatures out (the receiver checks `X-Okno-Signature`)."""

from __future__ import annotations

import hashlib
import hmac

from aiohttp import web

SIGNATURE_HEADER = "X-Okno-Signature"
TIMESTAMP_HEADER = "X-Okno-Timestamp"
DELIVERY_HEADER = "X-Okno-Delivery"


def bearer_token(request: web.Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """sha256=HEX of HMAC(secret, "<timestamp>.<body>"): the timestamp stops replays of old deliveries."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signature_ok(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, timestamp, body), signature)
