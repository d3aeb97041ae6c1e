"""Signed file links (storage.blob_links): a link opens its one file under its own name and type until it
expires; a changed name, type, key or signature, or another install's key, opens nothing."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import unquote

from storage.blob_links import BlobLinks
from storage.types import utcnow

KEY = "ab" * 32


def _parts(url: str) -> tuple[str, str]:
    token, name = url.split("/files/", 1)[1].split("/")
    return token, unquote(name)


def test_a_link_opens_its_file_until_it_expires() -> None:
    now = utcnow()
    links = BlobLinks(b"k" * 32, "https://okno.example.ru/", clock=lambda: now)
    url = links.url(KEY, "Акт сверки.pdf", "application/pdf")
    assert url.startswith("https://okno.example.ru/files/") and url.endswith(
        "/%D0%90%D0%BA%D1%82%20%D1%81%D0%B2%D0%B5%D1%80%D0%BA%D0%B8.pdf"
    )
    token, name = _parts(url)
    assert links.read(token, name) == (KEY, "application/pdf")
    assert links.read(token, "Акт.pdf") is None  # another name
    assert links.read(token.replace(KEY, "cd" * 32), name) is None  # another file
    assert links.read(token[:-2] + ("AA" if not token.endswith("AA") else "BB"), name) is None
    assert links.read("not-a-token", name) is None and links.read("a.b.c.d", name) is None
    assert BlobLinks(b"x" * 32, "https://okno.example.ru").read(token, name) is None  # another install
    links.clock = lambda: now + timedelta(days=7, minutes=1)
    assert links.read(token, name) is None
