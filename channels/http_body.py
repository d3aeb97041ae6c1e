"""Reading webhook bodies with a hard size limit, and the header subset worth keeping with the raw bytes."""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web

KEPT_HEADERS = ("Content-Type", "User-Agent", "X-Request-Id", "X-Forwarded-For")


class BodyTooLarge(Exception):
    pass


async def read_body(request: web.Request, limit: int) -> bytes:
    """The whole body, or BodyTooLarge as soon as it passes `limit` (nothing is buffered past it)."""
    if request.content_length is not None and request.content_length > limit:
        raise BodyTooLarge
    chunks, size = [], 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def kept_headers(request: web.Request, extra: Iterable[str] = ()) -> dict[str, str]:
    """Never the Authorization header: secrets do not go into storage or logs."""
    names = (*KEPT_HEADERS, *extra)
    return {name: request.headers[name] for name in names if name in request.headers}


def problem(status: int, error: str, detail: str, **extra: object) -> web.Response:
    return web.json_response({"error": error, "detail": detail, **extra}, status=status)
