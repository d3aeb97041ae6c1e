"""Blob storage: content-addressed, deduplicated, no half-written files."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pytest

from storage.blobs import FileBlobStore


def files_under(root: Path) -> list[str]:
    return [p.name for p in root.rglob("*") if p.is_file()]


async def test_put_get_dedupe_delete(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path)
    key = await store.put(b"%PDF-1.4 invoice")
    assert key == hashlib.sha256(b"%PDF-1.4 invoice").hexdigest()
    assert await store.put(b"%PDF-1.4 invoice") == key
    assert await asyncio.to_thread(files_under, tmp_path) == [key]  # stored once, no temp files left
    assert await store.get(key) == b"%PDF-1.4 invoice"
    await store.delete(key)
    assert not await store.exists(key)


def test_keys_cannot_escape_the_root(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="sha256"):
        FileBlobStore(tmp_path).path("../../etc/passwd")
