"""Cookie sessions: JSON sealed with Fernet (AES-CBC + HMAC) under a key derived from okno's secret key."""

from __future__ import annotations

import base64
import json
import secrets
import time
from typing import Any

from aiohttp import web
from cryptography.fernet import Fernet, InvalidToken

from okno.keys import key_material
from okno.settings import Settings
from storage.crypto import derive_key

COOKIE = "okno_session"
MAX_AGE_S = 12 * 3600
SESSION = web.RequestKey("okno_web_session", dict)
MAX_TRACKED = 10_000


def session_key(settings: Settings) -> bytes:
    """A key of its own for sessions (HKDF), so a session cookie never opens a channel secret or back."""
    return base64.urlsafe_b64encode(derive_key(key_material(settings), b"okno web session v1"))


class CookieSessions:
    def __init__(self, key: bytes, *, secure: bool = False) -> None:
        self._fernet = Fernet(key)
        self.secure = secure

    def load(self, request: web.Request) -> dict[str, Any]:
        raw = request.cookies.get(COOKIE)
        if raw:
            try:
                data = json.loads(self._fernet.decrypt(raw.encode(), ttl=MAX_AGE_S))
            except (InvalidToken, ValueError):
                data = None
            if isinstance(data, dict) and data.get("v") == 1:
                return data
        return {"v": 1, "csrf": secrets.token_urlsafe(24)}

    def save(self, response: web.StreamResponse, data: dict[str, Any]) -> None:
        data = {**data, "t": int(time.time())}
        response.set_cookie(
            COOKIE,
            self._fernet.encrypt(json.dumps(data).encode()).decode(),
            max_age=MAX_AGE_S,
            httponly=True,
            samesite="Lax",
            secure=self.secure,
            path="/",
        )


class LoginLimiter:
    """At most `attempts` failed logins per client address and per login name within `window_s`."""

    def __init__(self, attempts: int = 5, window_s: float = 300.0) -> None:
        self.attempts, self.window_s = attempts, window_s
        self._failures: dict[str, list[float]] = {}

    def _recent(self, key: str, now: float) -> list[float]:
        kept = [t for t in self._failures.get(key, []) if now - t < self.window_s]
        self._failures[key] = kept
        return kept

    def blocked(self, *keys: str) -> bool:
        now = time.monotonic()
        return any(len(self._recent(k, now)) >= self.attempts for k in keys)

    def fail(self, *keys: str) -> None:
        now = time.monotonic()
        if len(self._failures) > MAX_TRACKED:  # guessing many names must not grow memory without bound
            self._failures = {k: v for k, v in self._failures.items() if self._recent(k, now)}
        for key in keys:
            self._recent(key, now).append(now)
