"""A stored file as a browser or a platform gets it: shown in place or downloaded under its own name, never
run (a CSP sandbox), its type never sniffed."""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web


def file_response(
    data: bytes, mime: str, *, name: str, inline: bool, headers: dict[str, str] | None = None
) -> web.Response:
    disposition = "inline" if inline else "attachment"
    return web.Response(
        body=data,
        content_type=mime,
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(name, safe='')}",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "X-Content-Type-Options": "nosniff",
            **(headers or {}),
        },
    )
