"""Where the Fernet key for channel secrets comes from: OKNO_SECRET_KEY, else a key file in the data dir."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from okno.settings import Settings
from storage.crypto import SecretBox

log = logging.getLogger(__name__)


def secret_box(settings: Settings) -> SecretBox:
    return SecretBox(key_material(settings))


def key_material(settings: Settings) -> str:
    """OKNO_SECRET_KEY, else the key file (created on first use): channel secrets are sealed with it, and the
    other keys (sessions, file links) are derived from it (storage.crypto.derive_key)."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    path = settings.data_dir / "secret.key"
    if not path.exists():
        _create_key_file(path)
        log.warning("OKNO_SECRET_KEY not set: created %s (back it up; channel secrets need it)", path)
    return path.read_text().strip()


def _create_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(SecretBox.new_key())
