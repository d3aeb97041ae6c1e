"""Public links to okno's files, signed and expiring (a presigned URL, as S3 gives one), for a platform that
takes a file only by its URL: Viber fetches what a manager attaches from such a link. Whoever holds the link
reads that one file until it expires; nothing else can be named by it."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import quote

from storage.types import utcnow

# Viber fetches a file when it is sent; a week covers its retries and a client opening it from the chat later
TTL = timedelta(days=7)
PATH = "/files"


class BlobLinks:
    def __init__(
        self,
        key: bytes,
        base_url: str,
        *,
        ttl: timedelta = TTL,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._key = key
        self.base_url = base_url.rstrip("/")
        self.ttl = ttl
        self.clock = clock

    def url(self, blob_key: str, filename: str, mime: str) -> str:
        """A link to the blob under this name and type (the name ends the path: Viber wants a video's URL to
        end in .mp4)."""
        expires = int((self.clock() + self.ttl).timestamp())
        mime_part = base64.urlsafe_b64encode(mime.encode()).decode().rstrip("=")
        token = f"{blob_key}.{expires}.{mime_part}.{self._sign(blob_key, expires, mime, filename)}"
        return f"{self.base_url}{PATH}/{token}/{quote(filename, safe='')}"

    def read(self, token: str, filename: str) -> tuple[str, str] | None:
        """(blob key, mime) of a link this install made and whose time has not run out; None otherwise."""
        parts = token.split(".")
        if len(parts) != 4 or not parts[1].isdigit():
            return None
        blob_key, expires, mime_part, signature = parts[0], int(parts[1]), parts[2], parts[3]
        try:
            mime = base64.urlsafe_b64decode(mime_part + "=" * (-len(mime_part) % 4)).decode()
        except (ValueError, UnicodeDecodeError):
            return None
        expected = self._sign(blob_key, expires, mime, filename)
        if not hmac.compare_digest(signature.encode(), expected.encode()):
            return None
        if expires < self.clock().timestamp():
            return None
        return blob_key, mime

    def _sign(self, blob_key: str, expires: int, mime: str, filename: str) -> str:
        message = "\n".join((blob_key, str(expires), mime, filename)).encode()
        digest = hmac.new(self._key, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")
