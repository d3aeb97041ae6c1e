"""What every channel's file download shares: the refusal that asking again will not mend (too large, the
link expired, the wrong type), and reading a response under a size cap without buffering past it."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp


class MediaRefused(Exception):
    """A file that cannot be stored: it stays a reference only, and the fetch is not retried."""


@dataclass(frozen=True)
class Downloaded:
    data: bytes
    mime: str


async def read_limited(resp: aiohttp.ClientResponse, limit: int) -> bytes:
    chunks, size = [], 0
    async for chunk in resp.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise MediaRefused(f"download passed the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
