"""Channel secrets at rest: Fernet (AES-128-CBC + HMAC) under OKNO_SECRET_KEY."""

from __future__ import annotations

import json

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class SecretBox:
    def __init__(self, key: str | bytes) -> None:
        self._fernet = Fernet(key.encode() if isinstance(key, str) else key)

    @staticmethod
    def new_key() -> str:
        return Fernet.generate_key().decode()

    def seal(self, secrets: dict[str, str]) -> str:
        return self._fernet.encrypt(json.dumps(secrets, sort_keys=True).encode()).decode()

    def open(self, sealed: str) -> dict[str, str]:
        if not sealed:
            return {}
        try:
            data = json.loads(self._fernet.decrypt(sealed.encode()))
        except InvalidToken as exc:
            raise ValueError("channel secrets cannot be decrypted: OKNO_SECRET_KEY changed?") from exc
        return {str(k): str(v) for k, v in data.items()}


def derive_key(material: str, purpose: bytes) -> bytes:
    """A key of its own for one purpose (HKDF over OKNO_SECRET_KEY's material): a session cookie or a file
    link never opens a channel secret, nor one another."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(material.encode())
